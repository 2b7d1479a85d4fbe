/**
 * A ConnectionReport as JSON, field by field, in the order buildReport
 * (src/report/build.ts) makes them and types.ts lists them: the bytes of
 * JSON.stringify(report), without its time (see json-bytes.ts).
 * test/render/json.test.ts checks it against JSON.stringify on every
 * fixture and corpus capture, json-report.test.ts on random reports.
 *
 * Each function writes one type of types.ts as the member `name` of the
 * object being written (null: an element of an array). Only the fields of
 * the type are read: a field added to the contract must be added here too
 * (the fixture test fails until it is).
 */
import type {
  AckRef, AnalysisCounts, AnalysisFrame, AnalysisReport, Caveat, IcmpErrorReport, CloseReport, CompatReport, ConnectionReport, CopyReport,
  EndpointAddress, EndpointRecordsOmitted, EndpointReport, FinInferenceReport, HalfCloseReport, HandshakeReport, ResetReport, SegmentNote, SeqValue,
  SynOptionsReport, TimeWaitDetail, TimeWaitReport, TransitionReport, TunnelRef, TunnelReport,
} from '../report/types.ts';
import { ANALYSIS_COUNT_KEYS } from '../report/types.ts';
import { type JsonBytes, type JsonKey, jsonKeys, JsonText } from './json-bytes.ts';

/** The members' names, each encoded once. */
const K = jsonKeys(
  'retransmission', 'fastRetransmission', 'spuriousRetransmission', 'outOfOrder', 'previousSegmentNotCaptured',
  'ackedUnseenSegment', 'duplicateAck', 'zeroWindow', 'zeroWindowProbe', 'zeroWindowProbeAck', 'windowFull',
  'windowUpdate', 'keepAlive', 'keepAliveAck', 'client', 'server', 'handshake', 'close', 'timeWait', 'notes',
  'caveats', 'tunnel', 'compat', 'analysis', 'x', 'y', 'synFrames', 'synAckFrames', 'serverSynFrames',
  'clientSynAckFrames', 'synRetransmissions', 'ack', 'u', 'v', 'w', 'ackOfU', 'ackOfW', 'finsSeen',
  'finRetransmissions', 'halfClose', 'reset', 'seq', 'count', 'restarts', 'transitions', 'reverse', 'frames',
  'windowScale', 'maxSegmentSize', 'stream', 'clientFrom', 'firstFrame', 'lastFrame', 'firstTime', 'lastTime',
  'durationSeconds', 'packets', 'endpoints', 'reuse', 'previousStream', 'gapSeconds', 'capture', 'directions',
  'startedMidConnection', 'notesOmitted', 'ip', 'port', 'relative', 'frame', 'time', 'ackedFrame', 'withData', 'kind',
  'inferred', 'establishedFrame', 'activeCloser', 'firstFinBy', 'finFrames', 'finInferred', 'side', 'bytes',
  'segments', 'by', 'state', 'taken', 'effective', 'cause', 'candidates', 'reasoning', 'basis', 'endpoint',
  'entryFrame', 'entryTime', 'evidence', 'evidenceFrame', 'observedSeconds', 'requiredSeconds', 'verdict',
  'evidenceTime', 'from', 'to', 'finalState', 'payloadBytes', 'keepAlives', 'unacceptable', 'rule', 'relatedFrame',
  'code', 'text', 'id', 'ambiguous', 'wireshark', 'completeness', 'completenessStr', 'filter', 'zeek', 'connState',
  'history', 'tcptrace', 'completeConn', 'flags', 'duplicateAck', 'number', 'of', 'mss', 'sackPermitted',
  'timestamps', 'counts', 'framesOmitted', 'handshakeRtt', 'initialSeconds', 'synToSynAckSeconds',
  'synAckToAckSeconds', 'ackFrame', 'options', 'windowScaling', 'recordsOmitted', 'synCopies', 'synAckCopies',
  'altSynCopies', 'finCopies', 'rsts', 'timeWaitRestarts', 'tsVal', 'tsRecent', 'altSynCopies', 'finCopies', 'rsts', 'timeWaitRestarts', 'icmp', 'version', 'type', 'message', 'fromPeer', 'quotedSeq',
  'quotedBytes', 'mtu', 'effect', 'answerFrame', 'answeredByAck',
);

