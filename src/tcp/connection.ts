import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.ts';
import { DUPLICATE_SECONDS, Endpoint, FinBasis, NxtBasis, secondsBetween } from './endpoint.ts';
import { NoteKind, NoteList, type IcmpNote } from './notes.ts';
import { SeqAnalysis } from './analysis.ts';
import { seqAdd, seqDiff, seqGt } from './seq.ts';
import { State, isClosedOrTimeWait } from './state.ts';
import type { WordReader, WordWriter } from './words.ts';

/** Wireshark's tcp.completeness bits (packet-tcp.c, TCP_COMPLETENESS_*). */
export const Completeness = { SYN: 1, SYN_ACK: 2, ACK: 4, DATA: 8, FIN: 16, RST: 32 } as const;

/**
 * How the client (the active opener) was chosen:
 * - `syn`: it sent the first SYN without ACK;
 * - `syn-ack`: the SYN was not captured; the client is the receiver of the SYN+ACK;
 * - `port`: no SYN nor SYN+ACK; the endpoint with the well-known port (< 1024),
 *   or else the one without an ephemeral port (>= 32768), is the server;
 * - `first-frame`: ports say nothing; the sender of the first frame is the client.
 */
export type ClientFrom = 'syn' | 'syn-ack' | 'port' | 'first-frame';

/**
 * Why the tracker let go of a connection:
 * - `capture-end`: the capture ended;
 * - `expired`: it was over and nothing came on its 4-tuple for the linger time (2MSL);
 * - `replaced`: a new connection started on the same 4-tuple.
 * A connection evicted from a full table (Tracker's `maxConnections`) ends
 * as `capture-end` at the moment of its eviction, with `evicted` set.
 */
export type EndReason = 'capture-end' | 'expired' | 'replaced';

/** Zeek history letters, originator (client) first: S H A D F R, then the responder's s h a d f r. */
const HISTORY_LETTERS = 'SHADFRshadfr';

/** History strings by their letter codes (Connection.history). */
const HISTORIES = new Map<number, string>();

const CLIENT_FROM: readonly ClientFrom[] = ['syn', 'syn-ack', 'port', 'first-frame'];
/** Words of Connection.lastSeg per direction. */
const LAST_SEG_WORDS = 11;
const END_REASONS: readonly EndReason[] = ['capture-end', 'expired', 'replaced'];

/** Seconds without a retransmission after which an unseen peer's ACK of a FIN is inferred (Connection.settle). */
const SILENT_FIN_SECONDS = 1;

/** Word of `pack`'s output holding endSec (endNsec follows). */
const PACKED_END = 2;
/** ... and of the addresses after them (one word each for IPv4, four for IPv6). */
const PACKED_ADDRESSES = 4;

/** What the Connection constructor reads of a segment, for `unpack`. */
const SEED = {
  ipVersion: 4 as 4 | 6, src: new Uint32Array(4), dst: new Uint32Array(4), srcPort: 0, dstPort: 0,
  frame: 0, tsSec: 0, tsNsec: 0, tsDigits: 0, tunnelKind: 0, tunnelId: -1,
};

/** Bits of the packed tunnel word (pack): the kinds take 5 bits each. */
const TUNNEL_SEEN1 = 1 << 10;
const TUNNEL_MIXED = 1 << 11;
const TUNNEL_IDS = 1 << 12;

/**
 * One TCP connection: the two endpoints' state machines and what the report
 * needs. Side 0 is the source of the connection's first frame. Holds only
 * numbers and the few records the endpoints keep; the segment is not kept.
 */
/** What a connection tells when someone watches (observer.ts's TcpObserver is one). */
export interface ConnectionWatch {
  /** The connection's first segment is being processed; its client side is already decided. */
  opened(c: Connection): void;
}

export class Connection {
  /** Wireshark's tcp.stream. */
  stream!: number;
  ipVersion!: 4 | 6;
  // The two addresses as signed 32-bit words (small integers to V8, in the
  // object itself): sideOf compares them for every segment.
  private a00!: number;
  private a01!: number;
  private a02!: number;
  private a03!: number;
  private a10!: number;
  private a11!: number;
  private a12!: number;
  private a13!: number;
  port0!: number;
  port1!: number;
  readonly ep0 = new Endpoint(0);
  readonly ep1 = new Endpoint(1);
  /** Segments judged without a state change (notes.ts), shared by the two endpoints. */
  readonly notes = new NoteList();
  /** Wireshark's sequence analysis (analysis.ts): its flags per frame, the handshake's RTT, the SYN options. */
  readonly analysis = new SeqAnalysis();
  /** Which side is the client (see ClientFrom). */
  clientSide: 0 | 1 = 0;
  clientFrom: ClientFrom = 'syn';

  firstFrame!: number;
  firstSec!: number;
  firstNsec!: number;
  tsDigits!: number;
  lastFrame = 0;
  lastSec = 0;
  lastNsec = 0;
  packets = 0;

  /** Wireshark's base sequence numbers per side (relative seq = seq - base). */
  baseSeq0 = 0;
  baseSeq1 = 0;
  baseSet0 = false;
  baseSet1 = false;

  /** Wireshark tcp.completeness bits of all frames, and of the first frame's SYN rule alone. */
  completeness = 0;
  completenessFirst = 0;
  /**
   * Zeek history letters in the order they came, 4 bits each (HISTORY_LETTERS
   * index + 1; 0 ends): the first six in hist0, the next in hist1. A letter
   * comes at most once (historyBits: those that came), so twelve at most.
   * The string is made when asked for (history): concatenated as segments
   * came, it was 14% of what tracking allocates (sampled on the benchmark
   * capture).
   */
  private hist0 = 0;
  private hist1 = 0;
  private historyBits = 0;

  sawFin = false;
  sawRst = false;

  /**
   * The innermost tunnel (decode/encapsulation.ts Tunnel; 0: none) and its
   * id (-1: none) of the first segment each side sent: side 0's is the
   * connection's first segment; tunnelSeen1 once side 1 sent one. A
   * connection is its 4-tuple whatever the tunnel (as Wireshark's
   * tcp.stream), and tunnels are compared per direction because GTP-U TEIDs,
   * GRE keys and MPLS labels often differ per direction: tunnelMixed says a
   * later segment of a side came in another tunnel than that side's first
   * (two tenants of overlapping addresses in two VNIs, say), so the
   * "connection" may be several that the capture cannot tell apart.
   */
  tunnelKind0 = 0;
  tunnelId0 = -1;
  tunnelKind1 = 0;
  tunnelId1 = -1;
  tunnelSeen1 = false;
  tunnelMixed = false;

