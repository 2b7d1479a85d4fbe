/**
 * `--format table`: one cli-table3 table per capture, one row per connection,
 * and the summary under it. Pure: the document in, the text out.
 */
import { decodeLine } from './rows.ts';
import Table from 'cli-table3';
import type { AnalysisDocument, CaptureReport, ConnectionReport, Settings } from '../report/types.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMN_PRIORITY } from './columns.ts';
import { COLUMNS, type Row, type Summary, allConnections, headers, row, summarize, summaryLines } from './rows.ts';
import { termText } from './escape/terminal.ts';
import { displayWidth, palette, type Palette, stripAnsi } from './text.ts';
import { abbreviateEndpoint, fitCells, fitColumns, longestWord, textWidth, wrapCell } from './fit.ts';

export interface TableOptions {
  lang: Lang;
  /** ANSI colour (only when writing to a terminal). */
  color: boolean;
  /** Terminal columns to fit in (cli/width.ts); null or absent: the full layout of every column. */
  width?: number | null;
  /** The columns to show, in this order (--columns); null or absent: every column, or those that fit. */
  columns?: readonly (keyof Row)[] | null;
}

/** The least content width of a column before it is dropped (when its content is wider). */
const MIN_WIDTH: Record<keyof Row, number> = {
  stream: 6, client: 15, server: 15, activeCloser: 6, timeWait: 18, close: 10, finalStates: 11, handshake: 10, finRetx: 5, reset: 12, halfClose: 10, notes: 16,
};

/** Header lines wrap at ` (` so the table stays narrow: `final states` over `(client / server)`. */
function headCell(s: string): string {
  return s.replace(' (', '\n(').replace('（', '\n（');
}

/**
 * Rows per cli-table3 table. cli-table3 lays a table out in time quadratic
 * in its rows (cli-table/cli-table3#68: 9 300 rows took 25 s, 93 000 would
 * take most of an hour), so a long table is drawn as blocks of this many
 * rows with the column widths of the whole table, joined where their borders
 * meet: the text is that of one table.
 */
export const TABLE_CHUNK = 50;

/** A connection's cells in the table, coloured when asked. */
export function tableCells(c: ConnectionReport, opts: TableOptions): string[] {
  const p = palette(opts.color);
  const r = row(c, opts.lang);
  return COLUMNS.map((k) => colour(k, r, c, p));
}

/** The table of one capture's connections (no summary). */
export function connectionTable(conns: readonly ConnectionReport[], opts: TableOptions, chunk = TABLE_CHUNK): string {
  return [...tableLines(conns.map((c) => tableCells(c, opts)), opts, chunk)].join('\n');
}

/**
 * What the column widths of a table depend on, gathered a row at a time, so
 * that the rows themselves need not be held while they come (the CLI spills
 * them to disk: cli/row-spill.ts): the widest cell of each column, as
 * cli-table3 measures it (its widest line, plus one space each side), or
 * for a table fitted to a width or to --columns, as fitTable measures it.
 */
export class TableMeasure {
  /** Rows measured. */
  count = 0;
  /** The table is fitted (a width or --columns): `natural` is measured, else `widths`. */
  readonly fit: boolean;
  /** Per column (COLUMNS order): its widest cell as cli-table3 sizes it. */
  readonly widths: number[] = COLUMNS.map(() => 0);
  /** Per column: its widest cell without colours, in terminal columns (fitTable's natural width). */
  readonly natural: number[] = COLUMNS.map(() => 0);

  constructor(opts: TableOptions) {
    this.fit = (opts.width ?? null) !== null || (opts.columns ?? null) !== null;
  }

  /** The measure of rows all at hand. */
  static of(rows: Iterable<readonly string[]>, opts: TableOptions): TableMeasure {
    const m = new TableMeasure(opts);
    for (const r of rows) m.add(r);
    return m;
  }

  /** One row of cells (tableCells). */
  add(cells: readonly string[]): void {
    this.count++;
    if (this.fit) for (let k = 0; k < cells.length; k++) this.natural[k] = Math.max(this.natural[k], textWidth(stripAnsi(cells[k])));
    else for (let k = 0; k < cells.length; k++) this.widths[k] = Math.max(this.widths[k], cellWidth(cells[k]));
  }
}

/** The table of rows of cells (tableCells), a block of rows at a time (no string of the whole table). */
export function* tableLines(allRows: readonly string[][], opts: TableOptions, chunk = TABLE_CHUNK): Generator<string> {
  yield* measuredTableLines(TableMeasure.of(allRows, opts), allRows, opts, chunk);
}

/**
 * The table of rows of cells measured by `m`, `m.count` of them in `rows`,
 * read once, a block at a time: the text of tableLines.
 */
