/**
 * tcpscope as a library: `import { connections } from 'tcpscope'`.
 *
 * The objects are those of the JSON contract (report/types.ts, the same as
 * `tcpscope analyze --format json|ndjson`): scripts and graders read the
 * fields documented there instead of parsing output.
 *
 *   for await (const c of connections('capture.pcapng', { os: 'linux' })) {
 *     if (c.close.activeCloser === 'server') console.log(c.stream, c.timeWait.verdict);
 *   }
 *
 * `connections` streams: each connection comes as soon as the capture shows
 * it ended (not in stream order), memory grows with the connections open at
 * once, not with the file, and reading waits while the consumer is behind.
 * Breaking out of the loop stops reading. A file that is not a capture
 * rejects with a CaptureError (message, frame, byte offset).
 */
import { analyzeChunks, analyzeFile, type AnalyzeOptions as PipelineAnalyzeOptions } from './analyze/analyze.ts';
import { CaptureError } from './capture/frame.ts';
import { compileFilter } from './report/filter.ts';
import { isOsPreset, makeSettings, OS_PRESETS } from './report/settings.ts';
import type { CaptureReport, ConnectionReport, OsPreset, Settings } from './report/types.ts';

export type * from './report/types.ts';
export { CaptureError, compileFilter, OS_PRESETS };
export type { Predicate } from './report/filter.ts';

export interface AnalyzeOptions {
  /** TIME_WAIT length preset (default `rfc`: 2 x MSL = 240 s). */
  os?: OsPreset;
  /** Maximum Segment Lifetime in seconds; TIME_WAIT must last 2 x MSL (overrides `os`). */
  msl?: number;
  /** Only connections matching this `--filter` expression (see `compileFilter`). */
  filter?: string;
  /** Most connections held at once; beyond it the one idle the longest is reported early (default 100,000). */
  maxConnections?: number;
  /** The name reports give a capture read from a stream of bytes (default `-`). */
  name?: string;
}

/** A capture: a file's path, or its bytes as they come (a pipe, a socket, a download). */
export type CaptureInput = string | AsyncIterable<Uint8Array>;

/** Reports waiting for the consumer beyond which reading pauses. */
const HIGH_WATER = 256;

function settingsOf(o: AnalyzeOptions): Settings {
  const os = o.os ?? 'rfc';
  if (!isOsPreset(os)) throw new RangeError(`os: expected one of ${OS_PRESETS.join(', ')}, got '${String(os)}'`);
  if (o.msl !== undefined && !(o.msl > 0 && Number.isFinite(o.msl))) throw new RangeError(`msl: expected a positive number of seconds, got ${o.msl}`);
  return makeSettings(o.msl === undefined ? { os } : { os, msl: o.msl });
}

function run(input: CaptureInput, o: AnalyzeOptions, onConnection: ((r: ConnectionReport) => void) | undefined, opts: PipelineAnalyzeOptions): Promise<CaptureReport> {
  const settings = settingsOf(o);
  const all: PipelineAnalyzeOptions = { maxConnections: o.maxConnections ?? 100_000, ...opts };
  return typeof input === 'string'
    ? analyzeFile(input, settings, onConnection, all)
    : analyzeChunks(input, o.name ?? '-', settings, onConnection, all);
}

/** Thrown into the reader to stop it when the consumer has gone. */
class Stopped extends Error {}

/**
 * The capture's connections, each as soon as it ends (and the ones still
 * open when the capture ends, last), as the JSON contract's objects.
 */
export async function* connections(input: CaptureInput, options: AnalyzeOptions = {}): AsyncGenerator<ConnectionReport, void, undefined> {
  const keep = options.filter === undefined ? null : compileFilter(options.filter);
  const queue: ConnectionReport[] = [];
  // Who waits: the consumer for a report, the reader for room in the queue.
  const waiting: { consumer: (() => void) | null; reader: (() => void) | null } = { consumer: null, reader: null };
  let finished = false;
  let failure: unknown = null;
  let stopped = false;
  const notify = (): void => {
    waiting.consumer?.();
    waiting.consumer = null;
  };
  const resume = (): void => {
    waiting.reader?.();
    waiting.reader = null;
  };
  const job = run(input, options, (r) => {
    if (keep !== null && !keep(r)) return;
    queue.push(r);
    notify();
  }, {
    keepConnections: false,
    pauseWanted: () => stopped || queue.length >= HIGH_WATER,
    pause: () => {
      if (stopped) throw new Stopped();
      return queue.length < HIGH_WATER ? null : new Promise<void>((res) => { waiting.reader = res; });
    },
  }).then(
    () => { finished = true; notify(); },
    (e: unknown) => { failure = e; finished = true; notify(); },
  );
  try {
    for (;;) {
      const r = queue.shift();
      if (r !== undefined) {
        if (queue.length < HIGH_WATER / 2) resume();
        yield r;
        continue;
      }
      if (failure !== null) throw failure;
      if (finished) return;
      resume();
      await new Promise<void>((res) => { waiting.consumer = res; });
    }
  } finally {
    stopped = true;
    resume();
    await job;
  }
}

/**
 * The whole capture's report, connections in stream order (the `captures[]`
 * element of `--format json`). Holds every report: for large captures,
 * `connections` streams.
 */
export async function analyzeCapture(input: CaptureInput, options: AnalyzeOptions = {}): Promise<CaptureReport> {
  const rep = await run(input, options, undefined, { keepConnections: true });
  if (options.filter !== undefined) {
    const keep = compileFilter(options.filter);
    rep.connections = rep.connections.filter(keep);
  }
  return rep;
}