  /** Stream of the connection this one reuses the 4-tuple of (-1: none). */
  previousStream = -1;
  /** Seconds from that connection's last segment to this one's first. */
  reuseGapSeconds = 0;
  /** The connection this one replaced, held until the answer to the new SYN shows whether it was accepted. */
  replaced: Connection | null = null;
  /** Frame and ack of the replaced connection's answer to the new SYN (Tracker.forOld; 0: none), which the SYN's sender answers with RST seq = that ack. */
  oldAckFrame = 0;
  oldAck = 0;
  /** The SYN's sender went on with the connection it seemed to replace (Tracker.forOld): every later segment is that connection's. */
  oldHeld = false;
  /**
   * The last segment of each direction that was not a capture duplicate
   * (capturedTwice), 11 words per direction: frame, seconds, nanoseconds,
   * seq, ack, flags, payload length, window, TSval and TSecr (-1: none),
   * IPv4 ID.
   */
  private readonly lastSeg = new Float64Array(2 * LAST_SEG_WORDS);

  endReason: EndReason = 'capture-end';
  /** Let go of early because the tracker's table was full (see EndReason). */
  evicted = false;
  /** Time the tracker let go of it (capture end, or the moment it expired or was replaced). */
  endSec = 0;
  endNsec = 0;

  // Tracker bookkeeping (the rest is in its slot of the tracker's table, table.ts).
  hash = 0;
  /** Its slot in the tracker's table (-1: the tracker does not hold it as an object). */
  slot = -1;
  /** Frame of the segment that last put it at the end of the tracker's list of over connections (its place in that list). */
  closedAt = 0;
  done = false;
  /** Set by the tracker (with the endpoints' watches) only when it has an observer (observer.ts). */
  observer: ConnectionWatch | null = null;

  constructor(stream: number, seg: Segment, hash: number) {
    this.ep0.peer = this.ep1;
    this.ep1.peer = this.ep0;
    this.ep0.notes = this.notes;
    this.ep1.notes = this.notes;
    this.begin(stream, seg, hash);
  }

  /** What the first segment sets. */
  private begin(stream: number, seg: Segment, hash: number): void {
    this.stream = stream;
    this.ipVersion = seg.ipVersion;
    const s = seg.src;
    const d = seg.dst;
    this.a00 = s[0] | 0; this.a01 = s[1] | 0; this.a02 = s[2] | 0; this.a03 = s[3] | 0;
    this.a10 = d[0] | 0; this.a11 = d[1] | 0; this.a12 = d[2] | 0; this.a13 = d[3] | 0;
    this.port0 = seg.srcPort;
    this.port1 = seg.dstPort;
    this.firstFrame = seg.frame;
    this.firstSec = seg.tsSec;
    this.firstNsec = seg.tsNsec;
    this.tsDigits = seg.tsDigits;
    this.tunnelKind0 = seg.tunnelKind;
    this.tunnelId0 = seg.tunnelId;
    this.hash = hash;
  }

  /**
   * Make this object what `new Connection(stream, seg, hash)` would be: the
   * tracker reuses the objects of connections it packed, or emitted when
   * nothing keeps them (Tracker's reuseDone), and a report batch unpacks all
   * its records into one; that spares the collector ~2 KB of promoted
   * objects a connection. Every field is set here as its
   * initializer or the constructor sets it (test/tcp/reuse.test.ts compares
   * a renewed connection with a new one field by field).
   */
  renew(stream: number, seg: Segment, hash: number): this {
    this.begin(stream, seg, hash);
    this.ep0.reset();
    this.ep1.reset();
    this.notes.clear();
    this.analysis.reset();
    this.clientSide = 0;
    this.clientFrom = 'syn';
    this.lastFrame = 0;
    this.lastSec = 0;
    this.lastNsec = 0;
    this.packets = 0;
    this.baseSeq0 = 0;
    this.baseSeq1 = 0;
    this.baseSet0 = false;
    this.baseSet1 = false;
    this.completeness = 0;
    this.completenessFirst = 0;
    this.hist0 = 0;
    this.hist1 = 0;
    this.historyBits = 0;
    this.sawFin = false;
    this.sawRst = false;
    this.tunnelKind1 = 0;
    this.tunnelId1 = -1;
    this.tunnelSeen1 = false;
    this.tunnelMixed = false;
    this.previousStream = -1;
    this.reuseGapSeconds = 0;
    this.replaced = null;
    this.oldAckFrame = 0;
    this.oldAck = 0;
    this.oldHeld = false;
    this.lastSeg.fill(0);
    this.endReason = 'capture-end';
    this.evicted = false;
    this.endSec = 0;
    this.endNsec = 0;
    this.slot = -1;
    this.closedAt = 0;
    this.done = false;
    this.observer = null;
    return this;
  }

