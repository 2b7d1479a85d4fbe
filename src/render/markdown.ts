/**
 * `--format markdown`: a GitHub-flavoured Markdown table per capture and the
 * summary as a list, for pasting into issues, course notes and reports.
 */
import type { AnalysisDocument, CaptureReport, ConnectionReport, Settings } from '../report/types.ts';
import { mdCell, mdText } from './escape/markdown.ts';
import { type Lang, t } from './i18n.ts';
import { COLUMNS, type Summary, allConnections, decodeLine, headers, row, summarize, summaryLines } from './rows.ts';

export function renderMarkdown(doc: AnalysisDocument, opts: { lang: Lang }): string {
  const caps = doc.captures.map((cap) => ({ capture: cap, count: cap.connections.length, rows: cap.connections.map((c) => markdownRow(c, opts.lang)) }));
  return [...renderMarkdownParts(caps, summarize(allConnections(doc)), doc.settings, opts)].join('');
}

/** A connection's line of the Markdown table. */
export function markdownRow(c: ConnectionReport, lang: Lang): string {
  const r = row(c, lang);
  return `| ${COLUMNS.map((k) => mdCell(r[k])).join(' | ')} |`;
}

/** One capture's lines (markdownRow), `count` of them, in stream order, read once. */
export interface MarkdownCapture {
  capture: Omit<CaptureReport, 'connections'>;
  count: number;
  rows: Iterable<string>;
}

/** renderMarkdown from each capture's lines and the summary of the connections shown, in pieces (a line, or rows of about 64 KB). */
export function* renderMarkdownParts(caps: Iterable<MarkdownCapture>, summary: Summary, settings: Settings, opts: { lang: Lang }): Generator<string> {
  for (const cap of caps) yield* markdownCaptureParts(cap, opts);
  yield* markdownSummaryParts(summary, settings, opts);
}

/** One capture's part of renderMarkdown: its heading, what was skipped, its table, in pieces (a line, or rows of about 64 KB). */
export function* markdownCaptureParts({ capture: cap, count, rows }: MarkdownCapture, opts: { lang: Lang }): Generator<string> {
  const lang = opts.lang;
  const h = headers(lang);
  yield line(`### ${mdText(cap.file)}`) + line('');
  yield line(t(lang, 'sum.capture', { file: mdText(cap.file), format: cap.format, frames: cap.frames, segments: cap.tcpSegments, n: count })) + line('');
  const skipped = decodeLine(cap, lang);
  if (skipped !== null) yield line(skipped) + line('');
  if (count === 0) {
    yield line(t(lang, 'sum.noConnections')) + line('');
    return;
  }
  yield line(`| ${COLUMNS.map((k) => mdCell(h[k])).join(' | ')} |`);
  yield line(`|${COLUMNS.map((k) => (k === 'stream' || k === 'finRetx' ? '---:' : '---')).join('|')}|`);
  // Rows gathered into pieces of about PIECE characters: a write a line is many small writes.
  let piece = '';
  for (const r of rows) {
    piece += line(r);
    if (piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
  }
  yield piece + line('');
}

/** Characters of rows in one piece of renderMarkdownParts. */
const PIECE = 1 << 16;

/** The end of renderMarkdown: the summary as a list. */
export function* markdownSummaryParts(summary: Summary, settings: Settings, opts: { lang: Lang }): Generator<string> {
  for (const s of summaryLines(summary, settings, opts.lang)) yield line(`- ${s}`);
}

/** A line of the output. */
function line(s: string): string {
  return s + '\n';
}
