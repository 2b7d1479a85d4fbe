/**
 * Packing a connection into 32-bit words and back (see frozen.ts). The
 * writer checks that every value fits the word it goes into; when one does
 * not (a frame number past 2^32, a 64-bit pcapng timestamp, more than 4 GB
 * of payload) `ok` turns false and the connection simply stays unpacked.
 */
const F64 = new Float64Array(1);
const F64_WORDS = new Int32Array(F64.buffer);

export class WordWriter {
  buf: Int32Array;
  /** Next word to write. */
  n = 0;
  /** Words from `limit` on are not ours: running into it makes `ok` false. */
  limit: number;
  ok = true;

  constructor(buf = new Int32Array(4096)) {
    this.buf = buf;
    this.limit = buf.length;
  }

  /** Write into `buf` from `start`, at most up to `limit`. */
  reset(buf: Int32Array = this.buf, start = 0, limit = buf.length): void {
    this.buf = buf;
    this.n = start;
    this.limit = limit;
    this.ok = true;
  }

  private push(x: number): void {
    if (this.n >= this.limit) {
      this.ok = false;
      return;
    }
    this.buf[this.n++] = x;
  }

  /** An unsigned 32-bit integer. */
  u32(v: number): void {
    if ((v >>> 0) !== v) this.ok = false;
    this.push(v | 0);
  }

  /** A signed 32-bit integer. */
  i32(v: number): void {
    if ((v | 0) !== v) this.ok = false;
    this.push(v | 0);
  }

  /** Any number, exactly. */
  f64(v: number): void {
    F64[0] = v;
    this.push(F64_WORDS[0]);
    this.push(F64_WORDS[1]);
  }
}

export class WordReader {
  words: Int32Array = new Int32Array(0);
  p = 0;

  at(words: Int32Array, p: number): this {
    this.words = words;
    this.p = p;
    return this;
  }

  u32(): number {
    return this.words[this.p++] >>> 0;
  }

  i32(): number {
    return this.words[this.p++];
  }

  f64(): number {
    F64_WORDS[0] = this.words[this.p++];
    F64_WORDS[1] = this.words[this.p++];
    return F64[0];
  }
}