  /**
   * Pack the connection into a record (frozen.ts, words.ts). Only a connection the
   * tracker holds with no observer and no pending replacement can be packed;
   * otherwise, or when a value does not fit, `w.ok` ends false. `finished`
   * packs a connection the tracker let go of (for a report thread,
   * analyze/handoff.ts).
   */
  pack(w: WordWriter, finished = false): void {
    if (this.observer !== null || this.replaced !== null || this.done !== finished) w.ok = false;
    const from = CLIENT_FROM.indexOf(this.clientFrom);
    const why = END_REASONS.indexOf(this.endReason);
    if (this.tsDigits < 0 || this.tsDigits > 15) w.ok = false;
    if ((this.endSec >>> 0) !== this.endSec || (this.endNsec >>> 0) !== this.endNsec) w.ok = false;
    // Whole words first (packedSideOf and setPackedEnd read them in place).
    w.fixed(this.ipVersion | (this.clientSide << 3) | (from << 4) | (this.baseSet0 ? 1 << 6 : 0) | (this.baseSet1 ? 1 << 7 : 0) |
      (this.sawFin ? 1 << 8 : 0) | (this.sawRst ? 1 << 9 : 0) | (why << 10) | ((this.tsDigits & 15) << 12) |
      (this.oldHeld ? 1 << 16 : 0));
    w.fixed(this.port0 * 65536 + this.port1);
    w.fixed(this.endSec); w.fixed(this.endNsec);
    // The addresses: one word each for IPv4 (the others are 0), four for IPv6.
    w.fixed(this.a00);
    if (this.ipVersion === 6) { w.fixed(this.a01); w.fixed(this.a02); w.fixed(this.a03); }
    w.fixed(this.a10);
    if (this.ipVersion === 6) { w.fixed(this.a11); w.fixed(this.a12); w.fixed(this.a13); }
    w.u32(this.firstFrame); w.u32(this.firstSec); w.u32(this.firstNsec);
    w.base(this.firstFrame, this.firstSec, this.firstNsec);
    w.moment(this.lastFrame, this.lastSec, this.lastNsec);
    w.u32(this.packets);
    w.u32(this.completeness | (this.completenessFirst << 8) | (this.historyBits << 16));
    // History: up to 12 letters, 4 bits each, 6 per word.
    w.u32(this.hist0); w.u32(this.hist1);
    w.i32(this.previousStream);
    w.f64(this.reuseGapSeconds);
    w.u32(this.oldAckFrame);
    if (this.oldAckFrame !== 0) w.u32(this.oldAck);
    // Tunnels: one byte when there is none.
    const ids = this.tunnelId0 !== -1 || this.tunnelId1 !== -1;
    w.uint(this.tunnelKind0 | (this.tunnelKind1 << 5) | (this.tunnelSeen1 ? TUNNEL_SEEN1 : 0) |
      (this.tunnelMixed ? TUNNEL_MIXED : 0) | (ids ? TUNNEL_IDS : 0));
    if (ids) {
      w.uint(this.tunnelId0 + 1);
      w.uint(this.tunnelId1 + 1);
    }
    this.ep0.pack(w);
    this.ep1.pack(w);
    // Wireshark's base sequence numbers, from the ISNs (most often the same).
    w.seq(this.baseSeq0, this.ep0.iss);
    w.seq(this.baseSeq1, this.ep1.iss);
    // Each direction's last segment (capturedTwice, rstAnswersLastSegment),
    // its numbers from those near them.
    for (let d = 0; d < 2; d++) {
      const l = this.lastSeg;
      const o = d * LAST_SEG_WORDS;
      w.frame(l[o]);
      if (l[o] === 0) continue;
      const from = d === 0 ? this.ep0 : this.ep1;
      const to = d === 0 ? this.ep1 : this.ep0;
      const ts = l[o + 8] !== -1;
      w.time(l[o + 1], l[o + 2]);
      w.seq(l[o + 3], from.iss);
      w.seq(l[o + 4], to.iss);
      w.uint(l[o + 5] * 2 + (ts ? 1 : 0));
      w.uint(l[o + 6]);
      w.uint(l[o + 7]);
      if (ts) {
        w.seq(l[o + 8], from.tsMax);
        w.seq(l[o + 9], to.tsMax);
      }
      w.uint(l[o + 10]);
    }
    const notes = this.notes.list;
    w.u32(notes.length);
    w.u32(this.notes.dropped);
    const b0 = this.ep0.iss;
    const b1 = this.ep1.iss;
    for (const n of notes) {
      w.moment(n.frame, n.tsSec, n.tsNsec);
      w.u32(n.side | (n.kind << 1) | (n.flags << 6));
      w.seq(n.seq, n.side === 0 ? b0 : b1);
      w.seq(n.ack, n.side === 0 ? b1 : b0);
      w.u32(n.len);
      w.frame(n.related);
      if (n.kind === NoteKind.PawsRejected) {
        w.u32(n.tsVal); w.u32(n.tsRecent);
        w.u32(n.answer === undefined ? 0 : n.answerAck === true ? 2 : 1); w.frame(n.answer ?? 0); w.u32(n.answerExpect ?? 0);
      }
      if (n.kind === NoteKind.IcmpError) {
        const i = n.icmp as IcmpNote;
        w.u32(i.type | (i.code << 8) | (i.quoted << 16) | (i.v6 ? 1 << 24 : 0));
        w.u32(i.mtu);
        for (let k = 0; k < 4; k++) w.u32(i.from[k]);
      }
    }
    this.analysis.pack(w);
  }

  /**
   * Set endReason, endSec and endNsec in words `pack` wrote at `off` (the
   * tracker let go of a packed connection); false if the time does not fit.
   */
  static setPackedEnd(words: Int32Array, off: number, reason: EndReason, sec: number, nsec: number): boolean {
    if ((sec >>> 0) !== sec || (nsec >>> 0) !== nsec) return false;
    words[off] = (words[off] & ~(3 << 10)) | (END_REASONS.indexOf(reason) << 10);
    words[off + PACKED_END] = sec | 0;
    words[off + PACKED_END + 1] = nsec | 0;
    return true;
  }

