import { ACK, FIN, RST, SYN, Segment } from '../decode/segment.ts';
import { Connection, type EndReason, FrozenConnection } from './connection.ts';
import { type Endpoint, secondsBetween } from './endpoint.ts';
import { Arena } from './frozen.ts';
import { ChainTable } from './table.ts';
import { type TcpObserver, watchEndpoint } from './observer.ts';
import { NoteKind } from './notes.ts';
import { seqGe, seqLe } from './seq.ts';
import { State, isSynchronized } from './state.ts';

export interface TrackerOptions {
  /**
   * Seconds an over connection (both ends CLOSED or in TIME_WAIT) is kept
   * after its last segment before it is emitted: 2MSL of the settings, so a
   * retransmitted FIN, a RST or a reuse of the 4-tuple can still be matched.
   */
  lingerSeconds: number;
  /**
   * Connections kept as objects before the oldest over ones are packed
   * (frozen.ts; default 256, 0 packs every over connection at once). Low on
   * purpose: an over connection packed soon dies young as objects, which
   * saves the collector copying it (a limit of 4096 cost about 20% more CPU
   * on a 3 M-segment capture); late segments for it are rare.
   */
  unpackedLimit?: number;
  /**
   * Most connections held at once (default: no limit). A new connection
   * beyond it evicts the over connection idle the longest, or else the open
   * one idle the longest, or else the least recently active half-open one
   * (to the second), or else the least recently active open one: it is
   * emitted at once, as if the capture had ended then (end reason
   * `capture-end`, `evicted` set), and counted in `evicted`.
   */
  maxConnections?: number;
  /**
   * Connections kept as objects before open ones idle for `idleSeconds` are
   * packed too, least recently active first (default 64; 0 packs every
   * idle one at once); once open connections fill a quarter of the table
   * (`maxConnections`), half-open ones (no endpoint past SYN_RCVD) are
   * packed whatever their idle time. A SYN flood's half-open connections,
   * or the idle keep-alive connections of a busy server, then take a few
   * hundred bytes each instead of a few KB; connections that keep sending
   * stay objects (however many: packing them would unpack them at their
   * next segment). Low on purpose, as unpackedLimit: a connection packed
   * soon after it went idle is still in the CPU's cache. On a SYN flood of
   * 1 M (table of 100 000) a limit of 4096 took 7.4 s of tracking, 64 took
   * 4.6 s; a connection idle for idleSeconds is packed once and unpacked
   * once at most, at its next segment.
   */
  idleUnpackedLimit?: number;
  /** Capture seconds without a segment before an open connection counts as idle (default 2). */
  idleSeconds?: number;
  /** Words per block of the packed connections' arena (frozen.ts; tests use small ones). */
  arenaBlockWords?: number;
  /**
   * Nothing keeps a connection handed to `onDone` once it returns (default
   * false): the tracker reuses its object (Connection.renew) for a later
   * one, as it does the objects of connections it packs. Ignored with an
   * observer.
   */
  reuseDone?: boolean;
}

/** A packed connection let go of (see Tracker.onDonePacked): words[off, off + len) as Connection.pack wrote them before it ended. */
export interface PackedDone {
  words: Int32Array;
  off: number;
  len: number;
  stream: number;
  /** Why it ended, and when (Connection's endReason, endSec, endNsec): not in the words yet. */
  reason: EndReason;
  endSec: number;
  endNsec: number;
  /** Let go of early because the table was full. */
  evicted: boolean;
  /** Its place in the list of over connections (Connection.closedAt). */
  closedAt: number;
}

/** The segment stand-ins of holdBack are made from (only their place in a list matters). */
const BLANK = new Segment();

/** Most objects of packed connections kept for reuse (Tracker.spare). */
const SPARE_MAX = 64;

/** Ends of a list of open connections linked through their activePrev / activeNext. */
interface ActiveList {
  head: Connection | null;
  tail: Connection | null;
}

