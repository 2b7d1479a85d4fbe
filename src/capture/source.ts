import { constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Socket } from 'node:net';
import { hex } from './bytes.ts';
import { gunzipMembers } from './gzip.ts';
import { CaptureError, type CaptureReader, type CaptureWarning, type Frame } from './frame.ts';
import { PCAP_MAGIC_NS, PCAP_MAGIC_NS_SWAPPED, PCAP_MAGIC_US, PCAP_MAGIC_US_SWAPPED, PcapReader } from './pcap.ts';
import { BT_SHB, PcapngReader } from './pcapng.ts';

const CHUNK = 4 * 1024 * 1024;

/** What was read from one capture, once it has been read to the end. */
export interface CaptureSummary {
  /** The path as given (`-` for standard input). */
  file: string;
  format: 'pcap' | 'pcapng';
  /** `gzip` when the capture was gzip-compressed (possibly more than once). */
  compression: 'gzip' | null;
  /** Sub-second digits of the timestamps: 6 (µs) or 9 (ns); pcapng: the finest interface. */
  tsDigits: number;
  /** Packet records read (Wireshark's frame count). */
  frames: number;
  /** Bytes of the (decompressed) capture consumed. */
  bytes: number;
  /** libpcap LINKTYPE_ values of the capture's interfaces. */
  linkTypes: number[];
  /** Damage that did not stop reading. */
  warnings: CaptureWarning[];
}

export interface ReadOptions {
  /** Called after each chunk with bytes read so far and the file size (0 when unknown). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Called after each chunk's frames: reading waits for a returned promise
   * before the next chunk (back-pressure from a consumer in another thread).
   */
  pause?: () => Promise<void> | null;
  /**
   * With `pause`: asked after every frame whether to pause before the next
   * one, within a chunk. A 4 MB chunk of small packets can end tens of
   * thousands of connections (a SYN flood evicting from a full table), and
   * their reports must not all wait for the end of the chunk.
   */
  pauseWanted?: () => boolean;
  /**
   * Stop reading when this is aborted (its reason, e.g. 'SIGINT', names
   * why): what was read is the capture, and a warning at the frame where
   * reading stopped says it was cut short. A wait for input that may never
   * come (a pipe) ends at once.
   */
  signal?: AbortSignal;
  /**
   * The input is a copy of one that this cut short (e.g. 'SIGINT'): its end
   * gets the same warning as a read the signal ended, not "file ends inside
   * the record".
   */
  cutShortBy?: string;
}

/** Pick the reader from the magic number: never from the file name. */
export function readerFor(first: Uint8Array): CaptureReader {
  const m = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0;
  switch (m) {
    case PCAP_MAGIC_US:
    case PCAP_MAGIC_NS:
    case PCAP_MAGIC_US_SWAPPED:
    case PCAP_MAGIC_NS_SWAPPED:
      return new PcapReader();
    case BT_SHB:
      return new PcapngReader();
    default:
      throw new CaptureError(`not a pcap or pcapng file (starts with 0x${hex(first, 4)})`, 0, 0);
  }
}

async function* fileChunks(path: string, total: { size: number }, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new CaptureError(`cannot open: ${ioReason(e)}`, 0, 0);
  }
  let handedOver = false;
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureError('is a directory', 0, 0);
    if (st.isFIFO()) {
      // The producer is there (this open waited for it). The second open
      // comes before the first is closed: a pipe with no reader left would
      // lose what a producer that already finished wrote into it.
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      handedOver = true;
      await fh.close();
      yield* fifoChunks(fd, signal);
      return;
    }
    total.size = st.isFile() ? st.size : 0;
    // Keep the next read in flight while the reader works on this chunk
    // (positioned reads on a regular file; a pipe or device reads in order).
    const positioned = st.isFile();
    let pos = 0;
    // Three buffers in turn: while chunk k+2 is read, the reader may still
    // hold chunk k+1 and the tail of chunk k (copied out when k+1 is
    // appended), never chunk k-1. A fresh 4 MB buffer per chunk left
    // hundreds of MB of dead buffers for the collector to find.
    const bufs: Buffer[] = [];
    let turn = 0;
    const readAt = async (): Promise<Uint8Array> => {
      if (bufs.length < 3) bufs.push(Buffer.allocUnsafe(CHUNK));
      const buf = bufs[turn];
      turn = (turn + 1) % 3;
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, CHUNK, positioned ? pos : null));
      } catch (e) {
        throw new CaptureError(`read error: ${ioReason(e)}`, 0, 0);
      }
      // Reads are sequential (the next starts once this one is awaited).
      pos += n;
      return n === CHUNK ? buf : buf.subarray(0, n);
    };
    let next = readAt();
    for (;;) {
      const chunk = await next;
      if (chunk.length === 0) return;
      next = readAt();
      next.catch(() => undefined);
      yield chunk;
    }
  } finally {
    if (!handedOver) await fh.close();
  }
}