  /** A connection from the words `pack` wrote (in `into`, renewed, when given). */
  static unpack(r: WordReader, stream: number, hash: number, into: Connection | null = null): Connection {
    const f = r.fixed();
    const ports = r.fixed() >>> 0;
    const seed = SEED;
    seed.ipVersion = (f & 7) as 4 | 6;
    seed.srcPort = Math.floor(ports / 65536);
    seed.dstPort = ports & 0xffff;
    const endSec = r.fixed() >>> 0;
    const endNsec = r.fixed() >>> 0;
    const n = seed.ipVersion === 6 ? 4 : 1;
    for (let i = 0; i < 4; i++) seed.src[i] = i < n ? r.fixed() : 0;
    for (let i = 0; i < 4; i++) seed.dst[i] = i < n ? r.fixed() : 0;
    seed.frame = r.u32();
    seed.tsSec = r.u32();
    seed.tsNsec = r.u32();
    seed.tsDigits = (f >>> 12) & 15;
    r.base(seed.frame, seed.tsSec, seed.tsNsec);
    const c = into === null ? new Connection(stream, seed as unknown as Segment, hash) : into.renew(stream, seed as unknown as Segment, hash);
    c.clientSide = ((f >>> 3) & 1) as 0 | 1;
    c.clientFrom = CLIENT_FROM[(f >>> 4) & 3];
    c.baseSet0 = (f & (1 << 6)) !== 0;
    c.baseSet1 = (f & (1 << 7)) !== 0;
    c.sawFin = (f & (1 << 8)) !== 0;
    c.sawRst = (f & (1 << 9)) !== 0;
    c.oldHeld = (f & (1 << 16)) !== 0;
    c.endReason = END_REASONS[(f >>> 10) & 3];
    c.endSec = endSec;
    c.endNsec = endNsec;
    c.lastFrame = r.frame(); c.lastSec = r.time(); c.lastNsec = r.nsec;
    c.packets = r.u32();
    const bits = r.u32();
    c.completeness = bits & 255;
    c.completenessFirst = (bits >>> 8) & 255;
    c.historyBits = bits >>> 16;
    c.hist0 = r.u32();
    c.hist1 = r.u32();
    c.previousStream = r.i32();
    c.reuseGapSeconds = r.f64();
    c.oldAckFrame = r.u32();
    if (c.oldAckFrame !== 0) c.oldAck = r.u32();
    const t = r.uint();
    c.tunnelKind0 = t & 31;
    c.tunnelKind1 = (t >>> 5) & 31;
    c.tunnelSeen1 = (t & TUNNEL_SEEN1) !== 0;
    c.tunnelMixed = (t & TUNNEL_MIXED) !== 0;
    if (t & TUNNEL_IDS) {
      c.tunnelId0 = r.uint() - 1;
      c.tunnelId1 = r.uint() - 1;
    }
    c.ep0.unpack(r);
    c.ep1.unpack(r);
    c.baseSeq0 = r.seq(c.ep0.iss);
    c.baseSeq1 = r.seq(c.ep1.iss);
    for (let d = 0; d < 2; d++) {
      const l = c.lastSeg;
      const o = d * LAST_SEG_WORDS;
      l[o] = r.frame();
      if (l[o] === 0) continue;
      const from = d === 0 ? c.ep0 : c.ep1;
      const to = d === 0 ? c.ep1 : c.ep0;
      l[o + 1] = r.time();
      l[o + 2] = r.nsec;
      l[o + 3] = r.seq(from.iss);
      l[o + 4] = r.seq(to.iss);
      const bits = r.uint();
      l[o + 5] = Math.floor(bits / 2);
      l[o + 6] = r.uint();
      l[o + 7] = r.uint();
      l[o + 8] = bits & 1 ? r.seq(from.tsMax) : -1;
      l[o + 9] = bits & 1 ? r.seq(to.tsMax) : -1;
      l[o + 10] = r.uint();
    }
    const nn = r.u32();
    c.notes.dropped = r.u32();
    const b0 = c.ep0.iss;
    const b1 = c.ep1.iss;
    for (let i = 0; i < nn; i++) {
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      const x = r.u32();
      const side = (x & 1) as 0 | 1;
      const seq = r.seq(side === 0 ? b0 : b1);
      const ack = r.seq(side === 0 ? b1 : b0);
      const len = r.u32();
      const related = r.frame();
      const kind = ((x >>> 1) & 31) as NoteKind;
      const paws = kind === NoteKind.PawsRejected;
      const tsVal = paws ? r.u32() : 0;
      const tsRecent = paws ? r.u32() : 0;
      const answerKind = paws ? r.u32() : 0;
      const answer = paws ? r.frame() : 0;
      const answerExpect = paws ? r.u32() : 0;
      if (kind === NoteKind.IcmpError) {
        const b = r.u32();
        const mtu = r.u32();
        const from = new Uint32Array(4);
        for (let k = 0; k < 4; k++) from[k] = r.u32();
        const icmp: IcmpNote = { v6: (b & (1 << 24)) !== 0, type: b & 255, code: (b >>> 8) & 255, from, mtu, quoted: (b >>> 16) & 255 };
        c.notes.list.push({ frame, tsSec, tsNsec, side, kind, seq, ack, flags: x >>> 6, len, related, tsVal, tsRecent, icmp });
      } else if (answerKind !== 0) {
        c.notes.list.push({ frame, tsSec, tsNsec, side, kind, seq, ack, flags: x >>> 6, len, related, tsVal, tsRecent, answer, answerAck: answerKind === 2, answerExpect });
        if (answer === 0) c.notes.pawsAwaiting |= 1 << (side ^ 1);
      } else {
        c.notes.list.push({ frame, tsSec, tsNsec, side, kind, seq, ack, flags: x >>> 6, len, related, tsVal, tsRecent });
      }
    }
    c.analysis.unpack(r);
    return c;
  }

  get client(): Endpoint {
    return this.clientSide === 0 ? this.ep0 : this.ep1;
  }
  get server(): Endpoint {
    return this.clientSide === 0 ? this.ep1 : this.ep0;
  }

  /** Side 0's address: 32-bit words in network order (IPv4: word 0). */
  get addr0(): Uint32Array {
    return Uint32Array.of(this.a00, this.a01, this.a02, this.a03);
  }
  /** Side 1's address. */
  get addr1(): Uint32Array {
    return Uint32Array.of(this.a10, this.a11, this.a12, this.a13);
  }

  /** Side `side`'s address into `out` (as addr0 / addr1, without a new array). */
  addrInto(side: 0 | 1, out: Uint32Array): Uint32Array {
    if (side === 0) { out[0] = this.a00; out[1] = this.a01; out[2] = this.a02; out[3] = this.a03; }
    else { out[0] = this.a10; out[1] = this.a11; out[2] = this.a12; out[3] = this.a13; }
    return out;
  }

  /** 0 if the segment goes from side 0 to side 1, 1 for the reverse, -1 if not this 4-tuple. */
  sideOf(seg: Segment): -1 | 0 | 1 {
    if (seg.ipVersion !== this.ipVersion) return -1;
    const s = seg.src;
    const d = seg.dst;
    const sp = seg.srcPort;
    const dp = seg.dstPort;
    if (sp === this.port0 && dp === this.port1) {
      if ((s[0] | 0) === this.a00 && (d[0] | 0) === this.a10 && (s[1] | 0) === this.a01 && (s[2] | 0) === this.a02 &&
        (s[3] | 0) === this.a03 && (d[1] | 0) === this.a11 && (d[2] | 0) === this.a12 && (d[3] | 0) === this.a13) return 0;
    }
    if (sp === this.port1 && dp === this.port0) {
      if ((s[0] | 0) === this.a10 && (d[0] | 0) === this.a00 && (s[1] | 0) === this.a11 && (s[2] | 0) === this.a12 &&
        (s[3] | 0) === this.a13 && (d[1] | 0) === this.a01 && (d[2] | 0) === this.a02 && (d[3] | 0) === this.a03) return 1;
    }
    return -1;
  }

