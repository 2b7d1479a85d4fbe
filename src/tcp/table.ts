/**
 * The tracker's 4-tuple table: buckets indexed by the low bits of the
 * connections' direction-independent hash (tracker.ts hashTuple), each the
 * head of a chain, through `next`, of the connections whose hash falls in
 * it (the tracker tells them apart with sideOf).
 *
 * A Map keyed by the hash did the same, but a table that keeps turning over
 * churns a Map: each delete leaves a hole, and every so many inserts V8
 * builds its backing store anew (a few MB at 100 000 entries), garbage for
 * the old generation. On a SYN flood of a million connections through a
 * table of 100 000 that was 22 MB of the 194 MB of old-generation garbage
 * sampled. The buckets here only grow (to the most connections held at
 * once), and nothing is allocated per connection.
 */

/** What a table holds: its hash, and the link to the next one in its bucket. */
export interface Chained<T> {
  readonly hash: number;
  next: T | null;
}

const FIRST_BUCKETS = 1024;

export class ChainTable<T extends Chained<T>> {
  private heads: (T | null)[];
  private mask: number;
  /** Connections in the table. */
  size = 0;

  constructor() {
    this.heads = buckets<T>(FIRST_BUCKETS);
    this.mask = FIRST_BUCKETS - 1;
  }

  /** The first connection of the bucket of hash `h` (null: none). */
  head(h: number): T | null {
    return this.heads[h & this.mask];
  }

  /** Put `c` first in its bucket. */
  add(c: T): void {
    const i = c.hash & this.mask;
    c.next = this.heads[i];
    this.heads[i] = c;
    if (++this.size > this.heads.length) this.grow();
  }

  /** Take `c` out of its bucket (it is in the table). */
  remove(c: T): void {
    const i = c.hash & this.mask;
    const head = this.heads[i];
    if (head === c) this.heads[i] = c.next;
    else for (let p = head; p !== null; p = p.next) if (p.next === c) { p.next = c.next; break; }
    c.next = null;
    this.size--;
  }

  /** Put `to` where `from` is in its bucket (the same hash), `from` out of it. */
  replace(from: T, to: T): void {
    to.next = from.next;
    const i = from.hash & this.mask;
    const head = this.heads[i];
    if (head === from) this.heads[i] = to;
    else for (let p = head; p !== null; p = p.next) if (p.next === from) { p.next = to; break; }
    from.next = null;
  }

  /** Every connection in the table, bucket by bucket. */
  *values(): Generator<T> {
    const heads = this.heads;
    for (let i = 0; i < heads.length; i++) for (let c = heads[i]; c !== null; c = c.next) yield c;
  }

  /** Empty the table (the buckets keep their number). */
  clear(): void {
    this.heads.fill(null);
    this.size = 0;
  }

  /**
   * Twice the buckets; each chain keeps its order. Bucket i's chain splits
   * between buckets i and i + the old count (the hash's next bit).
   */
  private grow(): void {
    const old = this.heads;
    const half = old.length;
    const heads = buckets<T>(half * 2);
    for (let i = 0; i < half; i++) {
      let lo: T | null = null;
      let loTail: T | null = null;
      let hi: T | null = null;
      let hiTail: T | null = null;
      for (let c = old[i]; c !== null;) {
        const next: T | null = c.next;
        c.next = null;
        if ((c.hash & half) === 0) {
          if (loTail === null) lo = c;
          else loTail.next = c;
          loTail = c;
        } else {
          if (hiTail === null) hi = c;
          else hiTail.next = c;
          hiTail = c;
        }
        c = next;
      }
      heads[i] = lo;
      heads[i + half] = hi;
    }
    this.heads = heads;
    this.mask = half * 2 - 1;
  }
}

/** `n` empty buckets in one allocation (pushing them one by one left 3 times as much garbage). */
function buckets<T>(n: number): (T | null)[] {
  return new Array<T | null>(n).fill(null);
}