/** The text of AnalysisCounts with every count 0. */
const NO_COUNTS = new JsonText(JSON.stringify(Object.fromEntries(ANALYSIS_COUNT_KEYS.map((k) => [k, 0]))));

/** The report's members, written into an object already open (an NDJSON line puts `file` before them). */
export function connectionMembers(w: JsonBytes, c: ConnectionReport): void {
  w.num(K.stream, c.stream);
  address(w, K.client, c.client);
  address(w, K.server, c.server);
  w.literal(K.clientFrom, c.clientFrom);
  w.num(K.firstFrame, c.firstFrame);
  w.num(K.lastFrame, c.lastFrame);
  w.str(K.firstTime, c.firstTime);
  w.str(K.lastTime, c.lastTime);
  w.num(K.durationSeconds, c.durationSeconds);
  w.num(K.packets, c.packets);
  handshake(w, K.handshake, c.handshake);
  close(w, K.close, c.close);
  timeWait(w, K.timeWait, c.timeWait);
  const e = c.endpoints;
  if (w.key(K.endpoints, e)) {
    w.open();
    endpoint(w, K.client, e.client);
    endpoint(w, K.server, e.server);
    w.close();
  }
  const r = c.reuse;
  if (w.key(K.reuse, r)) {
    w.open();
    w.num(K.previousStream, r.previousStream);
    w.num(K.gapSeconds, r.gapSeconds);
    w.close();
  }
  const cap = c.capture;
  if (w.key(K.capture, cap)) {
    w.open();
    w.literal(K.directions, cap.directions);
    w.bool(K.startedMidConnection, cap.startedMidConnection);
    w.close();
  }
  list(w, K.notes, c.notes, note);
  w.num(K.notesOmitted, c.notesOmitted);
  list(w, K.caveats, c.caveats, caveat);
  tunnel(w, K.tunnel, c.tunnel);
  compat(w, K.compat, c.compat);
  analysis(w, K.analysis, c.analysis);
  const o = c.recordsOmitted;
  if (w.key(K.recordsOmitted, o)) {
    w.open();
    recordsOmitted(w, K.client, o.client);
    recordsOmitted(w, K.server, o.server);
    w.close();
  }
}

function recordsOmitted(w: JsonBytes, name: JsonKey, v: EndpointRecordsOmitted): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.synCopies, v.synCopies);
  w.num(K.synAckCopies, v.synAckCopies);
  w.num(K.altSynCopies, v.altSynCopies);
  w.num(K.finCopies, v.finCopies);
  w.num(K.rsts, v.rsts);
  w.num(K.timeWaitRestarts, v.timeWaitRestarts);
  w.close();
}

/** An array whose elements `item` writes. */
function list<T>(w: JsonBytes, name: JsonKey | null, v: readonly T[], item: (w: JsonBytes, name: null, x: T) => void): void {
  if (!w.key(name, v)) return;
  w.openArray();
  for (let i = 0; i < v.length; i++) item(w, null, v[i]);
  w.closeArray();
}

/** `{ client, server }` of numbers. */
function perSide(w: JsonBytes, name: JsonKey, v: { client: number | null; server: number | null }): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.client, v.client);
  w.num(K.server, v.server);
  w.close();
}

/** `{ client, server }` of booleans. */
function perSideBool(w: JsonBytes, name: JsonKey, v: { client: boolean; server: boolean }): void {
  if (!w.key(name, v)) return;
  w.open();
  w.bool(K.client, v.client);
  w.bool(K.server, v.server);
  w.close();
}

function address(w: JsonBytes, name: JsonKey, v: EndpointAddress): void {
  if (!w.key(name, v)) return;
  w.open();
  w.str(K.ip, v.ip);
  w.num(K.port, v.port);
  w.close();
}