  /** No endpoint is past the handshake (CLOSED, LISTEN, SYN_SENT or SYN_RCVD): a SYN flood's connections stay so. */
  halfOpen(): boolean {
    return this.ep0.state <= State.SYN_RCVD && this.ep1.state <= State.SYN_RCVD;
  }

  /** Both endpoints are done with the connection (CLOSED, TIME_WAIT, or back to LISTEN). */
  isOver(): boolean {
    return this.packets > 0 && isClosedOrTimeWait(this.ep0.state) && isClosedOrTimeWait(this.ep1.state);
  }

  /** Process one segment travelling from side `dir` to the other side. */
  process(seg: Segment, dir: 0 | 1): void {
    this.noteTunnel(seg, dir);
    const first = this.packets === 0;
    this.packets++;
    this.lastFrame = seg.frame;
    this.lastSec = seg.tsSec;
    this.lastNsec = seg.tsNsec;
    const from = dir === 0 ? this.ep0 : this.ep1;
    const to = dir === 0 ? this.ep1 : this.ep0;
    const f = seg.flags;

    // Wireshark's relative sequence numbers (packet-tcp.c,
    // tcp_analyze_sequence_number): a direction's base is its SYN's seq, or
    // seq-1 of its first segment; the reverse base is ack-1 of the first
    // segment carrying an ACK if that direction has not been seen yet.
    if (dir === 0) {
      if (!this.baseSet0) { this.baseSeq0 = (f & SYN) ? seg.seq : seqAdd(seg.seq, -1); this.baseSet0 = true; }
      if (!this.baseSet1 && (f & ACK)) { this.baseSeq1 = seqAdd(seg.ack, -1); this.baseSet1 = true; }
    } else {
      if (!this.baseSet1) { this.baseSeq1 = (f & SYN) ? seg.seq : seqAdd(seg.seq, -1); this.baseSet1 = true; }
      if (!this.baseSet0 && (f & ACK)) { this.baseSeq0 = seqAdd(seg.ack, -1); this.baseSet0 = true; }
    }

    this.complete(seg, first);
    const twice = !first && this.capturedTwice(seg, dir);

    if (twice) { /* the original made any inference */ }
    else if (first) this.inferStart(seg, dir, from, to);
    else if (from.state === State.SYN_SENT && (f & ACK) && !(f & (SYN | RST))) this.inferHandshake(seg, from, to);
    else if (from.state === State.SYN_RCVD && from.passive && (f & ACK) && !(f & (SYN | RST)) && to.issKnown &&
      seqGt(seg.ack, to.synEnd)) from.inferAckOfSyn(seg);

    this.addHistory(seg, dir);
    this.analysis.segment(seg, dir);

    // One packet captured twice (NoteKind.CapturedTwice): it counts as a
    // frame (Wireshark's analysis flags included), the endpoints took it once.
    if (twice) {
      from.countSent(seg);
      this.notes.add(seg.frame, seg.tsSec, seg.tsNsec, dir, NoteKind.CapturedTwice, seg.seq, seg.ack, seg.flags, seg.payloadLen,
        this.lastSeg[dir * LAST_SEG_WORDS]);
      return;
    }
    if (f & RST) this.rstAnswersLastSegment(seg, dir, to);
    this.rememberSeg(seg, dir);

    // RFC 7323 5.3: a segment its receiver refuses for its old TSval (PAWS)
    // changes nothing on either side: an old duplicate, or one its sender's
    // TCP did not send now (injected, replayed), since a sender's TSvals do
    // not go back.
    if (to.pawsRejected(seg)) {
      from.countSent(seg);
      return;
    }

    if ((f & ACK) && !(f & RST)) {
      if (!(f & SYN)) to.chooseIss(seg.ack);
      if (!to.nxtKnown) {
        // Mid-connection: the receiver's SND.NXT is at least what the sender acknowledges.
        to.dataNxt = seg.ack;
        to.nxtKnown = true;
        to.nxtBasis = NxtBasis.PeerAck;
      } else if (!(f & SYN)) {
        this.ackBeyond(seg, from, to);
      }
      if ((f & FIN) && to.plusOneFrame !== 0) this.peerClosedFirst(seg, from, to);
    }

    if (f & FIN) this.sawFin = true;

    from.sent(seg);
    to.received(seg);
    // Only a RST its receiver took ends the connection for a later SYN on the
    // 4-tuple (Tracker.startsNew): an injected or stale one must not split it.
    if ((f & RST) && from.rsts.length > 0) {
      const taken = from.rsts[from.rsts.length - 1].taken;
      if (taken === 'reset' || taken === 'untested') this.sawRst = true;
    }
  }

  /**
   * Wireshark 4.0 tcp.completeness (as tshark -2 shows it on a stream's
   * last frame): a SYN counts only on the frame that created the
   * conversation; every frame adds SYN-ACK, ACK (no payload) or DATA, FIN
   * (with ACK), RST - except that a conversation of one frame shows only
   * the SYN rule (see wiresharkCompleteness).
   */
  private complete(seg: Segment, first: boolean): void {
    const f = seg.flags;
    const len = seg.payloadLen;
    if (first && (f & (SYN | ACK)) === SYN) {
      this.completenessFirst = Completeness.SYN | (len > 0 ? Completeness.DATA : 0);
      this.completeness |= this.completenessFirst;
    }
    if ((f & (SYN | ACK)) === (SYN | ACK)) this.completeness |= Completeness.SYN_ACK;
    if ((f & (SYN | ACK)) === ACK) this.completeness |= len > 0 ? Completeness.DATA : Completeness.ACK;
    if ((f & (FIN | ACK)) === (FIN | ACK)) this.completeness |= Completeness.FIN;
    if (f & RST) this.completeness |= Completeness.RST;
  }

