/**
 * `--format csv`, `table` and `markdown` (and `merge -f csv`) without
 * holding every row: the rows are written in stream order, but connections
 * become final in another order, and the last may come at the end of the
 * capture. Rows are kept in memory up to a budget of text; beyond it the
 * rows held are sorted and written out as one run to a temporary file, and
 * at the end each capture's rows are merged from the runs (and what is
 * still in memory) by stream number. A capture whose rows fit in the budget
 * never touches the disk.
 *
 * Memory: the budget, plus a read buffer a run while merging (all of them
 * together about READ_TOTAL). Disk: one file in a private folder of
 * os.tmpdir() (mkdtemp: mode 0700, a name nobody chose; the file opened
 * with O_EXCL and O_NOFOLLOW), as large as the rows spilled plus 12 bytes
 * a row, removed by close() and, if the process leaves first (a second
 * Ctrl-C), at exit (scratch.ts).
 *
 * Ties (the same stream number twice in a capture) keep the order the rows
 * came in, as a stable sort of them all would.
 */
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { termText } from '../render/escape/terminal.ts';
import { removeAtExit, removed } from './scratch.ts';
import { UsageError } from './util.ts';

/** Row text kept in memory before a run is written (characters, plus ROW_OVERHEAD a row). */
export const ROW_BUDGET = 8 << 20;
/** What a held row costs beyond its text (its object, its place in the array), counted in the budget. */
const ROW_OVERHEAD = 64;
/** Bytes of each output buffer. */
const OUT_BYTES = 1 << 20;
/** Read buffers of all runs together while merging, and each one's bounds. */
const READ_TOTAL = 8 << 20;
const READ_MIN = 16 << 10;
const READ_MAX = 1 << 20;
/** A record in a run: stream number (float64), text length (uint32), text (UTF-8). */
const HEAD = 12;

/**
 * The budget: ROW_BUDGET, or for tests only TCPSCOPE_ROW_BUDGET (bytes, a
 * positive integer), so that a small capture spills to many runs.
 */
function budgetOf(env: NodeJS.ProcessEnv): number {
  const v = env.TCPSCOPE_ROW_BUDGET;
  if (v !== undefined && /^[1-9]\d{0,12}$/.test(v)) return Number(v);
  return ROW_BUDGET;
}

interface Held {
  stream: number;
  row: string;
}

/** A capture's rows in one run: bytes [start, end) of the file. */
interface Segment {
  start: number;
  end: number;
}

/** Rows held as JSON arrays of cells (the table's), parsed back one at a time. */
export function* cellRows(texts: Iterable<string>): Generator<string[]> {
  for (const text of texts) yield JSON.parse(text) as string[];
}

export class RowSpill {
  /** Each capture's rows in memory, in the order they came. */
  private held = new Map<number, Held[]>();
  private heldBytes = 0;
  private readonly budget: number;
  /** The folder and file of the runs, made at the first spill. */
  private dir: string | null = null;
  private fd = -1;
  private size = 0;
  /** Each capture's segments, in run order. */
  private readonly segments = new Map<number, Segment[]>();
  /** Runs written (for tests and notes). */
  runs = 0;

  constructor(budget: number = budgetOf(process.env)) {
    this.budget = budget;
  }

  /** A row (its whole line) of capture `capture` (0, 1, ... as the captures are read). */
  add(capture: number, stream: number, row: string): void {
    let list = this.held.get(capture);
    if (list === undefined) this.held.set(capture, (list = []));
    list.push({ stream, row });
    this.heldBytes += row.length + ROW_OVERHEAD;
    if (this.heldBytes >= this.budget) this.spill();
  }

  /** The temporary folder, while there is one (for tests). */
  get folder(): string | null {
    return this.dir;
  }

  /**
   * Write capture `capture`'s rows in stream order to `out`, each buffer once
   * the one before has been written (the buffer is reused).
   */
  async writeRows(capture: number, out: { write(b: Uint8Array, written: () => void): void }): Promise<void> {
    for (const part of this.rows(capture)) await new Promise<void>((resolve) => out.write(part, () => resolve()));
  }

