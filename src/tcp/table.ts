/**
 * The tracker's table of the connections it holds: one slot each, its
 * bookkeeping in typed arrays indexed by the slot (struct of arrays), with a
 * free list of slots and a chained hash table of them.
 *
 * A slot holds a connection as an object (Kind.Object: `conns[slot]`), or
 * packed (Kind.Packed: its record in the tracker's arena, frozen.ts, at
 * `block`, `off`, `len`), or nothing but a place in the list of over
 * connections (Kind.StandIn, Tracker.holdBack). Packing and unpacking a
 * connection changes its kind, never its slot: its place in its 4-tuple
 * chain and in the tracker's lists stays where it was.
 *
 * The hash table finds a 4-tuple's slot from the connection's
 * direction-independent 32-bit hash (tracker.ts hashTuple): buckets indexed
 * by its low bits, each the first slot of a chain through `chain`; the
 * hashes are compared in `hash` before any connection is read. The buckets
 * and the slots only grow (to the most connections held at once): nothing
 * is allocated per connection, and a table that keeps turning over (a SYN
 * flood through a full table) leaves no garbage.
 *
 * Every slot is in at most one of the tracker's lists (`list`), linked
 * through `prev` and `next`: the over connections, the open ones packed
 * while idle, the open ones (half-open or not) as objects.
 */

/** No slot. */
export const NIL = -1;

