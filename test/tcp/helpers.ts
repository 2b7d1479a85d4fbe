/**
 * Builders for state-machine tests (smoltcp style): a Pair is one connection
 * seen from its "local" endpoint; `send` is a segment local -> remote, `recv`
 * one remote -> local. Per-state builders return a Pair whose local endpoint
 * is in that state. Local ISS = 1000, remote ISS = 5000 unless told.
 */
import assert from 'node:assert/strict';
import { ACK, FIN, RST, SYN, Segment } from '../../src/decode/segment.ts';
import { type StateName, stateName } from '../../src/tcp/state.ts';
import { Connection } from '../../src/tcp/connection.ts';
import type { Endpoint } from '../../src/tcp/endpoint.ts';
import { Tracker } from '../../src/tcp/tracker.ts';

export { ACK, FIN, RST, SYN };

export interface SegSpec {
  flags: number;
  seq: number;
  ack?: number;
  len?: number;
  /** Seconds since the start (default: 1 ms after the previous segment). */
  t?: number;
  /** Window field (default 65535) and, on a SYN, the window scale option offered (default none). */
  window?: number;
  wscale?: number;
  /** TCP timestamps option (RFC 7323), absent by default. */
  tsVal?: number;
  tsEcr?: number;
  /** SACK blocks (RFC 2018), [left, right) pairs. */
  sack?: [number, number][];
}

export const LOCAL_IP = 0x0a000001;
export const REMOTE_IP = 0x0a000002;
export const LOCAL_PORT = 40000;
export const REMOTE_PORT = 80;

/** Fill a Segment (the decoder's reused object) from a spec. */
export function fill(s: Segment, frame: number, tSec: number, tNsec: number, fromLocal: boolean, spec: SegSpec): Segment {
  s.frame = frame;
  s.tsSec = tSec;
  s.tsNsec = tNsec;
  s.tsDigits = 6;
  s.ipVersion = 4;
  s.src.fill(0);
  s.dst.fill(0);
  s.src[0] = fromLocal ? LOCAL_IP : REMOTE_IP;
  s.dst[0] = fromLocal ? REMOTE_IP : LOCAL_IP;
  s.srcPort = fromLocal ? LOCAL_PORT : REMOTE_PORT;
  s.dstPort = fromLocal ? REMOTE_PORT : LOCAL_PORT;
  s.seq = spec.seq >>> 0;
  s.ack = (spec.ack ?? 0) >>> 0;
  s.flags = spec.flags;
  s.payloadLen = spec.len ?? 0;
  s.payloadCaptured = s.payloadLen;
  s.window = spec.window ?? 65535;
  s.resetOptions();
  if (spec.wscale !== undefined) s.wscale = spec.wscale;
  for (const [b, [l, r]] of (spec.sack ?? []).entries()) {
    s.sackBlocks[2 * b] = l >>> 0;
    s.sackBlocks[2 * b + 1] = r >>> 0;
    s.sackCount = b + 1;
  }
  if (spec.tsVal !== undefined) {
    s.hasTimestamp = true;
    s.tsVal = spec.tsVal >>> 0;
    s.tsEcr = (spec.tsEcr ?? 0) >>> 0;
  }
  return s;
}

/** A stream of segments of one 4-tuple with frame numbers and times, for Connection or Tracker tests. */
export class Wire {
  frame = 0;
  /** Nanoseconds since the epoch start of the test capture (1 700 000 000 s). */
  private t = 0n;
  readonly seg = new Segment();

  next(fromLocal: boolean, spec: SegSpec): Segment {
    this.frame++;
    if (spec.t !== undefined) this.t = BigInt(Math.round(spec.t * 1e9));
    else this.t += 1_000_000n;
    const sec = 1_700_000_000 + Number(this.t / 1_000_000_000n);
    const nsec = Number(this.t % 1_000_000_000n);
    return fill(this.seg, this.frame, sec, nsec, fromLocal, spec);
  }
}

export class Pair {
  conn: Connection | null = null;
  readonly wire = new Wire();

  private push(fromLocal: boolean, spec: SegSpec): this {
    const seg = this.wire.next(fromLocal, spec);
    if (this.conn === null) this.conn = new Connection(0, seg, 0);
    const dir = this.conn.sideOf(seg);
    if (dir === -1) throw new Error('segment not of this connection');
    this.conn.process(seg, dir);
    return this;
  }

  send(spec: SegSpec): this {
    return this.push(true, spec);
  }

  recv(spec: SegSpec): this {
    return this.push(false, spec);
  }

  private get c(): Connection {
    if (this.conn === null) throw new Error('no segment yet');
    return this.conn;
  }

  get local(): Endpoint {
    return this.c.port0 === LOCAL_PORT ? this.c.ep0 : this.c.ep1;
  }

  get remote(): Endpoint {
    return this.c.port0 === LOCAL_PORT ? this.c.ep1 : this.c.ep0;
  }

  get connection(): Connection {
    return this.c;
  }
}

// ---- per-state builders (local endpoint in the named state) ----

export const ISS = 1000;
export const IRS = 5000;

export function synSent(iss = ISS): Pair {
  return new Pair().send({ flags: SYN, seq: iss });
}

export function established(iss = ISS, irs = IRS): Pair {
  return synSent(iss)
    .recv({ flags: SYN | ACK, seq: irs, ack: iss + 1 })
    .send({ flags: ACK, seq: iss + 1, ack: irs + 1 });
}

/** Local is the passive side: received SYN, sent SYN+ACK. */
export function synRcvd(iss = ISS, irs = IRS): Pair {
  return new Pair()
    .recv({ flags: SYN, seq: irs })
    .send({ flags: SYN | ACK, seq: iss, ack: irs + 1 });
}

export function finWait1(): Pair {
  return established().send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 });
}

export function finWait2(): Pair {
  return finWait1().recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2 });
}

export function closing(): Pair {
  return finWait1().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 });
}

export function timeWait(): Pair {
  return finWait2()
    .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 })
    .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
}

export function closeWait(): Pair {
  return established()
    .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 })
    .send({ flags: ACK, seq: ISS + 1, ack: IRS + 2 });
}

export function lastAck(): Pair {
  return closeWait().send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 2 });
}

/** The endpoint is in state `s`. */
export function assertState(ep: Endpoint, s: StateName): void {
  assert.equal(stateName(ep.state), s);
}

/** A tracker that collects what it emits. */
export function collectingTracker(lingerSeconds = 240): { tracker: Tracker; done: Connection[] } {
  const done: Connection[] = [];
  const tracker = new Tracker({ lingerSeconds }, (c) => done.push(c));
  return { tracker, done };
}

/**
 * An endpoint's fields as plain data, without its peer link and the spare
 * records it keeps for reuse (Endpoint.reset): what two endpoints in the
 * same state have in common.
 */
export function endpointState(ep: Endpoint): Record<string, unknown> {
  const { peer: _peer, ...rest } = ep;
  const out: Record<string, unknown> = { ...rest };
  delete out.spareTransitions;
  delete out.spareCopies;
  return out;
}

/** A connection's fields as plain data, its endpoints as endpointState shows them. */
export function connectionState(c: Connection): Record<string, unknown> {
  return { ...c, ep0: endpointState(c.ep0), ep1: endpointState(c.ep1) };
}