function seqValue(w: JsonBytes, name: JsonKey, v: SeqValue | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.seq, v.seq);
  w.num(K.relative, v.relative);
  w.close();
}

function copy(w: JsonBytes, name: JsonKey | null, v: CopyReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  w.num(K.gapSeconds, v.gapSeconds);
  w.num(K.ackedFrame, v.ackedFrame);
  w.bool(K.withData, v.withData);
  w.close();
}

function handshake(w: JsonBytes, name: JsonKey, v: HandshakeReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.kind, v.kind);
  seqValue(w, K.x, v.x);
  seqValue(w, K.y, v.y);
  w.bool(K.inferred, v.inferred);
  list(w, K.synFrames, v.synFrames, copy);
  list(w, K.synAckFrames, v.synAckFrames, copy);
  list(w, K.serverSynFrames, v.serverSynFrames, copy);
  list(w, K.clientSynAckFrames, v.clientSynAckFrames, copy);
  perSide(w, K.synRetransmissions, v.synRetransmissions);
  w.num(K.establishedFrame, v.establishedFrame);
  w.close();
}

function ackRef(w: JsonBytes, name: JsonKey, v: AckRef | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  seqValue(w, K.ack, v.ack);
  w.close();
}

function close(w: JsonBytes, name: JsonKey, v: CloseReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.kind, v.kind);
  w.literal(K.activeCloser, v.activeCloser);
  w.literal(K.firstFinBy, v.firstFinBy);
  seqValue(w, K.u, v.u);
  seqValue(w, K.v, v.v);
  seqValue(w, K.w, v.w);
  ackRef(w, K.ackOfU, v.ackOfU);
  ackRef(w, K.ackOfW, v.ackOfW);
  perSideBool(w, K.finsSeen, v.finsSeen);
  perSide(w, K.finRetransmissions, v.finRetransmissions);
  const ff = v.finFrames;
  if (w.key(K.finFrames, ff)) {
    w.open();
    list(w, K.client, ff.client, copy);
    list(w, K.server, ff.server, copy);
    w.close();
  }
  halfClose(w, K.halfClose, v.halfClose);
  reset(w, K.reset, v.reset);
  const fi = v.finInferred;
  if (w.key(K.finInferred, fi)) {
    w.open();
    finInference(w, K.client, fi.client);
    finInference(w, K.server, fi.server);
    w.close();
  }
  w.close();
}

function halfClose(w: JsonBytes, name: JsonKey, v: HalfCloseReport | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.side, v.side);
  w.num(K.bytes, v.bytes);
  w.num(K.segments, v.segments);
  w.close();
}

function reset(w: JsonBytes, name: JsonKey, v: ResetReport | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.by, v.by);
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  seqValue(w, K.seq, v.seq);
  w.literal(K.state, v.state);
  w.literal(K.taken, v.taken);
  w.bool(K.effective, v.effective);
  w.literal(K.cause, v.cause);
  w.literals(K.candidates, v.candidates);
  w.str(K.reasoning, v.reasoning);
  perSide(w, K.count, v.count);
  const f = v.frames;
  if (w.key(K.frames, f)) {
    w.open();
    w.nums(K.client, f.client);
    w.nums(K.server, f.server);
    w.close();
  }
  w.close();
}

function finInference(w: JsonBytes, name: JsonKey, v: FinInferenceReport | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.literal(K.basis, v.basis);
  w.close();
}

function restart(w: JsonBytes, name: null, v: { frame: number; time: string }): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  w.close();
}

function timeWait(w: JsonBytes, name: JsonKey, v: TimeWaitReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.endpoint, v.endpoint);
  w.num(K.entryFrame, v.entryFrame);
  w.str(K.entryTime, v.entryTime);
  list(w, K.restarts, v.restarts, restart);
  w.literal(K.evidence, v.evidence);
  w.num(K.evidenceFrame, v.evidenceFrame);
  w.num(K.observedSeconds, v.observedSeconds);
  w.num(K.requiredSeconds, v.requiredSeconds);
  w.literal(K.verdict, v.verdict);
  timeWaitDetail(w, K.client, v.client);
  timeWaitDetail(w, K.server, v.server);
  w.close();
}

