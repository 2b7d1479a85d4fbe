/**
 * Connections the tracker holds but that are over (both ends CLOSED or in
 * TIME_WAIT) linger for 2MSL of capture time, so that a late retransmitted
 * FIN, a RST or a reuse of the 4-tuple still lands in their report. On a
 * busy link that is most of the table: at 1 500 new connections a second,
 * 360 000 of them under the RFC's 240 s. As objects (a Connection, two
 * Endpoints, their transitions and copies) each takes about 4 KB and keeps
 * the garbage collector busy; packed into 32-bit words (pack/unpack in
 * connection.ts and endpoint.ts) it takes about 500 bytes in one typed array
 * the collector never scans. A packed connection is unpacked, exactly as it
 * was, when a segment arrives for it or when it is emitted.
 */
import type { Segment } from '../decode/segment.ts';
import type { Connection } from './connection.ts';
import { WordReader, WordWriter } from './words.ts';

/** A connection with more records than this (a few thousand transitions, copies, RSTs) stays an object. */
const MAX_RECORD = 16384;

/** Packed connections, one after the other in a growable Int32Array. */
export class Arena {
  words = new Int32Array(1 << 16);
  top = 0;
  /** Words of records freed since the last compaction. */
  garbage = 0;
  readonly writer = new WordWriter();
  readonly reader = new WordReader();

  /** The writer, set to write a record at the top (at most MAX_RECORD words). */
  begin(): WordWriter {
    if (this.top + MAX_RECORD > this.words.length) {
      const next = new Int32Array(this.words.length * 2);
      next.set(this.words.subarray(0, this.top));
      this.words = next;
    }
    this.writer.reset(this.words, this.top, this.top + MAX_RECORD);
    return this.writer;
  }

  /** Keep the record the writer wrote (when it is ok); returns its offset. */
  commit(): number {
    const off = this.top;
    this.top = this.writer.n;
    return off;
  }

  free(len: number): void {
    this.garbage += len;
  }

  /** Worth compacting: more than half of it is freed records. */
  get wasteful(): boolean {
    return this.garbage > 1 << 16 && this.garbage * 2 > this.top;
  }

  /** Move every live record to the front (`live` lists them all, in any order) and shrink. */
  compact(live: Iterable<FrozenConnection>): void {
    const recs = [...live].sort((a, b) => a.off - b.off);
    let top = 0;
    const w = this.words;
    for (const f of recs) {
      if (f.off !== top) w.copyWithin(top, f.off, f.off + f.len);
      f.off = top;
      top += f.len;
    }
    this.top = top;
    this.garbage = 0;
    let size = this.words.length;
    while (size > 1 << 16 && top * 4 < size) size >>= 1;
    if (size < this.words.length) this.words = this.words.slice(0, size);
  }
}

/**
 * What stands in the tracker's table for a packed connection: its place in
 * the 4-tuple chain and in the list of over connections, and where its words are.
 */
export class FrozenConnection {
  readonly frozen = true;
  next: Connection | FrozenConnection | null = null;
  closedPrev: Connection | FrozenConnection | null = null;
  closedNext: Connection | FrozenConnection | null = null;
  inClosedList = false;

  constructor(
    readonly arena: Arena,
    readonly stream: number,
    readonly hash: number,
    readonly lastSec: number,
    readonly lastNsec: number,
    public off: number,
    readonly len: number,
  ) {}

  /** As Connection.sideOf, from the packed words (ip version, ports, then the two addresses). */
  sideOf(seg: Segment): -1 | 0 | 1 {
    const w = this.arena.words;
    const o = this.off;
    if ((w[o] & 7) !== seg.ipVersion) return -1;
    const ports = w[o + 1] >>> 0;
    const p0 = Math.floor(ports / 65536);
    const p1 = ports & 0xffff;
    const s = seg.src;
    const d = seg.dst;
    if (seg.srcPort === p0 && seg.dstPort === p1 &&
      s[0] === w[o + 2] >>> 0 && s[1] === w[o + 3] >>> 0 && s[2] === w[o + 4] >>> 0 && s[3] === w[o + 5] >>> 0 &&
      d[0] === w[o + 6] >>> 0 && d[1] === w[o + 7] >>> 0 && d[2] === w[o + 8] >>> 0 && d[3] === w[o + 9] >>> 0) return 0;
    if (seg.srcPort === p1 && seg.dstPort === p0 &&
      s[0] === w[o + 6] >>> 0 && s[1] === w[o + 7] >>> 0 && s[2] === w[o + 8] >>> 0 && s[3] === w[o + 9] >>> 0 &&
      d[0] === w[o + 2] >>> 0 && d[1] === w[o + 3] >>> 0 && d[2] === w[o + 4] >>> 0 && d[3] === w[o + 5] >>> 0) return 1;
    return -1;
  }
}