  /**
   * Is `seg` the last segment of direction `dir` again, as the capture saw
   * the same packet twice (NoteKind.CapturedTwice)? Every field a sender
   * changes when it sends again must be equal (IPv4 ID, TSval, window, ack),
   * it must come less than 1 ms later, no segment of the peer between, and
   * carry an IPv4 ID other than 0 or a TSval.
   */
  private capturedTwice(seg: Segment, dir: 0 | 1): boolean {
    const l = this.lastSeg;
    const o = dir * LAST_SEG_WORDS;
    // A stack sends the same segment again within 1 ms only in answer to one
    // of its peer's (Linux's SYN+ACK to a SYN sent again: IPv4 ID 0, TSval in
    // ms): a peer segment after the original makes it no capture duplicate.
    if (l[o] === 0 || l[(1 - dir) * LAST_SEG_WORDS] > l[o]) return false;
    // Only a packet that carries what a sender changes in every packet it
    // sends (an IPv4 ID other than 0, a TSval) can be told from a second one:
    // a RST with ID 0 and no timestamps answers each of a burst of segments
    // with the same bytes.
    if (!(seg.ipVersion === 4 && seg.ipId !== 0) && !seg.hasTimestamp) return false;
    if (l[o + 3] !== seg.seq || l[o + 4] !== seg.ack || l[o + 5] !== seg.flags || l[o + 6] !== seg.payloadLen ||
      l[o + 7] !== seg.window || l[o + 8] !== (seg.hasTimestamp ? seg.tsVal : -1) ||
      l[o + 9] !== (seg.hasTimestamp ? seg.tsEcr : -1) || l[o + 10] !== seg.ipId) return false;
    return secondsBetween(l[o + 1], l[o + 2], seg.tsSec, seg.tsNsec) < DUPLICATE_SECONDS;
  }

  /**
   * A RST at exactly the ACK of its receiver's last segment, with nothing of
   * the RST's sender between that segment and the RST (the RST answers it:
   * a host without the connection, RFC 9293 3.10.7.1): the receiver's
   * RCV.NXT is that ACK (every segment carries RCV.NXT, which never goes
   * back), so what the capture showed beyond it never reached the receiver
   * (lost after the capture point: user-timeout's dropped data). Taken as at
   * RCV.NXT, as the receiver takes it.
   */
  private rstAnswersLastSegment(seg: Segment, dir: 0 | 1, to: Endpoint): void {
    if (!to.rcvKnown || !seqGt(to.rcvNxt, seg.seq)) return;
    const l = this.lastSeg;
    const r = (1 - dir) * LAST_SEG_WORDS;
    if (l[r] === 0 || l[r] <= l[dir * LAST_SEG_WORDS] || (l[r + 5] & (ACK | RST)) !== ACK || l[r + 4] !== seg.seq) return;
    to.rcvNxt = seg.seq;
  }

  private rememberSeg(seg: Segment, dir: 0 | 1): void {
    const l = this.lastSeg;
    const o = dir * LAST_SEG_WORDS;
    l[o] = seg.frame; l[o + 1] = seg.tsSec; l[o + 2] = seg.tsNsec; l[o + 3] = seg.seq; l[o + 4] = seg.ack;
    l[o + 5] = seg.flags; l[o + 6] = seg.payloadLen; l[o + 7] = seg.window;
    l[o + 8] = seg.hasTimestamp ? seg.tsVal : -1; l[o + 9] = seg.hasTimestamp ? seg.tsEcr : -1; l[o + 10] = seg.ipId;
  }

  /**
   * A segment on this connection's 4-tuple that belongs to the connection
   * it replaced (see Tracker.forOld): Wireshark counts it in this stream, so
   * it counts here (packets, frames, completeness, history, analysis flags)
   * and is noted as `kind`, but this connection's endpoints do not take it,
   * and it sets no relative-sequence base. The old connection's endpoints
   * take it (takeLater).
   */
  passOn(seg: Segment, dir: 0 | 1, kind: NoteKind, related: number): void {
    this.noteTunnel(seg, dir);
    this.packets++;
    this.lastFrame = seg.frame;
    this.lastSec = seg.tsSec;
    this.lastNsec = seg.tsNsec;
    this.complete(seg, false);
    this.addHistory(seg, dir);
    this.analysis.segment(seg, dir);
    this.notes.add(seg.frame, seg.tsSec, seg.tsNsec, dir, kind, seg.seq, seg.ack, seg.flags, seg.payloadLen, related);
  }

  /**
   * This connection, already replaced on its 4-tuple by a new SYN, takes a
   * segment that answers for it (a later connection's stream holds it, see
   * passOn): its endpoints send and receive it as usual, and it is not one
   * of this connection's packets.
   */
  takeLater(seg: Segment): void {
    const dir = this.sideOf(seg);
    if (dir < 0) return;
    const from = dir === 0 ? this.ep0 : this.ep1;
    const to = dir === 0 ? this.ep1 : this.ep0;
    from.sent(seg);
    to.received(seg);
  }

  /**
   * An ICMP or ICMPv6 error (DecodeStatus.IcmpError) quoting a segment that
   * side `dir` sent: not a segment of the connection (no packet counted, no
   * history, no Wireshark analysis), only what it does to the quoted
   * segment's sender (Endpoint.icmpError). A connection the tracker made
   * for the error (no segment yet: Tracker.icmpError) ends at it for now:
   * its last frame and time are the latest error's until a segment comes.
   */
  icmpError(seg: Segment, dir: 0 | 1): void {
    if (this.packets === 0) {
      this.lastFrame = seg.frame;
      this.lastSec = seg.tsSec;
      this.lastNsec = seg.tsNsec;
    }
    (dir === 0 ? this.ep0 : this.ep1).icmpError(seg);
  }

  /**
   * The capture has ended for this connection (endSec, endNsec are set): what
   * the silence after the last segment proves. In a capture of one direction,
   * an endpoint that sent its FIN and did not send it again for a second (RFC
   * 6298's lowest retransmission timeout; Linux's is 200 ms) had its FIN
   * acknowledged by the unseen peer: an unacknowledged FIN is retransmitted.
   */
  /** Would `settle` find something to infer, that is, does the report depend on when the connection is let go of (besides TIME_WAIT)? */
  settleDependsOnEnd(): boolean {
    for (const ep of [this.ep0, this.ep1]) if (ep.peer.packets === 0 && ep.finKnown && ep.finCaptured && !ep.finAcked) return true;
    return false;
  }

