/**
 * A chunk appended after an unconsumed tail is not joined whole with it: only
 * its first STITCH bytes are (enough for any record that straddles the chunk
 * boundary), and the reader then goes on in the chunk itself (`promote`).
 * Copying whole 4 MB chunks cost 16% of reading time.
 */
const STITCH = 256 * 1024;

/** Joins larger than this (a record of several MB straddling two chunks) get a buffer of their own, not kept. */
const MAX_KEPT_JOIN = 4 * 1024 * 1024;

/**
 * The bytes a push-style reader has been given and not yet consumed.
 *
 * `append` takes ownership of the chunk (the caller must not reuse it). When
 * nothing is pending the chunk is used as is; otherwise the unconsumed tail and
 * the new chunk are joined once. Readers hand out frames that point into
 * `buf`, which stays valid until the next `append` or `promote`.
 *
 * Joins go into two buffers kept for them, in turn (never the one being
 * copied from), not a new one each: a join of 256 KB for every 1 MB chunk
 * read was garbage the collector only found once tens of MB of it had
 * piled up outside its heap (30 MB of peak RSS reading a 432 MB capture).
 */
export class PendingBytes {
  buf: Uint8Array = new Uint8Array(0);
  /** First unconsumed byte in buf. */
  start = 0;
  /** End of valid bytes in buf. */
  end = 0;
  /** Absolute stream offset of buf[0]. */
  base = 0;

  /** Rest of a chunk whose first STITCH bytes were joined to the previous tail. */
  private queued: Uint8Array | null = null;
  /** Length of the old tail at the front of the stitched buffer. */
  private stitchTail = 0;
  /** The buffers joins are made in (joinBuffer), and which one the next join takes. */
  private readonly joins: (Uint8Array | null)[] = [null, null];
  private turn = 0;

  /** `n` bytes to join into: the next of the two join buffers, or the other when `buf` is in that one. */
  private joinBuffer(n: number): Uint8Array {
    if (n > MAX_KEPT_JOIN) return new Uint8Array(n);
    let i = this.turn;
    if (this.joins[i]?.buffer === this.buf.buffer) i = 1 - i;
    this.turn = 1 - i;
    let b = this.joins[i];
    if (b === null || b.length < n) {
      b = new Uint8Array(Math.min(MAX_KEPT_JOIN, Math.max(n, 2 * STITCH)));
      this.joins[i] = b;
    }
    return b.subarray(0, n);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.queued !== null) this.promote();
    const rest = this.end - this.start;
    if (rest > 0 && chunk.length > 2 * STITCH) {
      // Join the tail with the start of the chunk only; the reader continues
      // in the chunk itself once past the tail (promote).
      const joined = this.joinBuffer(rest + STITCH);
      joined.set(this.buf.subarray(this.start, this.end), 0);
      joined.set(chunk.subarray(0, STITCH), rest);
      this.base += this.start;
      this.buf = joined;
      this.start = 0;
      this.end = joined.length;
      this.queued = chunk;
      this.stitchTail = rest;
      return;
    }
    if (rest === 0) {
      this.base += this.end;
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    const joined = this.joinBuffer(rest + chunk.length);
    joined.set(this.buf.subarray(this.start, this.end), 0);
    joined.set(chunk, rest);
    this.base += this.start;
    this.buf = joined;
    this.start = 0;
    this.end = joined.length;
  }

  /** Switch from a stitched buffer to the rest of its chunk; false when there was nothing queued. */
  promote(): boolean {
    const chunk = this.queued;
    if (chunk === null) return false;
    this.queued = null;
    const tail = this.stitchTail;
    if (this.start >= tail) {
      const at = this.start - tail;
      this.base += tail;
      this.buf = chunk;
      this.start = at;
      this.end = chunk.length;
    } else {
      // A record longer than the stitch starts in the old tail: join it all.
      const rest = tail - this.start;
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.buf.subarray(this.start, tail), 0);
      joined.set(chunk, rest);
      this.base += this.start;
      this.buf = joined;
      this.start = 0;
      this.end = joined.length;
    }
    return true;
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Absolute offset of the first unconsumed byte. */
  get offset(): number {
    return this.base + this.start;
  }
}

export function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
export function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
export function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
export function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

export function hex(b: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, b.length); i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/** The parts one after the other, in a new array. */
export function concatBytes(...parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
