import { type FilePath, nameText } from '../capture/files.ts';
import type { Frame } from '../capture/frame.ts';
import { type CaptureSummary, type ReadOptions, readFrames, readFramesFrom } from '../capture/source.ts';
import { Decoder, type DecoderStats } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { tunnelName, UNDECODED_NAMES } from '../decode/encapsulation.ts';
import { buildReport } from '../report/build.ts';
import type { CaptureReport, ConnectionReport, DecodeCounts, Settings } from '../report/types.ts';
import type { Connection } from '../tcp/connection.ts';
import type { TcpObserver } from '../tcp/observer.ts';
import { type PackedDone, Tracker } from '../tcp/tracker.ts';

export interface AnalyzeOptions extends ReadOptions {
  /** Keep the reports in the returned CaptureReport (default true; false for ndjson streaming). */
  keepConnections?: boolean;
  /** Most connections held at once (see Tracker's maxConnections; default: no limit). */
  maxConnections?: number;
  /**
   * Hand each finished connection here instead of building its report in
   * this thread (handoff.ts packs it for a report thread); no report is
   * built or kept, `onConnection` is not called.
   */
  raw?: RawConnections;
  /**
   * Called between chunks of input, and between steps of letting go of the
   * connections held at the end: reading waits for a returned promise.
   */
  pause?: () => Promise<void> | null;
  /** With `pause`: asked after every frame whether to pause there, within a chunk (ReadOptions.pauseWanted). */
  pauseWanted?: () => boolean;
  /**
   * The first this many connections let go of are dropped (no report is
   * built): their reports were written already, by threads that read the
   * capture before (cli/share-thread.ts).
   */
  skipFirst?: number;
}

export interface PipelineOptions {
  /** Keep the reports for `finish` (default true). */
  keepConnections?: boolean;
  /** Watch connections as they change (live). */
  observer?: TcpObserver;
  /** Called with each connection and its report when the tracker lets go of it, before `onConnection`. */
  onDone?: (c: Connection, r: ConnectionReport) => void;
  /** Most connections held at once (see Tracker's maxConnections; default: no limit). */
  maxConnections?: number;
  /** See AnalyzeOptions.raw. */
  raw?: RawConnections;
  /** See AnalyzeOptions.skipFirst. */
  skipFirst?: number;
}

/** Where finished connections go instead of buildReport (handoff.ts). */
export interface RawConnections {
  connection(c: Connection): void;
  /** A connection the tracker held packed. */
  packed(p: PackedDone): void;
}

/** Connections let go of per step at the end of a capture when something else must run in between (AnalyzeOptions.pause, threads, a merge). */
export const FINISH_STEP = 1024;

/**
 * Decoder -> Tracker -> buildReport for one capture, fed frame by frame:
 * files (`analyzeFile`), any byte stream (`analyzeChunks`) and live captures
 * share it. `onConnection` gets each connection's report as soon as it is
 * final (not in stream order); `finish` returns them in stream order.
 */
export class Pipeline {
  readonly decoder = new Decoder();
  readonly tracker: Tracker;
  private readonly seg = new Segment();
  private readonly connections: ConnectionReport[] = [];
  /** Frame handler to pass to a reader. */
  readonly onFrame: (f: Frame) => void;

  constructor(readonly settings: Settings, onConnection?: (r: ConnectionReport) => void, opts: PipelineOptions = {}) {
    const keep = opts.keepConnections ?? true;
    const onDone = opts.onDone;
    // Reports hold no reference to their connection: only onDone (and an observer) could keep one.
    const reuseDone = onDone === undefined && opts.observer === undefined;
    const trackerOpts = opts.maxConnections === undefined
      ? { lingerSeconds: settings.timeWaitSeconds, reuseDone }
      : { lingerSeconds: settings.timeWaitSeconds, maxConnections: opts.maxConnections, reuseDone };
    const raw = opts.raw;
    let skip = opts.skipFirst ?? 0;
    this.tracker = new Tracker(trackerOpts, raw !== undefined ? (c) => {
      if (skip > 0) skip--;
      else raw.connection(c);
    } : (c) => {
      if (skip > 0) {
        skip--;
        return;
      }
      const r = buildReport(c, settings);
      if (keep) this.connections.push(r);
      if (onDone) onDone(c, r);
      if (onConnection) onConnection(r);
    });
    if (opts.observer) this.tracker.observer = opts.observer;
    if (raw !== undefined) {
      this.tracker.onDonePacked = (p) => {
        if (skip > 0) skip--;
        else raw.packed(p);
      };
    }
    const decoder = this.decoder;
    const seg = this.seg;
    const tracker = this.tracker;
    this.onFrame = (f: Frame): void => {
      const status = decoder.decode(f, seg);
      if (status === DecodeStatus.Tcp) tracker.push(seg);
      else if (status === DecodeStatus.IcmpError) tracker.icmpError(seg);
      else tracker.observeTime(f.tsSec, f.tsNsec);
    };
  }