  settle(): void {
    for (const ep of [this.ep0, this.ep1]) {
      if (ep.peer.packets > 0 || !ep.finKnown || !ep.finCaptured || ep.finAcked) continue;
      const last = ep.finCopies[ep.finCopies.length - 1];
      if (last === undefined || secondsBetween(last.tsSec, last.tsNsec, this.endSec, this.endNsec) < SILENT_FIN_SECONDS) continue;
      ep.inferFinAcked({ frame: this.lastFrame, tsSec: this.lastSec, tsNsec: this.lastNsec });
    }
  }

  /** Compares the segment's tunnel with the first of its direction (see tunnelMixed). */
  private noteTunnel(seg: Segment, dir: 0 | 1): void {
    if (dir === 0) {
      if (seg.tunnelKind !== this.tunnelKind0 || seg.tunnelId !== this.tunnelId0) this.tunnelMixed = true;
    } else if (!this.tunnelSeen1) {
      this.tunnelSeen1 = true;
      this.tunnelKind1 = seg.tunnelKind;
      this.tunnelId1 = seg.tunnelId;
    } else if (seg.tunnelKind !== this.tunnelKind1 || seg.tunnelId !== this.tunnelId1) {
      this.tunnelMixed = true;
    }
  }

  /**
   * Which side is the client, from the first segment (sent by side `dir`),
   * or from the segment an ICMP error quotes when the error made the
   * connection (Tracker.icmpError; its first segment decides again).
   */
  chooseClient(seg: Segment, dir: 0 | 1): void {
    const f = seg.flags;
    if ((f & (SYN | ACK)) === SYN) {
      this.clientSide = dir;
      this.clientFrom = 'syn';
    } else if ((f & (SYN | ACK)) === (SYN | ACK)) {
      this.clientSide = dir === 0 ? 1 : 0;
      this.clientFrom = 'syn-ack';
    } else {
      const bySide = serverSideByPort(this.port0, this.port1);
      if (bySide >= 0) {
        this.clientSide = bySide === 0 ? 1 : 0;
        this.clientFrom = 'port';
      } else {
        this.clientSide = dir;
        this.clientFrom = 'first-frame';
      }
    }
  }

  private inferStart(seg: Segment, dir: 0 | 1, from: Endpoint, to: Endpoint): void {
    const f = seg.flags;
    const synOnly = (f & (SYN | ACK)) === SYN;
    const synAck = (f & (SYN | ACK)) === (SYN | ACK);
    this.chooseClient(seg, dir);
    if (this.observer !== null) this.observer.opened(this);
    if (synOnly) return;
    if (synAck) {
      to.go(State.SYN_SENT, seg, 'SYN not captured (inferred from the SYN+ACK)', true);
      to.iss = seqAdd(seg.ack, -1);
      to.synEnd = seg.ack;
      to.issKnown = true;
      to.issInferred = true;
      to.dataNxt = seg.ack;
      to.nxtKnown = true;
      from.peerSynReceived = true;
      return;
    }
    from.go(State.ESTABLISHED, seg, 'capture started mid-connection', true);
    to.go(State.ESTABLISHED, seg, 'capture started mid-connection', true);
  }

  /** The client acknowledges a SYN+ACK the capture does not hold. */
  private inferHandshake(seg: Segment, client: Endpoint, server: Endpoint): void {
    client.go(State.ESTABLISHED, seg, 'SYN+ACK not captured (inferred from the ACK of it)', true);
    client.peerSynReceived = true;
    if (server.state === State.CLOSED) {
      server.go(State.LISTEN, seg, 'passive open (inferred: it answered a SYN)', true);
      server.passive = true;
      server.go(State.SYN_RCVD, seg, 'SYN+ACK not captured (inferred from the ACK of it)', true);
      server.iss = seqAdd(seg.ack, -1);
      server.synEnd = seg.ack;
      server.issKnown = true;
      server.issInferred = true;
      server.dataNxt = seg.ack;
      server.nxtKnown = true;
    }
  }

  /**
   * `from` acknowledges sequence numbers of `to` beyond what the capture
   * showed `to` send. One beyond is a FIN the capture missed (RFC 9293
   * 3.10.7.4: a FIN takes one sequence number), or one byte it missed, or -
   * when what `to` was last seen to send had no payload - the ACK of a
   * keep-alive probe at SND.NXT-1 (RFC 9293 3.8.4). A FIN is inferred only
   * where the evidence excludes the keep-alive:
   * - `to`'s SND.NXT came from its payload or SYN (a probe would sit one
   *   below it, and its ACK would not go beyond);
   * - or the ACK echoes a TSval newer than any `to` was seen to send
   *   (RFC 7323: the probe's own TSval would be echoed), so it answers an
   *   unseen segment;
   * - or only `from`'s segments were captured and the close is under way:
   *   `from` had sent its FIN already, or sends it next acknowledging just
   *   that one (peerClosedFirst).
   * Later payload or a FIN of `to` beyond the inferred FIN withdraws it (Endpoint.sent).
   */
  private ackBeyond(seg: Segment, from: Endpoint, to: Endpoint): void {
    const ack = seg.ack;
    const d = seqDiff(ack, to.dataNxt);
    if (d <= 0 || to.finKnown) return;
    if (d === 1 && (to.state === State.ESTABLISHED || to.state === State.CLOSE_WAIT)) {
      const pos = to.dataNxt;
      switch (to.nxtBasis) {
        case NxtBasis.Firm:
          to.inferFinSent(seg, pos, FinBasis.Sequence);
          from.receivedFin(seg, pos, true);
          return;
        case NxtBasis.Zero:
          if (seg.hasTimestamp && to.tsKnown && seqGt(seg.tsEcr, to.tsMax)) {
            to.inferFinSent(seg, pos, FinBasis.Timestamps);
            from.receivedFin(seg, pos, true);
            return;
          }
          // The segment without payload was a keep-alive probe at SND.NXT-1, and this its ACK.
          to.keepAlives++;
          this.notes.add(to.zeroFrame, to.zeroSec, to.zeroNsec, to.side, NoteKind.KeepAlive, seqAdd(pos, -1), 0, ACK, 0, 0);
          this.notes.add(seg.frame, seg.tsSec, seg.tsNsec, from.side, NoteKind.KeepAliveAck, seg.seq, ack, seg.flags, seg.payloadLen, to.zeroFrame);
          break;
        case NxtBasis.PeerAck:
          if (from.finKnown) {
            to.inferFinSent(seg, pos, FinBasis.PeerClosing);
            from.receivedFin(seg, pos, true);
            return;
          }
          to.plusOneFrame = seg.frame;
          to.plusOneSec = seg.tsSec;
          to.plusOneNsec = seg.tsNsec;
          to.plusOnePos = pos;
          break;
      }
    } else {
      // More than one: payload the capture missed, not a FIN.
      to.clearPlusOne();
    }
    to.dataNxt = ack;
    to.nxtBasis = NxtBasis.PeerAck;
  }