/** What the table holds for a connection: the object, or its packed form. */
type Held = Connection | FrozenConnection;

/**
 * Splits segments into connections the way Wireshark assigns tcp.stream and
 * runs each connection's two endpoint machines.
 *
 * Connections are found by their 4-tuple without building a key string: a
 * direction-independent 32-bit hash of the two (address, port) pairs picks
 * a bucket of a ChainTable (table.ts), a chain of connections.
 *
 * A connection is handed to `onDone` as soon as nothing in the capture can
 * change it: it is over and `lingerSeconds` passed without a segment on its
 * 4-tuple, a new connection replaced it, or the capture ended (`finish`).
 */
export class Tracker {
  private readonly table = new ChainTable<Held>();
  private nextStream = 0;
  /** Over connections, least recently active first. */
  private closedHead: Held | null = null;
  private closedTail: Held | null = null;
  /** First node of the closed list not yet considered for packing (all before it were). */
  private packCursor: Held | null = null;
  private readonly arena: Arena;
  private readonly unpackedLimit: number;
  private frozenCount = 0;
  /**
   * Open connections as objects, least recently active first (to the
   * second), in two lists: half-open ones (Connection.halfOpen when last
   * moved; a SYN flood's), and the others.
   */
  private readonly active: ActiveList = { head: null, tail: null };
  private readonly half: ActiveList = { head: null, tail: null };
  /**
   * Open connections packed because they were idle (packIdle), least recently
   * active first, linked through their closedPrev / closedNext: every one of
   * them was idle longer than any open connection still an object.
   */
  private idleHead: FrozenConnection | null = null;
  private idleTail: FrozenConnection | null = null;
  /** Open connections in the two active lists, and in the idle list. */
  private activeCount = 0;
  private idleCount = 0;
  private readonly idleUnpackedLimit: number;
  private readonly idleSeconds: number;
  private readonly maxConnections: number;
  /** Connections evicted because the table was full, and how many of them were still open. */
  evicted = 0;
  evictedOpen = 0;
  /** Frame (and its byte offset) whose new connection caused the first eviction. */
  firstEvictionFrame = 0;
  firstEvictionOffset = 0;
  get maxHeld(): number {
    return this.maxConnections;
  }
  /** Replaced connections waiting for the answer to the SYN that replaced them. */
  private readonly waiting: Connection[] = [];
  /**
   * Objects of connections packed in their place (freeze), or emitted with
   * `reuseDone`, referenced nowhere else: for the next new or unpacked
   * connection (Connection.renew).
   */
  private readonly spare: Connection[] = [];
  /** Stand-ins of packed connections unpacked or emitted since (releaseFrozen): for the next freeze. */
  private readonly spareFrozen: FrozenConnection[] = [];
  /** Connections that took the object of a packed one (Connection.renew) instead of a new one. */
  renewed = 0;
  /** Packed connections that took the stand-in of one unpacked or emitted before (FrozenConnection.renew). */
  renewedFrozen = 0;
  /** Packed connections made objects again because a segment came for them. */
  unpacked = 0;
  private nowSec = 0;
  private nowNsec = 0;
  private nowSet = false;
  private open = 0;
  /** What finishSome has left to emit (null: not finishing). */
  private rest: (Held | null)[] | null = null;
  private restAt = 0;

  /**
   * Hooks called as connections open and change (see observer.ts). Set it
   * before the first segment; when null nothing is allocated or called.
   */
  observer: TcpObserver | null = null;

  /**
   * When set, a connection the tracker holds packed (frozen.ts) is handed
   * over packed when it is let go of, instead of unpacked for `onDone`
   * (analyze/handoff.ts copies the words to a report thread). The words are
   * valid only during the call.
   */
  onDonePacked: ((p: PackedDone) => void) | null = null;

