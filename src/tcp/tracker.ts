import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.ts';
import { Connection, type EndReason, packedSideOf } from './connection.ts';
import { type Endpoint, secondsBetween } from './endpoint.ts';
import { Arena } from './frozen.ts';
import { Kind, List, NIL, SlotTable } from './table.ts';
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
   * idle one at once); once open connections number HALF_OPEN_EAGER (or
   * fill a quarter of the table, `maxConnections`, if that is fewer),
   * half-open ones (no endpoint past SYN_RCVD) are packed whatever their
   * idle time. A SYN flood's half-open connections,
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

/** Most objects of packed connections kept for reuse (Tracker.spare). */
const SPARE_MAX = 64;

/**
 * Open connections (objects and packed idle ones) from which half-open ones
 * are packed at once, idle or not (or a quarter of the table if fewer). A
 * SYN flood fills the table faster than any connection turns idle: with a
 * quarter of the default table (25 000) it held that many half-open
 * objects, about 4 KB each, before packing any (peak RSS 205 MB on 1 M
 * SYNs, 144 MB with 4096 and 163 MB with 16 384, CSV identical). Ordinary
 * traffic seldom has this many open connections, so its handshakes are
 * not packed between their segments.
 */
const HALF_OPEN_EAGER = 4096;

/**
 * Splits segments into connections the way Wireshark assigns tcp.stream and
 * runs each connection's two endpoint machines.
 *
 * Each connection held takes a slot of the table (table.ts): connections
 * are found by their 4-tuple without building a key string, through a
 * direction-independent 32-bit hash of the two (address, port) pairs, and
 * the lists that decide what is packed, let go of or evicted first are
 * links between slots.
 *
 * A connection is handed to `onDone` as soon as nothing in the capture can
 * change it: it is over and `lingerSeconds` passed without a segment on its
 * 4-tuple, a new connection replaced it, or the capture ended (`finish`).
 */
export class Tracker {
  private readonly slots = new SlotTable<Connection>();
  private nextStream = 0;
  /** First slot of the list of over connections not yet considered for packing (all before it were). */
  private packCursor = NIL;
  private readonly arena: Arena;
  private readonly unpackedLimit: number;
  private frozenCount = 0;
  /** Open connections in the two active lists (List.Active, List.Half), and in the idle list (packed). */
  private activeCount = 0;
  private idleCount = 0;
  private readonly idleUnpackedLimit: number;
  private readonly idleSeconds: number;
  private readonly maxConnections: number;
  /** Open connections from which half-open ones are packed whatever their idle time (HALF_OPEN_EAGER). */
  private readonly halfOpenEager: number;
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
  /** Connections that took the object of a packed one (Connection.renew) instead of a new one. */
  renewed = 0;
  /** Packed connections made objects again because a segment came for them. */
  unpacked = 0;
  private nowSec = 0;
  private nowNsec = 0;
  private nowSet = false;
  private open = 0;
  /** The slots finishSome has left to emit, in stream order (null: not finishing). */
  private rest: number[] | null = null;
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
    this.halfOpenEager = Math.min(HALF_OPEN_EAGER, this.maxConnections / 4);
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
   * Is `c` (a connection push or icmpError just returned) in the list of
   * over connections? It may be without being over: a segment took it out
   * of over, and it keeps its place there (its `closedAt`).
   */
  inOverList(c: Connection): boolean {
    return c.slot >= 0 && this.slots.list[c.slot] === List.Over;
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
    const t = this.slots;
    const waiting: { old: Connection; successor: Connection }[] = [];
    const held: { c: Connection; overListed: boolean }[] = [];
    const slots = t.inTable();
    for (const s of slots) {
      const overListed = t.list[s] === List.Over;
      held.push({ c: t.kind[s] === Kind.Packed ? this.unpack(s) : t.conns[s] as Connection, overListed });
    }
    for (const { c } of held) if (c.replaced !== null) waiting.push({ old: c.replaced, successor: c });
    this.waiting.length = 0;
    this.detachAll();
    for (const s of slots) t.free(s);
    for (const { c } of held) c.slot = -1;
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
    const t = this.slots;
    const s = t.alloc(Kind.Object);
    t.conns[s] = c;
    c.slot = s;
    t.hash[s] = c.hash;
    t.closedAt[s] = c.closedAt;
    t.add(s);
    this.open++;
    if (!overListed) {
      this.touchActive(s);
      return;
    }
    this.insertClosed(s);
  }

