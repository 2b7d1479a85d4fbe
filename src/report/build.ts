import type { Connection } from '../tcp/connection.ts';
import { type Copy, type Endpoint, FinBasis, ICMP_ABORT, ICMP_DROP, type RstRecord, rstEffective, type Transition, secondsBetween } from '../tcp/endpoint.ts';
import { icmpMessage, isPmtuMessage } from './icmp.ts';
import { NoteKind } from '../tcp/notes.ts';
import { State, stateName } from '../tcp/state.ts';
import { analysisReport } from './analysis.ts';
import { compatReport } from './compat.ts';
import { ipText, isoTime } from './format.ts';
import { classifyReset } from './reset.ts';
import { noteText } from './notes.ts';
import { tunnelReport } from './tunnel.ts';
import type {
  AckRef, ActiveCloser, Caveat, CloseKind, CloseReport, ConnectionReport, CopyReport, EndpointReport,
  FinInferenceReport, HalfCloseReport, HandshakeKind, HandshakeReport, ResetReport, SegmentNote, SeqValue, Settings, Side,
  EndpointRecordsOmitted, RecordsOmitted, TimeWaitDetail, TimeWaitEndpoint, TimeWaitReport,
} from './types.ts';

/** Scratch words for an address on its way to text. */
const ADDR = new Uint32Array(4);

/**
 * The report of a connection built with other stream numbers (a part of a
 * capture numbers its connections from 0: analyze/split.ts), given its
 * stream number in the whole capture and that of its `reuse` predecessor:
 * every field that shows a stream number, as buildReport writes it.
 */
export function restream(r: ConnectionReport, stream: number, previousStream: (local: number) => number): void {
  r.stream = stream;
  r.compat.wireshark.filter = `tcp.stream eq ${stream}`;
  if (r.reuse !== null) r.reuse.previousStream = previousStream(r.reuse.previousStream);
}

const FILTER_TEXT = '"filter":"tcp.stream eq ';
const REUSE_TEXT = '"reuse":{"previousStream":';

/**
 * restream on the report's JSON text (JSON.stringify of it) without parsing
 * it: what a merge of many parts does for each report it did not build.
 */
export function restreamJson(text: string, stream: number, previousStream: (local: number) => number): string {
  // buildReport writes `stream` first; quotes inside JSON strings are escaped, so these keys cannot match inside a value.
  // The three numbers, in buildReport's order: `stream` first, `reuse` before `compat`.
  const afterStream = text.indexOf(',');
  const filter = text.indexOf(FILTER_TEXT) + FILTER_TEXT.length;
  const filterEnd = text.indexOf('"', filter);
  const reuse = text.indexOf(REUSE_TEXT);
  if (reuse < 0) return `{"stream":${stream}${text.slice(afterStream, filter)}${stream}${text.slice(filterEnd)}`;
  const prev = reuse + REUSE_TEXT.length;
  const prevEnd = text.indexOf(',', prev);
  return `{"stream":${stream}${text.slice(afterStream, prev)}${previousStream(Number(text.slice(prev, prevEnd)))}` +
    `${text.slice(prevEnd, filter)}${stream}${text.slice(filterEnd)}`;
}

/** settleTimeWait on the report's JSON text: only its `timeWait` member is parsed. */
export function settleTimeWaitJson(
  text: string, pending: PendingTimeWait, reason: 'expired' | 'capture-end', sec: number, nsec: number, settings: Settings,
): string {
  if (pending.client === null && pending.server === null) return text;
  const key = '"timeWait":';
  const start = text.indexOf(key) + key.length;
  const end = jsonValueEnd(text, start);
  const r = { timeWait: JSON.parse(text.slice(start, end)) as TimeWaitReport };
  settleTimeWait(r, pending, reason, sec, nsec, settings);
  return `${text.slice(0, start)}${JSON.stringify(r.timeWait)}${text.slice(end)}`;
}

/** End of the JSON object or array that starts at `start` in `text`. */
function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) depth++;
    else if ((ch === 0x7d || ch === 0x5d) && --depth === 0) return i + 1;
  }
  throw new RangeError('unterminated JSON value');
}

