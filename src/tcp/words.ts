/**
 * Packing a connection into a record and back (see frozen.ts). Records live
 * in buffers of 32-bit words (the arena's blocks, a report thread's batches)
 * and take a whole number of words, but their fields are bytes of variable
 * length: a value takes 7 bits a byte, low bits first (LEB128), so the many
 * small numbers of a connection (counts, flags, indexes) take one byte or
 * two. Values that are random over 32 bits (sequence numbers, times) are
 * written as differences from a base, which makes them small too: sequence
 * numbers from the endpoint's ISN, frame numbers and timestamps from the
 * connection's first frame (`base`), times in microseconds when they are
 * whole microseconds apart. Only the fields read or patched in
 * place (packedSideOf, Connection.setPackedEnd) are whole words
 * (`fixed`), and they come first.
 *
 * The writer checks that every value fits what it goes into; when one does
 * not (a frame number past 2^32, a 64-bit pcapng timestamp, times more than
 * 24 days apart in one connection) `ok` turns false and the connection
 * simply stays unpacked.
 */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
/** Bytes a value may take (2^53 needs 8 of 7 bits). */
const MAX_BYTES = 8;
/** Largest difference of seconds between a time and its base. */
const MAX_SECONDS_APART = 1 << 21;

/** A view of the bytes of `words` (made again only when the buffer changes). */
function bytesOf(words: Int32Array, last: Uint8Array): Uint8Array {
  if (last.buffer === words.buffer && last.byteOffset === words.byteOffset && last.byteLength === words.byteLength) return last;
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Zigzag: small negative integers become small non-negative ones (exact below 2^52). */
function zig(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzig(z: number): number {
  // Below 2^32 (the zigzag of any 32-bit value) in 32-bit integer operations:
  // half of z, or minus half of z + 1 for an odd one. The same values as the
  // general case below, without a division of doubles.
  if (z <= 0xffffffff) return (z >>> 1) ^ -(z & 1);
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

export class WordWriter {
  buf: Int32Array;
  private bytes: Uint8Array;
  /** Next byte to write. */
  private p = 0;
  /** Bytes from here on are not ours: running into it makes `ok` false. */
  private end: number;
  ok = true;
  private baseFrame = 0;
  private baseSec = 0;
  private baseNsec = 0;

  constructor(buf = new Int32Array(4096)) {
    this.buf = buf;
    this.bytes = bytesOf(buf, new Uint8Array(0));
    this.end = buf.length * 4;
  }

  /** Write into `buf` from word `start`, at most up to word `limit`. */
  reset(buf: Int32Array = this.buf, start = 0, limit = buf.length): void {
    this.buf = buf;
    this.bytes = bytesOf(buf, this.bytes);
    this.p = start * 4;
    this.end = limit * 4;
    this.ok = true;
  }

  /** Words used up to the last byte written (the next record starts there). */
  get n(): number {
    return (this.p + 3) >>> 2;
  }

  /** A whole word, read or patched in place later: only at a word boundary (the fields that come first). */
  fixed(v: number): void {
    if ((v >>> 0) !== v && (v | 0) !== v) this.ok = false;
    if ((this.p & 3) !== 0) throw new Error('WordWriter.fixed: not at a word boundary');
    if (this.p + 4 > this.end) {
      this.ok = false;
      return;
    }
    this.buf[this.p >>> 2] = v | 0;
    this.p += 4;
  }

  /** A non-negative integer below 2^53. */
  uint(v: number): void {
    const b = this.bytes;
    let p = this.p;
    if (p + MAX_BYTES > this.end) {
      this.ok = false;
      return;
    }
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) {
      this.ok = false;
      v = 0;
    }
    while (v > 0xffffffff) {
      b[p++] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    while (v >= 128) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    this.p = p;
  }

  /** An unsigned 32-bit integer. */
  u32(v: number): void {
    if ((v >>> 0) !== v) this.ok = false;
    this.uint(v >>> 0);
  }

  /** A signed 32-bit integer. */
  i32(v: number): void {
    if ((v | 0) !== v) this.ok = false;
    this.uint(zig(v | 0));
  }

  /** Any number, exactly (0 in one byte). */
  f64(v: number): void {
    if (v === 0 && 1 / v > 0) {
      this.uint(0);
      return;
    }
    this.uint(1);
    if (this.p + 8 > this.end) {
      this.ok = false;
      return;
    }
    F64[0] = v;
    this.bytes.set(F64_BYTES, this.p);
    this.p += 8;
  }

  /** A 32-bit sequence number, as its distance (mod 2^32) from `base`, another one near it (0 as 0). */
  seq(v: number, base: number): void {
    if ((v >>> 0) !== v) this.ok = false;
    // 0 in one byte whatever the base: most of an endpoint's sequence
    // numbers that are not known (yet) hold 0 (a FIN not sent, no RST).
    this.uint(v === 0 ? 0 : zig((v - base) | 0) + 1);
  }

  /** Frame numbers and times from here on are written from this frame and time (the connection's first). */
  base(frame: number, sec: number, nsec: number): void {
    this.baseFrame = frame;
    this.baseSec = sec;
    this.baseNsec = nsec;
  }

  /** A frame number, or 0 for none. */
  frame(v: number): void {
    if ((v >>> 0) !== v) this.ok = false;
    this.uint(v === 0 ? 0 : zig(v - this.baseFrame) + 1);
  }

  /** A time (seconds and nanoseconds of a second). */
  time(sec: number, nsec: number): void {
    const ds = sec - this.baseSec;
    if ((sec >>> 0) !== sec || !(nsec >= 0 && nsec < 1e9) || (nsec | 0) !== nsec || !(ds <= MAX_SECONDS_APART && ds >= -MAX_SECONDS_APART)) {
      this.ok = false;
      this.uint(0);
      return;
    }
    // Most captures are microsecond ones (classic pcap, pcapng's default):
    // their times are whole microseconds apart, written in microseconds (a
    // byte less for most). The low bit says which.
    const d = ds * 1e9 + (nsec - this.baseNsec);
    this.uint(d % 1000 === 0 ? zig(d / 1000) * 2 : zig(d) * 2 + 1);
  }

  /** A frame and its time. */
  moment(frame: number, sec: number, nsec: number): void {
    this.frame(frame);
    this.time(sec, nsec);
  }
}

export class WordReader {
  words: Int32Array = new Int32Array(0);
  /** Nanoseconds of the last `time`. */
  nsec = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private p = 0;
  private baseFrame = 0;
  private baseSec = 0;
  private baseNsec = 0;

  /** Read the record that starts at word `p` of `words`. */
  at(words: Int32Array, p: number): this {
    this.words = words;
    this.bytes = bytesOf(words, this.bytes);
    this.p = p * 4;
    return this;
  }

  fixed(): number {
    const v = this.words[this.p >>> 2];
    this.p += 4;
    return v;
  }

  uint(): number {
    const b = this.bytes;
    let p = this.p;
    let x = b[p++];
    if (x < 128) {
      this.p = p;
      return x;
    }
    let v = x & 127;
    let scale = 128;
    for (;;) {
      x = b[p++];
      // Past the record's last byte (a record from outside, damaged: analyze/split.ts) or longer than any number written.
      if (x === undefined || scale > 2 ** 49) throw new RangeError('a packed number runs past its record');
      v += (x & 127) * scale;
      if (x < 128) break;
      scale *= 128;
    }
    this.p = p;
    return v;
  }

  // Results go through `>>> 0` or `| 0`: the fields they are stored in hold
  // small integers (or uint32), never other doubles (V8 would box them).
  u32(): number {
    return this.uint() >>> 0;
  }

  i32(): number {
    return unzig(this.uint()) | 0;
  }

  f64(): number {
    if (this.uint() === 0) return 0;
    F64_BYTES.set(this.bytes.subarray(this.p, this.p + 8));
    this.p += 8;
    return F64[0];
  }

  seq(base: number): number {
    const x = this.uint();
    return x === 0 ? 0 : (base + unzig(x - 1)) >>> 0;
  }

  base(frame: number, sec: number, nsec: number): void {
    this.baseFrame = frame;
    this.baseSec = sec;
    this.baseNsec = nsec;
  }

  frame(): number {
    const x = this.uint();
    return x === 0 ? 0 : (this.baseFrame + unzig(x - 1)) >>> 0;
  }

  /** A time written by WordWriter.time: its seconds (the nanoseconds are then in `nsec`). */
  time(): number {
    const x = this.uint();
    const t = this.baseNsec + (x % 2 === 0 ? unzig(x / 2) * 1000 : unzig((x - 1) / 2));
    const ds = Math.floor(t / 1e9);
    this.nsec = (t - ds * 1e9) | 0;
    return (this.baseSec + ds) >>> 0;
  }
}