  /**
   * As adopt, for an over connection handed over packed (the words
   * Connection.pack wrote, its stream, hash, last segment time and place in
   * the list of over connections): it stays packed until a segment comes for
   * it or it is let go of (false, and nothing held, when the record is too
   * long to be kept packed).
   */
  adoptPacked(words: Int32Array, stream: number, hash: number, lastSec: number, lastNsec: number, closedAt: number): boolean {
    const t = this.slots;
    const s = t.alloc(Kind.Packed);
    if (!this.arena.copyIn(words, t, s)) {
      t.free(s);
      return false;
    }
    t.stream[s] = stream;
    t.hash[s] = hash;
    t.lastSec[s] = lastSec;
    t.lastNsec[s] = lastNsec;
    t.closedAt[s] = closedAt;
    t.add(s);
    this.open++;
    this.frozenCount++;
    this.insertClosed(s);
    return true;
  }

  /** Put slot `s` in the list of over connections at the place of its closedAt. */
  private insertClosed(s: number): void {
    const t = this.slots;
    let after = t.last[List.Over];
    while (after !== NIL && t.closedAt[after] > t.closedAt[s]) after = t.prev[after];
    t.insertAfter(s, List.Over, after);
    if (this.packCursor === NIL) this.packCursor = s;
  }

  /**
   * A connection another tracker follows (analyze/split.ts) sits at
   * `closedAt` in the list of over connections without being over (a
   * segment took it out of over): as in one tracker, nothing behind it in
   * the list is let go of until it leaves. The slot returned holds that
   * place, in the list only, until `release`.
   */
  holdBack(closedAt: number): number {
    const t = this.slots;
    const s = t.alloc(Kind.StandIn);
    t.lastSec[s] = Number.MAX_SAFE_INTEGER;
    t.closedAt[s] = closedAt;
    this.insertClosed(s);
    return s;
  }

  /** The stand-in of holdBack leaves the list: what it held back may go at the next sweep. */
  release(standIn: number): void {
    if (this.slots.kind[standIn] !== Kind.StandIn) return;
    this.unlinkClosed(standIn);
    this.slots.free(standIn);
  }

