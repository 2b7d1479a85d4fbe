/**
 * `--format json` and `--format ndjson`. The document is the contract of
 * src/report/types.ts, unchanged. NDJSON writes one connection per line, as
 * soon as it is final: the ConnectionReport with the capture's path added
 * first as `file` (a line has no other way to say which capture it is from).
 */
import type { AnalysisDocument, ConnectionReport } from '../report/types.ts';

export function renderJson(doc: AnalysisDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** One NDJSON line. */
export type NdjsonLine = { file: string } & ConnectionReport;

export function ndjsonLine(c: ConnectionReport, file: string): string {
  const line: NdjsonLine = { file, ...c };
  return JSON.stringify(line) + '\n';
}
