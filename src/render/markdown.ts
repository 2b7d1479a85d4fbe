/**
 * `--format markdown`: a GitHub-flavoured Markdown table per capture and the
 * summary as a list, for pasting into issues, course notes and reports.
 */
import type { AnalysisDocument, ConnectionReport, Settings } from '../report/types.ts';
import { mdCell, mdText } from './escape/markdown.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, type CaptureRows, type Summary, allConnections, decodeLine, headers, row, summarize, summaryLines } from './rows.ts';

export function renderMarkdown(doc: AnalysisDocument, opts: { lang: Lang }): string {
  const caps = doc.captures.map((cap) => ({ capture: cap, rows: cap.connections.map((c) => markdownRow(c, opts.lang)) }));
  return renderMarkdownRows(caps, summarize(allConnections(doc)), doc.settings, opts);
}

/** A connection's line of the Markdown table. */
export function markdownRow(c: ConnectionReport, lang: Lang): string {
  const r = row(c, lang);
  return `| ${COLUMNS.map((k) => mdCell(r[k])).join(' | ')} |`;
}

/** renderMarkdown from each capture's lines (markdownRow) and the summary of the connections shown. */
export function renderMarkdownRows(caps: readonly CaptureRows<string>[], summary: Summary, settings: Settings, opts: { lang: Lang }): string {
  const lang = opts.lang;
  const h = headers(lang);
  const out: string[] = [];
  for (const { capture: cap, rows } of caps) {
    out.push(`### ${mdText(cap.file)}`, '');
    out.push(t(lang, 'sum.capture', { file: mdText(cap.file), format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: rows.length }), '');
    const skipped = decodeLine(cap, lang);
    if (skipped !== null) out.push(skipped, '');
    if (rows.length === 0) {
      out.push(t(lang, 'sum.noConnections'), '');
      continue;
    }
    out.push(`| ${COLUMNS.map((k) => mdCell(h[k])).join(' | ')} |`);
    out.push(`|${COLUMNS.map((k) => (k === 'stream' || k === 'finRetx' ? '---:' : '---')).join('|')}|`);
    out.push(...rows);
    out.push('');
  }
  for (const line of summaryLines(summary, settings, lang)) out.push(`- ${line}`);
  return out.join('\n') + '\n';
}