/** Turns a finished Connection into its report (verdicts and textbook values). */
export function buildReport(c: Connection, settings: Settings): ConnectionReport {
  // The connection is final: what the silence at its end proves (Connection.settle).
  c.settle();
  const b = new Builder(c, settings);
  return b.build();
}

class Builder {
  private readonly cl: Endpoint;
  private readonly sv: Endpoint;
  private readonly clientBase: number;
  private readonly serverBase: number;

  constructor(private readonly c: Connection, private readonly settings: Settings) {
    this.cl = c.client;
    this.sv = c.server;
    this.clientBase = c.clientSide === 0 ? c.baseSeq0 : c.baseSeq1;
    this.serverBase = c.clientSide === 0 ? c.baseSeq1 : c.baseSeq0;
  }

  private time(sec: number, nsec: number): string {
    return isoTime(sec, nsec, this.c.tsDigits);
  }

  private seq(value: number, side: Side): SeqValue {
    const base = side === 'client' ? this.clientBase : this.serverBase;
    return { seq: value >>> 0, relative: (value - base) >>> 0 };
  }

  private ep(side: Side): Endpoint {
    return side === 'client' ? this.cl : this.sv;
  }

  private copies(list: Copy[]): CopyReport[] {
    return list.map((k) => ({
      frame: k.frame,
      time: this.time(k.tsSec, k.tsNsec),
      gapSeconds: round9(k.gapSeconds),
      ackedFrame: k.ackedFrame === 0 ? null : k.ackedFrame,
      withData: k.withData,
    }));
  }

  build(): ConnectionReport {
    const c = this.c;
    const a0 = { ip: ipText(c.ipVersion, c.addrInto(0, ADDR)), port: c.port0 };
    const a1 = { ip: ipText(c.ipVersion, c.addrInto(1, ADDR)), port: c.port1 };
    const handshake = this.handshake();
    const close = this.close(handshake.kind);
    const notes = this.notes();
    const report: ConnectionReport = {
      stream: c.stream,
      client: c.clientSide === 0 ? a0 : a1,
      server: c.clientSide === 0 ? a1 : a0,
      clientFrom: c.clientFrom,
      firstFrame: c.firstFrame,
      lastFrame: c.lastFrame,
      firstTime: this.time(c.firstSec, c.firstNsec),
      lastTime: this.time(c.lastSec, c.lastNsec),
      durationSeconds: round9(secondsBetween(c.firstSec, c.firstNsec, c.lastSec, c.lastNsec)),
      packets: c.packets,
      handshake,
      close,
      timeWait: this.timeWait(),
      endpoints: { client: this.endpoint(this.cl), server: this.endpoint(this.sv) },
      reuse: c.previousStream >= 0 ? { previousStream: c.previousStream, gapSeconds: round9(c.reuseGapSeconds) } : null,
      capture: { directions: this.directions(), startedMidConnection: this.midConnection() },
      notes,
      notesOmitted: c.notes.dropped,
      caveats: this.caveats(close),
      tunnel: tunnelReport(c),
      compat: compatReport(c),
      analysis: analysisReport(c),
    };
    // Last, and only when something was left out (most reports never have it).
    const omitted = recordsOmitted(this.cl, this.sv);
    if (omitted !== undefined) report.recordsOmitted = omitted;
    return report;
  }

