/**
 * `--format json` without holding the reports: the document has each
 * capture's counts (frames, decode, warnings) before its connections, and
 * those are known only at the capture's end, while connections are final one
 * by one and not in stream order. So each connection's text goes to a spool
 * file as soon as it is final, with its place in a few typed arrays, and the
 * document is written at the end from the spool, in stream order. Memory
 * holds a few numbers per connection instead of its report (about 4 KB): a
 * 432 MB capture of 93 000 connections took 851 MB of RSS that way.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSON_SEPARATOR_LENGTH, jsonConnectionText } from '../render/json.ts';
import { removeAtExit, removed } from './scratch.ts';
import type { ConnectionReport } from '../report/types.ts';

/** Texts gathered before one write to the spool file. */
const FLUSH_BYTES = 1 << 20;
/** Bytes read from the spool file at a time when copying it out. */
const READ_BYTES = 1 << 20;

/** The connections of one capture in the spool: where each one's text is. */
class Placed {
  n = 0;
  stream = new Float64Array(256);
  offset = new Float64Array(256);
  length = new Float64Array(256);

  add(stream: number, offset: number, length: number): void {
    if (this.n === this.stream.length) {
      const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.stream = grow(this.stream);
      this.offset = grow(this.offset);
      this.length = grow(this.length);
    }
    this.stream[this.n] = stream;
    this.offset[this.n] = offset;
    this.length[this.n] = length;
    this.n++;
  }

  /** Indexes of the connections in stream order. */
  order(): Uint32Array {
    const idx = new Uint32Array(this.n);
    let sorted = true;
    for (let i = 0; i < this.n; i++) {
      idx[i] = i;
      if (i > 0 && this.stream[i] < this.stream[i - 1]) sorted = false;
    }
    if (!sorted) idx.sort((a, b) => this.stream[a] - this.stream[b]);
    return idx;
  }
}

/** The bytes of the file at `path`, in new buffers of at most READ_BYTES (a worker's part of the document, analyze -j). */
export function* fileChunks(path: string): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_BYTES);
      const n = readSync(fd, buf, 0, READ_BYTES, null);
      if (n === 0) return;
      yield n === READ_BYTES ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export class JsonSpool {
  private readonly dir: string;
  private readonly fd: number;
  private readonly captures: Placed[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes in the file, written or pending. */
  private size = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tcpscope-json-'));
    removeAtExit(this.dir);
    this.fd = openSync(join(this.dir, 'connections'), 'w+');
  }

  /** A connection of capture `capture` (0, 1, ... in the order they are read). */
  add(capture: number, r: ConnectionReport): void {
    while (this.captures.length <= capture) this.captures.push(new Placed());
    const text = jsonConnectionText(r);
    const bytes = Buffer.byteLength(text);
    this.captures[capture].add(r.stream, this.size, bytes);
    this.size += bytes;
    this.pending.push(text);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** A connection's text (jsonConnectionText) already made, by the threads reading one capture. */
  addBytes(capture: number, stream: number, text: Uint8Array): void {
    while (this.captures.length <= capture) this.captures.push(new Placed());
    this.captures[capture].add(stream, this.size, text.length);
    this.size += text.length;
    this.pending.push(Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8'));
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Connections spooled for a capture. */
  count(capture: number): number {
    return capture < this.captures.length ? this.captures[capture].n : 0;
  }

  /**
   * Capture `capture`'s connections, in stream order, as the document has
   * them between its array's brackets: pieces of about READ_BYTES, each a
   * new buffer (it may still be waiting to be written when the next comes).
   */
  *texts(capture: number): Generator<Uint8Array> {
    this.flush();
    const p = this.captures[capture];
    if (p === undefined) return;
    const order = p.order();
    // Runs of connections that lie one after the other in the file are read together.
    let runStart = -1;
    let runEnd = -1;
    // The first connection of the array has no separator before it.
    let skip = JSON_SEPARATOR_LENGTH;
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      const off = p.offset[i];
      if (off === runEnd) {
        runEnd = off + p.length[i];
        continue;
      }
      if (runStart >= 0) {
        yield* this.range(runStart + skip, runEnd);
        skip = 0;
      }
      runStart = off;
      runEnd = off + p.length[i];
    }
    if (runStart >= 0) yield* this.range(runStart + skip, runEnd);
  }

  /** Bytes [from, to) of the spool file, in new buffers of at most READ_BYTES. */
  private *range(from: number, to: number): Generator<Uint8Array> {
    while (from < to) {
      const n = Math.min(READ_BYTES, to - from);
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const k = readSync(this.fd, buf, got, n - got, from + got);
        if (k === 0) throw new Error(`spool file ended early at byte ${from + got}`);
        got += k;
      }
      yield buf;
      from += n;
    }
  }

  /** Delete the spool file. */
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.dir, { recursive: true, force: true });
    removed(this.dir);
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.from(this.pending.join(''));
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
