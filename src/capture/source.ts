import { constants, openSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Socket } from 'node:net';
import { hex } from './bytes.ts';
import type { FilePath } from './files.ts';
import { type GunzipStats, gunzipMembers } from './gzip.ts';
import { CaptureError, type CaptureReader, type CaptureWarning, type Frame } from './frame.ts';
import { ioReason, openCapture } from './open.ts';
import { PCAP_MAGIC_NS, PCAP_MAGIC_NS_SWAPPED, PCAP_MAGIC_US, PCAP_MAGIC_US_SWAPPED, PcapReader } from './pcap.ts';
import { BT_SHB, PcapngReader } from './pcapng.ts';

const CHUNK = 1024 * 1024;

/**
 * Default --max-inflate: most bytes a gzip-compressed capture may
 * decompress to. A bomb's output is never held (gzip.ts), so this bounds
 * the time it takes (about 1 GB/s inflated), not memory.
 */
export const DEFAULT_MAX_INFLATE = 16 * 2 ** 30;
/**
 * Default --max-inflate-ratio: most decompressed bytes per compressed byte.
 * Deflate's own limit is about 1032 (long runs of one byte); captures come
 * far below it, even of zero-filled payloads (every packet has a header,
 * a timestamp, sequence numbers), while a gzip inside a gzip multiplies the
 * two ratios. Checked once RATIO_AFTER bytes are out, so small files with
 * a high ratio (a short capture of empty segments) pass.
 */
export const DEFAULT_MAX_INFLATE_RATIO = 1000;
const RATIO_AFTER = 64 * 2 ** 20;

/** Limits on decompression (--max-inflate, --max-inflate-ratio). */
export interface InflateLimits {
  maxBytes: number;
  maxRatio: number;
}

export const DEFAULT_INFLATE_LIMITS: Readonly<InflateLimits> = { maxBytes: DEFAULT_MAX_INFLATE, maxRatio: DEFAULT_MAX_INFLATE_RATIO };

/** `1.5 GiB`, `64 MiB`, `512 KiB`, `100 B`: a limit as people read it. */
export function sizeText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

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
   * one, within a chunk. A 1 MB chunk of small packets can end about fifteen
   * thousand connections (a SYN flood evicting from a full table), and
   * their reports must not all wait for the end of the chunk.
   */
  pauseWanted?: () => boolean;
  /**
   * The real path of the folder the file was found in (capture/files.ts):
   * it is opened as a file someone else put there (capture/open.ts).
   */
  within?: Buffer | null;
  /** Decompression limits (default DEFAULT_INFLATE_LIMITS). */
  inflate?: InflateLimits;
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
  /** Called with the reader once the format is known, before any frame (writers that copy frames out need its details). */
  onReader?: (reader: CaptureReader) => void;
  /**
   * Every read of the input ends by itself (a file, or a named pipe, whose
   * wait ends with the signal): after an abort its close is awaited too.
   * A close left in flight when a worker thread is stopped can run after
   * the descriptor's number was given to a file another thread opened, and
   * close that one. Not so for standard input, whose read may never end.
   */
  readsEnd?: boolean;
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