  private handshake(): HandshakeReport {
    const cl = this.cl;
    const sv = this.sv;
    const simultaneous = cl.transitions.some((t) => t.cause === 'received SYN (simultaneous open)') ||
      sv.transitions.some((t) => t.cause === 'received SYN (simultaneous open)');
    const svRst = sv.rsts.length > 0 ? sv.rsts[0] : null;
    const clRst = cl.rsts.length > 0 ? cl.rsts[0] : null;
    let kind: HandshakeKind;
    // A captured SYN+ACK proves the SYN (its ack is x+1): a capture without the
    // client's side, or started between the two, holds a three-way handshake too.
    if (cl.synCopies.length === 0 && sv.synCopies.length === 0) kind = 'not-captured';
    else if (cl.synCopies.length === 0) kind = 'three-way';
    else if (simultaneous) kind = 'simultaneous-open';
    else if (clRst !== null && clRst.answersSynAck) kind = 'aborted';
    else if (icmpAbort(sv) !== null) kind = 'rejected-icmp';
    else if (sv.synCopies.length > 0 || (sv.issKnown && sv.issInferred)) kind = 'three-way';
    else if (svRst !== null && svRst.answersSyn) kind = 'refused';
    else if (icmpAbort(cl) !== null) kind = 'rejected-icmp';
    else kind = 'unanswered';
    // The server's ESTABLISHED as the capture shows it (the handshake's ACK, or
    // in a simultaneous open the segment that took it there). Not the client's: a
    // server that never got there (its listener refused the ACK, a half-open
    // scan) did not complete the handshake, and its SYN+ACK is no ACK.
    const est = sv.transitions.find((t) => t.to === State.ESTABLISHED);
    return {
      kind,
      x: cl.issKnown ? this.seq(cl.iss, 'client') : null,
      y: sv.issKnown ? this.seq(sv.iss, 'server') : null,
      inferred: (cl.issKnown && cl.issInferred) || (sv.issKnown && sv.issInferred),
      synFrames: this.copies(cl.synCopies),
      synAckFrames: this.copies(simultaneous ? sv.synAckCopies : sv.synCopies),
      serverSynFrames: simultaneous ? this.copies(sv.synCopies) : [],
      clientSynAckFrames: simultaneous ? this.copies(cl.synAckCopies) : [],
      synRetransmissions: {
        client: Math.max(0, cl.synCopies.length + cl.synCopiesOmitted - 1),
        server: Math.max(0, sv.synCopies.length + sv.synCopiesOmitted - 1),
      },
      establishedFrame: est !== undefined && !est.inferred ? est.frame : null,
    };
  }

  /**
   * Frame at which the endpoint's FIN first appears: captured, or just before
   * the ACK it was inferred from (that FIN was sent before anything the ACK's
   * segment carries, a FIN in it included).
   */
  private finFrame(ep: Endpoint): number {
    if (!ep.finKnown) return Infinity;
    let f = ep.finCopies.length > 0 ? ep.finCopies[0].frame : Infinity;
    for (const t of ep.transitions) {
      if (t.cause === 'FIN not captured (inferred from the ACK of it)' && t.frame - 0.5 < f) f = t.frame - 0.5;
    }
    return f;
  }

  /** The first RST (by frame) of either side that `pick` accepts. */
  private firstRst(pick: (r: RstRecord) => boolean): { side: Side; rec: RstRecord } | null {
    const a = this.cl.rsts.find(pick) ?? null;
    const b = this.sv.rsts.find(pick) ?? null;
    if (a === null && b === null) return null;
    if (b === null || (a !== null && a.frame < b.frame)) return { side: 'client', rec: a as RstRecord };
    return { side: 'server', rec: b };
  }

  private finInference(ep: Endpoint): FinInferenceReport | null {
    if (!ep.finKnown || ep.finCaptured) return null;
    const t = ep.transitions.find((x) => x.cause === 'FIN not captured (inferred from the ACK of it)');
    const frame = t !== undefined ? t.frame : ep.finAckFrame;
    const basis = ep.finBasis === FinBasis.Timestamps ? 'timestamps' : ep.finBasis === FinBasis.PeerClosing ? 'peer-closing' : 'sequence';
    return { frame, basis };
  }

