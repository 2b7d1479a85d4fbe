/**
 * `--format table`: one cli-table3 table per capture, one row per connection,
 * and the summary under it. Pure: the document in, the text out.
 */
import { decodeLine } from './rows.ts';
import Table from 'cli-table3';
import type { AnalysisDocument, CaptureReport, ConnectionReport } from '../report/types.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, type Row, allConnections, headers, row, summarize, summaryLines } from './rows.ts';
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

/** The table of one capture's connections (no summary). */
export function connectionTable(conns: readonly ConnectionReport[], opts: TableOptions, chunk = TABLE_CHUNK): string {
  const p = palette(opts.color);
  const h = headers(opts.lang);
  const head = COLUMNS.map((k) => p.bold(headCell(h[k])));
  // cli-table3 colours head and borders even into a pipe unless told not to.
  const style = opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] };
  const rows = conns.map((c) => {
    const r = row(c, opts.lang);
    return COLUMNS.map((k) => colour(k, r, c, p));
  });
  const draw = (part: string[][], withHead: boolean, colWidths?: number[]): string => {
    const table = new Table({ head: withHead ? head : [], style, wordWrap: false, ...(colWidths ? { colWidths } : {}) });
    for (const r of part) table.push(r);
    return table.toString();
  };
  if (rows.length <= chunk) return draw(rows, true);
  const parts: string[][][] = [];
  for (let i = 0; i < rows.length; i += chunk) parts.push(rows.slice(i, i + chunk));
  // Column widths of the whole table, as cli-table3 makes them: the widest
  // line of any cell of the column, head included, plus one space each side.
  const widths = head.map(cellWidth);
  for (const r of rows) for (let k = 0; k < r.length; k++) widths[k] = Math.max(widths[k], cellWidth(r[k]));
  const lines: string[] = [];
  parts.forEach((part, i) => {
    const text = draw(part, i === 0, widths).split('\n');
    // Where blocks meet, the bottom border of one goes and the top border of
    // the next becomes the line between two rows.
    if (i > 0) text[0] = text[0].replace('┌', '├').replaceAll('┬', '┼').replace('┐', '┤');
    lines.push(...(i === parts.length - 1 ? text : text.slice(0, -1)));
  });
  return lines.join('\n');
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

function captureHeading(cap: CaptureReport, shown: number, lang: Lang, p: Palette): string {
  return p.bold(t(lang, 'sum.capture', {
    file: cap.file, format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: shown,
  }));
}

/** The whole `--format table` output: a heading and table per capture, then the summary. */
export function renderTable(doc: AnalysisDocument, opts: TableOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  for (const cap of doc.captures) {
    out.push(captureHeading(cap, cap.connections.length, opts.lang, p));
    if (cap.connections.length === 0) out.push(t(opts.lang, 'sum.noConnections'));
    else out.push(connectionTable(cap.connections, opts));
    const skipped = decodeLine(cap, opts.lang);
    if (skipped !== null) out.push(skipped);
    if (cap.warnings.length > 0) out.push(p.yellow(t(opts.lang, 'sum.warnings', { n: cap.warnings.length })));
    out.push('');
  }
  out.push(...summaryLines(summarize(allConnections(doc)), doc.settings, opts.lang));
  return out.join('\n') + '\n';
}