async function* fileChunks(path: FilePath, total: { size: number }, within: Buffer | null, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const fh = await openCapture(path, within);
  let handedOver = false;
  try {
    // A named pipe the user named (one found in a folder is refused by openCapture).
    if (within === null && (await fh.stat()).isFIFO()) {
      // The producer is there (the open waited for it). The second open
      // comes before the first is closed: a pipe with no reader left would
      // lose what a producer that already finished wrote into it.
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      handedOver = true;
      await fh.close();
      yield* fifoChunks(fd, signal);
      return;
    }
    yield* handleChunks(fh, total);
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

/**
 * The bytes of an open file, in chunks of up to 1 MB; `total.size` is set
 * to its size (0 when it is not a regular file). The handle stays open.
 */
export async function* handleChunks(fh: FileHandle, total: { size: number }): AsyncGenerator<Uint8Array> {
  {
    const st = await fh.stat();
    if (st.isDirectory()) throw new CaptureError('is a directory', 0, 0);
    total.size = st.isFile() ? st.size : 0;
    // Keep the next read in flight while the reader works on this chunk
    // (positioned reads on a regular file; a pipe or device reads in order).
    const positioned = st.isFile();
    let pos = 0;
    // Three buffers in turn: while chunk k+2 is read, the reader may still
    // hold chunk k+1 and the tail of chunk k (copied out when k+1 is
    // appended), never chunk k-1. A fresh buffer per chunk left
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
  }
}

async function* streamChunks(stream: NodeJS.ReadableStream & { destroyed?: boolean }): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of stream) yield typeof c === 'string' ? Buffer.from(c) : c;
  } catch (e) {
    // Destroyed on purpose (an interrupt): the input just ends.
    if (stream.destroyed === true && (e as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw e;
  }
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

/**
 * The bytes of an input the user named: a file, a named pipe, or `-` for
 * standard input (`total.size` gets a regular file's size; `within` as in
 * ReadOptions). Once `signal` is aborted a pipe's pending read ends: a
 * quiet producer would otherwise keep the process alive after the report.
 */
export function inputChunks(
  path: FilePath, total: { size: number } = { size: 0 }, within: Buffer | null = null, signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  return path === '-' ? stdinChunks(signal) : fileChunks(path, total, within, signal);
}

/**
 * Read a capture (a path, or `-` for standard input; gzip-compressed or not,
 * told apart by magic numbers) and call `onFrame` for each frame, in order.
 * Throws CaptureError when the input is not a capture at all; damage inside a
 * readable capture ends up in the summary's warnings.
 */
export async function readFrames(path: FilePath, onFrame: (f: Frame) => void, opts: ReadOptions = {}): Promise<CaptureSummary> {
  const total = { size: 0 };
  const chunks = inputChunks(path, total, opts.within ?? null, opts.signal);
  const progress = opts.onProgress;
  const o: ReadOptions = {};
  if (progress) o.onProgress = (n) => progress(n, total.size);
  if (opts.pause) o.pause = opts.pause;
  if (opts.pauseWanted) o.pauseWanted = opts.pauseWanted;
  if (opts.inflate) o.inflate = opts.inflate;
  if (opts.signal !== undefined) o.signal = opts.signal;
  if (opts.cutShortBy !== undefined) o.cutShortBy = opts.cutShortBy;
  if (opts.onReader) o.onReader = opts.onReader;
  o.readsEnd = path !== '-';
  return readFramesFrom(chunks, typeof path === 'string' ? path : path.toString('utf8'), onFrame, o);
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
    // and the input's return() waits for it: not awaited then, unless every
    // read ends by itself (ReadOptions.readsEnd).
    const closing = input.return?.(undefined)?.catch(() => undefined);
    if (opts.signal?.aborted !== true || opts.readsEnd === true) await closing;
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
  // Each gzip layer, outermost first: closed when reading stops, so that
  // inflating stops with it. The outermost one's consumed bytes are the
  // compressed bytes behind the output so far (the file is read ahead in
  // 1 MB chunks: a bomb's whole file is read long before it is inflated).
  const layers: AsyncGenerator<Uint8Array>[] = [];
  const outermost: GunzipStats = { consumed: 0 };
  try {
    return await readLayers(input, layers, outermost, file, onFrame, opts);
  } finally {
    for (const g of layers.reverse()) {
      const closing = g.return(undefined).catch(() => undefined);
      if (opts.signal?.aborted !== true || opts.readsEnd === true) await closing;
    }
  }
}

async function readLayers(
  input: AsyncIterator<Uint8Array>, layers: AsyncGenerator<Uint8Array>[], outermost: GunzipStats,
  file: string, onFrame: (f: Frame) => void, opts: ReadOptions,
): Promise<CaptureSummary> {
  let compression: 'gzip' | null = null;
  let source: AsyncIterator<Uint8Array> = input;
  let head = await sniff(source);
  let gzipDepth = 0;
  const gzipWarnings: string[] = [];
  while (head.first.length >= 2 && head.first[0] === 0x1f && head.first[1] === 0x8b) {
    if (++gzipDepth > 8) throw new CaptureError('gzip nested more than 8 times', 0, 0);
    compression = 'gzip';
    const layer = gunzipMembers(head.first, head.rest, (m) => gzipWarnings.push(m), layers.length === 0 ? outermost : undefined);
    layers.push(layer);
    source = layer;
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
  opts.onReader?.(reader);
  let compressedCut: string | null = null;
  let raw = 0;
  const pause = opts.pause;
  const wanted = pause ? opts.pauseWanted : undefined;
  const limits = opts.inflate ?? DEFAULT_INFLATE_LIMITS;
  const feed = async (chunk: Uint8Array): Promise<void> => {
    raw += chunk.length;
    if (compression !== null) checkInflate(raw, outermost.consumed, limits, reader);
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


/** A gzip-compressed capture past a limit of decompression: reading stops with a CaptureError. */
function checkInflate(out: number, taken: number, limits: InflateLimits, reader: CaptureReader): void {
  if (out > limits.maxBytes) {
    throw new CaptureError(`gzip: decompresses to more than ${sizeText(limits.maxBytes)} (--max-inflate); not read further`, reader.frames + 1, reader.bytesRead);
  }
  if (out > RATIO_AFTER && out > limits.maxRatio * taken) {
    throw new CaptureError(`gzip: decompresses to more than ${limits.maxRatio} times its compressed size (--max-inflate-ratio): a gzip bomb?; not read further`, reader.frames + 1, reader.bytesRead);
  }
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