  private close(hk: HandshakeKind): CloseReport {
    const cl = this.cl;
    const sv = this.sv;
    const cf = this.finFrame(cl);
    const sf = this.finFrame(sv);
    const anyFin = cl.finKnown || sv.finKnown;
    const activeSide: Side = cf <= sf ? 'client' : 'server';
    const passiveSide: Side = activeSide === 'client' ? 'server' : 'client';
    const active = this.ep(activeSide);
    const passive = this.ep(passiveSide);
    // The RST that ended the connection; or else, for the report, the first one sent.
    const ended = this.firstRst(rstEffective);
    const rst = ended ?? this.firstRst(() => true);
    const gracefulDone = cl.finAcked && sv.finAcked ? Math.max(cl.finAckFrame, sv.finAckFrame) : Infinity;
    const crossed = cl.finsCrossed || sv.finsCrossed;

    let kind: CloseKind;
    let activeCloser: ActiveCloser;
    if (hk === 'refused') {
      kind = 'refused';
      activeCloser = null;
    } else if (hk === 'unanswered' || hk === 'rejected-icmp') {
      // SYNs and no answer, or an ICMP error: there never was a connection to close.
      kind = 'never-opened';
      activeCloser = null;
    } else if (hk === 'aborted') {
      // The client answered the SYN+ACK with RST: there was no connection to close.
      kind = 'reset';
      activeCloser = null;
    } else if (ended !== null && ended.rec.frame < gracefulDone) {
      // The active closer is the side whose close came first, FIN or RST.
      if (anyFin && Math.min(cf, sf) < ended.rec.frame) {
        kind = 'reset-after-fin';
        activeCloser = crossed ? 'both' : activeSide;
      } else {
        kind = 'reset';
        activeCloser = ended.side;
      }
    } else if (!anyFin) {
      kind = 'open';
      activeCloser = null;
    } else if (cl.finAcked && sv.finAcked) {
      if (crossed) {
        kind = 'simultaneous';
        activeCloser = 'both';
      } else {
        // The passive side's FIN acknowledged the first FIN: FIN, FIN+ACK, ACK.
        kind = this.finFrame(passive) === active.finAckFrame ? 'three-way' : 'four-way';
        activeCloser = activeSide;
      }
    } else {
      kind = 'incomplete';
      activeCloser = crossed ? 'both' : activeSide;
    }

    const u = anyFin && active.finKnown ? this.seq(active.finSeq, activeSide) : null;
    const v = anyFin && active.finAcked ? this.seq(active.finAckSegSeq, passiveSide) : null;
    const w = anyFin && passive.finKnown ? this.seq(passive.finSeq, passiveSide) : null;
    const ackOfU: AckRef | null = anyFin && active.finAcked
      ? { frame: active.finAckFrame, ack: this.seq(active.finAckValue, activeSide) } : null;
    const ackOfW: AckRef | null = anyFin && passive.finAcked
      ? { frame: passive.finAckFrame, ack: this.seq(passive.finAckValue, passiveSide) } : null;

    let halfClose: HalfCloseReport | null = null;
    if (cl.halfCloseBytes > 0 || sv.halfCloseBytes > 0) {
      const side: Side = cl.halfCloseBytes >= sv.halfCloseBytes ? 'client' : 'server';
      const e = this.ep(side);
      halfClose = { side, bytes: e.halfCloseBytes, segments: e.halfCloseSegments };
    }

    let reset: ResetReport | null = null;
    if (rst !== null) {
      const verdict = classifyReset(this.c, rst.side, this.ep(rst.side), rst.rec);
      const { cause, candidates } = verdict;
      // A RST after the last segment: it answered this connection's ACK to a new SYN (Tracker.forOld).
      const reasoning = rst.rec.frame > this.c.lastFrame
        ? `${verdict.reasoning}; frame ${rst.rec.frame} is in the stream of the new SYN on this 4-tuple (as Wireshark counts it), noted there as old-connection-rst`
        : verdict.reasoning;
      reset = {
        by: rst.side,
        frame: rst.rec.frame,
        time: this.time(rst.rec.tsSec, rst.rec.tsNsec),
        seq: this.seq(rst.rec.seq, rst.side),
        state: stateName(rst.rec.state),
        taken: rst.rec.taken,
        effective: rstEffective(rst.rec),
        cause,
        candidates,
        reasoning,
        count: { client: cl.rsts.length + cl.rstsOmitted, server: sv.rsts.length + sv.rstsOmitted },
        frames: { client: cl.rsts.map((r) => r.frame), server: sv.rsts.map((r) => r.frame) },
      };
    }

    return {
      kind,
      activeCloser,
      firstFinBy: anyFin ? activeSide : null,
      u, v, w, ackOfU, ackOfW,
      finsSeen: { client: cl.finKnown, server: sv.finKnown },
      finRetransmissions: {
        client: Math.max(0, cl.finCopies.length + cl.finCopiesOmitted - 1),
        server: Math.max(0, sv.finCopies.length + sv.finCopiesOmitted - 1),
      },
      finFrames: { client: this.copies(cl.finCopies), server: this.copies(sv.finCopies) },
      halfClose,
      reset,
      finInferred: { client: this.finInference(cl), server: this.finInference(sv) },
    };
  }

