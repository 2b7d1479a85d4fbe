/**
 * The reports of a capture's shares (share.ts) put back together: global
 * stream numbers for each share's connections, and the reports in the order
 * a one-thread run emits them, as soon as every share has gone past them
 * (nothing waits for the end of the capture: memory holds the batches in
 * flight, not the reports).
 *
 * A connection a share let expire is tentative (share.ts): its frame is
 * the one-thread run's once no stale connection of any share, with an
 * earlier place in the list of over connections, held it back there
 * (`resolve`).
 *
 * The table limit (--max-connections) is global: when a new connection would
 * find the table full in a one-thread run, that run starts evicting, which
 * the shares cannot reproduce. Connections held are counted here, from the
 * creations and the emissions in one-thread order (counting a replaced
 * connection until it is let go of, so never fewer than the one-thread run
 * holds): at the first creation that may evict, `stopFrame` is set and
 * nothing from that frame on is emitted. The caller goes on in one thread
 * from there (its first `emitted` reports are those already emitted).
 */
import { compareKeys, END } from './share.ts';

/** Reports of a share (in any order), with their keys and what a renderer made of each. */
export interface MergeBatch {
  /** Key of each report: frame, phase, sub (3 numbers each). */
  keys: Float64Array;
  /** Global stream number of each report. */
  streams: Float64Array;
  /** Bits of each report (the caller's). */
  flags: Uint8Array;
  /** End of each report's bytes in `bytes` (the first starts at 0). */
  ends: Uint32Array;
  bytes: Uint8Array;
  count: number;
}

/** A stale connection (share.ts): from `start` until `end` (NaN: not known yet) it holds back every over connection behind `place`. */
interface Stale {
  share: number;
  local: number;
  start: number;
  place: number;
  end: number;
  sec: number;
  nsec: number;
}

/** A tentative emission: local number, frame, place, time. */
interface Tentative {
  local: number;
  frame: number;
  place: number;
  sec: number;
  nsec: number;
}

/** A report received, waiting for its turn. */
interface Queued {
  f: number;
  p: number;
  s: number;
  batch: MergeBatch;
  i: number;
  share: number;
}

interface ShareState {
  /** Tentative emissions not answered yet, in order. */
  tentatives: Tentative[];
  /** Keys of tentative emissions answered, by the number of the answer (1, 2, ...), until the share has seen the answer. */
  answered: { seq: number; f: number; p: number; s: number }[];
  answers: number;
  answersSeen: number;
  /** Reports of each batch not emitted yet. */
  left: Map<MergeBatch, number>;
  /** Creation frames not yet numbered. */
  unnumbered: number[];
  unnumberedAt: number;
  /** Every frame up to this one has been read (its creations are known). */
  readFrame: number;
  /** Every report with a key before this one has been received. */
  pf: number;
  pp: number;
  ps: number;
  /** Connections waiting for an answer to their replacing SYN at the end (see Share.waitingAtEnd). */
  waitingAtEnd: number;
}

export class Merge {
  private readonly shares: ShareState[] = [];
  private nextStream = 0;
  /** Creation frames numbered but not yet passed by the emitted reports, in frame order. */
  private readonly toPass: number[] = [];
  private toPassAt = 0;
  /** Connections held in the one-thread run (or more: see above). */
  private held = 0;
  /** Set: nothing from stopFrame on is emitted (END: only the end of the capture is left out). */
  stopped = false;
  stopFrame = Infinity;
  /** Why stopFrame was set. */
  stopReason = '';
  /** Reports emitted so far. */
  emitted = 0;
  /** Expired connections let go of later than their share did (held back by a stale one), and stale connections seen. */
  heldBack = 0;
  staleSeen = 0;

  constructor(shares: number, private readonly maxConnections: number) {
    for (let i = 0; i < shares; i++) {
      this.shares.push({
        tentatives: [], answered: [], answers: 0, answersSeen: 0, left: new Map(),
        unnumbered: [], unnumberedAt: 0, readFrame: 0, pf: 0, pp: 0, ps: 0, waitingAtEnd: 0,
      });
    }
  }