  constructor(private readonly opts: TrackerOptions, private readonly onDone: (c: Connection) => void) {
    this.unpackedLimit = opts.unpackedLimit ?? 256;
    this.idleUnpackedLimit = opts.idleUnpackedLimit ?? 64;
    this.idleSeconds = opts.idleSeconds ?? 2;
    this.arena = new Arena(opts.arenaBlockWords);
    this.maxConnections = opts.maxConnections ?? Infinity;
  }

  /** Bytes of the blocks holding packed connections. */
  get packedBytes(): number {
    return this.arena.bytes;
  }

  /** Connections held packed (see frozen.ts). */
  get packed(): number {
    return this.frozenCount;
  }

  /** Connections currently held (open, lingering or waiting). */
  get held(): number {
    return this.open + this.waiting.length;
  }

  /** Number of tcp.stream values assigned so far. */
  get streams(): number {
    return this.nextStream;
  }

  /** The next connection gets this stream number (a merge of a capture's parts numbers them all in one sequence: analyze/split.ts). */
  set streams(n: number) {
    this.nextStream = n;
  }

  /**
   * The part of the capture this tracker read ends here but the capture goes
   * on in another part (analyze/split.ts): every connection held, as an
   * object, taken out of the table, for the tracker of the whole capture to
   * `adopt`. `overListed`: it was in the list of over connections (its place
   * there is its `closedAt`). A connection replaced by a SYN still waiting
   * for its answer comes in `waiting`, with the connection that replaced it.
   */
  handOver(): { held: { c: Connection; overListed: boolean }[]; waiting: { old: Connection; successor: Connection }[] } {
    const waiting: { old: Connection; successor: Connection }[] = [];
    const held: { c: Connection; overListed: boolean }[] = [];
    for (const h of this.table.values()) {
      const overListed = h.inClosedList && !(h instanceof FrozenConnection && h.idle);
      held.push({ c: h instanceof FrozenConnection ? this.unpack(h) : h, overListed });
    }
    for (const { c } of held) if (c.replaced !== null) waiting.push({ old: c.replaced, successor: c });
    this.waiting.length = 0;
    this.clearTable();
    for (const { c } of held) {
      c.closedPrev = c.closedNext = null;
      c.inClosedList = false;
      c.next = null;
    }
    held.sort((a, b) => a.c.stream - b.c.stream);
    this.open = 0;
    this.frozenCount = 0;
    this.arena.reset();
    return { held, waiting };
  }

  /**
   * Hold `c` (handed over by the tracker of an earlier part of the capture,
   * `handOver`) as if this tracker had followed it: in its 4-tuple chain, and
   * in the list of over connections at the place of its `closedAt` when
   * `overListed`, else in the list of open ones.
   */
  adopt(c: Connection, overListed: boolean): void {
    this.table.add(c);
    this.open++;
    if (!overListed) {
      this.touchActive(c);
      return;
    }
    this.insertClosed(c);
  }

  /**
   * As adopt, for an over connection handed over packed (the words
   * Connection.pack wrote, its stream, hash, last segment time and place in
   * the list of over connections): it stays packed until a segment comes for
   * it or it is let go of (false, and nothing held, when the record is too
   * long to be kept packed).
   */
  adoptPacked(words: Int32Array, stream: number, hash: number, lastSec: number, lastNsec: number, closedAt: number): boolean {
    const old = this.spareFrozen.pop();
    const f = old?.renew(stream, hash, lastSec, lastNsec) ?? new FrozenConnection(stream, hash, lastSec, lastNsec);
    if (!this.arena.copyIn(words, f)) {
      this.releaseFrozen(f);
      return false;
    }
    f.closedAt = closedAt;
    this.table.add(f);
    this.open++;
    this.frozenCount++;
    this.insertClosed(f);
    return true;
  }

  /** Put `c` in the list of over connections at the place of its closedAt. */
  private insertClosed(c: Held): void {
    let after = this.closedTail;
    while (after !== null && after.closedAt > c.closedAt) after = after.closedPrev;
    c.inClosedList = true;
    c.closedPrev = after;
    c.closedNext = after === null ? this.closedHead : after.closedNext;
    if (c.closedNext !== null) c.closedNext.closedPrev = c;
    else this.closedTail = c;
    if (after !== null) after.closedNext = c;
    else this.closedHead = c;
    if (this.packCursor === null) this.packCursor = c;
  }