export function* measuredTableLines(m: TableMeasure, rows: Iterable<string[]>, opts: TableOptions, chunk = TABLE_CHUNK): Generator<string> {
  const p = palette(opts.color);
  const h = headers(opts.lang);
  let head = COLUMNS.map((k) => p.bold(headCell(h[k])));
  let fitRows: ((part: readonly string[][]) => string[][]) | null = null;
  let fixed: number[] | undefined;
  if (m.fit) {
    const fitted = fitTable(m, COLUMNS.map((k) => p.bold(h[k])), opts);
    head = fitted.head;
    fitRows = fitted.rows;
    fixed = fitted.widths.map((w) => w + 2);
  }
  // cli-table3 colours head and borders even into a pipe unless told not to.
  const style = opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] };
  const draw = (part: readonly string[][], withHead: boolean, colWidths?: number[]): string => {
    const table = new Table({ head: withHead ? head : [], style, wordWrap: false, ...(colWidths ? { colWidths } : {}) });
    for (const r of part) table.push(r);
    return table.toString();
  };
  const blocks = inBlocks(rows, chunk);
  if (m.count <= chunk) {
    const all = blocks.next().value ?? [];
    yield draw(fitRows ? fitRows(all) : all, true, fixed);
    return;
  }
  // Column widths of the whole table, as cli-table3 makes them: the widest
  // line of any cell of the column, head included, plus one space each side.
  const widths = fixed ?? head.map((c, k) => Math.max(cellWidth(c), m.widths[k]));
  let i = 0;
  for (const block of blocks) {
    const part = fitRows ? fitRows(block) : block;
    const last = i + part.length >= m.count;
    const plain = i > 0 && !opts.color ? drawPlain(part, widths) : null;
    const text = plain ?? draw(part, i === 0, widths).split('\n');
    // Where blocks meet, the bottom border of one goes and the top border of
    // the next becomes the line between two rows.
    if (i > 0) text[0] = text[0].replace('┌', '├').replaceAll('┬', '┼').replace('┐', '┤');
    yield (last ? text : text.slice(0, -1)).join('\n');
    i += part.length;
  }
}

/** `rows` in arrays of `n` (the last may be shorter). */
function* inBlocks<T>(rows: Iterable<T>, n: number): Generator<T[], undefined> {
  let block: T[] = [];
  for (const r of rows) {
    block.push(r);
    if (block.length >= n) {
      yield block;
      block = [];
    }
  }
  if (block.length > 0) yield block;
  return undefined;
}

/** Printable ASCII and line breaks only: one column a character, as cli-table3 measures it too. */
const PLAIN = /^[\x20-\x7e\n]*$/;

/**
 * A block of rows without the head, as cli-table3 draws them with these
 * column widths (uncoloured: one space each side of a cell's lines, left
 * aligned, a line between rows), its top border already the line between
 * it and the block before: null when a cell is not plain ASCII or does not
 * fit its column (cli-table3 then measures or cuts it). cli-table3 spends
 * about half a millisecond a row (it builds a regular expression for each
 * width it measures): a table of 100 000 connections took 52 s, most of it
 * there.
 */
function drawPlain(rows: readonly string[][], widths: readonly number[]): string[] | null {
  const bar = (l: string, m: string, r: string): string => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
  const between = bar('├', '┼', '┤');
  const out = [between];
  for (let n = 0; n < rows.length; n++) {
    const cells = rows[n].map((c) => c.split('\n'));
    let height = 1;
    for (let k = 0; k < cells.length; k++) {
      if (!PLAIN.test(rows[n][k])) return null;
      for (const line of cells[k]) if (line.length > widths[k] - 2) return null;
      height = Math.max(height, cells[k].length);
    }
    for (let y = 0; y < height; y++) {
      let line = '│';
      for (let k = 0; k < cells.length; k++) {
        const t = cells[k][y] ?? '';
        line += ' ' + t + ' '.repeat(widths[k] - 1 - t.length) + '│';
      }
      out.push(line);
    }
    if (n < rows.length - 1) out.push(between);
  }
  out.push(bar('└', '┴', '┘'));
  return out;
}

/**
 * The columns chosen (--columns, or by priority those whose least widths
 * fit) in COLUMNS order (or the order of --columns), their widths, the head
 * and a function fitting rows (cells in COLUMNS order) to them: each cell
 * wrapped to its column, addresses abbreviated.
 */