  /** The capture ended: let go of every connection and build the capture's report. */
  finish(file: string, summary: CaptureSummary): CaptureReport {
    this.tracker.finish();
    const connections = this.connections;
    connections.sort((a, b) => a.stream - b.stream);
    const warnings = summary.warnings.map((w) => ({ frame: w.frame, offset: w.offset, message: w.message, skippedBytes: w.skippedBytes }));
    const t = this.tracker;
    if (t.evicted > 0) {
      warnings.push({
        frame: t.firstEvictionFrame, offset: t.firstEvictionOffset, skippedBytes: 0,
        message: `connection table full (--max-connections ${t.maxHeld}): ${t.evicted} ${t.evicted === 1 ? 'connection' : 'connections'} evicted early, ` +
          `${t.evictedOpen} of them still open; each was reported as if the capture had ended when it was evicted ` +
          '(TIME_WAIT evidence capture-end, verdicts inconclusive where 2MSL had not passed)',
      });
    }
    const report: CaptureReport = {
      file,
      format: summary.format,
      linkTypes: summary.linkTypes,
      frames: summary.frames,
      tcpSegments: this.decoder.stats.tcp,
      decode: decodeCounts(this.decoder.stats),
      warnings,
      connections,
    };
    if (t.evicted > 0) report.connectionTable = { maxConnections: t.maxHeld, evicted: t.evicted, evictedOpen: t.evictedOpen };
    return report;
  }
}

/**
 * The pipeline for one capture: readFrames -> Decoder -> Tracker ->
 * buildReport. `onConnection` gets each connection's report as soon as it is
 * final (not in stream order); the returned CaptureReport has them in stream
 * order.
 */
export function analyzeFile(
  path: FilePath,
  settings: Settings,
  onConnection?: (r: ConnectionReport) => void,
  opts: AnalyzeOptions = {},
): Promise<CaptureReport> {
  const name = typeof path === 'string' ? path : nameText(path);
  return run(name, settings, onConnection, opts, (onFrame, readOpts) => readFrames(path, onFrame, readOpts));
}

/** Same as analyzeFile for any stream of capture bytes (a pipe, a socket); `name` is the report's `file`. */
export function analyzeChunks(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  settings: Settings,
  onConnection?: (r: ConnectionReport) => void,
  opts: AnalyzeOptions = {},
): Promise<CaptureReport> {
  return run(name, settings, onConnection, opts, (onFrame, readOpts) => readFramesFrom(chunks, name, onFrame, readOpts));
}

async function run(
  name: string,
  settings: Settings,
  onConnection: ((r: ConnectionReport) => void) | undefined,
  opts: AnalyzeOptions,
  read: (onFrame: (f: Frame) => void, readOpts: ReadOptions) => Promise<CaptureSummary>,
): Promise<CaptureReport> {
  const p = new Pipeline(settings, onConnection, {
    keepConnections: opts.keepConnections ?? true,
    ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
    ...(opts.raw === undefined ? {} : { raw: opts.raw }),
    ...(opts.skipFirst === undefined ? {} : { skipFirst: opts.skipFirst }),
  });
  const readOpts: ReadOptions = {};
  if (opts.onProgress) readOpts.onProgress = opts.onProgress;
  const pause = opts.pause;
  if (pause) readOpts.pause = pause;
  if (pause && opts.pauseWanted) readOpts.pauseWanted = opts.pauseWanted;
  if (opts.within) readOpts.within = opts.within;
  if (opts.inflate) readOpts.inflate = opts.inflate;
  if (opts.signal) readOpts.signal = opts.signal;
  if (opts.cutShortBy !== undefined) readOpts.cutShortBy = opts.cutShortBy;
  const summary = await read(p.onFrame, readOpts);
  if (pause) {
    // Many connections may be held at the end: let them go in steps, with the pause between.
    while (p.tracker.finishSome(FINISH_STEP) > 0) await (pause() ?? nextTurn());
  }
  return p.finish(name, summary);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function decodeCounts(s: DecoderStats): DecodeCounts {
  return {
    notTcp: s.notTcp,
    ipFragments: s.fragments,
    truncated: s.truncated,
    malformed: s.malformed,
    loopbackDuplicates: s.duplicates,
    unsupportedLinkTypes: [...s.unsupportedLinkTypes].sort((a, b) => a[0] - b[0]).map(([linkType, frames]) => ({ linkType, frames })),
    undecodedEncapsulations: s.undecoded.flatMap((frames, k) => (frames > 0 ? [{ kind: UNDECODED_NAMES[k], frames }] : [])),
    tunnels: s.tunnels.flatMap((segments, k) => (k > 0 && segments > 0 ? [{ kind: tunnelName(k), segments }] : [])),
  };
}