  /**
   * A connection another tracker follows (analyze/split.ts) sits at
   * `closedAt` in the list of over connections without being over (a
   * segment took it out of over): as in one tracker, nothing behind it in
   * the list is let go of until it leaves. The stand-in returned holds that
   * place, in the list only, until `release`.
   */
  holdBack(closedAt: number): Connection {
    const s = new Connection(-1, BLANK, 0);
    s.lastSec = Number.MAX_SAFE_INTEGER;
    s.closedAt = closedAt;
    this.insertClosed(s);
    return s;
  }

  /** The stand-in of holdBack leaves the list: what it held back may go at the next sweep. */
  release(standIn: Connection): void {
    this.unlinkClosed(standIn);
  }

  /**
   * Would a connection at `closedAt` in the list of over connections, whose
   * linger time is over now, still be held back here by one before it whose
   * linger time is not (a connection a segment took out of over)?
   */
  heldBackAt(closedAt: number): boolean {
    const linger = this.opts.lingerSeconds;
    for (let c = this.closedHead; c !== null && c.closedAt < closedAt; c = c.closedNext) {
      if (!(secondsBetween(c.lastSec, c.lastNsec, this.nowSec, this.nowNsec) > linger)) return true;
    }
    return false;
  }

  /** `old` was replaced by `successor` (both handed over) and waits for the answer to its SYN, as in this tracker's own replacements. */
  adoptWaiting(old: Connection, successor: Connection): void {
    successor.replaced = old;
    this.waiting.push(old);
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
    if (this.arena.wasteful) this.arena.compact(this.frozenNodes());
  }

  /** Side of the segment's sender in the connection `lookup` found last (-1: none found). */
  private foundDir: -1 | 0 | 1 = -1;

  /** The connection (or packed connection) of the segment's 4-tuple, whose hash is `h`, or null; the sender's side in foundDir. */
  private lookup(seg: Segment, h: number): Held | null {
    let held = this.table.head(h);
    this.foundDir = -1;
    while (held !== null) {
      // Another hash is another 4-tuple: the connection's fields (a packed
      // one's words in the arena) are only read when the hashes agree.
      if (held.hash === h) {
        const dir = held.sideOf(seg);
        if (dir >= 0) {
          this.foundDir = dir;
          return held;
        }
      }
      held = held.next;
    }
    return null;
  }

  /** Process one segment; returns the connection it went to (valid until the next call: the tracker may pack or reuse it). */
  push(seg: Segment): Connection {
    this.observeTime(seg.tsSec, seg.tsNsec);
    const h = hashTuple(seg);
    const held = this.lookup(seg, h);
    let dir = this.foundDir;
    let c = held === null ? null : held instanceof FrozenConnection ? this.unfreeze(held) : held;

    if (c === null) {
      c = this.create(seg, h, null);
      dir = 0;
    } else if (this.startsNew(c, seg, dir as 0 | 1)) {
      const old = c;
      c = this.create(seg, h, old);
      dir = 0;
    }
    if (c.replaced === null) c.process(seg, dir as 0 | 1);
    else if (!this.forOld(c, c.replaced, seg, dir as 0 | 1)) {
      c.process(seg, dir as 0 | 1);
      if (c.packets > 1) this.resolveReplaced(c, seg);
    }

    if (c.isOver()) {
      c.closedAt = seg.frame;
      this.touchClosed(c);
    } else if (!c.inClosedList && c.activeSec !== c.lastSec) this.touchActive(c);
    if (this.open - this.frozenCount > this.unpackedLimit) this.packSome(c);
    if (this.open - this.frozenCount > this.idleUnpackedLimit && this.observer === null) this.packIdle(c);
    this.sweep();
    if (this.arena.wasteful) this.arena.compact(this.frozenNodes());
    return c;
  }

