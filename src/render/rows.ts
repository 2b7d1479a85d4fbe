/**
 * The per-connection row shown by the table, Markdown and HTML renderers, and
 * the summary under it. Pure functions of the report.
 */
import type { AnalysisDocument, CaptureReport, ConnectionReport, Settings, TimeWaitDetail } from '../report/types.ts';
import {
  type Lang, closeLabel, closerLabel, handshakeLabel, resetCauseLabel, sideLabel, t, verdictLabel,
} from './i18n.ts';
import { duration, endpointText } from './text.ts';
import { COLUMNS as ALL_COLUMNS, type ColumnKey } from './columns.ts';

/** One cell per column, in column order, as text in the chosen language. */
export interface Row extends Record<ColumnKey, string> {
  stream: string;
  client: string;
  server: string;
  handshake: string;
  close: string;
  activeCloser: string;
  finalStates: string;
  timeWait: string;
  finRetx: string;
  halfClose: string;
  reset: string;
  notes: string;
}

export const COLUMNS: readonly (keyof Row)[] = ALL_COLUMNS;

export function headers(lang: Lang): Row {
  return {
    stream: t(lang, 'col.stream'),
    client: t(lang, 'col.client'),
    server: t(lang, 'col.server'),
    handshake: t(lang, 'col.handshake'),
    close: t(lang, 'col.close'),
    activeCloser: t(lang, 'col.activeCloser'),
    finalStates: t(lang, 'col.finalStates'),
    timeWait: t(lang, 'col.timeWait'),
    finRetx: t(lang, 'col.finRetx'),
    halfClose: t(lang, 'col.halfClose'),
    reset: t(lang, 'col.reset'),
    notes: t(lang, 'col.notes'),
  };
}

/**
 * The notes cell: Wireshark's sequence analysis counted over both sides
 * (retransmissions, out-of-order, segments not captured, ACKs of unseen
 * data, duplicate ACKs, zero windows and probes, windows full,
 * keep-alives), only those that occurred; `-` when none did.
 */
export function analysisNotesText(c: ConnectionReport, lang: Lang): string {
  const a = c.analysis.counts;
  const sum = (k: keyof typeof a.client): number => a.client[k] + a.server[k];
  const parts: string[] = [];
  const retx = sum('retransmission');
  if (retx > 0) {
    const fast = sum('fastRetransmission');
    const spurious = sum('spuriousRetransmission');
    const key = fast > 0 && spurious > 0 ? 'an.cell.retxKinds' : fast > 0 ? 'an.cell.retxFast' : spurious > 0 ? 'an.cell.retxSpurious' : 'an.cell.retx';
    parts.push(t(lang, key, { n: retx, fast, spurious }));
  }
  const add = (n: number, key: Parameters<typeof t>[1]): void => {
    if (n > 0) parts.push(t(lang, key, { n }));
  };
  add(sum('outOfOrder'), 'an.cell.outOfOrder');
  add(sum('previousSegmentNotCaptured'), 'an.cell.lost');
  add(sum('ackedUnseenSegment'), 'an.cell.ackedUnseen');
  add(sum('duplicateAck'), 'an.cell.dupAck');
  add(sum('zeroWindow'), 'an.cell.zeroWindow');
  add(sum('zeroWindowProbe'), 'an.cell.zeroWindowProbe');
  add(sum('windowFull'), 'an.cell.windowFull');
  add(sum('keepAlive'), 'an.cell.keepAlive');
  return parts.length === 0 ? t(lang, 'none') : parts.join(lang === 'zh' ? '，' : ', ');
}

/** `client: inconclusive, 14 µs of 60 s` (one line per endpoint in TIME_WAIT), or `none`. */
export function timeWaitText(c: ConnectionReport, lang: Lang, sep = '\n'): string {
  const tw = c.timeWait;
  if (tw.verdict === 'none') return verdictLabel(lang, 'none');
  const parts: string[] = [];
  const one = (who: 'client' | 'server', d: TimeWaitDetail | null): void => {
    if (!d) return;
    parts.push(t(lang, 'tw.cell', {
      who: sideLabel(lang, who), verdict: verdictLabel(lang, d.verdict),
      observed: duration(d.observedSeconds), required: duration(tw.requiredSeconds),
    }));
  };
  one('client', tw.client);
  one('server', tw.server);
  return parts.join(sep);
}

export function row(c: ConnectionReport, lang: Lang): Row {
  const cl = c.close;
  const none = t(lang, 'none');
  return {
    stream: String(c.stream),
    client: endpointText(c.client),
    server: endpointText(c.server),
    handshake: handshakeLabel(lang, c.handshake.kind),
    close: closeLabel(lang, cl.kind),
    activeCloser: closerLabel(lang, cl.activeCloser),
    finalStates: `${c.endpoints.client.finalState} / ${c.endpoints.server.finalState}`,
    timeWait: timeWaitText(c, lang),
    finRetx: `${cl.finRetransmissions.client}/${cl.finRetransmissions.server}`,
    halfClose: cl.halfClose ? t(lang, 'half.cell', { bytes: cl.halfClose.bytes, side: sideLabel(lang, cl.halfClose.side) }) : none,
    reset: cl.reset ? t(lang, cl.reset.effective ? 'reset.cell' : 'reset.cellNotTaken', { cause: resetCauseLabel(lang, cl.reset), by: sideLabel(lang, cl.reset.by) }) : none,
    notes: analysisNotesText(c, lang),
  };
}