  private stale: Stale[] = [];
  /** Reports received, least key first (a binary heap). */
  private readonly heap: Queued[] = [];

  /**
   * Share `k` has read every frame up to `readFrame`: the connections it
   * created there (frames, in order), the ones turned stale ([local, frame,
   * place] each), the stale ones no longer stale ([local, frame, sec, nsec])
   * and its tentative emissions ([local, frame, place, sec, nsec]).
   */
  read(k: number, readFrame: number, creations: ArrayLike<number>, staleStarts: ArrayLike<number> = [], staleEnds: ArrayLike<number> = [], tentatives: ArrayLike<number> = []): void {
    const s = this.shares[k];
    for (let i = 0; i < creations.length; i++) s.unnumbered.push(creations[i]);
    for (let i = 0; i < staleStarts.length; i += 3) {
      this.staleSeen++;
      this.stale.push({ share: k, local: staleStarts[i], start: staleStarts[i + 1], place: staleStarts[i + 2], end: NaN, sec: 0, nsec: 0 });
    }
    for (let i = 0; i < staleEnds.length; i += 4) this.endStale(k, staleEnds[i], staleEnds[i + 1], staleEnds[i + 2], staleEnds[i + 3]);
    for (let i = 0; i < tentatives.length; i += 5) {
      s.tentatives.push({ local: tentatives[i], frame: tentatives[i + 1], place: tentatives[i + 2], sec: tentatives[i + 3], nsec: tentatives[i + 4] });
    }
    s.readFrame = readFrame;
  }

  private endStale(k: number, local: number, frame: number, sec: number, nsec: number): void {
    for (const st of this.stale) {
      if (st.share === k && st.local === local && Number.isNaN(st.end)) {
        st.end = frame;
        st.sec = sec;
        st.nsec = nsec;
      }
    }
  }

  /**
   * Answer the tentative emissions whose frame is known: [local, frame,
   * sec, nsec] for each share (send them back: Share.resolved).
   */
  resolve(): number[][] {
    const out: number[][] = this.shares.map(() => []);
    let minRead = Infinity;
    for (const s of this.shares) if (s.readFrame < minRead) minRead = s.readFrame;
    for (let progress = true; progress;) {
      progress = false;
      for (let k = 0; k < this.shares.length; k++) {
        const q = this.shares[k].tentatives;
        let i = 0;
        for (; i < q.length; i++) {
          const x = q[i];
          const r = this.frameOf(k, x, minRead);
          if (r === null) break;
          out[k].push(x.local, r[0], r[1], r[2]);
          if (r[0] !== x.frame) this.heldBack++;
          this.places.set(`${k}:${x.local}`, x.place);
          this.endStale(k, x.local, r[0], r[1], r[2]);
          progress = true;
        }
        if (i > 0) q.splice(0, i);
      }
    }
    for (let k = 0; k < out.length; k++) {
      const a = out[k];
      if (a.length === 0) continue;
      const s = this.shares[k];
      const seq = ++s.answers;
      for (let j = 0; j < a.length; j += 4) s.answered.push({ seq, f: a[j + 1], p: 1, s: a[j + 1] === END ? -Infinity : this.placeOf(k, a[j]) });
    }
    // Stale connections no longer able to hold anything back.
    let low = minRead;
    for (const s of this.shares) if (s.tentatives.length > 0 && s.tentatives[0].frame < low) low = s.tentatives[0].frame;
    if (this.stale.some((st) => st.end < low)) this.stale = this.stale.filter((st) => !(st.end < low));
    return out;
  }

  /** Places of tentative emissions being answered (set by frameOf's caller). */
  private readonly places = new Map<string, number>();

  private placeOf(k: number, local: number): number {
    const key = `${k}:${local}`;
    const p = this.places.get(key) ?? -Infinity;
    this.places.delete(key);
    return p;
  }