function timeWaitDetail(w: JsonBytes, name: JsonKey, v: TimeWaitDetail | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.entryFrame, v.entryFrame);
  w.str(K.entryTime, v.entryTime);
  list(w, K.restarts, v.restarts, restart);
  w.literal(K.evidence, v.evidence);
  w.num(K.evidenceFrame, v.evidenceFrame);
  w.str(K.evidenceTime, v.evidenceTime);
  w.num(K.observedSeconds, v.observedSeconds);
  w.literal(K.verdict, v.verdict);
  w.close();
}

function transition(w: JsonBytes, name: null, v: TransitionReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.from, v.from);
  w.literal(K.to, v.to);
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  w.literal(K.cause, v.cause);
  w.bool(K.inferred, v.inferred);
  w.close();
}

function endpoint(w: JsonBytes, name: JsonKey, v: EndpointReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.finalState, v.finalState);
  list(w, K.transitions, v.transitions, transition);
  w.num(K.packets, v.packets);
  w.num(K.payloadBytes, v.payloadBytes);
  w.num(K.keepAlives, v.keepAlives);
  w.num(K.unacceptable, v.unacceptable);
  w.close();
}

function note(w: JsonBytes, name: null, v: SegmentNote): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  w.literal(K.from, v.from);
  w.literal(K.kind, v.kind);
  w.literal(K.rule, v.rule);
  w.num(K.relatedFrame, v.relatedFrame);
  if (v.tsVal !== undefined) w.num(K.tsVal, v.tsVal);
  if (v.tsRecent !== undefined) w.num(K.tsRecent, v.tsRecent);
  if (v.answerFrame !== undefined) w.num(K.answerFrame, v.answerFrame);
  if (v.answeredByAck !== undefined) w.bool(K.answeredByAck, v.answeredByAck);
  if (v.icmp !== undefined) icmpError(w, K.icmp, v.icmp);
  w.close();
}

function icmpError(w: JsonBytes, name: JsonKey, v: IcmpErrorReport): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.version, v.version);
  w.num(K.type, v.type);
  w.num(K.code, v.code);
  w.str(K.message, v.message);
  w.str(K.from, v.from);
  w.bool(K.fromPeer, v.fromPeer);
  seqValue(w, K.quotedSeq, v.quotedSeq);
  w.num(K.quotedBytes, v.quotedBytes);
  w.num(K.mtu, v.mtu);
  w.literal(K.effect, v.effect);
  w.close();
}

function caveat(w: JsonBytes, name: null, v: Caveat): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.code, v.code);
  w.literal(K.side, v.side);
  w.num(K.frame, v.frame);
  w.str(K.text, v.text);
  w.close();
}

function tunnelRef(w: JsonBytes, name: JsonKey, v: TunnelRef | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.kind, v.kind);
  w.num(K.id, v.id);
  w.close();
}

function tunnel(w: JsonBytes, name: JsonKey, v: TunnelReport | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.literal(K.kind, v.kind);
  w.num(K.id, v.id);
  tunnelRef(w, K.reverse, v.reverse);
  w.bool(K.ambiguous, v.ambiguous);
  w.close();
}

function compat(w: JsonBytes, name: JsonKey, v: CompatReport): void {
  if (!w.key(name, v)) return;
  w.open();
  const ws = v.wireshark;
  if (w.key(K.wireshark, ws)) {
    w.open();
    w.num(K.completeness, ws.completeness);
    w.literal(K.completenessStr, ws.completenessStr);
    w.str(K.filter, ws.filter);
    w.close();
  }
  const z = v.zeek;
  if (w.key(K.zeek, z)) {
    w.open();
    w.literal(K.connState, z.connState);
    w.str(K.history, z.history);
    w.close();
  }
  const t = v.tcptrace;
  if (w.key(K.tcptrace, t)) {
    w.open();
    w.literal(K.completeConn, t.completeConn);
    w.close();
  }
  w.close();
}