  /**
   * Would a connection at `closedAt` in the list of over connections, whose
   * linger time is over now, still be held back here by one before it whose
   * linger time is not (a connection a segment took out of over)?
   */
  heldBackAt(closedAt: number): boolean {
    const t = this.slots;
    const linger = this.opts.lingerSeconds;
    for (let s = t.first[List.Over]; s !== NIL && t.closedAt[s] < closedAt; s = t.next[s]) {
      if (!(secondsBetween(this.lastSecOf(s), this.lastNsecOf(s), this.nowSec, this.nowNsec) > linger)) return true;
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
    this.expire();
  }

  /** Let go of the connections whose linger time is over, and move the packed ones together when the arena is mostly holes. */
  private expire(): void {
    this.sweep();
    if (this.arena.wasteful) this.compact();
  }

  /** More connections held as objects than the limits allow: pack some (never slot `current`, the one that just moved). */
  private packBeyondLimits(current: number): void {
    if (this.open - this.frozenCount > this.unpackedLimit) this.packSome(current);
    if (this.open - this.frozenCount > this.idleUnpackedLimit && this.observer === null) this.packIdle(current);
  }

  /** Side of the segment's sender in the connection `lookup` found last (-1: none found). */
  private foundDir: -1 | 0 | 1 = -1;

  /** The slot of the segment's 4-tuple, whose hash is `h`, or NIL; the sender's side in foundDir. */
  private lookup(seg: Segment, h: number): number {
    const t = this.slots;
    this.foundDir = -1;
    for (let s = t.head(h); s !== NIL; s = t.chained(s)) {
      // Another hash is another 4-tuple: the connection (a packed one's words
      // in the arena) is only read when the hashes agree.
      if (t.hash[s] !== h) continue;
      const c = t.conns[s];
      const dir = c !== null ? c.sideOf(seg) : packedSideOf(this.arena.words(t, s), t.off[s], seg);
      if (dir >= 0) {
        this.foundDir = dir;
        return s;
      }
    }
    return NIL;
  }

  /** The connection of slot `s` (in the table) as an object: unpacked if it was packed. */
  private objectAt(s: number): Connection {
    return this.slots.kind[s] === Kind.Packed ? this.unfreeze(s) : this.slots.conns[s] as Connection;
  }

  /** Process one segment; returns the connection it went to (valid until the next call: the tracker may pack or reuse it). */
  push(seg: Segment): Connection {
    this.observeTime(seg.tsSec, seg.tsNsec);
    const h = hashTuple(seg);
    const found = this.lookup(seg, h);
    let dir = this.foundDir;
    let c = found === NIL ? null : this.objectAt(found);

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

    const s = c.slot;
    const t = this.slots;
    if (c.isOver()) this.touchClosed(s, seg.frame);
    else if (t.list[s] !== List.Over && t.activeSec[s] !== c.lastSec) this.touchActive(s);
    this.packBeyondLimits(s);
    this.expire();
    return c;
  }

  /**
   * An ICMP or ICMPv6 error quoting a TCP segment (DecodeStatus.IcmpError:
   * `seg` holds the quoted 4-tuple, src = the quoted segment's sender). It
   * goes to the connection of that 4-tuple, as Wireshark puts it in that
   * tcp.stream, but is no segment of it: it is not counted in its packets
   * and moves its last frame and time nowhere (unless it has no segment
   * yet); only Connection.icmpError judges it.
   *
   * Wireshark dissects the quoted TCP header as a segment (packet-tcp.c,
   * dissect_tcp): when no conversation holds the 4-tuple it makes one
   * (conversation_new), so the error begins a new tcp.stream, and the
   * 4-tuple's later segments join it. So does the tracker: a connection of
   * no segment yet (packets 0), side 0 the quoted segment's sender, that the
   * first segment on the 4-tuple, from either side, takes up as its first
   * (Connection.process); it is never over, so it is held as an open one
   * until the capture ends or the table evicts it. A quoted bare SYN whose
   * seq is not its direction's base seq starts a new connection on the
   * 4-tuple as a real SYN would (startsNew; the quote holds the flags only
   * when at least 14 bytes of the TCP header are quoted, decode/icmp.ts).
   * Returns the connection.
   */
  icmpError(seg: Segment): Connection {
    this.observeTime(seg.tsSec, seg.tsNsec);
    const h = hashTuple(seg);
    const found = this.lookup(seg, h);
    let dir = this.foundDir;
    let c = found === NIL ? null : this.objectAt(found);
    if (c === null || ((seg.flags & (SYN | ACK)) === SYN && this.startsNew(c, seg, dir as 0 | 1))) {
      c = this.create(seg, h, c);
      dir = 0;
      // Its client for now: as the quoted segment shows it (its first segment decides again).
      c.chooseClient(seg, 0);
      this.icmpCreated++;
    } else this.icmpMatched++;
    const wasOver = c.isOver();
    c.icmpError(seg, dir as 0 | 1);
    const s = c.slot;
    const t = this.slots;
    if (c.isOver() && !wasOver) this.touchClosed(s, seg.frame);
    else if (t.list[s] === List.None) {
      // Created here: held as an open connection, as push holds one.
      this.touchActive(s);
      this.packBeyondLimits(s);
    }
    this.expire();
    return c;
  }

  /** ICMP errors that went to a connection already held, and that created one (icmpError). */
  icmpMatched = 0;
  icmpCreated = 0;

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
    for (; i < stop; i++) this.emitHeld(rest[i], 'capture-end', false);
    this.restAt = i;
    if (i < rest.length) return rest.length - i;
    this.rest = null;
    this.restAt = 0;
    this.open = 0;
    this.frozenCount = 0;
    this.arena.reset();
    return 0;
  }