/** Counts shown under the table. */
export interface Summary {
  connections: number;
  closedBy: { client: number; server: number; both: number };
  resets: number;
  timeWait: { full: number; 'cut-short': number; inconclusive: number; none: number };
  finRetransmissions: number;
  connectionsWithFinRetx: number;
}

export function summarize(conns: Iterable<ConnectionReport>): Summary {
  const s = emptySummary();
  for (const c of conns) addToSummary(s, c);
  return s;
}

export function emptySummary(): Summary {
  return {
    connections: 0, closedBy: { client: 0, server: 0, both: 0 }, resets: 0,
    timeWait: { full: 0, 'cut-short': 0, inconclusive: 0, none: 0 }, finRetransmissions: 0, connectionsWithFinRetx: 0,
  };
}

/** Add the counts of `from` (another capture's, say) to `into`. */
export function mergeSummary(into: Summary, from: Summary): void {
  into.connections += from.connections;
  for (const k of ['client', 'server', 'both'] as const) into.closedBy[k] += from.closedBy[k];
  into.resets += from.resets;
  for (const k of ['full', 'cut-short', 'inconclusive', 'none'] as const) into.timeWait[k] += from.timeWait[k];
  into.finRetransmissions += from.finRetransmissions;
  into.connectionsWithFinRetx += from.connectionsWithFinRetx;
}

/** Count one more connection in `s`. */
export function addToSummary(s: Summary, c: ConnectionReport): void {
  s.connections++;
  const closer = c.close.activeCloser;
  // A reset is counted as a reset, not as a close by its sender; a close that
  // began with a FIN and ended with a RST counts as both.
  if (c.close.kind === 'reset' || c.close.kind === 'reset-after-fin') s.resets++;
  if (c.close.kind !== 'reset' && closer !== null) s.closedBy[closer]++;
  s.timeWait[c.timeWait.verdict]++;
  const n = c.close.finRetransmissions.client + c.close.finRetransmissions.server;
  s.finRetransmissions += n;
  if (n > 0) s.connectionsWithFinRetx++;
}

/** The summary as lines of text. */
export function summaryLines(s: Summary, settings: Settings, lang: Lang): string[] {
  return [
    [t(lang, 'sum.connections', { n: s.connections }), t(lang, 'sum.closedBy', s.closedBy), t(lang, 'sum.resets', { n: s.resets })].join(t(lang, 'sum.sep')),
    t(lang, 'sum.timeWait', {
      required: duration(settings.timeWaitSeconds), os: settings.os,
      full: s.timeWait.full, cut: s.timeWait['cut-short'], inconclusive: s.timeWait.inconclusive, none: s.timeWait.none,
    }),
    t(lang, 'sum.finRetx', { n: s.finRetransmissions, conns: s.connectionsWithFinRetx }),
  ];
}

export function allConnections(doc: AnalysisDocument): ConnectionReport[] {
  return doc.captures.flatMap((c) => c.connections);
}

/** Frames that were not analysed and why, or null when every frame was a TCP segment or plainly not TCP. */
export function decodeLine(cap: Omit<CaptureReport, 'connections'>, lang: Lang): string | null {
  const d = cap.decode;
  const parts: string[] = [];
  if (d.truncated > 0) parts.push(t(lang, 'sum.decode.truncated', { n: d.truncated }));
  if (d.malformed > 0) parts.push(t(lang, 'sum.decode.malformed', { n: d.malformed }));
  if (d.ipFragments > 0) parts.push(t(lang, 'sum.decode.fragments', { n: d.ipFragments }));
  if (d.loopbackDuplicates > 0) parts.push(t(lang, 'sum.decode.duplicates', { n: d.loopbackDuplicates }));
  for (const u of d.unsupportedLinkTypes) parts.push(t(lang, 'sum.decode.link', { n: u.frames, lt: u.linkType }));
  const undecoded = d.undecodedEncapsulations;
  if (undecoded.length > 0) {
    parts.push(t(lang, 'sum.decode.undecoded', {
      n: undecoded.reduce((n, u) => n + u.frames, 0),
      kinds: undecoded.map((u) => `${u.kind} ${u.frames}`).join(lang === 'zh' ? '，' : ', '),
    }));
  }
  if (parts.length === 0) return null;
  if (d.notTcp > 0) parts.unshift(t(lang, 'sum.decode.notTcp', { n: d.notTcp }));
  return t(lang, 'sum.decode', { parts: parts.join(lang === 'zh' ? '，' : ', ') });
}