  /** The noted segments, in frame order, and a note for every SYN+ACK with the ISN the client did not take. */
  private notes(): SegmentNote[] {
    const c = this.c;
    const out: SegmentNote[] = [];
    for (const n of c.notes.list) {
      const from: Side = n.side === c.clientSide ? 'client' : 'server';
      const note: SegmentNote = {
        frame: n.frame, time: this.time(n.tsSec, n.tsNsec), from, kind: noteText[n.kind].kind,
        rule: noteText[n.kind].rule, relatedFrame: n.related === 0 ? null : n.related,
      };
      if (n.kind === NoteKind.PawsRejected) {
        note.tsVal = n.tsVal;
        note.tsRecent = n.tsRecent;
        note.answerFrame = n.answer === undefined || n.answer === 0 ? null : n.answer;
        note.answeredByAck = note.answerFrame === null ? null : n.answerAck === true;
      }
      if (n.kind === NoteKind.IcmpError && n.icmp !== undefined) {
        const i = n.icmp;
        const version = c.ipVersion;
        const peer = c.addrInto(n.side === 0 ? 1 : 0, ADDR);
        const fromPeer = peer[0] === i.from[0] && peer[1] === i.from[1] && peer[2] === i.from[2] && peer[3] === i.from[3];
        const pmtu = isPmtuMessage(i.v6, i.type, i.code);
        const ep = this.ep(from);
        const moved = ep.transitions.find((t) => (t.cause === ICMP_ABORT || t.cause === ICMP_DROP) && t.frame === n.frame);
        note.icmp = {
          version: i.v6 ? 6 : 4, type: i.type, code: i.code, message: icmpMessage(i.v6, i.type, i.code),
          from: ipText(version, i.from), fromPeer, quotedSeq: this.seq(n.seq, from), quotedBytes: i.quoted,
          mtu: pmtu ? i.mtu : null,
          effect: pmtu ? 'pmtu' : moved !== undefined ? (moved.cause === ICMP_ABORT ? 'aborted' : 'dropped') : n.related !== 0 ? 'not-taken' : 'soft',
        };
      }
      out.push(note);
    }
    for (const side of ['client', 'server'] as const) {
      const ep = this.ep(side);
      for (const k of ep.altSynCopies) {
        // The SYN+ACK of a new half-open connection, after an ICMP error took the first away: its transition says so.
        if (ep.transitions.some((t, i) => t.frame === k.frame && t.cause === 'received SYN, sent SYN+ACK' && i > 0 && ep.transitions[i - 1].cause === ICMP_DROP)) continue;
        const t = noteText[NoteKind.SynAckOtherIsn];
        out.push({ frame: k.frame, time: this.time(k.tsSec, k.tsNsec), from: side, kind: t.kind, rule: t.rule, relatedFrame: null });
      }
    }
    out.sort((a, b) => a.frame - b.frame);
    return out;
  }

  private directions(): ConnectionReport['capture']['directions'] {
    if (this.c.packets === 0) return 'none';
    if (this.cl.packets === 0) return 'server-to-client';
    if (this.sv.packets === 0) return 'client-to-server';
    return 'both';
  }

  /** No SYN of either side captured: the capture began after the handshake. */
  private midConnection(): boolean {
    if (this.c.packets === 0) return false;
    return this.cl.synCopies.length === 0 && this.sv.synCopies.length === 0 && this.sv.altSynCopies.length === 0;
  }

