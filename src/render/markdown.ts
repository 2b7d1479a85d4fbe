/**
 * `--format markdown`: a GitHub-flavoured Markdown table per capture and the
 * summary as a list, for pasting into issues, course notes and reports.
 */
import type { AnalysisDocument } from '../report/types.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, allConnections, decodeLine, headers, row, summarize, summaryLines } from './rows.ts';

/** A Markdown table cell: pipes escaped, line breaks as <br>. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function renderMarkdown(doc: AnalysisDocument, opts: { lang: Lang }): string {
  const lang = opts.lang;
  const h = headers(lang);
  const out: string[] = [];
  for (const cap of doc.captures) {
    out.push(`### ${mdCell(cap.file)}`, '');
    out.push(t(lang, 'sum.capture', { file: `\`${cap.file}\``, format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: cap.connections.length }), '');
    const skipped = decodeLine(cap, lang);
    if (skipped !== null) out.push(skipped, '');
    if (cap.connections.length === 0) {
      out.push(t(lang, 'sum.noConnections'), '');
      continue;
    }
    out.push(`| ${COLUMNS.map((k) => mdCell(h[k])).join(' | ')} |`);
    out.push(`|${COLUMNS.map((k) => (k === 'stream' || k === 'finRetx' ? '---:' : '---')).join('|')}|`);
    for (const c of cap.connections) {
      const r = row(c, lang);
      out.push(`| ${COLUMNS.map((k) => mdCell(r[k])).join(' | ')} |`);
    }
    out.push('');
  }
  for (const line of summaryLines(summarize(allConnections(doc)), doc.settings, lang)) out.push(`- ${line}`);
  return out.join('\n') + '\n';
}
