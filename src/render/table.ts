/**
 * `--format table`: one cli-table3 table per capture, one row per connection,
 * and the summary under it. Pure: the document in, the text out.
 */
import { decodeLine } from './rows.ts';
import Table from 'cli-table3';
import type { AnalysisDocument, CaptureReport, ConnectionReport } from '../report/types.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, type Row, allConnections, headers, row, summarize, summaryLines } from './rows.ts';
import { palette, type Palette } from './text.ts';

export interface TableOptions {
  lang: Lang;
  /** ANSI colour (only when writing to a terminal). */
  color: boolean;
}

/** Header lines wrap at ` (` so the table stays narrow: `final states` over `(client / server)`. */
function headCell(s: string): string {
  return s.replace(' (', '\n(').replace('（', '\n（');
}

/** The table of one capture's connections (no summary). */
export function connectionTable(conns: readonly ConnectionReport[], opts: TableOptions): string {
  const p = palette(opts.color);
  const h = headers(opts.lang);
  const table = new Table({
    head: COLUMNS.map((k) => p.bold(headCell(h[k]))),
    // cli-table3 colours head and borders even into a pipe unless told not to.
    style: opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] },
    wordWrap: false,
  });
  for (const c of conns) table.push(COLUMNS.map((k) => colour(k, row(c, opts.lang), c, p)));
  return table.toString();
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