  /**
   * `from` sends its FIN acknowledging exactly the one sequence number by
   * which its earlier ACK advanced `to`'s (only `from`'s side captured): that
   * number was `to`'s FIN, which came first.
   */
  private peerClosedFirst(seg: Segment, from: Endpoint, to: Endpoint): void {
    const pos = to.plusOnePos;
    const m = { frame: to.plusOneFrame, tsSec: to.plusOneSec, tsNsec: to.plusOneNsec };
    to.clearPlusOne();
    if (to.finKnown || seg.ack !== seqAdd(pos, 1) || !(to.state === State.ESTABLISHED || to.state === State.CLOSE_WAIT)) return;
    if (from.state !== State.ESTABLISHED) return;
    to.inferFinSent(m, pos, FinBasis.PeerClosing);
    from.receivedFin(m, pos, true);
  }

  private addHistory(seg: Segment, dir: 0 | 1): void {
    const f = seg.flags;
    const base = dir === this.clientSide ? 0 : 6;
    let bits = 0;
    if (f & SYN) bits |= 1 << (base + ((f & ACK) ? 1 : 0));
    if (seg.payloadLen > 0) bits |= 1 << (base + 3);
    else if ((f & ACK) && !(f & (SYN | FIN | RST))) bits |= 1 << (base + 2);
    if (f & FIN) bits |= 1 << (base + 4);
    if (f & RST) bits |= 1 << (base + 5);
    const fresh = bits & ~this.historyBits;
    if (fresh === 0) return;
    // Letters so far: one per bit of historyBits.
    let n = 0;
    for (let b = this.historyBits; b !== 0; b &= b - 1) n++;
    this.historyBits |= fresh;
    for (let i = 0; i < 12; i++) {
      if (!(fresh & (1 << i))) continue;
      if (n < 6) this.hist0 |= (i + 1) << (4 * n);
      else this.hist1 |= (i + 1) << (4 * (n - 6));
      n++;
    }
  }

  /** Zeek history string (client letters upper case), e.g. ShADadFf. */
  get history(): string {
    // A capture's connections share a few histories: each string is made once.
    const key = this.hist0 * 0x1000000 + this.hist1;
    let h = HISTORIES.get(key);
    if (h !== undefined) return h;
    h = '';
    for (let n = 0; n < 12; n++) {
      const code = ((n < 6 ? this.hist0 : this.hist1) >>> (4 * (n % 6))) & 15;
      if (code === 0) break;
      h += HISTORY_LETTERS[code - 1];
    }
    if (HISTORIES.size >= 4096) HISTORIES.clear();
    HISTORIES.set(key, h);
    return h;
  }
}

/**
 * tcp.completeness as tshark 4.0 shows it for the whole stream: the first
 * frame's flags other than SYN are only counted once the conversation has a
 * second frame (the corpus shows 0 for lone ACK or RST frames, 1 for a lone SYN).
 */
export function wiresharkCompleteness(c: Connection): number {
  return c.packets === 1 ? c.completenessFirst : c.completeness;
}

/** 0 or 1: the side that looks like the server by its port; -1: cannot tell. */
export function serverSideByPort(p0: number, p1: number): -1 | 0 | 1 {
  const w0 = p0 < 1024;
  const w1 = p1 < 1024;
  if (w0 !== w1) return w0 ? 0 : 1;
  const e0 = p0 >= 32768;
  const e1 = p1 >= 32768;
  if (e0 !== e1) return e0 ? 1 : 0;
  return -1;
}

/**
 * As Connection.sideOf, for a connection packed at `o` in `w`: its first
 * words (Connection.pack writes them whole) are the IP version, the ports,
 * the end time, then the two addresses.
 */
export function packedSideOf(w: Int32Array, o: number, seg: Segment): -1 | 0 | 1 {
  if ((w[o] & 7) !== seg.ipVersion) return -1;
  const ports = w[o + 1] >>> 0;
  const p0 = Math.floor(ports / 65536);
  const p1 = ports & 0xffff;
  const s = seg.src;
  const d = seg.dst;
  const a = o + PACKED_ADDRESSES;
  if (seg.ipVersion === 4) {
    // One word an address (Connection.pack).
    if (seg.srcPort === p0 && seg.dstPort === p1 && s[0] === w[a] >>> 0 && d[0] === w[a + 1] >>> 0) return 0;
    if (seg.srcPort === p1 && seg.dstPort === p0 && s[0] === w[a + 1] >>> 0 && d[0] === w[a] >>> 0) return 1;
    return -1;
  }
  if (seg.srcPort === p0 && seg.dstPort === p1 &&
    s[0] === w[a] >>> 0 && s[1] === w[a + 1] >>> 0 && s[2] === w[a + 2] >>> 0 && s[3] === w[a + 3] >>> 0 &&
    d[0] === w[a + 4] >>> 0 && d[1] === w[a + 5] >>> 0 && d[2] === w[a + 6] >>> 0 && d[3] === w[a + 7] >>> 0) return 0;
  if (seg.srcPort === p1 && seg.dstPort === p0 &&
    s[0] === w[a + 4] >>> 0 && s[1] === w[a + 5] >>> 0 && s[2] === w[a + 6] >>> 0 && s[3] === w[a + 7] >>> 0 &&
    d[0] === w[a] >>> 0 && d[1] === w[a + 1] >>> 0 && d[2] === w[a + 2] >>> 0 && d[3] === w[a + 3] >>> 0) return 1;
  return -1;
}
