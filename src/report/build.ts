import type { Connection } from '../tcp/connection.ts';
import { type Copy, type Endpoint, type RstRecord, secondsBetween } from '../tcp/endpoint.ts';
import { State, stateName } from '../tcp/state.ts';
import { compatReport } from './compat.ts';
import { ipText, isoTime } from './format.ts';
import { classifyReset } from './reset.ts';
import { tunnelReport } from './tunnel.ts';
import type {
  AckRef, ActiveCloser, CloseKind, CloseReport, ConnectionReport, CopyReport, EndpointReport,
  HalfCloseReport, HandshakeKind, HandshakeReport, ResetReport, SeqValue, Settings, Side,
  TimeWaitDetail, TimeWaitEndpoint, TimeWaitReport,
} from './types.ts';

/** Scratch words for an address on its way to text. */
const ADDR = new Uint32Array(4);

/** Turns a finished Connection into its report (verdicts and textbook values). */
export function buildReport(c: Connection, settings: Settings): ConnectionReport {
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
    return {
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
      close: this.close(handshake.kind),
      timeWait: this.timeWait(),
      endpoints: { client: this.endpoint(this.cl), server: this.endpoint(this.sv) },
      reuse: c.previousStream >= 0 ? { previousStream: c.previousStream, gapSeconds: round9(c.reuseGapSeconds) } : null,
      tunnel: tunnelReport(c),
      compat: compatReport(c),
    };
  }

  private handshake(): HandshakeReport {
    const cl = this.cl;
    const sv = this.sv;
    const simultaneous = cl.transitions.some((t) => t.cause === 'received SYN (simultaneous open)') ||
      sv.transitions.some((t) => t.cause === 'received SYN (simultaneous open)');
    const svRst = sv.rsts.length > 0 ? sv.rsts[0] : null;
    let kind: HandshakeKind;
    if (cl.synCopies.length === 0) kind = 'not-captured';
    else if (simultaneous) kind = 'simultaneous-open';
    else if (sv.synCopies.length > 0) kind = 'three-way';
    else if (svRst !== null && svRst.answersSyn) kind = 'refused';
    else kind = 'unanswered';
    const est = sv.transitions.find((t) => t.to === State.ESTABLISHED) ?? cl.transitions.find((t) => t.to === State.ESTABLISHED);
    return {
      kind,
      x: cl.issKnown ? this.seq(cl.iss, 'client') : null,
      y: sv.issKnown ? this.seq(sv.iss, 'server') : null,
      inferred: (cl.issKnown && cl.issInferred) || (sv.issKnown && sv.issInferred),
      synFrames: this.copies(cl.synCopies),
      synAckFrames: this.copies(sv.synCopies),
      synRetransmissions: {
        client: Math.max(0, cl.synCopies.length - 1),
        server: Math.max(0, sv.synCopies.length - 1),
      },
      establishedFrame: est !== undefined && !est.inferred ? est.frame : null,
    };
  }

  /** Frame at which the endpoint's FIN first appears (captured, or the frame of the ACK it was inferred from). */
  private finFrame(ep: Endpoint): number {
    if (!ep.finKnown) return Infinity;
    let f = ep.finCopies.length > 0 ? ep.finCopies[0].frame : Infinity;
    for (const t of ep.transitions) {
      if (t.cause === 'FIN not captured (inferred from the ACK of it)' && t.frame < f) f = t.frame;
    }
    return f;
  }

  private firstRst(): { side: Side; rec: RstRecord } | null {
    const a = this.cl.rsts.length > 0 ? this.cl.rsts[0] : null;
    const b = this.sv.rsts.length > 0 ? this.sv.rsts[0] : null;
    if (a === null && b === null) return null;
    if (b === null || (a !== null && a.frame < b.frame)) return { side: 'client', rec: a as RstRecord };
    return { side: 'server', rec: b };
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
    const rst = this.firstRst();
    const gracefulDone = cl.finAcked && sv.finAcked ? Math.max(cl.finAckFrame, sv.finAckFrame) : Infinity;
    const crossed = cl.transitions.some((t) => t.to === State.CLOSING) || sv.transitions.some((t) => t.to === State.CLOSING);

    let kind: CloseKind;
    let activeCloser: ActiveCloser;
    if (hk === 'refused') {
      kind = 'refused';
      activeCloser = null;
    } else if (rst !== null && rst.rec.frame < gracefulDone) {
      kind = 'reset';
      activeCloser = rst.side;
    } else if (hk === 'unanswered') {
      // Never established: the capture ended during the attempt.
      kind = 'incomplete';
      activeCloser = null;
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
      const { cause, reasoning } = classifyReset(this.c, rst.side, this.ep(rst.side), rst.rec);
      reset = {
        by: rst.side,
        frame: rst.rec.frame,
        time: this.time(rst.rec.tsSec, rst.rec.tsNsec),
        state: stateName(rst.rec.state),
        cause,
        reasoning,
        count: { client: cl.rsts.length, server: sv.rsts.length },
        frames: { client: cl.rsts.map((r) => r.frame), server: sv.rsts.map((r) => r.frame) },
      };
    }

    return {
      kind,
      activeCloser,
      u, v, w, ackOfU, ackOfW,
      finsSeen: { client: cl.finKnown, server: sv.finKnown },
      finRetransmissions: {
        client: Math.max(0, cl.finCopies.length - 1),
        server: Math.max(0, sv.finCopies.length - 1),
      },
      finFrames: { client: this.copies(cl.finCopies), server: this.copies(sv.finCopies) },
      halfClose,
      reset,
    };
  }

  private twDetail(ep: Endpoint): TimeWaitDetail | null {
    const entry = ep.twEntry;
    if (entry === null) return null;
    const required = this.settings.timeWaitSeconds;
    const last = ep.twRestarts.length > 0 ? ep.twRestarts[ep.twRestarts.length - 1] : entry;
    let evidence: TimeWaitDetail['evidence'];
    let evFrame: number | null;
    let evSec: number;
    let evNsec: number;
    if (ep.twEnd !== null) {
      evidence = ep.twEnd.kind;
      evFrame = ep.twEnd.frame;
      evSec = ep.twEnd.tsSec;
      evNsec = ep.twEnd.tsNsec;
    } else {
      evidence = this.c.endReason === 'expired' ? 'expired' : 'capture-end';
      evFrame = null;
      evSec = this.c.endSec;
      evNsec = this.c.endNsec;
    }
    const observed = round9(secondsBetween(last.tsSec, last.tsNsec, evSec, evNsec));
    let verdict: TimeWaitDetail['verdict'];
    if (evidence === 'expired') verdict = 'full';
    else if (observed >= required) verdict = 'full';
    else verdict = evidence === 'capture-end' ? 'inconclusive' : 'cut-short';
    return {
      entryFrame: entry.frame,
      entryTime: this.time(entry.tsSec, entry.tsNsec),
      restarts: ep.twRestarts.map((r) => ({ frame: r.frame, time: this.time(r.tsSec, r.tsNsec) })),
      evidence,
      evidenceFrame: evFrame,
      evidenceTime: this.time(evSec, evNsec),
      observedSeconds: observed,
      verdict,
    };
  }

  private timeWait(): TimeWaitReport {
    const client = this.twDetail(this.cl);
    const server = this.twDetail(this.sv);
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
      requiredSeconds: this.settings.timeWaitSeconds,
      verdict: first ? first.verdict : 'none',
      client,
      server,
    };
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
    };
  }
}

/** Durations rounded to the nanosecond, so float noise does not show in JSON. */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
