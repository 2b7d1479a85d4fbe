/**
 * Finished connections on their way to a report thread. Building a report
 * and writing it as JSON costs more than reading, decoding and tracking all
 * the connection's segments (a 3 KB NDJSON line for 30 segments), so
 * `analyze --format ndjson` of a large capture does it in a second thread
 * (cli/report-thread.ts): this thread packs each connection the tracker lets
 * go of into a record of 32-bit words (the packing of tcp/frozen.ts and
 * tcp/words.ts), batches go over with their buffer transferred, and the
 * other thread unpacks them and builds exactly the reports this thread
 * would have built.
 *
 * A record is [length in words, stream, flags] then the packed connection.
 * A connection that cannot be packed (a value too large for its field, a
 * pending replacement) has its report built here, sent along in `built`, in
 * order.
 */
import { buildReport } from '../report/build.ts';
import type { ConnectionReport, Settings } from '../report/types.ts';
import { Connection } from '../tcp/connection.ts';
import type { PackedDone } from '../tcp/tracker.ts';
import { WordReader, WordWriter } from '../tcp/words.ts';

const HEADER = 3;
/** Most words a packed connection may take (as frozen.ts). */
const MAX_RECORD = 16384;
const EVICTED = 1;
const BUILT = 2;

/** One batch of finished connections, in the order the tracker let go of them. */
export interface HandoffBatch {
  words: Int32Array;
  /** Words used in `words`. */
  length: number;
  /** Records in the batch. */
  count: number;
  /** Reports of the records flagged BUILT, in order. */
  built: ConnectionReport[];
}

/** The sending side: collects finished connections into a batch. */
export class Handoff {
  private words: Int32Array;
  private n = 0;
  private count = 0;
  private built: ConnectionReport[] = [];
  private readonly w = new WordWriter();
  private readonly reader = new WordReader();
  /** Buffers of batches done with (recycle), used again for the next ones. */
  private readonly spares: Int32Array[] = [];

  /** `capacity`: words of the first batch's buffer; later ones are sized after the batch before. */
  constructor(private readonly settings: Settings, capacity = 1 << 14) {
    this.words = new Int32Array(capacity);
  }

  /** Make room for a record of `len` words. */
  private room(len: number): void {
    if (this.n + HEADER + len <= this.words.length) return;
    const next = new Int32Array(Math.max(this.words.length * 2, this.n + HEADER + len));
    next.set(this.words.subarray(0, this.n));
    this.words = next;
  }

  /** Records waiting in the current batch. */
  get pending(): number {
    return this.count;
  }

  /** A finished connection the tracker held packed (Tracker.onDonePacked): its words are copied, not unpacked. */
  addPacked(p: PackedDone): void {
    this.room(p.len);
    const start = this.n;
    const words = this.words;
    words.set(p.words.subarray(p.off, p.off + p.len), start + HEADER);
    let flags = p.evicted ? EVICTED : 0;
    let end = start + HEADER + p.len;
    if (!Connection.setPackedEnd(words, start + HEADER, p.reason, p.endSec, p.endNsec)) {
      // The end time does not fit a word: build the report here.
      const c = Connection.unpack(this.reader.at(words, start + HEADER), p.stream, 0);
      c.endReason = p.reason;
      c.endSec = p.endSec;
      c.endNsec = p.endNsec;
      c.evicted = p.evicted;
      this.built.push(buildReport(c, this.settings));
      flags |= BUILT;
      end = start + HEADER;
    }
    this.record(start, end, p.stream, flags);
  }

  add(c: Connection): void {
    this.room(MAX_RECORD);
    const start = this.n;
    const w = this.w;
    w.reset(this.words, start + HEADER, start + HEADER + MAX_RECORD);
    c.pack(w, true);
    let flags = c.evicted ? EVICTED : 0;
    let end = w.n;
    if (!w.ok) {
      this.built.push(buildReport(c, this.settings));
      flags |= BUILT;
      end = start + HEADER;
    }
    this.record(start, end, c.stream, flags);
  }

  /** Close the record at `start`: its header, and the batch now ends at `end`. */
  private record(start: number, end: number, stream: number, flags: number): void {
    const words = this.words;
    words[start] = end - start;
    words[start + 1] = stream;
    words[start + 2] = flags;
    this.n = end;
    this.count++;
  }

  /** The batch so far (null if empty); the next one starts in a new buffer (this one may be transferred). */
  take(): HandoffBatch | null {
    if (this.count === 0) return null;
    const batch: HandoffBatch = { words: this.words, length: this.n, count: this.count, built: this.built };
    // The next batch is likely the size of this one (a buffer per batch: a
    // batch's may have gone to another thread).
    this.words = this.buffer(this.n);
    this.n = 0;
    this.count = 0;
    this.built = [];
    return batch;
  }

  /** A copy of a batch's words (kept in case the thread it goes to fails), in a spare buffer if one is big enough. */
  copy(batch: HandoffBatch): Int32Array {
    const words = this.buffer(batch.length);
    words.set(batch.words.subarray(0, batch.length));
    return words;
  }

  /**
   * A batch's words are no longer needed (its reports are built): the buffer
   * is used again. Without it every batch left a dead buffer behind (52 MB
   * of them at the end of a capture holding 93 000 connections).
   */
  recycle(words: Int32Array): void {
    if (this.spares.length < MAX_SPARES && words !== this.words) this.spares.push(words);
  }

  /** A buffer of at least `n` words (and at least 4 096): a spare one, or a new one sized to the power of two. */
  private buffer(n: number): Int32Array {
    for (let i = this.spares.length - 1; i >= 0; i--) {
      const b = this.spares[i];
      if (b.length >= n && b.length >= 1 << 12) {
        this.spares.splice(i, 1);
        return b;
      }
    }
    let size = 1 << 12;
    while (size < n) size *= 2;
    return new Int32Array(size);
  }
}

/** Spare buffers kept for reuse (a batch in flight, its copy, the one being filled). */
const MAX_SPARES = 4;

/** The receiving side: the report of each record of a batch, in order. */
export function reportsOf(batch: HandoffBatch, settings: Settings, onReport: (r: ConnectionReport) => void): void {
  const words = batch.words;
  const reader = new WordReader();
  let p = 0;
  let k = 0;
  // One object for every record: a report holds no reference to its connection.
  let c: Connection | null = null;
  for (let i = 0; i < batch.count; i++) {
    const len = words[p];
    const flags = words[p + 2];
    if (flags & BUILT) onReport(batch.built[k++]);
    else {
      c = Connection.unpack(reader.at(words, p + HEADER), words[p + 1], 0, c);
      c.evicted = (flags & EVICTED) !== 0;
      onReport(buildReport(c, settings));
    }
    p += len;
  }
}
