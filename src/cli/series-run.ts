/**
 * `analyze` of a rotation series (capture/series.ts) as one capture: the
 * files in time order feed one decoder and one tracker, so a connection
 * that crosses a file boundary is one connection and frame numbers count
 * across the series. The capture's report gets `series` (each file, its
 * first series frame, frames, first and last time) and each connection
 * built here `location` (the file and frame within it of its first and
 * last frame).
 */
import { type AnalyzeOptions, FINISH_STEP, Pipeline } from '../analyze/analyze.ts';
import { locateFrame, missingFromNames, orderSeries, readSeries, type SeriesFile, type SeriesKind, type SeriesPart } from '../capture/series.ts';
import type { ReadOptions } from '../capture/source.ts';
import { isoTime } from '../report/format.ts';
import type { CaptureReport, ConnectionReport, Settings } from '../report/types.ts';

/** A series given to analyze: how it was found and its files (in the order given). */
export interface SeriesInput {
  kind: SeriesKind;
  parts: SeriesPart[];
  /** The -G pattern (kind 'time'). */
  pattern: string | null;
}

/** Where a frame of the series is. */
export interface FrameLocation {
  file: string;
  frame: number;
}

/** What a connection report of a series adds. */
export interface SeriesLocation {
  location: { first: FrameLocation | null; last: FrameLocation | null };
}

/** What a capture report of a series adds. */
export interface SeriesReport {
  series: {
    kind: SeriesKind;
    files: { file: string; firstFrame: number | null; frames: number; firstTime: string | null; lastTime: string | null }[];
  };
}

/** analyzeFile for a series: the report's `file` is `name`. */
export async function analyzeSeries(
  name: string, input: SeriesInput, settings: Settings, onConnection: ((r: ConnectionReport) => void) | undefined, opts: AnalyzeOptions = {},
): Promise<CaptureReport & SeriesReport> {
  const files: SeriesFile[] = [];
  const located = (r: ConnectionReport): void => {
    (r as ConnectionReport & SeriesLocation).location = { first: locateFrame(files, r.firstFrame), last: locateFrame(files, r.lastFrame) };
    onConnection?.(r);
  };
  const p = new Pipeline(settings, located, {
    keepConnections: opts.keepConnections ?? true,
    ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
    ...(opts.raw === undefined ? {} : { raw: opts.raw }),
  });
  const inflate = opts.inflate ? { inflate: opts.inflate } : {};
  const ordered = (await orderSeries(input.kind, input.parts, input.pattern, inflate)).map((o) => o.part);
  const gaps = missingFromNames(input.kind, input.parts.map((x) => x.name), input.pattern);
  const missing = input.kind !== 'size' || gaps.length === 0 ? gaps : [`missing ${gaps.length > 10 ? [...gaps.slice(0, 10), `... (${gaps.length} files)`].join(', ') : gaps.join(', ')}`];
  const readOpts: ReadOptions = { ...inflate };
  if (opts.onProgress) readOpts.onProgress = opts.onProgress;
  const pause = opts.pause;
  if (pause) readOpts.pause = pause;
  if (pause && opts.pauseWanted) readOpts.pauseWanted = opts.pauseWanted;
  if (opts.signal) readOpts.signal = opts.signal;
  const read = await readSeries(ordered, p.onFrame, readOpts, missing, files);
  if (pause) {
    while (p.tracker.finishSome(FINISH_STEP) > 0) await (pause() ?? new Promise<void>((resolve) => setImmediate(resolve)));
  }
  const report = p.finish(name, read.summary);
  const time = (t: { sec: number; nsec: number } | null, digits: number): string | null => (t === null ? null : isoTime(t.sec, t.nsec, digits));
  return Object.assign(report, {
    series: {
      kind: input.kind,
      files: read.files.map((f) => ({ file: f.file, firstFrame: f.firstFrame, frames: f.frames, firstTime: time(f.firstTime, f.tsDigits), lastTime: time(f.lastTime, f.tsDigits) })),
    },
  });
}