  private caveats(close: CloseReport): Caveat[] {
    const out: Caveat[] = [];
    const dir = this.directions();
    const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');
    // One side's segments only, and they acknowledge the other's: the other side sent, unseen.
    if (dir !== 'both' && this.ep(dir === 'client-to-server' ? 'client' : 'server').ackSentKnown) {
      const seen: Side = dir === 'client-to-server' ? 'client' : 'server';
      out.push({
        code: 'one-sided', side: seen, frame: null,
        text: `only the ${seen}'s segments were captured: the ${other(seen)}'s states are inferred from what the ${seen} acknowledged`,
      });
      const unseen = other(seen);
      if (!this.ep(unseen).finKnown && this.ep(seen).finKnown) {
        out.push({
          code: 'unseen-fin-possible', side: unseen, frame: null,
          text: `the ${unseen}'s FIN cannot be seen here; if it came with the ${unseen}'s last data, the ${seen}'s ACKs cannot show it, ` +
            `and the ${unseen} may have closed first`,
        });
      }
    }
    if (this.c.packets === 0) {
      out.push({
        code: 'no-segment', side: null, frame: this.c.firstFrame,
        text: `the capture holds no segment of this connection, only ICMP errors quoting one (the first at frame ${this.c.firstFrame}): ` +
          'its handshake, close and states are unknown',
      });
    }
    if (this.midConnection()) {
      out.push({
        code: 'started-mid-connection', side: null, frame: this.c.firstFrame,
        text: `the capture holds no handshake: both ends are assumed ESTABLISHED before frame ${this.c.firstFrame}`,
      });
      for (const side of ['client', 'server'] as const) {
        const ep = this.ep(side);
        const first = close.finFrames[other(side)][0];
        if (!ep.finKnown && ep.payloadBytes === 0 && first !== undefined) {
          out.push({
            code: 'earlier-fin-possible', side, frame: first.frame,
            text: `the ${side} sent no data in the capture: a FIN it sent before the capture began, earlier than the ${other(side)}'s FIN ` +
              `(frame ${first.frame}), cannot be excluded`,
          });
        }
      }
    }
    for (const side of ['client', 'server'] as const) {
      const t = icmpAbort(this.ep(side));
      if (t === null) continue;
      out.push(t.cause === ICMP_ABORT ? {
        code: 'icmp-abort-inferred', side, frame: t.frame,
        text: `the ${side} is taken to have aborted on the ICMP error of frame ${t.frame} (its connect() failed) because it sent nothing after it; ` +
          'the capture cannot show the abort: a TCP that took the error as soft (RFC 5461) would have sent its SYN again, ' +
          'unless the capture ended before its retransmission was due (RFC 6298: 1 s at first)',
      } : {
        code: 'icmp-abort-inferred', side, frame: t.frame,
        text: `the ${side} is taken to have dropped its half-open connection on the ICMP error of frame ${t.frame} (as Linux does, silently) ` +
          'because it sent nothing of it after; the capture cannot show the drop: a listener that kept it would have sent its SYN+ACK again, ' +
          'unless the capture ended before its retransmission was due (1 s at first)',
      });
    }
    for (const side of ['client', 'server'] as const) {
      const inf = close.finInferred[side];
      if (inf !== null) {
        const why = inf.basis === 'timestamps' ? 'an ACK answering a newer, unseen segment (TSecr)' : inf.basis === 'peer-closing'
          ? `the ${other(side)}'s ACK advancing by exactly one while the close was under way` : `the ${other(side)} acknowledging one more than the ${side} sent`;
        out.push({ code: 'fin-inferred', side, frame: inf.frame, text: `the ${side}'s FIN is not in the capture; inferred at frame ${inf.frame} from ${why}` });
      }
      const peer = this.ep(other(side));
      if (peer.finHeld) {
        out.push({
          code: 'fin-held', side, frame: null,
          text: `the ${side}'s FIN stayed ahead of what the ${other(side)} was seen to receive (${peer.heldFinLost
            ? `the ${other(side)} acknowledged everything before it but not it after the ${side} had sent it again: lost after the capture point`
            : 'a segment before it missing'}): the ${other(side)}'s move to CLOSE_WAIT is not shown`,
        });
      }
    }
    for (const side of ['client', 'server'] as const) {
      const idx = side === 'client' ? this.c.clientSide : this.c.clientSide === 0 ? 1 : 0;
      const o = this.c.analysis.synOptions(idx);
      if (o === null || !o.cut) continue;
      // Unless the other SYN, whole, offered no window scale, the scaling in effect is unknown too.
      const peer = this.c.analysis.synOptions(idx === 0 ? 1 : 0);
      const scaling = o.windowScale === null && (peer === null || peer.windowScale !== null || peer.cut);
      out.push({
        code: 'options-cut', side, frame: o.frame,
        text: `the snaplen cut the TCP options of the ${side}'s SYN (frame ${o.frame}): what it offered past them (window scale, MSS, ` +
          `SACK permitted, timestamps) is unknown${scaling ? ', so is the window scaling in effect: windows are judged as if scaled by up to 2^14' : ''}`,
      });
    }
    return out;
  }