  /**
   * An ICMP or ICMPv6 error quoting a TCP segment (DecodeStatus.IcmpError:
   * `seg` holds the quoted 4-tuple, src = the quoted segment's sender). It
   * goes to the connection of that 4-tuple, as Wireshark puts it in that
   * tcp.stream, but is no segment of it: it never creates a connection or
   * starts a new one, is not counted in its packets and moves its last
   * frame and time nowhere; only Connection.icmpError judges it. Returns the
   * connection, or null when no connection holds the 4-tuple.
   */
  icmpError(seg: Segment): Connection | null {
    this.observeTime(seg.tsSec, seg.tsNsec);
    const held = this.lookup(seg, hashTuple(seg));
    const dir = this.foundDir;
    if (held === null) {
      this.icmpUnmatched++;
      return null;
    }
    const c = held instanceof FrozenConnection ? this.unfreeze(held) : held;
    const wasOver = c.isOver();
    c.icmpError(seg, dir as 0 | 1);
    this.icmpMatched++;
    if (c.isOver() && !wasOver) {
      c.closedAt = seg.frame;
      this.touchClosed(c);
    }
    this.sweep();
    if (this.arena.wasteful) this.arena.compact(this.frozenNodes());
    return c;
  }

  /** ICMP errors that went to a connection, and that found none (icmpError). */
  icmpMatched = 0;
  icmpUnmatched = 0;

  /** The capture ended: emit everything still held, in stream order. */
  finish(): void {
    this.finishSome(Infinity);
  }

  /**
   * The capture ended: emit up to `n` of the connections still held, in
   * stream order (the first call takes them all out of the table); returns
   * how many are left. Lets a caller interleave other work with the end of
   * a large capture; `finish` is finishSome(Infinity).
   */
  finishSome(n: number): number {
    if (this.rest === null) this.rest = this.takeAll();
    const rest = this.rest;
    let i = this.restAt;
    const stop = Math.min(rest.length, i + n);
    for (; i < stop; i++) {
      const h = rest[i] as Held;
      // Let the collector have it: the whole table never exists as objects at once.
      rest[i] = null;
      h.inClosedList = false;
      this.emitHeld(h, 'capture-end', false);
    }
    this.restAt = i;
    if (i < rest.length) return rest.length - i;
    this.rest = null;
    this.restAt = 0;
    this.open = 0;
    this.frozenCount = 0;
    this.arena.reset();
    return 0;
  }

  /** Empty the table and every list (what they held is the caller's: takeAll, handOver). */
  private clearTable(): void {
    this.table.clear();
    this.closedHead = this.closedTail = this.packCursor = null;
    this.idleHead = this.idleTail = null;
    this.idleCount = 0;
    for (const list of [this.active, this.half]) {
      for (let a = list.head; a !== null;) {
        const n = a.activeNext;
        a.activePrev = a.activeNext = null;
        a.inActiveList = a.inHalfList = false;
        a = n;
      }
      list.head = list.tail = null;
    }
    this.activeCount = 0;
  }

