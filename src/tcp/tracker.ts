import { ACK, RST, SYN, type Segment } from '../decode/segment.ts';
import { Connection } from './connection.ts';
import { type Endpoint, secondsBetween } from './endpoint.ts';
import type { TcpObserver } from './observer.ts';
import { State } from './state.ts';

export interface TrackerOptions {
  /**
   * Seconds an over connection (both ends CLOSED or in TIME_WAIT) is kept
   * after its last segment before it is emitted: 2MSL of the settings, so a
   * retransmitted FIN, a RST or a reuse of the 4-tuple can still be matched.
   */
  lingerSeconds: number;
}

/**
 * Splits segments into connections the way Wireshark assigns tcp.stream and
 * runs each connection's two endpoint machines.
 *
 * Connections are found by their 4-tuple without building a key string: a
 * direction-independent 32-bit hash of the two (address, port) pairs indexes
 * a Map whose entries chain the connections sharing the hash.
 *
 * A connection is handed to `onDone` as soon as nothing in the capture can
 * change it: it is over and `lingerSeconds` passed without a segment on its
 * 4-tuple, a new connection replaced it, or the capture ended (`finish`).
 */
export class Tracker {
  private readonly table = new Map<number, Connection>();
  private nextStream = 0;
  private closedHead: Connection | null = null;
  private closedTail: Connection | null = null;
  /** Replaced connections waiting for the answer to the SYN that replaced them. */
  private readonly waiting: Connection[] = [];
  private nowSec = 0;
  private nowNsec = 0;
  private nowSet = false;
  private open = 0;

  /**
   * Hooks called as connections open and change (see observer.ts). Set it
   * before the first segment; when null nothing is allocated or called.
   */
  observer: TcpObserver | null = null;

  constructor(private readonly opts: TrackerOptions, private readonly onDone: (c: Connection) => void) {}

  /** Connections currently held (open, lingering or waiting). */
  get held(): number {
    return this.open + this.waiting.length;
  }

  /** Number of tcp.stream values assigned so far. */
  get streams(): number {
    return this.nextStream;
  }

  /**
   * The capture's clock moved (a frame that is not a TCP segment): lingering
   * connections may expire, and the capture end is known to be at least this.
   */
  observeTime(sec: number, nsec: number): void {
    if (!this.nowSet || sec > this.nowSec || (sec === this.nowSec && nsec > this.nowNsec)) {
      this.nowSec = sec;
      this.nowNsec = nsec;
      this.nowSet = true;
    }
  }

  /**
   * Time passed without a segment (a live capture's clock): observe it and
   * let go of connections whose linger time is over, as a segment would.
   */
  advance(sec: number, nsec: number): void {
    this.observeTime(sec, nsec);
    this.sweep();
  }

  push(seg: Segment): void {
    this.observeTime(seg.tsSec, seg.tsNsec);
    const h = hashTuple(seg);
    let c = this.table.get(h) ?? null;
    let dir: -1 | 0 | 1 = -1;
    while (c !== null) {
      dir = c.sideOf(seg);
      if (dir >= 0) break;
      c = c.next;
    }

    if (c === null) {
      c = this.create(seg, h, null);
      dir = 0;
    } else if (this.startsNew(c, seg, dir as 0 | 1)) {
      const old = c;
      c = this.create(seg, h, old);
      dir = 0;
    }
    c.process(seg, dir as 0 | 1);

    if (c.replaced !== null && c.packets > 1) this.resolveReplaced(c, seg);

    if (c.isOver()) this.touchClosed(c);
    this.sweep();
  }

  /** The capture ended: emit everything still held, in stream order. */
  finish(): void {
    const rest: Connection[] = [];
    for (const w of this.waiting) this.emit(w, 'replaced');
    this.waiting.length = 0;
    for (const head of this.table.values()) {
      for (let c: Connection | null = head; c !== null; c = c.next) rest.push(c);
    }
    this.table.clear();
    this.closedHead = this.closedTail = null;
    rest.sort((a, b) => a.stream - b.stream);
    for (const c of rest) {
      c.inClosedList = false;
      this.emit(c, 'capture-end');
    }
    this.open = 0;
  }

  /**
   * Wireshark (packet-tcp.c, dissect_tcp) starts a new conversation on the
   * same 4-tuple for a SYN whose seq differs from the base seq of its
   * direction. As newer Wireshark does, a SYN after a FIN or RST was seen
   * also starts one, and so does a SYN+ACK with a new ISN after a FIN or RST
   * (the SYN of the new connection was not captured).
   */
  private startsNew(c: Connection, seg: Segment, dir: 0 | 1): boolean {
    const f = seg.flags;
    if (!(f & SYN) || (f & RST)) return false;
    const baseSet = dir === 0 ? c.baseSet0 : c.baseSet1;
    const base = dir === 0 ? c.baseSeq0 : c.baseSeq1;
    if (!(f & ACK)) {
      if (!baseSet) return false;
      return seg.seq !== base || c.sawFin || c.sawRst;
    }
    return baseSet && seg.seq !== base && (c.sawFin || c.sawRst);
  }

