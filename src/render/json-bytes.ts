/**
 * JSON written straight into a growing byte buffer, member by member, with
 * the bytes JSON.stringify would give (then UTF-8 encoded): keys in the
 * order written, members whose value is undefined left out, numbers as
 * String(n) (null when not finite), strings escaped as JSON.stringify
 * escapes them. json-report.ts writes the report's fields with it.
 *
 * Why not JSON.stringify and Buffer.write: on Node 20 that costs about
 * 20 µs for a 5 KB report, more than building the report. Here, 40% of a
 * report's bytes are its keys: each is encoded once (jsonKeys) and copied
 * four bytes at a time. Values are written byte by byte from JavaScript: a
 * call into Buffer.write per piece (300 pieces a report) would cost more
 * than all of JSON.stringify.
 */

/** A piece of JSON text encoded once (UTF-8), copied four bytes at a time. */
export class JsonText {
  /** The bytes in little-endian 32-bit words, the last one padded. */
  readonly words: Int32Array;
  /** Bytes of the text. */
  readonly length: number;

  constructor(text: string) {
    const bytes = Buffer.from(text, 'utf8');
    this.length = bytes.length;
    const padded = Buffer.alloc((bytes.length + 3) & ~3);
    bytes.copy(padded);
    this.words = new Int32Array(padded.length >> 2);
    for (let i = 0; i < this.words.length; i++) this.words[i] = padded.readInt32LE(4 * i);
  }
}

/** A member's name as the text `"name":` (jsonKeys). */
export class JsonKey extends JsonText {
  constructor(readonly name: string) {
    super(`${JSON.stringify(name)}:`);
  }
}

/** The keys `names`, each encoded once: `K.frame` is the key `frame`. */
export function jsonKeys<N extends string>(...names: N[]): Readonly<Record<N, JsonKey>> {
  const out = {} as Record<N, JsonKey>;
  for (const n of names) out[n] = new JsonKey(n);
  return out;
}