/**
 * A named pipe is read as standard input is, by the event loop: a read in
 * the thread pool could not be ended while a quiet producer keeps the pipe
 * open, and would keep the process alive after an interrupt
 * (ReadOptions.signal).
 */
async function* fifoChunks(fd: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const pipe = new Socket({ fd, readable: true, writable: false });
  const end = (): void => void pipe.destroy();
  signal?.addEventListener('abort', end, { once: true });
  try {
    yield* streamChunks(pipe);
  } finally {
    signal?.removeEventListener('abort', end);
    pipe.destroy();
  }
}

function ioReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

async function* streamChunks(stream: NodeJS.ReadableStream & { destroyed?: boolean }): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of stream) yield typeof c === 'string' ? Buffer.from(c) : c;
  } catch (e) {
    // Destroyed on purpose (an interrupt, readFrames): the input just ends.
    if (stream.destroyed === true && (e as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw e;
  }
}

/**
 * Read a capture (a path, or `-` for standard input; gzip-compressed or not,
 * told apart by magic numbers) and call `onFrame` for each frame, in order.
 * Throws CaptureError when the input is not a capture at all; damage inside a
 * readable capture ends up in the summary's warnings.
 */
export async function readFrames(path: string, onFrame: (f: Frame) => void, opts: ReadOptions = {}): Promise<CaptureSummary> {
  const total = { size: 0 };
  const chunks = inputChunks(path, total, opts.signal);
  const progress = opts.onProgress;
  const o: ReadOptions = {};
  if (progress) o.onProgress = (n) => progress(n, total.size);
  if (opts.pause) o.pause = opts.pause;
  if (opts.pauseWanted) o.pauseWanted = opts.pauseWanted;
  if (opts.cutShortBy !== undefined) o.cutShortBy = opts.cutShortBy;
  if (opts.signal !== undefined) o.signal = opts.signal;
  return readFramesFrom(chunks, path, onFrame, o);
}

/**
 * The bytes of an input the user named: a file, a named pipe, or `-` for
 * standard input (`total.size` gets a regular file's size). Once `signal`
 * is aborted a pipe's pending read ends: a quiet producer would otherwise
 * keep the process alive after the report.
 */
export function inputChunks(path: string, total: { size: number } = { size: 0 }, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  return path === '-' ? stdinChunks(signal) : fileChunks(path, total, signal);
}

async function* stdinChunks(signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const drop = (): void => void process.stdin.destroy();
  signal?.addEventListener('abort', drop, { once: true });
  try {
    yield* streamChunks(process.stdin);
  } finally {
    signal?.removeEventListener('abort', drop);
  }
}

/** Same as readFrames for any stream of bytes (standard input, a tcpdump pipe). */
export async function readFramesFrom(
  chunks: AsyncIterable<Uint8Array>, file: string, onFrame: (f: Frame) => void, opts: ReadOptions = {},
): Promise<CaptureSummary> {
  const input = chunks[Symbol.asyncIterator]();
  try {
    return await readAll(input, file, onFrame, opts);
  } finally {
    // Reading may stop before the input ends (not a capture, a damaged gzip
    // member): let the input close its file now, not when the garbage
    // collector finds the handle. After an abort a read may still be pending,
    // and the input's return() waits for it: not awaited then.
    const closing = input.return?.(undefined)?.catch(() => undefined);
    if (opts.signal?.aborted !== true) await closing;
  }
}

/** What `next` of an input gives once `signal` is aborted while it waits. */
const ABORTED: unique symbol = Symbol('aborted');

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, (e: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

async function readAll(
  input: AsyncIterator<Uint8Array>, file: string, onFrame: (f: Frame) => void, opts: ReadOptions,
): Promise<CaptureSummary> {
  let compression: 'gzip' | null = null;
  let source: AsyncIterator<Uint8Array> = input;
  let head = await sniff(source);
  let gzipDepth = 0;
  const gzipWarnings: string[] = [];
  while (head.first.length >= 2 && head.first[0] === 0x1f && head.first[1] === 0x8b) {
    if (++gzipDepth > 8) throw new CaptureError('gzip nested more than 8 times', 0, 0);
    compression = 'gzip';
    source = gunzipMembers(head.first, head.rest, (m) => gzipWarnings.push(m))[Symbol.asyncIterator]();
    try {
      head = await sniff(source);
    } catch (e) {
      if (e instanceof CaptureError) throw e;
      throw new CaptureError(`bad gzip data: ${e instanceof Error ? e.message : String(e)}`, 0, 0);
    }
  }
  if (head.first.length < 4) {
    if (opts.signal?.aborted) throw new CaptureError(`cut short by ${String(opts.signal.reason)} before the capture's first bytes`, 0, 0);
    throw new CaptureError(head.first.length === 0 ? 'empty file: not a pcap or pcapng file' : `not a pcap or pcapng file (only ${head.first.length} bytes)`, 0, 0);
  }
  const reader = readerFor(head.first);
  let compressedCut: string | null = null;
  let raw = 0;
  const pause = opts.pause;
  const wanted = pause ? opts.pauseWanted : undefined;
  const feed = async (chunk: Uint8Array): Promise<void> => {
    raw += chunk.length;
    reader.append(chunk);
    for (let f = reader.next(); f !== undefined; f = reader.next()) {
      onFrame(f);
      // The chunk stays as it is while this waits: the next read goes into another buffer.
      if (wanted !== undefined && wanted()) {
        const wait = (pause as () => Promise<void> | null)();
        if (wait !== null) await wait;
      }
    }
    opts.onProgress?.(raw, 0);
  };
  await feed(head.first);
  // Only the input's own errors are about the input: a cut-off gzip stream
  // keeps everything decompressed so far. An error of the consumer (a frame
  // handler, a pause) is not damage in the capture and goes up as it is.
  const signal = opts.signal;
  let cutBy: string | null = null;
  const next = async (): Promise<IteratorResult<Uint8Array> | null> => {
    try {
      const r = signal === undefined ? await source.next() : await untilAborted(source.next(), signal);
      if (r !== ABORTED && !(signal?.aborted ?? false)) return r;
    } catch (e) {
      if (e instanceof CaptureError) throw e;
      if (!(signal?.aborted ?? false)) {
        compressedCut = e instanceof Error ? e.message : String(e);
        return null;
      }
    }
    // Aborted: what was read is the capture.
    cutBy = String((signal as AbortSignal).reason ?? 'an interrupt');
    return null;
  };
  for (let r = await next(); r !== null && !r.done; r = await next()) {
    await feed(r.value);
    if (pause) {
      const wait = pause();
      if (wait !== null) await wait;
    }
  }
  if (cutBy === null && opts.cutShortBy !== undefined) cutBy = opts.cutShortBy;
  // Cut short: a record split by the last chunk is not damage, only unread.
  if (cutBy === null) reader.end();
  for (let f = reader.next(); f !== undefined; f = reader.next()) onFrame(f);
  const warnings = reader.warnings;
  if (cutBy !== null) {
    warnings.push({ frame: reader.frames + 1, offset: reader.bytesRead, skippedBytes: 0, message: `cut short by ${cutBy}: nothing from here on was read` });
  }
  for (const m of gzipWarnings) {
    warnings.push({ frame: reader.frames + 1, offset: reader.bytesRead, skippedBytes: 0, message: m });
  }
  if (compressedCut !== null) {
    warnings.push({ frame: reader.frames + 1, offset: reader.bytesRead, skippedBytes: 0, message: `gzip stream ends early (${compressedCut}) after ${reader.bytesRead} decompressed bytes` });
  }
  return {
    file, format: reader.format, compression,
    tsDigits: reader instanceof PcapReader ? (reader.description.tsPrecision === 'ns' ? 9 : 6) : 9,
    frames: reader.frames, bytes: reader.bytesRead, linkTypes: [...reader.linkTypes], warnings,
  };
}


/** Read at least 4 bytes (or all there is) from the start of a stream. */
async function sniff(it: AsyncIterator<Uint8Array>): Promise<{ first: Uint8Array; rest: AsyncIterator<Uint8Array> }> {
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < 4) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    n += r.value.length;
  }
  return { first: parts.length === 1 ? parts[0] : Buffer.concat(parts), rest: it };
}