  /**
   * Capture `capture`'s rows in stream order, in buffers of about OUT_BYTES.
   * The same buffer comes again: it must have been used (written) before
   * the next is asked for (a new buffer each time was 1 MB of memory outside
   * the heap each, which the collector let pile up: +20 MB peak RSS on the
   * 3 M capture). The capture's rows are let go of.
   */
  *rows(capture: number): Generator<Uint8Array> {
    const out = new OutBuffer();
    for (const r of this.merged(capture)) yield* typeof r === 'string' ? out.addString(r) : out.addBytes(r.buf, r.textStart, r.textEnd);
    yield* out.end();
  }

  /** Capture `capture`'s rows in stream order, each as its text (the table's and Markdown's rows). The capture's rows are let go of. */
  *texts(capture: number): Generator<string> {
    for (const r of this.merged(capture)) yield typeof r === 'string' ? r : r.buf.toString('utf8', r.textStart, r.textEnd);
  }

  /**
   * Capture `capture`'s rows in stream order: a row held in memory as its
   * text, a row of a run as its reader, at the row until the next is asked
   * for.
   */
  private *merged(capture: number): Generator<string | RunReader> {
    const mine = this.held.get(capture) ?? [];
    this.held.delete(capture);
    for (const h of mine) this.heldBytes -= h.row.length + ROW_OVERHEAD;
    mine.sort((a, b) => a.stream - b.stream);
    const segs = this.segments.get(capture) ?? [];
    this.segments.delete(capture);
    if (segs.length === 0) {
      for (const h of mine) yield h.row;
      return;
    }
    // Sources: the runs in their order, then the memory (ties go to the earlier).
    const each = Math.max(READ_MIN, Math.min(READ_MAX, Math.floor(READ_TOTAL / segs.length)));
    const readers = segs.map((s) => new RunReader(this.fd, s, each, () => this.dirName()));
    const n = readers.length;
    let m = 0;
    const heap = new MinHeap((a, b) => {
      const sa = a < n ? readers[a].stream : mine[m].stream;
      const sb = b < n ? readers[b].stream : mine[m].stream;
      return sa !== sb ? sa < sb : a < b;
    });
    for (let i = 0; i < n; i++) if (readers[i].next()) heap.push(i);
    if (mine.length > 0) heap.push(n);
    while (heap.size > 0) {
      const i = heap.top();
      if (i < n) {
        const r = readers[i];
        yield r;
        if (r.next()) heap.replaceTop(i);
        else heap.pop();
      } else {
        yield mine[m].row;
        m++;
        if (m < mine.length) heap.replaceTop(n);
        else heap.pop();
      }
    }
  }

  /** Delete the temporary file and folder (if there are any). */
  close(): void {
    this.held.clear();
    this.heldBytes = 0;
    if (this.dir === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.dir, { recursive: true, force: true });
    removed(this.dir);
    this.dir = null;
    this.fd = -1;
  }

  private dirName(): string {
    return termText(this.dir ?? tmpdir());
  }

  /** The rows held, each capture's sorted by stream (a stable sort), written as one run. */
  private spill(): void {
    if (this.held.size === 0) return;
    this.open();
    const held = this.held;
    this.held = new Map();
    this.heldBytes = 0;
    let buf = Buffer.allocUnsafe(OUT_BYTES);
    let n = 0;
    const flush = (): void => {
      this.write(buf, n);
      n = 0;
    };
    for (const [capture, rows] of held) {
      rows.sort((a, b) => a.stream - b.stream);
      const start = this.size;
      for (const h of rows) {
        const len = Buffer.byteLength(h.row);
        if (n + HEAD + len > buf.length) {
          flush();
          if (HEAD + len > buf.length) buf = Buffer.allocUnsafe(HEAD + len);
        }
        buf.writeDoubleLE(h.stream, n);
        buf.writeUInt32LE(len, n + 8);
        buf.write(h.row, n + HEAD, 'utf8');
        n += HEAD + len;
        this.size += HEAD + len;
      }
      let list = this.segments.get(capture);
      if (list === undefined) this.segments.set(capture, (list = []));
      list.push({ start, end: this.size });
    }
    flush();
    this.runs++;
  }