  private create(seg: Segment, h: number, old: Connection | null): Connection {
    const c = new Connection(this.nextStream++, seg, h);
    this.open++;
    const obs = this.observer;
    if (obs !== null) {
      c.observer = obs;
      c.ep0.watch = { observer: obs, conn: c, side: 0 };
      c.ep1.watch = { observer: obs, conn: c, side: 1 };
    }
    if (old !== null) {
      // The new connection takes the old one's place in the chain.
      c.next = old.next;
      const head = this.table.get(h);
      if (head === old) this.table.set(h, c);
      else for (let p = head ?? null; p !== null; p = p.next) if (p.next === old) { p.next = c; break; }
      old.next = null;
      this.unlinkClosed(old);
      this.open--;
      c.previousStream = old.stream;
      c.reuseGapSeconds = secondsBetween(old.lastSec, old.lastNsec, seg.tsSec, seg.tsNsec);
      old.endReason = 'replaced';
      old.endSec = seg.tsSec;
      old.endNsec = seg.tsNsec;
      // The endpoint that sends the new SYN ends its own TIME_WAIT by reusing the 4-tuple.
      const senderSide = old.sideOf(seg);
      const sender = senderSide === 0 ? old.ep0 : old.ep1;
      const receiver = senderSide === 0 ? old.ep1 : old.ep0;
      if ((seg.flags & (SYN | ACK)) === SYN) {
        markReuse(sender, seg);
        if (receiver.state === State.TIME_WAIT && receiver.twEnd === null) {
          // Wait for the receiver's answer: a SYN+ACK means it accepted the SYN in (or after) TIME_WAIT.
          c.replaced = old;
          this.waiting.push(old);
          return c;
        }
      } else {
        // SYN+ACK of a connection whose SYN was not captured: both ends reused the 4-tuple.
        markReuse(sender, seg);
        markReuse(receiver, seg);
      }
      this.emit(old, 'replaced');
      return c;
    }
    c.next = this.table.get(h) ?? null;
    this.table.set(h, c);
    return c;
  }

  /** The new connection `c` got a segment after its first: settle the connection it replaced. */
  private resolveReplaced(c: Connection, seg: Segment): void {
    const old = c.replaced;
    if (old === null) return;
    // Only the answer from the SYN's receiver settles it.
    if (c.sideOf(seg) !== 1) return;
    c.replaced = null;
    const i = this.waiting.indexOf(old);
    if (i >= 0) this.waiting.splice(i, 1);
    if ((seg.flags & (SYN | ACK)) === (SYN | ACK)) {
      const senderSide = old.sideOf(seg);
      const receiverOfNewSyn = senderSide === 0 ? old.ep0 : old.ep1;
      receiverOfNewSyn.endTimeWaitByReuse({ frame: c.firstFrame, tsSec: c.firstSec, tsNsec: c.firstNsec });
    }
    this.emit(old, 'replaced');
  }

  private touchClosed(c: Connection): void {
    if (c.inClosedList) this.unlinkClosed(c);
    c.inClosedList = true;
    c.closedPrev = this.closedTail;
    c.closedNext = null;
    if (this.closedTail !== null) this.closedTail.closedNext = c;
    else this.closedHead = c;
    this.closedTail = c;
  }

  private unlinkClosed(c: Connection): void {
    if (!c.inClosedList) return;
    if (c.closedPrev !== null) c.closedPrev.closedNext = c.closedNext;
    else this.closedHead = c.closedNext;
    if (c.closedNext !== null) c.closedNext.closedPrev = c.closedPrev;
    else this.closedTail = c.closedPrev;
    c.closedPrev = c.closedNext = null;
    c.inClosedList = false;
  }

  private sweep(): void {
    const linger = this.opts.lingerSeconds;
    let c = this.closedHead;
    while (c !== null && secondsBetween(c.lastSec, c.lastNsec, this.nowSec, this.nowNsec) > linger) {
      const next = c.closedNext;
      this.unlinkClosed(c);
      this.removeFromTable(c);
      this.open--;
      this.emit(c, 'expired');
      c = next;
    }
  }

  private removeFromTable(c: Connection): void {
    const head = this.table.get(c.hash);
    if (head === c) {
      if (c.next === null) this.table.delete(c.hash);
      else this.table.set(c.hash, c.next);
    } else {
      for (let p = head ?? null; p !== null; p = p.next) if (p.next === c) { p.next = c.next; break; }
    }
    c.next = null;
  }

  private emit(c: Connection, reason: 'capture-end' | 'expired' | 'replaced'): void {
    if (c.done) return;
    c.done = true;
    if (reason !== 'replaced') {
      c.endReason = reason;
      c.endSec = this.nowSec;
      c.endNsec = this.nowNsec;
    }
    this.onDone(c);
  }
}

function markReuse(ep: Endpoint, seg: Segment): void {
  ep.endTimeWaitByReuse(seg);
}

/** Direction-independent hash of the 4-tuple (sum of the two endpoint hashes). */
export function hashTuple(seg: Segment): number {
  return (hashEndpoint(seg.src, seg.srcPort) + hashEndpoint(seg.dst, seg.dstPort)) | 0;
}

function hashEndpoint(a: Uint32Array, port: number): number {
  let h = Math.imul(a[0] ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ a[1], 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ a[2], 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ a[3], 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ port, 0x85ebca6b);
  return h ^ (h >>> 15);
}

