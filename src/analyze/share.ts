/**
 * One share of a capture's connections, for reading one capture on several
 * cores (`analyze --threads`): each of N threads reads and decodes every
 * frame, but tracks only the connections whose 4-tuple hash falls in its
 * share (both directions of a 4-tuple hash the same, and a 4-tuple reused
 * over time stays in one share, so replacement and reuse work as in one
 * thread). merge.ts puts the shares' reports back in the order, with the
 * stream numbers and with the end times of a one-thread run.
 *
 * What a one-thread run shares between connections, and how a share keeps it:
 * - the clock: every share sees every frame (observeTime), and at a segment
 *   of another share it lets go of its own lingering connections as the
 *   one-thread run would at that segment (Tracker.advance);
 * - stream numbers: a share numbers its connections 0, 1, ... and reports
 *   the frame that created each; the merge numbers them all in frame order
 *   and sends each share its numbers back (`numbered`);
 * - the order reports come out in: each gets a key saying where it came in
 *   the one-thread run: the frame whose segment let go of it, then `phase`
 *   0 for a connection replaced at that segment, 1 for one expired there
 *   (`sub`: its place in the tracker's list of over connections, the frame
 *   of the last segment that found it over); at the end of the capture
 *   (frame END) phase 0 for connections still waiting for the answer to the
 *   SYN that replaced them, 1 for the others (`sub`: the stream number);
 * - the list of over connections: the one-thread tracker lets them expire
 *   in the order of that list, and stops at the first one whose linger time
 *   is not over. That one is normally the most recent, except a connection
 *   that a segment took out of over (a transition undone: "stale", it keeps
 *   its old place with new times): it holds back every connection behind
 *   it, in every share, until it is over again, replaced or expired. So a
 *   share does not build the report of a connection it lets expire at once:
 *   it says when (`tentative`), the merge looks at the stale connections of
 *   every share (`staleStarts`, `staleEnds`) and answers with the frame (and
 *   time) at which the one-thread run let it go (`resolved`).
 *
 * Where a share cannot know what the one-thread run did it says so with
 * `hazard`, the first frame from which its reports may differ, and the
 * merge falls back to one thread from there: timestamps going back (the
 * list is then no longer in the order of the connections' last times), a
 * segment on the 4-tuple of a connection the one-thread run still held.
 * The table limit (--max-connections) is the merge's to watch: it is global.
 */
import type { Frame } from '../capture/frame.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { buildReport } from '../report/build.ts';
import type { ConnectionReport, Settings } from '../report/types.ts';
import { Connection } from '../tcp/connection.ts';
import { hashTuple, type PackedDone, Tracker } from '../tcp/tracker.ts';
import { WordReader } from '../tcp/words.ts';

/** The frame of emissions at the end of the capture. */
export const END = Infinity;

/** A report on its way out, with its key: where it came in the one-thread run (frame, then phase, then sub). */
export interface Emission {
  frame: number;
  phase: number;
  sub: number;
  /** The report, built once the connection has its stream numbers (and, if tentative, its end). */
  report: ConnectionReport | null;
  /** The connection until then. */
  conn: Connection | null;
  /** Let go of as expired: waiting for the merge to say when the one-thread run let go of it. */
  tentative: boolean;
  hash: number;
  /** First frame a connection was created on its 4-tuple (hash) while it was tentative. */
  conflictAt: number;
  /** It has its final report and stream numbers. */
  final: boolean;
  /** The share's number of the connection, and of the one it replaced (-1: none). */
  local: number;
  localPrevious: number;
  /** Let go of because a new connection took its 4-tuple (its successor refers to it). */
  replaced: boolean;
}