/** How a slot holds its connection. */
export const Kind = {
  Free: 0,
  Object: 1,
  Packed: 2,
  /** A place in the list of over connections only (Tracker.holdBack): in no chain. */
  StandIn: 3,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** The tracker's list a slot is in. */
export const List = {
  None: 0,
  /** Over connections (both ends CLOSED or in TIME_WAIT), least recently active first. */
  Over: 1,
  /** Open connections packed because they were idle, least recently active first. */
  Idle: 2,
  /** Open connections as objects, least recently active first (to the second). */
  Active: 3,
  /** As Active, for half-open connections (Connection.halfOpen when last moved). */
  Half: 4,
} as const;
export type List = (typeof List)[keyof typeof List];
const LISTS = 5;

const FIRST_SLOTS = 1024;
const FIRST_BUCKETS = 1024;

export class SlotTable<T> {
  /** Slots made so far; every array below has room for `capacity`. */
  private capacity = 0;
  kind = new Uint8Array(0);
  list = new Uint8Array(0);
  /** The connection's 4-tuple hash. */
  hash = new Int32Array(0);
  /** Next slot in the same bucket, or in the free list. */
  private chain = new Int32Array(0);
  /** Links of the list the slot is in. */
  prev = new Int32Array(0);
  next = new Int32Array(0);
  /** Frame of the segment that last put it at the end of the list of over connections (its place there: Connection.closedAt). */
  closedAt = new Float64Array(0);
  /** Capture second of its last move in an active list (moves are coarse: at most one a second); -1 none yet. */
  activeSec = new Float64Array(0);
  /** Of a packed connection or a stand-in (an object has its own): stream, time of its last segment. */
  stream = new Int32Array(0);
  lastSec = new Float64Array(0);
  lastNsec = new Int32Array(0);
  /** A packed connection's record: the arena's block, and its place in it. */
  block = new Int32Array(0);
  off = new Int32Array(0);
  len = new Int32Array(0);
  /** The connection of a slot of Kind.Object. */
  conns: (T | null)[] = [];

  private freeHead = NIL;
  private heads = new Int32Array(FIRST_BUCKETS).fill(NIL);
  private mask = FIRST_BUCKETS - 1;
  /** Slots in the hash table. */
  size = 0;
  /** Slots in use (in the table, or stand-ins). */
  used = 0;

  /** First and last slot of each list (by List). */
  readonly first = new Int32Array(LISTS).fill(NIL);
  readonly last = new Int32Array(LISTS).fill(NIL);

  constructor() {
    this.grow(FIRST_SLOTS);
  }

  /** A free slot, of `kind`, in no list, no chain, with no record. */
  alloc(kind: Kind): number {
    if (this.freeHead === NIL) this.grow(this.capacity * 2);
    const s = this.freeHead;
    this.freeHead = this.chain[s];
    this.chain[s] = NIL;
    this.kind[s] = kind;
    this.list[s] = List.None;
    this.prev[s] = this.next[s] = NIL;
    this.closedAt[s] = 0;
    this.activeSec[s] = -1;
    this.stream[s] = 0;
    this.lastSec[s] = 0;
    this.lastNsec[s] = 0;
    this.block[s] = this.off[s] = this.len[s] = 0;
    this.used++;
    return s;
  }

  /** Give back slot `s` (out of its chain and its list). */
  free(s: number): void {
    this.kind[s] = Kind.Free;
    this.conns[s] = null;
    this.chain[s] = this.freeHead;
    this.freeHead = s;
    this.used--;
  }

  // ------------------------------ the hash table ------------------------------

  /** The first slot of the bucket of hash `h` (NIL: none). */
  head(h: number): number {
    return this.heads[h & this.mask];
  }

  /** The slot after `s` in its bucket (NIL: none). */
  chained(s: number): number {
    return this.chain[s];
  }

  /** Put slot `s`, whose `hash` is set, first in its bucket. */
  add(s: number): void {
    const i = this.hash[s] & this.mask;
    this.chain[s] = this.heads[i];
    this.heads[i] = s;
    if (++this.size > this.heads.length) this.growBuckets();
  }

  /** Take slot `s` out of its bucket (it is in the table). */
  remove(s: number): void {
    const i = this.hash[s] & this.mask;
    const chain = this.chain;
    if (this.heads[i] === s) this.heads[i] = chain[s];
    else for (let p = this.heads[i]; p !== NIL; p = chain[p]) if (chain[p] === s) { chain[p] = chain[s]; break; }
    chain[s] = NIL;
    this.size--;
  }

  /** Every slot in the table, bucket by bucket. */
  inTable(): number[] {
    const out: number[] = [];
    const heads = this.heads;
    for (let i = 0; i < heads.length; i++) for (let s = heads[i]; s !== NIL; s = this.chain[s]) out.push(s);
    return out;
  }

  /**
   * Empty the table and every list. The slots stay in use, their fields as
   * they were, until freed (the tracker emits or hands over what they hold).
   */
  detachAll(): void {
    this.heads.fill(NIL);
    this.size = 0;
    for (let l = 1; l < LISTS; l++) {
      for (let s = this.first[l]; s !== NIL;) {
        const n = this.next[s];
        this.prev[s] = this.next[s] = NIL;
        this.list[s] = List.None;
        s = n;
      }
    }
    this.first.fill(NIL);
    this.last.fill(NIL);
  }

  // -------------------------------- the lists ---------------------------------

  /** Put `s` (in no list) at the end of list `l`. */
  append(s: number, l: List): void {
    this.list[s] = l;
    this.prev[s] = this.last[l];
    this.next[s] = NIL;
    if (this.last[l] !== NIL) this.next[this.last[l]] = s;
    else this.first[l] = s;
    this.last[l] = s;
  }

  /** Put `s` (in no list) into list `l` after `after` (NIL: first). */
  insertAfter(s: number, l: List, after: number): void {
    this.list[s] = l;
    this.prev[s] = after;
    const next = after === NIL ? this.first[l] : this.next[after];
    this.next[s] = next;
    if (next !== NIL) this.prev[next] = s;
    else this.last[l] = s;
    if (after !== NIL) this.next[after] = s;
    else this.first[l] = s;
  }

  /** Take `s` out of its list (if any). */
  unlink(s: number): void {
    const l = this.list[s];
    if (l === List.None) return;
    const p = this.prev[s];
    const n = this.next[s];
    if (p !== NIL) this.next[p] = n;
    else this.first[l] = n;
    if (n !== NIL) this.prev[n] = p;
    else this.last[l] = p;
    this.prev[s] = this.next[s] = NIL;
    this.list[s] = List.None;
  }

  // --------------------------------- growing ----------------------------------

  /** Room for `n` slots, the new ones free. */
  private grow(n: number): void {
    const old = this.capacity;
    this.kind = grown(this.kind, new Uint8Array(n));
    this.list = grown(this.list, new Uint8Array(n));
    this.hash = grown(this.hash, new Int32Array(n));
    this.chain = grown(this.chain, new Int32Array(n));
    this.prev = grown(this.prev, new Int32Array(n));
    this.next = grown(this.next, new Int32Array(n));
    this.closedAt = grown(this.closedAt, new Float64Array(n));
    this.activeSec = grown(this.activeSec, new Float64Array(n));
    this.stream = grown(this.stream, new Int32Array(n));
    this.lastSec = grown(this.lastSec, new Float64Array(n));
    this.lastNsec = grown(this.lastNsec, new Int32Array(n));
    this.block = grown(this.block, new Int32Array(n));
    this.off = grown(this.off, new Int32Array(n));
    this.len = grown(this.len, new Int32Array(n));
    for (let s = old; s < n; s++) this.conns.push(null);
    // The new slots, lowest first, before the free ones left (none: grow is called when there are none).
    for (let s = n - 1; s >= old; s--) {
      this.chain[s] = this.freeHead;
      this.freeHead = s;
    }
    this.capacity = n;
  }

  /**
   * Twice the buckets; each chain keeps its order. Bucket i's chain splits
   * between buckets i and i + the old count (the hash's next bit).
   */
  private growBuckets(): void {
    const old = this.heads;
    const half = old.length;
    const heads = new Int32Array(half * 2).fill(NIL);
    const chain = this.chain;
    for (let i = 0; i < half; i++) {
      let loTail = NIL;
      let hiTail = NIL;
      for (let s = old[i]; s !== NIL;) {
        const next = chain[s];
        chain[s] = NIL;
        if ((this.hash[s] & half) === 0) {
          if (loTail === NIL) heads[i] = s;
          else chain[loTail] = s;
          loTail = s;
        } else {
          if (hiTail === NIL) heads[i + half] = s;
          else chain[hiTail] = s;
          hiTail = s;
        }
        s = next;
      }
    }
    this.heads = heads;
    this.mask = half * 2 - 1;
  }
}

/** `to` with `from` copied to its start. */
function grown<A extends Uint8Array | Int32Array | Float64Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