/** Writes JSON into a byte buffer from byte `n` on; the buffer grows as needed. */
export class JsonBytes {
  protected buf: Buffer;
  /** The same bytes, for writing four at a time. */
  private view: DataView;
  protected n = 0;
  /** No member (or element) written yet in the innermost open object (or array). */
  private first = true;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Write into `buf` from now on (its first `n` bytes kept). */
  protected use(buf: Buffer, n: number): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.n = n;
  }

  /**
   * The separator and key of a member (`name` null: of an array element),
   * for value `v`. False when nothing more is to be written: `v` is null
   * (`null` written) or undefined (a member left out, an element written
   * as null, as JSON.stringify does).
   */
  key<T>(name: JsonKey | null, v: T): v is NonNullable<T> {
    if (v === undefined && name !== null) return false;
    this.room(name === null ? 8 : name.words.length * 4 + 8);
    let n = this.n;
    if (this.first) this.first = false;
    else this.buf[n++] = 0x2c;
    if (name !== null) n = this.copy(name, n);
    if (v === null || v === undefined) {
      this.view.setInt32(n, NULL_WORD, true);
      this.n = n + 4;
      return false;
    }
    this.n = n;
    return true;
  }

  /** `{`, after key(...) returned true. */
  open(): void {
    this.byte(0x7b);
    this.first = true;
  }

  close(): void {
    this.byte(0x7d);
    this.first = false;
  }

  /** `[`, after key(...) returned true. */
  openArray(): void {
    this.byte(0x5b);
    this.first = true;
  }

  closeArray(): void {
    this.byte(0x5d);
    this.first = false;
  }

  /** A member (name null: an element) whose value is a number (or null). */
  num(name: JsonKey | null, v: number | null): void {
    if (this.key(name, v)) this.number(v);
  }

  /** A member (name null: an element) whose value is a string (or null). */
  str(name: JsonKey | null, v: string | null): void {
    if (this.key(name, v)) this.string(v);
  }

  /**
   * A member (name null: an element) whose value is one of a few strings:
   * a union of literals in types.ts (states, kinds, causes, flags). The
   * JSON text of each value is made once.
   */
  literal(name: JsonKey | null, v: string | null): void {
    if (!this.key(name, v)) return;
    let t = LITERALS.get(v);
    if (t === undefined) {
      if (LITERALS.size >= MAX_LITERALS) {
        this.string(v);
        return;
      }
      t = new JsonText(JSON.stringify(v));
      LITERALS.set(v, t);
    }
    this.room(t.words.length * 4);
    this.n = this.copy(t, this.n);
  }

  /** A member (name null: an element) whose value is an array of literal strings (see literal). */
  literals(name: JsonKey | null, v: readonly string[]): void {
    if (!this.key(name, v)) return;
    this.openArray();
    for (let i = 0; i < v.length; i++) this.literal(null, v[i]);
    this.closeArray();
  }

  /** JSON text made beforehand (a value that comes again and again), after key(...) returned true. */
  premade(t: JsonText): void {
    this.room(t.words.length * 4);
    this.n = this.copy(t, this.n);
    this.first = false;
  }

  /** `t` at byte `n` (room made for its words); the byte after it. */
  private copy(t: JsonText, n: number): number {
    const words = t.words;
    const view = this.view;
    for (let i = 0, k = n; i < words.length; i++, k += 4) view.setInt32(k, words[i], true);
    return n + t.length;
  }

  /** A member (name null: an element) whose value is a boolean (or null). */
  bool(name: JsonKey | null, v: boolean | null): void {
    if (!this.key(name, v)) return;
    this.room(8);
    if (v) {
      this.view.setInt32(this.n, TRUE_WORD, true);
      this.n += 4;
    } else {
      this.view.setInt32(this.n, FALS_WORD, true);
      this.buf[this.n + 4] = 0x65;
      this.n += 5;
    }
  }

  /** A member (name null: an element) whose value is an array of numbers. */
  nums(name: JsonKey | null, v: readonly number[]): void {
    if (!this.key(name, v)) return;
    this.openArray();
    for (let i = 0; i < v.length; i++) this.num(null, v[i]);
    this.closeArray();
  }

  /** A member (name null: an element) whose value is an array of strings. */
  strs(name: JsonKey | null, v: readonly string[]): void {
    if (!this.key(name, v)) return;
    this.openArray();
    for (let i = 0; i < v.length; i++) this.str(null, v[i]);
    this.closeArray();
  }

  /** A number as JSON.stringify writes it: String(x), or null when not finite. */
  private number(x: number): void {
    // Most numbers in a report are counts, frame numbers and sequence numbers: integers in 0 ... 2^32-1.
    if (x >>> 0 !== x) {
      if (x >= 1e-6 && x < 1e6) {
        // Durations are rounded to the nanosecond (round9): k / 1e9 for an integer k below 10^15.
        // Their shortest text, String(x)'s, is then k's digits with the point 9 from the right and
        // no trailing zeros (a text of 15 significant digits or fewer stands for one double only).
        const k = Math.round(x * 1e9);
        if (k / 1e9 === x) {
          this.nanos(k);
          return;
        }
      }
      this.ascii(Number.isFinite(x) ? String(x) : 'null');
      return;
    }
    this.integer(x);
  }

  /** An integer in 0 ... 2^32 - 1. */
  private integer(x: number): void {
    this.room(10);
    const buf = this.buf;
    if (x < 10) {
      buf[this.n++] = 0x30 + x;
      return;
    }
    const digits = x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7
      : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
    let n = this.n + digits;
    this.n = n;
    // Two digits at a time, from the right.
    const view = this.view;
    if (x > 0x7fffffff) {
      const q = Math.floor(x / 100);
      n -= 2;
      view.setUint16(n, DIGIT_PAIRS[x - q * 100], true);
      x = q;
    }
    while (x >= 100) {
      const q = (x / 100) | 0;
      n -= 2;
      view.setUint16(n, DIGIT_PAIRS[x - q * 100], true);
      x = q;
    }
    if (x >= 10) view.setUint16(n - 2, DIGIT_PAIRS[x], true);
    else buf[n - 1] = 0x30 + x;
  }

  /** k / 10^9 for an integer k in 1 ... 10^15 - 1 that 10^9 does not divide, as String(k / 1e9) writes it. */
  private nanos(k: number): void {
    const whole = Math.floor(k / 1e9);
    let frac = k - whole * 1e9;
    this.integer(whole);
    let digits = 9;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    this.room(digits + 1);
    const buf = this.buf;
    buf[this.n] = 0x2e;
    let n = this.n + digits;
    this.n = n + 1;
    for (let i = 0; i < digits; i++) {
      const q = Math.floor(frac / 10);
      buf[n--] = 0x30 + (frac - q * 10);
      frac = q;
    }
  }

  /** A string as JSON.stringify writes it, UTF-8 encoded. */
  private string(s: string): void {
    const len = s.length;
    this.room(len + 2);
    const buf = this.buf;
    const start = this.n;
    let n = start;
    buf[n++] = 0x22;
    // Printable ASCII other than `"` and `\` stands for itself; anything else is left to JSON.stringify.
    for (let i = 0; i < len; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 0x20 || ch === 0x22 || ch === 0x5c || ch > 0x7e) {
        this.n = start;
        this.text(JSON.stringify(s));
        return;
      }
      buf[n++] = ch;
    }
    buf[n++] = 0x22;
    this.n = n;
  }

  /** Text known to be ASCII (no escaping needed), as it is. */
  protected ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Any text, UTF-8 encoded. */
  protected text(s: string): void {
    this.room(3 * s.length);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  protected byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** Room for k more bytes, and 3 beyond them (a word written at the last byte). */
  protected room(k: number): void {
    if (this.n + k + 3 <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.n + k + 3));
    this.buf.copy(next, 0, 0, this.n);
    this.use(next, this.n);
  }
}

/** The JSON text of the literal strings written (JsonBytes.literal), and how many at most are kept. */
const LITERALS = new Map<string, JsonText>();
const MAX_LITERALS = 4096;

/** 00 ... 99 as two ASCII digits in a little-endian 16-bit word. */
const DIGIT_PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (0x30 + Math.floor(i / 10)) | ((0x30 + (i % 10)) << 8));

/** `null`, `true` and `fals` as little-endian words. */
const NULL_WORD = 0x6c6c756e;
const TRUE_WORD = 0x65757274;
const FALS_WORD = 0x736c6166;