  /**
   * No tentative emission of share k can end with a key below this one:
   * the frame of each is at least its own, the end of each stale connection
   * known to hold it back, and the next frame the share of a stale one
   * still holding it back has not read.
   */
  private tentativeLow(k: number): [number, number, number] {
    let low: [number, number, number] = [Infinity, Infinity, Infinity];
    for (const x of this.shares[k].tentatives) {
      let f = x.frame;
      for (;;) {
        let next = f;
        let open = false;
        for (const st of this.stale) {
          if (st.start > f || st.place >= x.place || st.end <= f || (st.share === k && st.local === x.local)) continue;
          if (Number.isNaN(st.end)) {
            open = true;
            next = Math.max(next, this.shares[st.share].readFrame + 1);
          } else if (st.end > next) next = st.end;
        }
        if (open || next === f) {
          f = next;
          break;
        }
        f = next;
      }
      const key: [number, number, number] = [f, 1, f === END ? -Infinity : x.place];
      if (compareKeys(key[0], key[1], key[2], low[0], low[1], low[2]) < 0) low = key;
    }
    return low;
  }

  /** No report of share k still to come has a key below this one. */
  private low(k: number): [number, number, number] {
    const s = this.shares[k];
    let low: [number, number, number] = [s.pf, s.pp, s.ps];
    const t = this.tentativeLow(k);
    if (compareKeys(t[0], t[1], t[2], low[0], low[1], low[2]) < 0) low = t;
    for (const a of s.answered) {
      if (a.seq > s.answersSeen && compareKeys(a.f, a.p, a.s, low[0], low[1], low[2]) < 0) low = [a.f, a.p, a.s];
    }
    return low;
  }

  /** The frame (and time) at which the one-thread run let go of `x`, or null while not known. */
  private frameOf(k: number, x: Tentative, minRead: number): [number, number, number] | null {
    let f = x.frame;
    let sec = x.sec;
    let nsec = x.nsec;
    for (;;) {
      // Every share's stale connections up to f must be known.
      if (f > minRead) return null;
      let next = -1;
      for (const st of this.stale) {
        if (st.start > f || st.place >= x.place || st.end <= f || (st.share === k && st.local === x.local)) continue;
        if (Number.isNaN(st.end)) {
          // Held back by a connection still stale: until it is not, or to the end if it never is.
          if (minRead !== Infinity || this.shares[st.share].tentatives.some((t) => t.local === st.local)) return null;
          return [END, 0, 0];
        }
        if (st.end > next) {
          next = st.end;
          sec = st.sec;
          nsec = st.nsec;
        }
      }
      if (next < 0) return [f, sec, nsec];
      f = next;
    }
  }

  /**
   * Number the creations every share has read past, in frame order: the
   * global stream numbers of each share's newly numbered connections, in
   * their order (send them back to it: Share.numbered).
   */
  number(): number[][] {
    const out: number[][] = this.shares.map(() => []);
    let upTo = Infinity;
    for (const s of this.shares) if (s.readFrame < upTo) upTo = s.readFrame;
    for (;;) {
      let best = -1;
      let frame = Infinity;
      for (let k = 0; k < this.shares.length; k++) {
        const s = this.shares[k];
        if (s.unnumberedAt < s.unnumbered.length && s.unnumbered[s.unnumberedAt] < frame) {
          frame = s.unnumbered[s.unnumberedAt];
          best = k;
        }
      }
      if (best < 0 || frame > upTo) break;
      const s = this.shares[best];
      s.unnumberedAt++;
      out[best].push(this.nextStream++);
      this.toPass.push(frame);
    }
    for (const s of this.shares) {
      if (s.unnumberedAt > 4096 && s.unnumberedAt * 2 > s.unnumbered.length) {
        s.unnumbered.splice(0, s.unnumberedAt);
        s.unnumberedAt = 0;
      }
    }
    return out;
  }

  /** Share `k`'s next reports. */
  add(k: number, batch: MergeBatch): void {
    if (batch.count === 0) return;
    this.shares[k].left.set(batch, batch.count);
    for (let i = 0; i < batch.count; i++) {
      this.push({ f: batch.keys[i * 3], p: batch.keys[i * 3 + 1], s: batch.keys[i * 3 + 2], batch, i, share: k });
    }
  }

