/**
 * The CLI's plumbing around the pipeline: options shared by every command,
 * running the analysis of each capture with a progress bar and warnings on
 * stderr, selecting connections, and writing the output.
 */
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { lstat, mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type cliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import { type AnalyzeOptions, analyzeFile } from '../analyze/analyze.ts';
import type { ReportThread } from './report-thread.ts';
import type { SharedConnection, ShareRender } from './share-thread.ts';
import { SHARE_AUTO_BYTES, SHARE_AUTO_CPUS, SHARE_AUTO_MAX } from './options.ts';
import { type Common, selector } from './common.ts';
import type { Interrupt } from './interrupt.ts';
import type { SeriesInput } from './series-run.ts';
import type { RowsTask } from './worker.ts';
import { removeAtExit, removed } from './scratch.ts';
import { stopYoungGrowth } from './heap.ts';
import { runPool, sibling } from '../analyze/pool.ts';
import type { FilePath } from '../capture/files.ts';
import { CaptureError } from '../capture/frame.ts';
import { inputChunks } from '../capture/source.ts';
import type { CaptureReport, ConnectionReport } from '../report/types.ts';
import { termText } from '../render/escape/terminal.ts';
import { warningLine } from '../render/i18n.ts';
import { emptySummary, mergeSummary, type Summary } from '../render/rows.ts';
import { OutputFile, writeReason } from './output-file.ts';
import { UsageError } from './util.ts';

/** A progress bar on stderr that appears only when a capture takes more than a second. */
class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly started = Date.now();
  constructor(private readonly enabled: boolean, private readonly file: string) {}

  update(read: number, total: number): void {
    if (!this.enabled) return;
    const mb = (n: number): string => (n / 1048576).toFixed(1);
    if (this.bar === null) {
      if (Date.now() - this.started < 1000) return;
      // Loaded here, not at start: most runs are quick and show no bar.
      const bars = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
      this.bar = new bars.SingleBar({
        stream: process.stderr,
        format: total > 0 ? ' {file} [{bar}] {percentage}% | {done}/{size} MB | ETA {eta_formatted}' : ' {file} {done} MB read',
        hideCursor: true, clearOnComplete: true, barsize: 30, etaBuffer: 20,
      }, bars.Presets.shades_classic);
      this.bar.start(Math.max(total, read, 1), read, { file: termText(this.file), done: mb(read), size: mb(total) });
      return;
    }
    // gzip: bytes counted are decompressed ones, which outgrow the file size.
    if (read > this.bar.getTotal()) this.bar.setTotal(read);
    this.bar.update(read, { done: mb(read), size: mb(Math.max(total, read)) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * A capture: the name shown (as the user gave it, or as found in a folder)
 * and the path it is read from (a temporary copy of stdin; bytes for a name
 * that is not UTF-8); `within` for a file found in a folder (see
 * ReadOptions.within).
 */
export interface Input {
  name: string;
  path: FilePath;
  within?: Buffer | null;
  /** The copy was cut short by this signal (withReadableTwice). */
  cutShortBy?: string;
  /** A rotation series read as one capture (series-run.ts); `path` is its first file's. */
  series?: SeriesInput;
}

function inputOf(f: string | Input): Input {
  return typeof f === 'string' ? { name: f, path: f } : f;
}

export interface RunResult {
  captures: CaptureReport[];
  /** Some capture could not be read (its error was printed): exit 2 at the end. */
  failed: boolean;
}

/**
 * Analyze each capture in turn. An unreadable capture prints
 * `error: <file>: <reason>` and the others go on; damage inside a readable
 * capture prints one warning per problem, naming frame and byte offset.
 * `onConnection` gets each connection as soon as it is final (ndjson).
 * With `reports` the connections go to that report thread instead (ndjson
 * of large captures) and `failOnMatched` comes back from it. `indexes`
 * gives, for each capture returned, its place in `files`. Once `interrupt`
 * has come, the capture being read ends where it is (a warning says so) and
 * the next ones are not read.
 */
export async function analyzeAll(
  files: readonly (string | Input)[], c: Common,
  onConnection?: (r: ConnectionReport, file: string, index: number) => void,
  reports?: ReportThread,
  interrupt?: Interrupt,
  shared?: SharedRun,
): Promise<RunResult & { failOnMatched: boolean; indexes: number[] }> {
  const captures: CaptureReport[] = [];
  const indexes: number[] = [];
  let failed = false;
  let failOnMatched = false;
  for (let index = 0; index < files.length; index++) {
    const input = files[index];
    const { name: file, path, within, cutShortBy, series } = inputOf(input);
    if (interrupt?.received) {
      interrupt.notRead(file);
      continue;
    }
    const progress = new Progress(c.progress, file);
    reports?.begin(file);
    try {
      let skipFirst = 0;
      // A rotation series is read in one thread (the threads read one file each: its first).
      if (shared !== undefined && shared.threads > 1 && series === undefined && sizeOf(path) >= shared.minBytes) {
        const { analyzeShared } = await import('./share-thread.ts');
        const res = await analyzeShared(
          { name: file, path, within: within ?? null }, c.options, shared.threads, shared.render,
          (sc) => shared.onConnection(sc, file, index),
          {
            onProgress: (n, total) => progress.update(n, total), caughtUp: shared.caughtUp, flush: shared.flush,
            ...(interrupt === undefined ? {} : { signal: interrupt.signal }),
          },
        );
        shared.flush?.();
        if (res.capture !== null) {
          progress.stop();
          for (const w of res.capture.warnings) process.stderr.write(warningLine(c.lang, file, w) + '\n');
          captures.push(res.capture);
          indexes.push(index);
          continue;
        }
        // The rest in this thread, from the start of the capture: the reports written stay.
        skipFirst = res.fallback.skip;
        if (process.env.TCPSCOPE_THREADS_DEBUG === '1') process.stderr.write(`threads: one thread after ${skipFirst} connections: ${res.fallback.reason}\n`);
      }
      const opts: AnalyzeOptions = {
        onProgress: (n: number, total: number) => {
          progress.update(n, total);
          stopYoungGrowth();
        },
        keepConnections: onConnection === undefined && reports === undefined,
        maxConnections: c.maxConnections,
        inflate: c.inflate,
        within: within ?? null,
      };
      if (interrupt !== undefined) opts.signal = interrupt.signal;
      if (cutShortBy !== undefined) opts.cutShortBy = cutShortBy;
      if (skipFirst > 0) opts.skipFirst = skipFirst;
      if (reports !== undefined) {
        opts.raw = reports;
        opts.pause = reports.pause;
        opts.pauseWanted = reports.pauseWanted;
      }
      const each = onConnection ? (r: ConnectionReport): void => onConnection(r, file, index) : undefined;
      const rep = series === undefined
        ? await analyzeFile(path, c.settings, each, opts)
        : await (await import('./series-run.ts')).analyzeSeries(file, series, c.settings, each, opts);
      rep.file = file;
      progress.stop();
      if (reports !== undefined && await reports.end()) failOnMatched = true;
      for (const w of rep.warnings) {
        process.stderr.write(warningLine(c.lang, file, w) + '\n');
      }
      captures.push(rep);
      indexes.push(index);
    } catch (e) {
      progress.stop();
      if (e instanceof CaptureError) {
        if (reports !== undefined && await reports.end()) failOnMatched = true;
        process.stderr.write(`error: ${termText(file)}: ${termText(e.message)}\n`);
        failed = true;
        continue;
      }
      throw e;
    }
  }
  return { captures, failed, failOnMatched, indexes };
}

/** One capture read by several threads (share-thread.ts): what they render, and where it goes. */
export interface SharedRun {
  /** Threads (1: none). */
  threads: number;
  /** Only regular files of this size or more are read with threads. */
  minBytes: number;
  render: ShareRender;
  /** Each connection, in the order and with the stream number of a one-thread run. */
  onConnection: (sc: SharedConnection, file: string, index: number) => void;
  /** Called after each run of connections given to onConnection. */
  flush?: () => void;
  caughtUp?: () => Promise<void> | null;
}

/**
 * Threads for reading each capture (--threads), and the least size of a
 * capture read so: `auto` gives one per CPU, up to SHARE_AUTO_MAX, for
 * regular files of SHARE_AUTO_BYTES or more on a machine of
 * SHARE_AUTO_CPUS CPUs or more; captures read in parallel one per thread
 * (--jobs) get one each, and standard input or a pipe is read in one
 * thread (each thread reads the file itself).
 */
export function shareThreads(files: readonly (string | Input)[], c: Common, threads: string | undefined): { threads: number; minBytes: number } {
  const t = threads ?? 'auto';
  if (t !== 'auto' && (!/^\d+$/.test(t) || Number(t) < 1)) throw new UsageError(`--threads: expected a whole number >= 1 or auto, got '${t}'`);
  if (parallel(files, c)) return { threads: 1, minBytes: 0 };
  if (t !== 'auto') return { threads: Number(t), minBytes: 0 };
  const cpus = availableParallelism();
  return { threads: cpus < SHARE_AUTO_CPUS ? 1 : Math.min(cpus, SHARE_AUTO_MAX), minBytes: SHARE_AUTO_BYTES };
}

/** Size of a regular file (-1: standard input, a pipe, a device, or not there: read in one thread). */
function sizeOf(path: FilePath): number {
  if (path === '-') return -1;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/** Captures at least this large in all go through a report thread with --format ndjson. */
const REPORT_THREAD_BYTES = 32 << 20;

/**
 * Whether `analyze --format ndjson` of these captures builds its reports in
 * a second thread (report-thread.ts): regular files of REPORT_THREAD_BYTES or
 * more in all, on a machine with more than one core. TCPSCOPE_REPORT_THREAD
 * (`on` or `off`) overrides it (tests, measurements).
 */
export function reportThreadWanted(files: readonly (string | Input)[]): boolean {
  const env = process.env.TCPSCOPE_REPORT_THREAD;
  if (env === 'on') return true;
  if (env === 'off') return false;
  if (availableParallelism() < 2) return false;
  let bytes = 0;
  for (const input of files) {
    const f = inputOf(input);
    if (f.name === '-') return false;
    bytes += Math.max(0, sizeOf(f.path)); // not there: reported when it is read
  }
  return bytes >= REPORT_THREAD_BYTES;
}

/** Several captures go to worker threads (one capture per task) when this holds. */
export function parallel(files: readonly (string | Input)[], c: Common): boolean {
  return files.length > 1 && c.jobs > 1 && files.every((f) => inputOf(f).name !== '-' && inputOf(f).series === undefined);
}

/**
 * analyzeAll over worker threads, one capture per task, for several
 * captures. With `spoolOut` each capture's output is written there, capture
 * after capture in the order given: its NDJSON lines (filtered by
 * --stream/--filter), or with `rows` its part of a table, Markdown or CSV
 * output (worker.ts), the counts of their summaries added up in `summary`;
 * `failOnMatched` says whether one of them matched --fail-on. With `json`
 * each capture's connections wait in a file until every capture is read,
 * and `json` writes the document. Without either the reports come back
 * whole. An `interrupt` ends the reads in progress
 * (each worker answers with what it read) and starts no other.
 */
export async function analyzeParallel(
  inputs: readonly (string | Input)[], c: Common, spoolOut: Output | null, interrupt?: Interrupt,
  rows: Omit<RowsTask, 'path'> | null = null, json: JsonEnd | null = null,
): Promise<RunResult & { failOnMatched: boolean; summary: Summary }> {
  const files = inputs.map(inputOf);
  const { analyzeTask } = await import('./worker.ts');
  type Result = Awaited<ReturnType<typeof analyzeTask>>;
  const dir = spoolOut !== null || json !== null ? await mkdtemp(join(tmpdir(), 'tcpscope-parts-')) : null;
  if (dir !== null) removeAtExit(dir);
  const summary = emptySummary();
  try {
    const spool = (i: number): string | null => (dir !== null ? join(dir, `${i}.${json !== null ? 'json' : rows === null ? 'ndjson' : rows.format}`) : null);
    const tasks = files.map((f, i) => ({
      name: f.name, path: f.path, within: f.within ?? null,
      ndjsonTo: rows === null && json === null ? spool(i) : null,
      rowsTo: rows !== null && dir !== null ? { ...rows, path: spool(i) as string } : null,
      jsonTo: json !== null ? spool(i) : null,
    }));
    // With json: each capture's spool file and connections, kept until every capture is read.
    const jsonParts: { path: string; count: number }[] = [];
    const captures: CaptureReport[] = [];
    let failed = false;
    let failOnMatched = false;
    // Each capture's messages and NDJSON go out, in the order of the files,
    // as soon as it and every capture before it are done (not once all are):
    // the output starts early and each spool file is deleted once copied.
    let writing: Promise<void> = Promise.resolve();
    let writeError: unknown = null;
    const emit = async (i: number, r: Result): Promise<void> => {
      if (writeError !== null) return;
      try {
        if (r.capture === null) {
          process.stderr.write(`error: ${termText(files[i].name)}: ${termText(r.captureError ?? '')}\n`);
          failed = true;
          return;
        }
        for (const w of r.capture.warnings) process.stderr.write(warningLine(c.lang, files[i].name, w) + '\n');
        captures.push(r.capture);
        failOnMatched ||= r.failOnMatched;
        if (r.summary !== undefined) mergeSummary(summary, r.summary);
        const file = spool(i);
        if (json !== null && file !== null) jsonParts.push({ path: file, count: r.jsonCount ?? 0 });
        else if (spoolOut !== null && file !== null) {
          await spoolOut.append(file);
          await rm(file, { force: true });
        }
      } catch (e) {
        writeError = e;
      }
    };
    const onInOrder = (i: number, r: Result): void => {
      writing = writing.then(() => emit(i, r));
    };
    const results = await runPool<(typeof tasks)[number], Result>(
      tasks, sibling(import.meta.url, 'worker'), { analyzeWorker: true, options: c.options },
      (task) => analyzeTask(task, c.options, interrupt?.signal),
      (_task, message) => ({ capture: null, captureError: `internal error: ${message}`, failOnMatched: false }),
      { jobs: c.jobs, onInOrder, ...(interrupt === undefined ? {} : { signal: interrupt.signal }) },
    );
    await writing;
    if (writeError !== null) throw writeError;
    for (let i = 0; i < files.length; i++) if (!(i in results)) interrupt?.notRead(files[i].name);
    if (json !== null) await json(captures, jsonParts);
    return { captures, failed, failOnMatched, summary };
  } finally {
    if (dir !== null) {
      await rm(dir, { recursive: true, force: true });
      removed(dir);
    }
  }
}

/**
 * The end of analyzeParallel with `--format json`: the captures read (in the
 * order given, without their connections) and, for each, the file holding
 * its connections as the document has them between its array's brackets
 * and how many there are; the files are removed after it returns.
 */
export type JsonEnd = (captures: CaptureReport[], parts: { path: string; count: number }[]) => Promise<void>;

/** Bytes waiting to be written beyond which reading waits (Output.caughtUp). */
const OUTPUT_BACKLOG = 8 << 20;

/**
 * Where the output goes: stdout, or the --output file, which is written
 * beside it and put in its place by close() (output-file.ts: never through
 * a link, never half-written).
 */
export class Output {
  private readonly file: WriteStream | null;
  private constructor(private readonly target: OutputFile | null) {
    this.file = target === null ? null : target.stream;
  }

  static stdout(): Output {
    return new Output(null);
  }

  static async to(path: string): Promise<Output> {
    return new Output(await OutputFile.create(path));
  }

  /** Write `s`; `written` is called once its bytes are no longer needed. */
  write(s: string | Uint8Array, written?: () => void): void {
    if (this.file) this.file.write(s, written);
    else process.stdout.write(s, written);
  }

  /**
   * Back-pressure: null while little is waiting to be written, else a
   * promise resolved once the output has caught up (a pipe to a slower
   * reader, or a thread that did not let the event loop turn for a while).
   * Without it everything written would wait in memory.
   */
  caughtUp(): Promise<void> | null {
    const s = this.file ?? process.stdout;
    if (s.writableLength <= OUTPUT_BACKLOG || s.destroyed) return null;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  /**
   * Copy a file's bytes to the output through one buffer, each part written
   * before the next is read: the copy of a capture's spooled NDJSON runs
   * while workers analyze the next captures, and must not add to their memory.
   */
  async append(path: string): Promise<void> {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        await new Promise<void>((resolve) => this.write(buf.subarray(0, bytesRead), resolve));
      }
    } finally {
      await fh.close();
    }
  }


  /** Done: the --output file takes its name. */
  async close(): Promise<void> {
    if (this.target === null) return;
    try {
      await this.target.commit();
    } catch (e) {
      throw new UsageError(`--output: cannot write ${termText(this.target.path)}: ${writeReason(e)}`);
    }
  }

  /** Given up: the --output file is left as it was. */
  async abort(): Promise<void> {
    await this.target?.abort();
  }
}

/**
 * Check that --output can be written before the (maybe long) analysis:
 * a bad path is a usage error (exit 2), said in one line.
 */
export async function openOutput(path: string | null): Promise<Output> {
  if (path === null) return Output.stdout();
  try {
    // A folder there would only fail the rename, at the end.
    if ((await lstat(path).catch(() => null))?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return await Output.to(path);
  } catch (e) {
    throw new UsageError(`--output: cannot write ${termText(path)}: ${writeReason(e)}`);
  }
}

/** Can the capture be read a second time: a regular file (not `-`, a named pipe or a device)? */
export function readableTwice(file: FilePath): boolean {
  if (file === '-') return false;
  try {
    return statSync(file).isFile();
  } catch {
    return true; // its error comes when it is read
  }
}

/**
 * Standard input or a pipe can only be read once; commands that read the
 * capture twice (timeline, HTML diagrams) copy it to a temporary file first.
 * An `interrupt` ends the copy: what was copied is the capture.
 */
export async function withReadableTwice<T>(file: string, fn: (input: Input) => Promise<T>, interrupt?: Interrupt): Promise<T> {
  if (readableTwice(file)) return fn({ name: file, path: file });
  const dir = await mkdtemp(join(tmpdir(), 'tcpscope-'));
  removeAtExit(dir);
  const path = join(dir, 'input.capture');
  try {
    try {
      await pipeline(Readable.from(inputChunks(file, undefined, null, interrupt?.signal)), createWriteStream(path));
    } catch (e) {
      if (e instanceof CaptureError) throw new UsageError(`${file}: ${e.message}`);
      throw e;
    }
    const cutShortBy = interrupt?.received ?? null;
    return await fn(cutShortBy === null ? { name: file, path } : { name: file, path, cutShortBy });
  } finally {
    await rm(dir, { recursive: true, force: true });
    removed(dir);
  }
}

/**
 * Bytes from threads reading one capture, gathered into buffers of about
 * 1 MiB before they are written (a write per NDJSON line costs more than
 * copying it).
 */
export class Joiner {
  private buf = Buffer.allocUnsafe(JOIN_BYTES);
  private n = 0;
  constructor(private readonly out: { write(b: Uint8Array): void }) {}

  add(bytes: Uint8Array): void {
    if (this.n + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length > this.buf.length) {
        this.out.write(Buffer.from(bytes));
        return;
      }
    }
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  flush(): void {
    if (this.n === 0) return;
    // The buffer goes to the output as it is; the next bytes go into a new one.
    this.out.write(this.buf.subarray(0, this.n));
    this.buf = Buffer.allocUnsafe(JOIN_BYTES);
    this.n = 0;
  }
}

const JOIN_BYTES = 1 << 20;
