/**
 * `--format table`: one cli-table3 table per capture, one row per connection,
 * and the summary under it. Pure: the document in, the text out.
 */
import { decodeLine } from './rows.ts';
import Table from 'cli-table3';
import type { AnalysisDocument, CaptureReport, ConnectionReport, Settings } from '../report/types.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, type CaptureRows, type Row, type Summary, allConnections, headers, row, summarize, summaryLines } from './rows.ts';
import { termText } from './escape/terminal.ts';
import { displayWidth, palette, type Palette } from './text.ts';

export interface TableOptions {
  lang: Lang;
  /** ANSI colour (only when writing to a terminal). */
  color: boolean;
}

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

/** The table of rows of cells (tableCells), a block of rows at a time (no string of the whole table). */
export function* tableLines(rows: readonly string[][], opts: TableOptions, chunk = TABLE_CHUNK): Generator<string> {
  const p = palette(opts.color);
  const h = headers(opts.lang);
  const head = COLUMNS.map((k) => p.bold(headCell(h[k])));
  // cli-table3 colours head and borders even into a pipe unless told not to.
  const style = opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] };
  const draw = (part: readonly string[][], withHead: boolean, colWidths?: number[]): string => {
    const table = new Table({ head: withHead ? head : [], style, wordWrap: false, ...(colWidths ? { colWidths } : {}) });
    for (const r of part) table.push(r);
    return table.toString();
  };
  if (rows.length <= chunk) {
    yield draw(rows, true);
    return;
  }
  // Column widths of the whole table, as cli-table3 makes them: the widest
  // line of any cell of the column, head included, plus one space each side.
  const widths = head.map(cellWidth);
  for (const r of rows) for (let k = 0; k < r.length; k++) widths[k] = Math.max(widths[k], cellWidth(r[k]));
  for (let i = 0; i < rows.length; i += chunk) {
    const last = i + chunk >= rows.length;
    const text = draw(rows.slice(i, i + chunk), i === 0, widths).split('\n');
    // Where blocks meet, the bottom border of one goes and the top border of
    // the next becomes the line between two rows.
    if (i > 0) text[0] = text[0].replace('┌', '├').replaceAll('┬', '┼').replace('┐', '┤');
    yield (last ? text : text.slice(0, -1)).join('\n');
  }
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
  const caps = doc.captures.map((cap) => ({ capture: cap, rows: cap.connections.map((c) => tableCells(c, opts)) }));
  return [...renderTableParts(caps, summarize(allConnections(doc)), doc.settings, opts)].join('');
}

/** renderTable from each capture's rows of cells (tableCells) and the summary of the connections shown, in pieces (a block of rows at most each). */
export function* renderTableParts(caps: readonly CaptureRows<string[]>[], summary: Summary, settings: Settings, opts: TableOptions): Generator<string> {
  const p = palette(opts.color);
  for (const { capture: cap, rows } of caps) {
    yield captureHeading(cap, rows.length, opts.lang, p) + '\n';
    if (rows.length === 0) yield t(opts.lang, 'sum.noConnections') + '\n';
    else for (const lines of tableLines(rows, opts)) yield lines + '\n';
    const skipped = decodeLine(cap, opts.lang);
    if (skipped !== null) yield skipped + '\n';
    if (cap.warnings.length > 0) yield p.yellow(t(opts.lang, 'sum.warnings', { n: cap.warnings.length })) + '\n';
    yield '\n';
  }
  yield summaryLines(summary, settings, opts.lang).join('\n') + '\n';
}