  /**
   * Share `k` has sent every report with a key before (frame, phase, sub),
   * but its tentative ones (`read`), and has seen this many answers (`resolve`).
   */
  progress(k: number, frame: number, phase: number, sub: number, waitingAtEnd = 0, answersSeen = 0): void {
    const s = this.shares[k];
    s.pf = frame;
    s.pp = phase;
    s.ps = sub;
    s.waitingAtEnd = waitingAtEnd;
    s.answersSeen = answersSeen;
    if (s.answered.length > 0 && s.answered[0].seq <= answersSeen) s.answered = s.answered.filter((a) => a.seq > answersSeen);
  }

  private push(q: Queued): void {
    const h = this.heap;
    let i = h.length;
    h.push(q);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (before(h[up], q)) break;
      h[i] = h[up];
      i = up;
    }
    h[i] = q;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Queued;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r], h[l]) ? r : l;
      if (before(last, h[c])) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }

  /** Stop at `frame` (a share found it cannot follow the one-thread run from there). */
  stopAt(frame: number, reason: string): void {
    if (!this.stopped || frame < this.stopFrame) {
      this.stopped = true;
      this.stopFrame = frame;
      this.stopReason = reason;
    }
  }

  /**
   * Emit every report whose turn has come, in one-thread order: `emit`
   * gets its batch and index; `batchDone` is called for a share's batch
   * once all its reports are emitted.
   */
  drain(emit: (b: MergeBatch, i: number) => void, batchDone: (k: number) => void): void {
    const shares = this.shares;
    const lows = shares.map((_, k) => this.low(k));
    const heap = this.heap;
    while (heap.length > 0) {
      const q = heap[0];
      // Every share must have gone past it.
      for (const l of lows) if (compareKeys(l[0], l[1], l[2], q.f, q.p, q.s) <= 0) return;
      if (q.f === END) {
        // Waiting replaced connections of two shares: their order is the order of the replacing SYNs, not known here.
        for (const l of lows) if (compareKeys(l[0], l[1], l[2], END, 1, -Infinity) < 0) return;
        if (shares.filter((s) => s.waitingAtEnd > 0).length > 1) this.stopAt(END, 'replaced connections waiting at the end in two threads');
      }
      this.pass(q.f);
      if (this.stopped && q.f >= this.stopFrame) return;
      this.pop();
      emit(q.batch, q.i);
      this.emitted++;
      this.held--;
      const s = shares[q.share];
      const left = (s.left.get(q.batch) ?? 1) - 1;
      if (left > 0) s.left.set(q.batch, left);
      else {
        s.left.delete(q.batch);
        batchDone(q.share);
      }
    }
  }

  /** The creations up to `frame` happen (before the reports of that frame): the first that may evict stops the merge. */
  private pass(frame: number): void {
    const t = this.toPass;
    while (this.toPassAt < t.length && t[this.toPassAt] <= frame) {
      const f = t[this.toPassAt++];
      if (this.held >= this.maxConnections && !this.stopped) {
        this.stopAt(f, `the connection table may be full (--max-connections ${this.maxConnections})`);
        return;
      }
      this.held++;
    }
    if (this.toPassAt > 4096 && this.toPassAt * 2 > t.length) {
      t.splice(0, this.toPassAt);
      this.toPassAt = 0;
    }
  }

  /**
   * Everything that will be emitted has been: every share sent all its
   * reports before the stop, or (no stop) all its reports and emitted them.
   */
  get settled(): boolean {
    let allDone = true;
    for (let k = 0; k < this.shares.length; k++) {
      const l = this.low(k);
      if (l[0] !== Infinity || l[1] !== Infinity) allDone = false;
      if (this.stopped && l[0] < this.stopFrame) return false;
    }
    const top = this.heap.length > 0 ? this.heap[0] : null;
    if (this.stopped) return top === null || top.f >= this.stopFrame;
    if (!allDone || top !== null) return false;
    // The last connections created may have found the table full.
    this.pass(Infinity);
    return !this.stopped || this.settled;
  }
}

function before(a: Queued, b: Queued): boolean {
  return compareKeys(a.f, a.p, a.s, b.f, b.p, b.s) < 0;
}