  /** Empty the table and every list; the slots stay the caller's until freed (takeAll, handOver). */
  private detachAll(): void {
    this.slots.detachAll();
    this.packCursor = NIL;
    this.idleCount = 0;
    this.activeCount = 0;
  }

  /** The slots of everything held, out of the table and lists, in stream order (waiting connections are emitted at once). */
  private takeAll(): number[] {
    // One the SYN's sender went on with (forOld) was not replaced: it ends with the capture.
    for (const w of this.waiting) this.emit(w, w.endReason === 'replaced' ? 'replaced' : 'capture-end');
    this.waiting.length = 0;
    const rest = this.slots.inTable();
    this.detachAll();
    rest.sort((a, b) => this.streamOf(a) - this.streamOf(b));
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
    const t = this.slots;
    if (old !== null) {
      // The new connection takes the old one's slot: its place in the chain, in no list yet.
      const s = old.slot;
      this.unlinkClosed(s);
      this.unlinkActive(s);
      old.slot = -1;
      t.conns[s] = c;
      c.slot = s;
      t.closedAt[s] = 0;
      t.activeSec[s] = -1;
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
    const s = t.alloc(Kind.Object);
    t.conns[s] = c;
    c.slot = s;
    t.hash[s] = h;
    t.add(s);
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
    if (c.oldHeld || (dir === 0 && this.oldGoesOn(c, seg, from, to))) {
      // The SYN's sender went on with the old connection: its TCP did not send
      // the SYN (in SYN-SENT it sends no ACK, RFC 9293 3.10.7.3), the old
      // connection was never replaced, and everything after is its own.
      if (!c.oldHeld) {
        c.oldHeld = true;
        old.endReason = 'capture-end';
        c.ep0.synNotItsOwn();
      }
      c.passOn(seg, dir, NoteKind.OldConnectionSegment, c.firstFrame);
      old.takeLater(seg);
      return true;
    }
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

  /**
   * A segment from the new SYN's sender, before any answer of its own to
   * that SYN, with an ACK and neither SYN nor RST, that fits the old
   * connection: seq between what the old receiver acknowledged and what the
   * sender had sent, ack between what the sender acknowledged before and
   * what the receiver had sent.
   */
  private oldGoesOn(c: Connection, seg: Segment, from: Endpoint, to: Endpoint): boolean {
    if ((seg.flags & (SYN | RST | ACK)) !== ACK || c.ep1.packets !== 0) return false;
    if (!isSynchronized(from.state) || !from.nxtKnown || !to.nxtKnown) return false;
    if (!seqLe(seg.seq, from.sndNxt) || (to.ackSentKnown && !seqGe(seg.seq, to.lastAckSent))) return false;
    return seqLe(seg.ack, to.sndNxt) && (!from.ackSentKnown || seqGe(seg.ack, from.lastAckSent));
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
    const t = this.slots;
    // A stand-in (holdBack) holds a place only: it is nothing to let go of.
    let victim = t.first[List.Over];
    while (victim !== NIL && t.kind[victim] === Kind.StandIn) victim = t.next[victim];
    if (victim !== NIL) this.unlinkClosed(victim);
    else if (t.first[List.Idle] !== NIL) {
      victim = t.first[List.Idle];
      this.unlinkIdle(victim);
      this.evictedOpen++;
    } else {
      victim = t.first[List.Half] !== NIL ? t.first[List.Half] : t.first[List.Active];
      if (victim === NIL) return;
      this.unlinkActive(victim);
      this.evictedOpen++;
    }
    if (this.evicted === 0) {
      this.firstEvictionFrame = seg.frame;
      this.firstEvictionOffset = seg.fileOffset;
    }
    t.remove(victim);
    this.open--;
    this.evicted++;
    this.emitHeld(victim, 'capture-end', true);
  }

  /** Slot `s`'s connection (an object) is active this second: to the end of its active list (that of half-open ones if it is one now). */
  private touchActive(s: number): void {
    const t = this.slots;
    const c = t.conns[s] as Connection;
    t.activeSec[s] = c.lastSec;
    this.unlinkActive(s);
    t.append(s, c.halfOpen() ? List.Half : List.Active);
    this.activeCount++;
  }

  private unlinkActive(s: number): void {
    const l = this.slots.list[s];
    if (l !== List.Active && l !== List.Half) return;
    this.slots.unlink(s);
    this.activeCount--;
  }

  /** Slot `s`'s connection (an object) is over, or still over, at `frame`: to the end of the list of over connections. */
  private touchClosed(s: number, frame: number): void {
    const t = this.slots;
    (t.conns[s] as Connection).closedAt = frame;
    t.closedAt[s] = frame;
    this.unlinkActive(s);
    this.unlinkClosed(s);
    t.append(s, List.Over);
    if (this.packCursor === NIL) this.packCursor = s;
  }

  private unlinkClosed(s: number): void {
    const t = this.slots;
    if (t.list[s] !== List.Over) return;
    if (this.packCursor === s) this.packCursor = t.next[s];
    t.unlink(s);
  }

  private unlinkIdle(s: number): void {
    if (this.slots.list[s] !== List.Idle) return;
    this.slots.unlink(s);
    this.idleCount--;
  }

  /**
   * Too many connections held as objects: pack over connections, least
   * recently active first, up to (not including) slot `current`.
   */
  private packSome(current: number): void {
    const t = this.slots;
    while (this.open - this.frozenCount > this.unpackedLimit) {
      const s = this.packCursor;
      if (s === NIL || s === current) return;
      this.packCursor = t.next[s];
      if (t.kind[s] !== Kind.Object || !(t.conns[s] as Connection).isOver()) continue;
      this.freeze(s);
    }
  }

  /**
   * Too many connections held as objects: pack open ones idle for
   * idleSeconds, least recently active first, never slot `current`. Once
   * open ones number halfOpenEager, half-open ones are packed
   * whatever their idle time (a SYN flood fills it faster than any
   * connection turns idle), but never the others: connections that keep
   * sending would be packed and unpacked in turn. One that cannot be packed
   * (a pending replacement, a value too large) goes to the end of its active
   * list instead; a few at most per segment.
   */
  private packIdle(current: number): void {
    const t = this.slots;
    for (let tries = 0; tries < 8 && this.open - this.frozenCount > this.idleUnpackedLimit; tries++) {
      let s = t.first[List.Half];
      if (s === current || (s !== NIL && !this.idle(s) && this.activeCount + this.idleCount < this.halfOpenEager)) s = NIL;
      if (s === NIL) {
        s = t.first[List.Active];
        if (s === current || (s !== NIL && !this.idle(s))) s = NIL;
      }
      if (s === NIL) return;
      this.unlinkActive(s);
      if (!this.freeze(s)) {
        this.touchActive(s);
        continue;
      }
      t.append(s, List.Idle);
      this.idleCount++;
    }
  }

  /** No segment for slot `s`'s connection (an object) in the last idleSeconds. */
  private idle(s: number): boolean {
    const c = this.slots.conns[s] as Connection;
    return secondsBetween(c.lastSec, c.lastNsec, this.nowSec, this.nowNsec) >= this.idleSeconds;
  }

  /** Pack slot `s`'s connection in its place (false if it cannot be packed). */
  private freeze(s: number): boolean {
    const t = this.slots;
    const c = t.conns[s] as Connection;
    const w = this.arena.begin();
    c.pack(w);
    if (!w.ok) return false;
    this.arena.commit(t, s);
    t.kind[s] = Kind.Packed;
    t.conns[s] = null;
    t.stream[s] = c.stream;
    t.lastSec[s] = c.lastSec;
    t.lastNsec[s] = c.lastNsec;
    c.slot = -1;
    this.frozenCount++;
    // Nothing else holds it (pack refuses one with an observer or a pending replacement).
    if (this.spare.length < SPARE_MAX) this.spare.push(c);
    return true;
  }

  /** An object to renew for a new or unpacked connection (null: none spare). */
  private takeSpare(): Connection | null {
    const c = this.spare.pop();
    if (c === undefined) return null;
    this.renewed++;
    return c;
  }

  /** The packed connection of slot `s`, an object again in its place (a segment came for it). */
  private unfreeze(s: number): Connection {
    this.unpacked++;
    this.unlinkIdle(s);
    return this.unpack(s);
  }

  /** Unpack slot `s`'s connection: the slot holds it as an object, as new in the active lists (it may still be in the list of over connections). */
  private unpack(s: number): Connection {
    const t = this.slots;
    const arena = this.arena;
    const c = Connection.unpack(arena.reader.at(arena.words(t, s), t.off[s]), t.stream[s], t.hash[s], this.takeSpare());
    c.closedAt = t.closedAt[s];
    arena.free(t, s);
    this.frozenCount--;
    t.kind[s] = Kind.Object;
    t.conns[s] = c;
    t.activeSec[s] = -1;
    c.slot = s;
    return c;
  }

  /** Move the packed connections' records together (Arena.compact): every packed one is in the list of over connections or the idle list. */
  private compact(): void {
    const t = this.slots;
    const live: number[] = [];
    for (const l of [List.Over, List.Idle]) for (let s = t.first[l]; s !== NIL; s = t.next[s]) if (t.kind[s] === Kind.Packed) live.push(s);
    this.arena.compact(t, live);
  }

  /** Stream of slot `s`'s connection. */
  private streamOf(s: number): number {
    const c = this.slots.conns[s];
    return c !== null ? c.stream : this.slots.stream[s];
  }

  /** Time of the last segment of slot `s`'s connection (a stand-in's: never). */
  private lastSecOf(s: number): number {
    const c = this.slots.conns[s];
    return c !== null ? c.lastSec : this.slots.lastSec[s];
  }

  private lastNsecOf(s: number): number {
    const c = this.slots.conns[s];
    return c !== null ? c.lastNsec : this.slots.lastNsec[s];
  }

  private sweep(): void {
    const t = this.slots;
    const linger = this.opts.lingerSeconds;
    let s = t.first[List.Over];
    while (s !== NIL && secondsBetween(this.lastSecOf(s), this.lastNsecOf(s), this.nowSec, this.nowNsec) > linger) {
      const next = t.next[s];
      this.unlinkClosed(s);
      t.remove(s);
      this.open--;
      this.emitHeld(s, 'expired', false);
      s = next;
    }
  }

  /**
   * Emit the connection of slot `s` (out of the table and lists) and free
   * the slot: a packed one goes to `onDonePacked` as it is when the tracker
   * has one, or else is unpacked first.
   */
  private emitHeld(s: number, reason: 'capture-end' | 'expired', evicted: boolean): void {
    const t = this.slots;
    if (t.kind[s] === Kind.Packed) {
      const sink = this.onDonePacked;
      if (sink !== null) {
        sink({
          words: this.arena.words(t, s), off: t.off[s], len: t.len[s], stream: t.stream[s],
          reason, endSec: this.nowSec, endNsec: this.nowNsec, evicted, closedAt: t.closedAt[s],
        });
        this.arena.free(t, s);
        this.frozenCount--;
        t.free(s);
        return;
      }
      this.unpack(s);
    }
    const c = t.conns[s] as Connection;
    c.slot = -1;
    t.free(s);
    if (evicted) c.evicted = true;
    this.emit(c, reason);
    // A connection from the table is no other one's `replaced`: once emitted, nothing here holds it.
    if (this.opts.reuseDone === true && this.observer === null && this.spare.length < SPARE_MAX) this.spare.push(c);
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

