/**
 * `--format csv`: one line per connection, RFC 4180 (comma, CRLF, quotes
 * doubled; cells escaped by escape/csv.ts). Column names and values are the JSON contract's raw values
 * (`three-way`, `cut-short`, `TIME_WAIT`), the same in every language, so
 * scripts and spreadsheets can rely on them. Empty cell = null.
 */
import type { AnalysisDocument, ConnectionReport } from '../report/types.ts';
import { type CsvValue as Cell, csvCell } from './escape/csv.ts';

/** The columns, in order, with how each is read from a connection. */
export const CSV_COLUMNS: readonly [string, (c: ConnectionReport, file: string) => Cell][] = [
  ['file', (_c, f) => f],
  ['stream', (c) => c.stream],
  ['client_ip', (c) => c.client.ip],
  ['client_port', (c) => c.client.port],
  ['server_ip', (c) => c.server.ip],
  ['server_port', (c) => c.server.port],
  ['first_frame', (c) => c.firstFrame],
  ['last_frame', (c) => c.lastFrame],
  ['first_time', (c) => c.firstTime],
  ['duration_seconds', (c) => c.durationSeconds],
  ['packets', (c) => c.packets],
  ['handshake', (c) => c.handshake.kind],
  ['close', (c) => c.close.kind],
  ['active_closer', (c) => c.close.activeCloser],
  ['client_final_state', (c) => c.endpoints.client.finalState],
  ['server_final_state', (c) => c.endpoints.server.finalState],
  ['time_wait_endpoint', (c) => c.timeWait.endpoint],
  ['time_wait_verdict', (c) => c.timeWait.verdict],
  ['time_wait_evidence', (c) => c.timeWait.evidence],
  ['time_wait_observed_seconds', (c) => c.timeWait.observedSeconds],
  ['time_wait_required_seconds', (c) => c.timeWait.requiredSeconds],
  ['client_fin_retransmissions', (c) => c.close.finRetransmissions.client],
  ['server_fin_retransmissions', (c) => c.close.finRetransmissions.server],
  ['client_syn_retransmissions', (c) => c.handshake.synRetransmissions.client],
  ['server_syn_retransmissions', (c) => c.handshake.synRetransmissions.server],
  ['half_close_side', (c) => c.close.halfClose?.side ?? null],
  ['half_close_bytes', (c) => c.close.halfClose?.bytes ?? null],
  ['reset_by', (c) => c.close.reset?.by ?? null],
  ['reset_cause', (c) => c.close.reset?.cause ?? null],
  ['reset_frame', (c) => c.close.reset?.frame ?? null],
  ['wireshark_filter', (c) => c.compat.wireshark.filter],
  ['reset_candidates', (c) => c.close.reset?.candidates.join('|') ?? null],
  ['reset_effective', (c) => (c.close.reset === null ? null : c.close.reset.effective)],
  ['capture_directions', (c) => c.capture.directions],
  // Wireshark's sequence analysis (analysis in the JSON): flagged frames per side, and the handshake's RTT.
  ['client_retransmissions', (c) => c.analysis.counts.client.retransmission],
  ['server_retransmissions', (c) => c.analysis.counts.server.retransmission],
  ['client_duplicate_acks', (c) => c.analysis.counts.client.duplicateAck],
  ['server_duplicate_acks', (c) => c.analysis.counts.server.duplicateAck],
  ['previous_segment_not_captured', (c) => c.analysis.counts.client.previousSegmentNotCaptured + c.analysis.counts.server.previousSegmentNotCaptured],
  ['acked_unseen_segment', (c) => c.analysis.counts.client.ackedUnseenSegment + c.analysis.counts.server.ackedUnseenSegment],
  ['client_zero_windows', (c) => c.analysis.counts.client.zeroWindow],
  ['server_zero_windows', (c) => c.analysis.counts.server.zeroWindow],
  ['initial_rtt_seconds', (c) => c.analysis.handshakeRtt?.initialSeconds ?? null],
];

export function csvHeader(): string {
  return CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n';
}

/** The cells of the line being made (joined, the line is one flat string: rows are held until written). */
const cells: string[] = [];

export function csvLine(c: ConnectionReport, file: string): string {
  for (let i = 0; i < CSV_COLUMNS.length; i++) cells[i] = csvCell(CSV_COLUMNS[i][1](c, file));
  return cells.join(',') + '\r\n';
}

export function renderCsv(doc: AnalysisDocument): string {
  let out = csvHeader();
  for (const cap of doc.captures) for (const c of cap.connections) out += csvLine(c, cap.file);
  return out;
}