function counts(w: JsonBytes, name: JsonKey, v: AnalysisCounts): void {
  if (!w.key(name, v)) return;
  if (noCounts(v)) {
    w.premade(NO_COUNTS);
    return;
  }
  w.open();
  w.num(K.retransmission, v.retransmission);
  w.num(K.fastRetransmission, v.fastRetransmission);
  w.num(K.spuriousRetransmission, v.spuriousRetransmission);
  w.num(K.outOfOrder, v.outOfOrder);
  w.num(K.previousSegmentNotCaptured, v.previousSegmentNotCaptured);
  w.num(K.ackedUnseenSegment, v.ackedUnseenSegment);
  w.num(K.duplicateAck, v.duplicateAck);
  w.num(K.zeroWindow, v.zeroWindow);
  w.num(K.zeroWindowProbe, v.zeroWindowProbe);
  w.num(K.zeroWindowProbeAck, v.zeroWindowProbeAck);
  w.num(K.windowFull, v.windowFull);
  w.num(K.windowUpdate, v.windowUpdate);
  w.num(K.keepAlive, v.keepAlive);
  w.num(K.keepAliveAck, v.keepAliveAck);
  w.close();
}

/** Every count 0: most connections, on both sides. */
function noCounts(v: AnalysisCounts): boolean {
  return v.retransmission === 0 && v.fastRetransmission === 0 && v.spuriousRetransmission === 0 && v.outOfOrder === 0 &&
    v.previousSegmentNotCaptured === 0 && v.ackedUnseenSegment === 0 && v.duplicateAck === 0 && v.zeroWindow === 0 &&
    v.zeroWindowProbe === 0 && v.zeroWindowProbeAck === 0 && v.windowFull === 0 && v.windowUpdate === 0 &&
    v.keepAlive === 0 && v.keepAliveAck === 0;
}

function analysisFrame(w: JsonBytes, name: null, v: AnalysisFrame): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.str(K.time, v.time);
  w.literal(K.from, v.from);
  w.literals(K.flags, v.flags);
  const d = v.duplicateAck;
  if (w.key(K.duplicateAck, d)) {
    w.open();
    w.num(K.number, d.number);
    w.num(K.of, d.of);
    w.close();
  }
  w.close();
}

function synOptions(w: JsonBytes, name: JsonKey, v: SynOptionsReport | null): void {
  if (!w.key(name, v)) return;
  w.open();
  w.num(K.frame, v.frame);
  w.num(K.mss, v.mss);
  w.num(K.windowScale, v.windowScale);
  w.bool(K.sackPermitted, v.sackPermitted);
  w.bool(K.timestamps, v.timestamps);
  w.close();
}

function analysis(w: JsonBytes, name: JsonKey, v: AnalysisReport): void {
  if (!w.key(name, v)) return;
  w.open();
  const c = v.counts;
  if (w.key(K.counts, c)) {
    w.open();
    counts(w, K.client, c.client);
    counts(w, K.server, c.server);
    w.close();
  }
  list(w, K.frames, v.frames, analysisFrame);
  w.num(K.framesOmitted, v.framesOmitted);
  const h = v.handshakeRtt;
  if (w.key(K.handshakeRtt, h)) {
    w.open();
    w.num(K.initialSeconds, h.initialSeconds);
    w.num(K.synToSynAckSeconds, h.synToSynAckSeconds);
    w.num(K.synAckToAckSeconds, h.synAckToAckSeconds);
    w.num(K.ackFrame, h.ackFrame);
    w.close();
  }
  const o = v.options;
  if (w.key(K.options, o)) {
    w.open();
    synOptions(w, K.client, o.client);
    synOptions(w, K.server, o.server);
    w.bool(K.windowScaling, o.windowScaling);
    w.bool(K.sackPermitted, o.sackPermitted);
    w.bool(K.timestamps, o.timestamps);
    perSide(w, K.windowScale, o.windowScale);
    perSide(w, K.maxSegmentSize, o.maxSegmentSize);
    w.close();
  }
  w.close();
}