  /** Everything held, out of the table and lists, in stream order (waiting connections are emitted at once). */
  private takeAll(): (Held | null)[] {
    const rest: Held[] = [];
    for (const w of this.waiting) this.emit(w, 'replaced');
    this.waiting.length = 0;
    for (const c of this.table.values()) rest.push(c);
    this.clearTable();
    rest.sort((a, b) => a.stream - b.stream);
    return rest;
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
    if (old === null && this.open >= this.maxConnections) this.evictOne(seg);
    const spare = this.takeSpare();
    const c = spare === null ? new Connection(this.nextStream, seg, h) : spare.renew(this.nextStream, seg, h);
    this.nextStream++;
    this.open++;
    const obs = this.observer;
    if (obs !== null) {
      c.observer = obs;
      c.ep0.watch = watchEndpoint(obs, c, 0);
      c.ep1.watch = watchEndpoint(obs, c, 1);
    }
    if (old !== null) {
      // The new connection takes the old one's place in the chain.
      this.table.replace(old, c);
      this.unlinkClosed(old);
      this.unlinkActive(old);
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
        if (isSynchronized(receiver.state) && receiver.twEnd === null) {
          // Wait for the receiver's answer: a SYN+ACK means it accepted the SYN in (or after)
          // TIME_WAIT, or had forgotten the connection; an ACK of the old connection means it
          // still holds it (forOld).
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
    this.table.add(c);
    return c;
  }

  /**
   * While the new connection `c` waits for the answer to its SYN, a segment
   * that belongs to the connection `old` it replaced, which the SYN's
   * receiver still holds (RFC 9293 figure 10, half-open discovery; a SYN to
   * TIME_WAIT it does not take, RFC 9293 3.10.7.4, RFC 5961 4): its ACK of
   * that connection (seq = its SND.NXT, ack within what the SYN's sender had
   * sent), and the SYN's sender's RST answering it (seq = that ack, RFC 9293
   * 3.10.7.3). Wireshark puts both in the new stream: they count there
   * (passOn), and the old connection's endpoints take them (takeLater).
   * Returns false for any other segment.
   */
  private forOld(c: Connection, old: Connection, seg: Segment, dir: 0 | 1): boolean {
    const f = seg.flags;
    const oldDir = old.sideOf(seg);
    if (oldDir < 0) return false;
    const from = oldDir === 0 ? old.ep0 : old.ep1;
    const to = oldDir === 0 ? old.ep1 : old.ep0;
    if (dir === 1) {
      if ((f & (SYN | FIN | RST | ACK)) !== ACK || seg.payloadLen !== 0 || c.ep1.packets !== 0) return false;
      if (c.ep0.issKnown && seg.ack === c.ep0.synEnd) return false;
      if (!from.nxtKnown || seg.seq !== from.sndNxt || !to.nxtKnown || !seqLe(seg.ack, to.sndNxt)) return false;
      if (from.ackSentKnown && !seqGe(seg.ack, from.lastAckSent)) return false;
      c.passOn(seg, dir, NoteKind.OldConnectionAck, c.firstFrame);
      old.takeLater(seg);
      c.oldAckFrame = seg.frame;
      c.oldAck = seg.ack;
      return true;
    }
    if (!(f & RST) || (f & SYN) || c.oldAckFrame === 0 || seg.seq !== c.oldAck) return false;
    c.passOn(seg, dir, NoteKind.OldConnectionRst, c.oldAckFrame);
    old.takeLater(seg);
    c.oldAckFrame = 0;
    c.oldAck = 0;
    return true;
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

  /** The table is full: let go of the over connection idle the longest, or else the least recently active open one (half-open ones first). */
  private evictOne(seg: Segment): void {
    let victim: Held | null = this.closedHead;
    if (victim !== null) this.unlinkClosed(victim);
    else if (this.idleHead !== null) {
      victim = this.idleHead;
      this.unlinkIdle(this.idleHead);
      this.evictedOpen++;
    } else {
      victim = this.half.head ?? this.active.head;
      if (victim === null) return;
      this.unlinkActive(victim);
      this.evictedOpen++;
    }
    if (this.evicted === 0) {
      this.firstEvictionFrame = seg.frame;
      this.firstEvictionOffset = seg.fileOffset;
    }
    this.table.remove(victim);
    this.open--;
    this.evicted++;
    this.emitHeld(victim, 'capture-end', true);
  }

  /** `c` is active this second: to the end of its active list (that of half-open ones if it is one now). */
  private touchActive(c: Connection): void {
    c.activeSec = c.lastSec;
    if (c.inActiveList) this.unlinkActive(c);
    c.inActiveList = true;
    c.inHalfList = c.halfOpen();
    this.activeCount++;
    const list = c.inHalfList ? this.half : this.active;
    c.activePrev = list.tail;
    c.activeNext = null;
    if (list.tail !== null) list.tail.activeNext = c;
    else list.head = c;
    list.tail = c;
  }

  private unlinkActive(c: Connection): void {
    if (!c.inActiveList) return;
    const list = c.inHalfList ? this.half : this.active;
    if (c.activePrev !== null) c.activePrev.activeNext = c.activeNext;
    else list.head = c.activeNext;
    if (c.activeNext !== null) c.activeNext.activePrev = c.activePrev;
    else list.tail = c.activePrev;
    c.activePrev = c.activeNext = null;
    c.inActiveList = c.inHalfList = false;
    this.activeCount--;
  }

  private touchClosed(c: Connection): void {
    this.unlinkActive(c);
    if (c.inClosedList) this.unlinkClosed(c);
    c.inClosedList = true;
    c.closedPrev = this.closedTail;
    c.closedNext = null;
    if (this.closedTail !== null) this.closedTail.closedNext = c;
    else this.closedHead = c;
    this.closedTail = c;
    if (this.packCursor === null) this.packCursor = c;
  }

  /**
   * Too many connections held as objects: pack over connections, least
   * recently active first, up to (not including) `current`.
   */
  private packSome(current: Connection): void {
    while (this.open - this.frozenCount > this.unpackedLimit) {
      const c = this.packCursor;
      if (c === null || c === current) return;
      this.packCursor = c.closedNext;
      if (c instanceof FrozenConnection || !c.isOver()) continue;
      this.freeze(c);
    }
  }

  /**
   * Too many connections held as objects: pack open ones idle for
   * idleSeconds, least recently active first, never `current`. Once open
   * ones fill a quarter of the table, half-open ones are packed whatever
   * their idle time (a SYN flood fills it faster than any connection turns
   * idle), but never the others: connections that keep sending would be
   * packed and unpacked in turn. One that cannot be packed (a pending
   * replacement, a value too large) goes to the end of its active list
   * instead; a few at most per segment.
   */
  private packIdle(current: Connection): void {
    for (let tries = 0; tries < 8 && this.open - this.frozenCount > this.idleUnpackedLimit; tries++) {
      let c = this.half.head;
      if (c === current || (c !== null && !this.idle(c) && (this.activeCount + this.idleCount) * 4 < this.maxConnections)) c = null;
      if (c === null) {
        c = this.active.head;
        if (c === current || (c !== null && !this.idle(c))) c = null;
      }
      if (c === null) return;
      this.unlinkActive(c);
      const f = this.freeze(c);
      if (f === null) {
        this.touchActive(c);
        continue;
      }
      f.idle = true;
      f.closedPrev = this.idleTail;
      f.closedNext = null;
      if (this.idleTail !== null) this.idleTail.closedNext = f;
      else this.idleHead = f;
      this.idleTail = f;
      this.idleCount++;
    }
  }

  /** No segment for `c` in the last idleSeconds. */
  private idle(c: Connection): boolean {
    return secondsBetween(c.lastSec, c.lastNsec, this.nowSec, this.nowNsec) >= this.idleSeconds;
  }

  private unlinkIdle(f: FrozenConnection): void {
    if (!f.idle) return;
    const prev = f.closedPrev as FrozenConnection | null;
    const next = f.closedNext as FrozenConnection | null;
    if (prev !== null) prev.closedNext = next;
    else this.idleHead = next;
    if (next !== null) next.closedPrev = prev;
    else this.idleTail = prev;
    f.closedPrev = f.closedNext = null;
    f.idle = false;
    this.idleCount--;
  }

  /** Pack `c` in its place (null if it cannot be packed). */
  private freeze(c: Connection): FrozenConnection | null {
    const arena = this.arena;
    const w = arena.begin();
    c.pack(w);
    if (!w.ok) return null;
    const old = this.spareFrozen.pop();
    if (old !== undefined) this.renewedFrozen++;
    const f = old?.renew(c.stream, c.hash, c.lastSec, c.lastNsec) ?? new FrozenConnection(c.stream, c.hash, c.lastSec, c.lastNsec);
    f.closedAt = c.closedAt;
    arena.commit(f);
    this.replace(c, f);
    this.frozenCount++;
    // Nothing else holds it (pack refuses one with an observer or a pending replacement).
    if (this.spare.length < SPARE_MAX) this.spare.push(c);
    return f;
  }

  /** An object to renew for a new or unpacked connection (null: none spare). */
  private takeSpare(): Connection | null {
    const c = this.spare.pop();
    if (c === undefined) return null;
    this.renewed++;
    return c;
  }

  /** The connection a packed one stands for, back in its place as an object. */
  private unfreeze(f: FrozenConnection): Connection {
    this.unpacked++;
    this.unlinkIdle(f);
    const c = this.unpack(f);
    this.replace(f, c);
    this.releaseFrozen(f);
    return c;
  }

  /** `f` is out of the table and the lists and its record freed: freeze may reuse it. */
  private releaseFrozen(f: FrozenConnection): void {
    if (this.spareFrozen.length < SPARE_MAX) this.spareFrozen.push(f);
  }

  private unpack(f: FrozenConnection): Connection {
    const arena = this.arena;
    const c = Connection.unpack(arena.reader.at(f.words, f.off), f.stream, f.hash, this.takeSpare());
    c.closedAt = f.closedAt;
    arena.free(f);
    this.frozenCount--;
    return c;
  }

  /** Every packed connection (over ones are in the closed list, idle open ones in the idle list). */
  private *frozenNodes(): Generator<FrozenConnection> {
    for (let n = this.closedHead; n !== null; n = n.closedNext) if (n instanceof FrozenConnection) yield n;
    for (let n: Held | null = this.idleHead; n !== null; n = n.closedNext) yield n as FrozenConnection;
  }

  /** Put `to` where `from` is, in its 4-tuple chain and in the closed list. */
  private replace(from: Held, to: Held): void {
    this.table.replace(from, to);
    if (from.inClosedList) {
      to.inClosedList = true;
      to.closedPrev = from.closedPrev;
      to.closedNext = from.closedNext;
      if (from.closedPrev !== null) from.closedPrev.closedNext = to;
      else this.closedHead = to;
      if (from.closedNext !== null) from.closedNext.closedPrev = to;
      else this.closedTail = to;
      from.closedPrev = from.closedNext = null;
      from.inClosedList = false;
    }
    if (this.packCursor === from) this.packCursor = to;
  }

  private unlinkClosed(c: Held): void {
    if (!c.inClosedList) return;
    if (this.packCursor === c) this.packCursor = c.closedNext;
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
      this.table.remove(c);
      this.open--;
      this.emitHeld(c, 'expired', false);
      c = next;
    }
  }

  /**
   * Emit a held connection: a packed one goes to `onDonePacked` as it is when
   * the tracker has one, or else is unpacked first.
   */
  private emitHeld(h: Held, reason: 'capture-end' | 'expired', evicted: boolean): void {
    if (h instanceof FrozenConnection) {
      const sink = this.onDonePacked;
      if (sink !== null) {
        const arena = this.arena;
        sink({
          words: h.words, off: h.off, len: h.len, stream: h.stream,
          reason, endSec: this.nowSec, endNsec: this.nowNsec, evicted, closedAt: h.closedAt,
        });
        arena.free(h);
        this.frozenCount--;
        this.releaseFrozen(h);
        return;
      }
      const f = h;
      h = this.unpack(f);
      this.releaseFrozen(f);
    }
    if (evicted) h.evicted = true;
    this.emit(h, reason);
    // A connection from the table is no other one's `replaced`: once emitted, nothing here holds it.
    if (this.opts.reuseDone === true && this.observer === null && this.spare.length < SPARE_MAX) this.spare.push(h);
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