  private open(): void {
    if (this.dir !== null) return;
    try {
      this.dir = mkdtempSync(join(tmpdir(), 'tcpscope-rows-'));
      removeAtExit(this.dir);
      this.fd = openSync(join(this.dir, 'runs'), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      throw new UsageError(`cannot make a temporary file in ${termText(tmpdir())} (rows beyond ${this.budget} bytes go there): ${reason(e)}`);
    }
  }

  private write(buf: Buffer, n: number): void {
    let done = 0;
    try {
      // Written one after the other at the file's offset (the reads are positioned: they do not move it).
      while (done < n) done += writeSync(this.fd, buf, done, n - done);
    } catch (e) {
      throw new UsageError(`cannot write the temporary file in ${this.dirName()}: ${reason(e)}`);
    }
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : termText(e instanceof Error ? e.message : String(e));
}

/** One capture's segment of a run, read a record at a time. */
class RunReader {
  buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;
  private pos: number;
  stream = 0;
  textStart = 0;
  textEnd = 0;

  constructor(private readonly fd: number, private readonly seg: Segment, size: number, private readonly where: () => string) {
    this.buf = Buffer.allocUnsafe(Math.min(size, Math.max(HEAD, seg.end - seg.start)));
    this.pos = seg.start;
  }

  /** Move to the next record; false at the segment's end. */
  next(): boolean {
    if (this.pos >= this.seg.end) return false;
    if (!this.have(HEAD)) this.fill(HEAD);
    let at = this.pos - this.bufStart;
    const len = this.buf.readUInt32LE(at + 8);
    if (!this.have(HEAD + len)) {
      this.fill(HEAD + len);
      at = 0;
    }
    this.stream = this.buf.readDoubleLE(at);
    this.textStart = at + HEAD;
    this.textEnd = at + HEAD + len;
    this.pos += HEAD + len;
    return true;
  }

  private have(k: number): boolean {
    return this.pos + k <= this.bufStart + this.bufLen;
  }

  /** Read from this.pos on, at least `k` bytes (the buffer grows for a long row). */
  private fill(k: number): void {
    const want = Math.min(Math.max(this.buf.length, k), this.seg.end - this.pos);
    if (want < k) throw new Error(`temporary file in ${this.where()}: a record runs past its run`);
    if (want > this.buf.length) this.buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = readSync(this.fd, this.buf, got, want - got, this.pos + got);
      if (r === 0) throw new Error(`temporary file in ${this.where()} ended early at byte ${this.pos + got}`);
      got += r;
    }
    this.bufStart = this.pos;
    this.bufLen = got;
  }
}

/** Rows gathered into a buffer of OUT_BYTES, given out when full (and then reused). */
class OutBuffer {
  private buf = Buffer.allocUnsafe(OUT_BYTES);
  private n = 0;

  *addString(s: string): Generator<Uint8Array> {
    // UTF-8 takes at most 3 bytes a UTF-16 unit.
    if (this.n + s.length * 3 > this.buf.length) {
      const len = Buffer.byteLength(s);
      if (this.n + len > this.buf.length) {
        yield* this.end();
        if (len > this.buf.length) {
          yield Buffer.from(s);
          return;
        }
      }
    }
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  *addBytes(src: Buffer, from: number, to: number): Generator<Uint8Array> {
    const len = to - from;
    if (this.n + len > this.buf.length) {
      yield* this.end();
      if (len > this.buf.length) {
        yield Buffer.from(src.subarray(from, to));
        return;
      }
    }
    src.copy(this.buf, this.n, from, to);
    this.n += len;
  }

  *end(): Generator<Uint8Array> {
    if (this.n === 0) return;
    yield this.buf.subarray(0, this.n);
    this.n = 0;
  }
}

/** A binary heap of small integers under `less`. */
class MinHeap {
  private readonly a: number[] = [];
  constructor(private readonly less: (x: number, y: number) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  top(): number {
    return this.a[0];
  }

  push(x: number): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): void {
    const last = this.a.pop() as number;
    if (this.a.length > 0) {
      this.a[0] = last;
      this.down();
    }
  }

  /** The top's key changed (it moved to its source's next row). */
  replaceTop(x: number): void {
    this.a[0] = x;
    this.down();
  }

  private down(): void {
    const a = this.a;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l], a[m])) m = l;
      if (r < a.length && this.less(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}