  private twDetail(ep: Endpoint): TimeWaitDetail | null {
    const entry = ep.twEntry;
    if (entry === null) return null;
    const last = ep.twRestarts.length > 0 ? ep.twRestarts[ep.twRestarts.length - 1] : entry;
    const end = ep.twEnd !== null
      ? { evidence: ep.twEnd.kind, frame: ep.twEnd.frame, sec: ep.twEnd.tsSec, nsec: ep.twEnd.tsNsec }
      : { evidence: this.c.endReason === 'expired' ? 'expired' as const : 'capture-end' as const, frame: null, sec: this.c.endSec, nsec: this.c.endNsec };
    return {
      entryFrame: entry.frame,
      entryTime: this.time(entry.tsSec, entry.tsNsec),
      restarts: ep.twRestarts.map((r) => ({ frame: r.frame, time: this.time(r.tsSec, r.tsNsec) })),
      ...timeWaitEnd(end, last.tsSec, last.tsNsec, this.settings, this.c.tsDigits),
    };
  }

  private timeWait(): TimeWaitReport {
    return timeWaitReport(this.twDetail(this.cl), this.twDetail(this.sv), this.settings);
  }

  /** What settleTimeWait needs to finish this connection's report once it is let go of. */
  pendingTimeWait(): PendingTimeWait {
    const side = (ep: Endpoint): { sec: number; nsec: number } | null => {
      if (ep.twEntry === null || ep.twEnd !== null) return null;
      const last = ep.twRestarts.length > 0 ? ep.twRestarts[ep.twRestarts.length - 1] : ep.twEntry;
      return { sec: last.tsSec, nsec: last.tsNsec };
    };
    return { client: side(this.cl), server: side(this.sv), tsDigits: this.c.tsDigits };
  }

  private endpoint(ep: Endpoint): EndpointReport {
    return {
      finalState: stateName(ep.state),
      transitions: ep.transitions.map((t) => ({
        from: stateName(t.from),
        to: stateName(t.to),
        frame: t.frame,
        time: this.time(t.tsSec, t.tsNsec),
        cause: t.cause,
        inferred: t.inferred,
      })),
      packets: ep.packets,
      payloadBytes: ep.payloadBytes,
      keepAlives: ep.keepAlives,
      unacceptable: ep.rejected,
    };
  }
}

/** How a TIME_WAIT ended (or the capture did), and the verdict on it, from the last time it began. */
function timeWaitEnd(
  end: { evidence: TimeWaitDetail['evidence']; frame: number | null; sec: number; nsec: number },
  lastSec: number, lastNsec: number, settings: Settings, tsDigits: number,
): Pick<TimeWaitDetail, 'evidence' | 'evidenceFrame' | 'evidenceTime' | 'observedSeconds' | 'verdict'> {
  const observed = round9(secondsBetween(lastSec, lastNsec, end.sec, end.nsec));
  let verdict: TimeWaitDetail['verdict'];
  if (end.evidence === 'expired') verdict = 'full';
  else if (observed >= settings.timeWaitSeconds) verdict = 'full';
  else verdict = end.evidence === 'capture-end' ? 'inconclusive' : 'cut-short';
  return { evidence: end.evidence, evidenceFrame: end.frame, evidenceTime: isoTime(end.sec, end.nsec, tsDigits), observedSeconds: observed, verdict };
}