/** Negative, zero or positive as key a comes before, is, or comes after key b. */
export function compareKeys(af: number, ap: number, as: number, bf: number, bp: number, bs: number): number {
  if (af !== bf) return af < bf ? -1 : 1;
  if (ap !== bp) return ap - bp;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** Which share of `shares` a segment's connection belongs to. */
export function shareOf(seg: Segment, shares: number): number {
  return (hashTuple(seg) >>> 0) % shares;
}

export class Share {
  readonly decoder = new Decoder();
  private readonly seg = new Segment();
  readonly tracker: Tracker;
  /** Frames of connections created since takeCreations. */
  private creations: number[] = [];
  /** Connections created in all, and numbered by the merge so far. */
  private created = 0;
  private numberedCount = 0;
  /** Global stream numbers of the share's connections (by local number) still needed. */
  private readonly globalOf = new Map<number, number>();
  /** Replaced connections handed on whose successor was not yet, and successors handed on before the connection they replaced. */
  private readonly replacedDone = new Set<number>();
  private readonly successorDone = new Set<number>();
  /** Emissions not handed on yet, in the order they were made. */
  private items: Emission[] = [];
  /** Tentative emissions by local number. */
  private readonly held = new Map<number, Emission>();
  /** Hashes of the tentative emissions' 4-tuples (how many of each). */
  private readonly heldHashes = new Map<number, number>();
  /** Frame of the last segment that found each over connection over (its place in the over list), by local number. */
  private readonly touched = new Map<number, number>();
  /** Stale connections (local numbers). */
  private readonly stale = new Set<number>();
  /** For the merge, since the last take: [local, frame, place] of connections turned stale; [local, frame, sec, nsec] of stale ones no longer; [local, frame, place, sec, nsec] of tentative ones. */
  private staleStarts: number[] = [];
  private staleEnds: number[] = [];
  private tentatives: number[] = [];
  /** The capture's clock (the tracker's: the latest frame time seen). */
  private nowSec = 0;
  private nowNsec = 0;
  private nowSet = false;
  /** Number of the last frame handled. */
  lastFrame = 0;
  /** First frame from which this share's reports may differ from a one-thread run (Infinity: none). */
  hazard = Infinity;
  /** Frames after this one are not handled (the merge stops the read there). */
  stopAfter = Infinity;
  /** Connections still waiting for an answer to the SYN that replaced them, let go of at the end. */
  waitingAtEnd = 0;
  private at = 0;
  private seqAt = 0;
  private finishing = false;
  /** At the end: no emission to come has a key below this one (the tracker lets go of connections in stream order). */
  private endLow: [number, number, number] = [END, 0, -1];
  /** Global number of the last connection let go of at the end (not waiting for its replacement). */
  private endLast = -1;
  private endSeq = 0;
  private maxSec = -1;
  private maxNsec = 0;
  /** Called with each emission once its report is final (not in key order: see drain). */
  onReady: (e: Emission) => void = () => {};
  readonly onFrame: (f: Frame) => void;

  constructor(private readonly settings: Settings, readonly share: number, readonly shares: number, maxConnections: number) {
    // reuseDone off: a connection let go of as expired is kept until the merge answers.
    this.tracker = new Tracker({ lingerSeconds: settings.timeWaitSeconds, maxConnections, reuseDone: false }, (c) => this.done(c));
    const decoder = this.decoder;
    const seg = this.seg;
    const tracker = this.tracker;
    this.onFrame = (f: Frame): void => {
      if (f.number > this.stopAfter) return;
      this.lastFrame = f.number;
      if (!this.nowSet || f.tsSec > this.nowSec || (f.tsSec === this.nowSec && f.tsNsec > this.nowNsec)) {
        this.nowSec = f.tsSec;
        this.nowNsec = f.tsNsec;
        this.nowSet = true;
      }
      const status = decoder.decode(f, seg);
      if (status !== DecodeStatus.Tcp) {
        // An ICMP error quoting a segment goes to the share of the quoted 4-tuple (it creates a connection when none holds it: Tracker.icmpError).
        if (status !== DecodeStatus.IcmpError) {
          tracker.observeTime(f.tsSec, f.tsNsec);
          return;
        }
        this.at = seg.frame;
        this.seqAt = 0;
        // Another share's: the clock moves as one run's icmpError moves it (connections may expire).
        if ((hashTuple(seg) >>> 0) % shares !== share) {
          tracker.advance(seg.tsSec, seg.tsNsec);
          return;
        }
        const before = tracker.streams;
        const c = tracker.icmpError(seg);
        if (tracker.streams !== before) this.created1(seg.frame, c.hash);
        const local = c.stream;
        if (c.isOver()) {
          this.touched.set(local, seg.frame);
          if (this.stale.delete(local)) this.staleEnds.push(local, seg.frame, this.nowSec, this.nowNsec);
        }
        return;
      }
      if (seg.tsSec < this.maxSec || (seg.tsSec === this.maxSec && seg.tsNsec < this.maxNsec)) this.setHazard(seg.frame);
      else {
        this.maxSec = seg.tsSec;
        this.maxNsec = seg.tsNsec;
      }
      this.at = seg.frame;
      this.seqAt = 0;
      const h = hashTuple(seg);
      if ((h >>> 0) % shares !== share) {
        tracker.advance(seg.tsSec, seg.tsNsec);
        return;
      }
      const before = tracker.streams;
      const c = tracker.push(seg);
      if (tracker.streams !== before) this.created1(seg.frame, h);
      const local = c.stream;
      if (c.isOver()) {
        this.touched.set(local, seg.frame);
        if (this.stale.delete(local)) this.staleEnds.push(local, seg.frame, this.nowSec, this.nowNsec);
      } else if (tracker.inOverList(c) && !this.stale.has(local)) {
        this.stale.add(local);
        this.staleStarts.push(local, seg.frame, this.touched.get(local) ?? 0);
      }
    };
  }

  /** The tracker created a connection at `frame` on the 4-tuple of hash `h`. */
  private created1(frame: number, h: number): void {
    this.creations.push(frame);
    this.created++;
    if (this.heldHashes.has(h)) this.conflict(h, frame);
  }

  private setHazard(frame: number): void {
    if (frame < this.hazard) this.hazard = frame;
  }

  /** A connection was created on the 4-tuple (hash) of tentative ones: if the one-thread run still held one of them, the segment went to it. */
  private conflict(h: number, frame: number): void {
    for (const e of this.held.values()) if (e.hash === h && e.conflictAt > frame) e.conflictAt = frame;
  }

  /** The tracker let go of `c`. */
  private done(c: Connection): void {
    const local = c.stream;
    const place = this.touched.get(local) ?? c.lastFrame;
    this.touched.delete(local);
    const wasStale = this.stale.delete(local);
    if (this.finishing) {
      const replaced = c.endReason === 'replaced';
      const e = this.emission(END, replaced ? 0 : 1, replaced ? this.endSeq++ : -1, c, replaced);
      if (replaced) this.waitingAtEnd++;
      else this.endLast = this.globalOf.get(local) ?? this.endLast;
      // Its numbers are known: the report now, while the object is this connection's.
      if (this.numbersKnown(e) && this.ready(e)) {
        e.final = true;
        this.onReady(e);
      } else this.items.push(e);
      return;
    }
    if (c.endReason === 'expired') {
      // Tentative: the merge says when the one-thread run let go of it.
      const e = this.emission(this.at, 1, place, c, false);
      e.tentative = true;
      e.hash = c.hash;
      this.held.set(local, e);
      this.heldHashes.set(c.hash, (this.heldHashes.get(c.hash) ?? 0) + 1);
      this.tentatives.push(local, this.at, place, c.endSec, c.endNsec);
      this.items.push(e);
      return;
    }
    if (wasStale) this.staleEnds.push(local, this.at, this.nowSec, this.nowNsec);
    this.items.push(this.emission(this.at, 0, this.seqAt++, c, c.endReason === 'replaced'));
  }

  private emission(frame: number, phase: number, sub: number, c: Connection, replaced: boolean): Emission {
    return {
      frame, phase, sub, report: null, conn: c, tentative: false, hash: 0, conflictAt: Infinity, final: false,
      local: c.stream, localPrevious: c.previousStream, replaced,
    };
  }

  /** What the merge needs since the last call: creation frames, stale starts and ends, tentative emissions. */
  take(): { creations: number[]; staleStarts: number[]; staleEnds: number[]; tentatives: number[] } {
    const t = { creations: this.creations, staleStarts: this.staleStarts, staleEnds: this.staleEnds, tentatives: this.tentatives };
    this.creations = [];
    this.staleStarts = [];
    this.staleEnds = [];
    this.tentatives = [];
    return t;
  }

  /** Every connection created so far has its global stream number. */
  get allNumbered(): boolean {
    return this.numberedCount === this.created;
  }

  /** Emissions not handed on yet. */
  get waiting(): number {
    return this.items.length;
  }

  /** Tentative emissions the merge has not answered yet. */
  get tentative(): number {
    return this.held.size;
  }

  /** The global stream numbers of the next connections created (in the order of their creation frames). */
  numbered(globals: ArrayLike<number>): void {
    for (let i = 0; i < globals.length; i++) this.globalOf.set(this.numberedCount++, globals[i]);
    this.drain();
  }

  /**
   * The merge's answer for a tentative emission: the one-thread run let go of
   * it at `frame` (END: at the end of the capture, not as expired), at the
   * time sec.nsec.
   */
  resolved(local: number, frame: number, sec: number, nsec: number): void {
    const e = this.held.get(local);
    if (e === undefined || e.conn === null || !e.tentative) return;
    this.held.delete(local);
    const n = (this.heldHashes.get(e.hash) ?? 1) - 1;
    if (n > 0) this.heldHashes.set(e.hash, n);
    else this.heldHashes.delete(e.hash);
    const c = e.conn;
    e.tentative = false;
    if (e.conflictAt <= frame) this.setHazard(e.conflictAt);
    if (frame === END) {
      c.endReason = 'capture-end';
      e.frame = END;
      e.sub = -1;
    } else {
      e.frame = frame;
      c.endSec = sec;
      c.endNsec = nsec;
    }
    if (frame === END) {
      c.endSec = this.nowSec;
      c.endNsec = this.nowNsec;
    }
  }

  /**
   * The capture ended (or the read stopped): from now on emissions are
   * those of its end. Every connection has its stream numbers by then, so
   * each report is built as the tracker lets go of the connection, and the
   * packed ones are unpacked into one object used again and again (the
   * tracker would unpack each into a new one: it runs with reuseDone off).
   */
  startFinish(): void {
    this.finishing = true;
    this.tracker.onDonePacked = (p) => this.donePacked(p);
  }

  private readonly reader = new WordReader();
  private spareConn: Connection | null = null;

  private donePacked(p: PackedDone): void {
    const c = Connection.unpack(this.reader.at(p.words, p.off), p.stream, 0, this.spareConn);
    this.spareConn = c;
    c.endReason = p.reason;
    c.endSec = p.endSec;
    c.endNsec = p.endNsec;
    c.evicted = p.evicted;
    this.done(c);
  }

  /** At the end: a step of Tracker.finishSome is done (`all`: the last). */
  finishStep(all: boolean): void {
    this.endLow = all ? [Infinity, Infinity, Infinity] : [END, 1, this.endLast + 0.5];
    this.drain();
  }

  /** No emission to come has a key below this one. */
  private futureLow(): [number, number, number] {
    return this.finishing ? this.endLow : [this.lastFrame + 1, -1, 0];
  }

  /**
   * Every emission with a key below this one has been handed on, but the
   * tentative ones (the merge knows them: their keys are its to bound):
   * [frame, phase, sub].
   */
  lowestKey(): [number, number, number] {
    let [f, p, s] = this.futureLow();
    for (const e of this.items) {
      if (e.tentative) continue;
      if (compareKeys(e.frame, e.phase, e.sub, f, p, s) < 0) {
        f = e.frame;
        p = e.phase;
        s = e.sub;
      }
    }
    return [f, p, s];
  }

  /** Give `e`'s connection its stream numbers if they are known, and build its report (false: not yet). */
  private ready(e: Emission): boolean {
    const c = e.conn;
    if (c === null || e.tentative) return false;
    const g = this.globalOf.get(e.local);
    if (g === undefined) return false;
    let gp = -1;
    if (e.localPrevious >= 0) {
      const p = this.globalOf.get(e.localPrevious);
      if (p === undefined) return false;
      gp = p;
    }
    // The tracker has let go of it: its numbers become the one-thread run's.
    c.stream = g;
    if (e.localPrevious >= 0) c.previousStream = gp;
    e.report = buildReport(c, this.settings);
    e.conn = null;
    if (e.frame === END && e.phase === 1) e.sub = g;
    // Numbers no longer needed: a replaced connection's until its successor is handed on too.
    if (!e.replaced) this.globalOf.delete(e.local);
    else if (this.successorDone.delete(e.local)) this.globalOf.delete(e.local);
    else this.replacedDone.add(e.local);
    if (e.localPrevious >= 0) {
      if (this.replacedDone.delete(e.localPrevious)) this.globalOf.delete(e.localPrevious);
      else this.successorDone.add(e.localPrevious);
    }
    return true;
  }

  /**
   * Hand on the emissions that are final (in any order: the merge orders
   * them by key; a tentative one's final key may come before or after
   * emissions made later).
   */
  drain(): void {
    const items = this.items;
    if (items.length === 0) return;
    let n = 0;
    for (const e of items) {
      if (!e.tentative && this.numbersKnown(e) && this.ready(e)) {
        e.final = true;
        this.onReady(e);
      } else items[n++] = e;
    }
    items.length = n;
  }

  private numbersKnown(e: Emission): boolean {
    if (!this.globalOf.has(e.local)) return false;
    return e.localPrevious < 0 || this.globalOf.has(e.localPrevious);
  }
}