function fitTable(m: TableMeasure, head: readonly string[], opts: TableOptions): { head: string[]; rows: (rows: readonly string[][]) => string[][]; widths: number[] } {
  const chosen = opts.columns ?? null;
  const order = chosen ?? COLUMN_PRIORITY;
  const idx = order.map((k) => COLUMNS.indexOf(k));
  const cols = idx.map((i, j) => {
    const natural = Math.max(longestWord(head[i]), m.natural[i]);
    return { natural, min: Math.min(natural, MIN_WIDTH[order[j]]) };
  });
  const width = opts.width ?? Number.MAX_SAFE_INTEGER;
  const fitted = fitColumns(cols, width, chosen === null);
  // Back to display order: COLUMNS' order, or the order asked for.
  const widths: (number | null)[] = [];
  const show = chosen === null ? COLUMNS.map((_, i) => i) : idx;
  for (const i of show) {
    const j = idx.indexOf(i);
    widths.push(j < 0 ? null : fitted[j]);
  }
  const pick = <T>(r: readonly T[]): T[] => show.map((i) => r[i]);
  const isAddress = new Set(show.flatMap((i, j) => (COLUMNS[i] === 'client' || COLUMNS[i] === 'server' ? [j] : [])));
  const shorten = (j: number, cell: string, w: number): string => (isAddress.has(j) ? abbreviateEndpoint(cell, w) : cell);
  const h = fitCells(pick(head), [], widths, shorten);
  return { head: h.head, widths: h.widths, rows: (rows) => fitCells(pick(head), rows.map(pick), widths, shorten).rows };
}

function cellWidth(s: string): number {
  let w = 0;
  for (const line of s.split('\n')) w = Math.max(w, displayWidth(line));
  return w + 2;
}

function colour(k: keyof Row, r: Row, c: ConnectionReport, p: Palette): string {
  const v = r[k];
  if (!p.on) return v;
  switch (k) {
    case 'timeWait': {
      const verdict = c.timeWait.verdict;
      return verdict === 'full' ? p.green(v) : verdict === 'cut-short' ? p.red(v) : verdict === 'inconclusive' ? p.yellow(v) : p.dim(v);
    }
    case 'finRetx':
      return c.close.finRetransmissions.client + c.close.finRetransmissions.server > 0 ? p.yellow(v) : v;
    case 'reset':
      return c.close.reset ? p.red(v) : p.dim(v);
    case 'halfClose':
      return c.close.halfClose ? p.cyan(v) : p.dim(v);
    case 'close':
      return c.close.kind === 'reset' || c.close.kind === 'refused' ? p.red(v) : v;
    case 'activeCloser':
      return p.bold(v);
    default:
      return v;
  }
}

function captureHeading(cap: Omit<CaptureReport, 'connections'>, shown: number, lang: Lang, p: Palette): string {
  return p.bold(t(lang, 'sum.capture', {
    file: termText(cap.file), format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: shown,
  }));
}

/** The whole `--format table` output: a heading and table per capture, then the summary. */
export function renderTable(doc: AnalysisDocument, opts: TableOptions): string {
  const caps = doc.captures.map((cap) => {
    const rows = cap.connections.map((c) => tableCells(c, opts));
    return { capture: cap, rows, measure: TableMeasure.of(rows, opts) };
  });
  return [...renderTableParts(caps, summarize(allConnections(doc)), doc.settings, opts)].join('');
}

/** One capture's rows of cells (tableCells), in stream order, read once, and their measure. */
export interface TableCapture {
  capture: Omit<CaptureReport, 'connections'>;
  rows: Iterable<string[]>;
  measure: TableMeasure;
}

/** renderTable from each capture's rows and the summary of the connections shown, in pieces (a block of rows at most each). */
export function* renderTableParts(caps: Iterable<TableCapture>, summary: Summary, settings: Settings, opts: TableOptions): Generator<string> {
  for (const cap of caps) yield* tableCaptureParts(cap, opts);
  yield tableSummary(summary, settings, opts);
}

/** One capture's part of renderTable: its heading, its table, what was skipped, its warnings, a blank line. */
export function* tableCaptureParts({ capture: cap, rows, measure }: TableCapture, opts: TableOptions): Generator<string> {
  const p = palette(opts.color);
  const fit = (line: string): string => fitLine(line, opts);
  yield fit(captureHeading(cap, measure.count, opts.lang, p)) + '\n';
  if (measure.count === 0) yield t(opts.lang, 'sum.noConnections') + '\n';
  else for (const lines of measuredTableLines(measure, rows, opts)) yield lines + '\n';
  const skipped = decodeLine(cap, opts.lang);
  if (skipped !== null) yield fit(skipped) + '\n';
  if (cap.warnings.length > 0) yield fit(p.yellow(t(opts.lang, 'sum.warnings', { n: cap.warnings.length }))) + '\n';
  yield '\n';
}

/** The end of renderTable: the summary of every capture's connections shown. */
export function tableSummary(summary: Summary, settings: Settings, opts: TableOptions): string {
  return summaryLines(summary, settings, opts.lang).map((line) => fitLine(line, opts)).join('\n') + '\n';
}

/** A line under or over the table, wrapped to the terminal's width when there is one. */
function fitLine(line: string, opts: TableOptions): string {
  return opts.width ? wrapCell(line, opts.width) : line;
}