/** The connection's TIME_WAIT report from its two endpoints' details. */
function timeWaitReport(client: TimeWaitDetail | null, server: TimeWaitDetail | null, settings: Settings): TimeWaitReport {
  const endpoint: TimeWaitEndpoint = client && server ? 'both' : client ? 'client' : server ? 'server' : null;
  const first = client && server ? (client.entryFrame <= server.entryFrame ? client : server) : (client ?? server);
  return {
    endpoint,
    entryFrame: first ? first.entryFrame : null,
    entryTime: first ? first.entryTime : null,
    restarts: first ? first.restarts : [],
    evidence: first ? first.evidence : null,
    evidenceFrame: first ? first.evidenceFrame : null,
    observedSeconds: first ? first.observedSeconds : null,
    requiredSeconds: settings.timeWaitSeconds,
    verdict: first ? first.verdict : 'none',
    client,
    server,
  };
}

/**
 * The endpoints whose TIME_WAIT nothing in the capture ended (no reuse, no
 * RST): their report depends on when the connection is let go of. Each with
 * the time its TIME_WAIT last began.
 */
export interface PendingTimeWait {
  client: { sec: number; nsec: number } | null;
  server: { sec: number; nsec: number } | null;
  tsDigits: number;
}

/**
 * A report built before the connection was let go of (`buildPending`), as
 * buildReport writes it once the tracker lets go of it for `reason` at
 * (sec, nsec): only the TIME_WAIT of `pending` endpoints depends on that.
 * A part of a capture cut into files builds the reports of its connections
 * that nothing after the cut can change, and the merge says when they end
 * (analyze/split.ts).
 */
export function settleTimeWait(
  r: Pick<ConnectionReport, 'timeWait'>, pending: PendingTimeWait, reason: 'expired' | 'capture-end', sec: number, nsec: number, settings: Settings,
): void {
  const end = { evidence: reason, frame: null, sec, nsec };
  const settle = (d: TimeWaitDetail | null, last: { sec: number; nsec: number } | null): TimeWaitDetail | null =>
    d === null || last === null ? d : { entryFrame: d.entryFrame, entryTime: d.entryTime, restarts: d.restarts, ...timeWaitEnd(end, last.sec, last.nsec, settings, pending.tsDigits) };
  r.timeWait = timeWaitReport(settle(r.timeWait.client, pending.client), settle(r.timeWait.server, pending.server), settings);
}

/** The report of a connection not let go of yet (its TIME_WAIT as if the capture ended now), and what settleTimeWait needs. */
export function buildPending(c: Connection, settings: Settings): { report: ConnectionReport; pending: PendingTimeWait } {
  const b = new Builder(c, settings);
  return { report: b.build(), pending: b.pendingTimeWait() };
}

/** Durations rounded to the nanosecond, so float noise does not show in JSON. */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** What the endpoints left out of their lists of records (Endpoint MAX_RECORDS); undefined when nothing. */
function recordsOmitted(cl: Endpoint, sv: Endpoint): RecordsOmitted | undefined {
  const of = (ep: Endpoint): EndpointRecordsOmitted => ({
    synCopies: ep.synCopiesOmitted,
    synAckCopies: ep.synAckCopiesOmitted,
    altSynCopies: ep.altSynCopiesOmitted,
    finCopies: ep.finCopiesOmitted,
    rsts: ep.rstsOmitted,
    timeWaitRestarts: ep.twRestartsOmitted,
  });
  const client = of(cl);
  const server = of(sv);
  const any = (o: EndpointRecordsOmitted): boolean => Object.values(o).some((n) => n > 0);
  return any(client) || any(server) ? { client, server } : undefined;
}

/** The transition an ICMP error made when it is the endpoint's last (the abort, or the drop of a half-open connection, stands), else null. */
function icmpAbort(ep: Endpoint): Transition | null {
  const t = ep.transitions.length > 0 ? ep.transitions[ep.transitions.length - 1] : undefined;
  if (t === undefined) return null;
  return (t.cause === ICMP_ABORT && ep.state === State.CLOSED) || (t.cause === ICMP_DROP && ep.state === State.LISTEN) ? t : null;
}
