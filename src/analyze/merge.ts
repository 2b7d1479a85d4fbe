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

/** Reports of a share in the one-thread order of their keys, with what a renderer made of each. */
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

interface ShareState {
  /** Tentative emissions not answered yet, in order. */
  tentatives: Tentative[];
  /** Creation frames not yet numbered. */
  unnumbered: number[];
  unnumberedAt: number;
  /** Every frame up to this one has been read (its creations are known). */
  readFrame: number;
  /** Every report with a key before this one has been received. */
  pf: number;
  pp: number;
  ps: number;
  batches: MergeBatch[];
  /** Next report of batches[0]. */
  at: number;
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

  constructor(shares: number, private readonly maxConnections: number) {
    for (let i = 0; i < shares; i++) {
      this.shares.push({ tentatives: [], unnumbered: [], unnumberedAt: 0, readFrame: 0, pf: 0, pp: 0, ps: 0, batches: [], at: 0, waitingAtEnd: 0 });
    }
  }

  private stale: Stale[] = [];

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
          this.endStale(k, x.local, r[0], r[1], r[2]);
          progress = true;
        }
        if (i > 0) q.splice(0, i);
      }
    }
    // Stale connections no longer able to hold anything back.
    let low = minRead;
    for (const s of this.shares) if (s.tentatives.length > 0 && s.tentatives[0].frame < low) low = s.tentatives[0].frame;
    if (this.stale.some((st) => st.end < low)) this.stale = this.stale.filter((st) => !(st.end < low));
    return out;
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
    if (batch.count > 0) this.shares[k].batches.push(batch);
  }

  /** Share `k` has sent every report with a key before (frame, phase, sub). */
  progress(k: number, frame: number, phase: number, sub: number, waitingAtEnd = 0): void {
    const s = this.shares[k];
    s.pf = frame;
    s.pp = phase;
    s.ps = sub;
    s.waitingAtEnd = waitingAtEnd;
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
    for (;;) {
      let best = -1;
      let bf = 0;
      let bp = 0;
      let bs = 0;
      for (let k = 0; k < shares.length; k++) {
        const s = shares[k];
        if (s.batches.length === 0) continue;
        const b = s.batches[0];
        const j = s.at * 3;
        const f = b.keys[j];
        const p = b.keys[j + 1];
        const sub = b.keys[j + 2];
        if (best < 0 || compareKeys(f, p, sub, bf, bp, bs) < 0) {
          best = k;
          bf = f;
          bp = p;
          bs = sub;
        }
      }
      if (best < 0) return;
      // Shares with nothing queued must have gone past it.
      for (let k = 0; k < shares.length; k++) {
        const s = shares[k];
        if (s.batches.length === 0 && compareKeys(s.pf, s.pp, s.ps, bf, bp, bs) <= 0) return;
      }
      if (bf === END) {
        // Waiting replaced connections of two shares: their order is the order of the replacing SYNs, not known here.
        for (const s of shares) if (compareKeys(s.pf, s.pp, s.ps, END, 1, -Infinity) < 0) return;
        if (shares.filter((s) => s.waitingAtEnd > 0).length > 1) this.stopAt(END, 'replaced connections waiting at the end in two threads');
      }
      this.pass(bf);
      if (this.stopped && bf >= this.stopFrame) return;
      const s = shares[best];
      const b = s.batches[0];
      emit(b, s.at);
      this.emitted++;
      this.held--;
      if (++s.at === b.count) {
        s.batches.shift();
        s.at = 0;
        batchDone(best);
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
    for (const s of this.shares) {
      if (s.pf !== Infinity || s.pp !== Infinity) allDone = false;
      if (this.stopped) {
        if (s.pf < this.stopFrame) return false;
        if (s.batches.length > 0 && s.batches[0].keys[s.at * 3] < this.stopFrame) return false;
      } else if (s.batches.length > 0) return false;
    }
    if (this.stopped) return true;
    if (!allDone) return false;
    // The last connections created may have found the table full.
    this.pass(Infinity);
    return !this.stopped || this.settled;
  }
}
