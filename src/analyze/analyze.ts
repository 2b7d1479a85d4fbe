import type { Frame } from '../capture/frame.ts';
import { type ReadOptions, readFrames } from '../capture/source.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { buildReport } from '../report/build.ts';
import type { CaptureReport, ConnectionReport, Settings } from '../report/types.ts';
import { Tracker } from '../tcp/tracker.ts';

export interface AnalyzeOptions extends ReadOptions {
  /** Keep the reports in the returned CaptureReport (default true; false for ndjson streaming). */
  keepConnections?: boolean;
}

/**
 * The pipeline for one capture: readFrames -> Decoder -> Tracker ->
 * buildReport. `onConnection` gets each connection's report as soon as it is
 * final (not in stream order); the returned CaptureReport has them in stream
 * order.
 */
export async function analyzeFile(
  path: string,
  settings: Settings,
  onConnection?: (r: ConnectionReport) => void,
  opts: AnalyzeOptions = {},
): Promise<CaptureReport> {
  const keep = opts.keepConnections ?? true;
  const connections: ConnectionReport[] = [];
  const decoder = new Decoder();
  const seg = new Segment();
  const tracker = new Tracker({ lingerSeconds: settings.timeWaitSeconds }, (c) => {
    const r = buildReport(c, settings);
    if (keep) connections.push(r);
    if (onConnection) onConnection(r);
  });
  const onFrame = (f: Frame): void => {
    if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
    else tracker.observeTime(f.tsSec, f.tsNsec);
  };
  const readOpts: ReadOptions = opts.onProgress ? { onProgress: opts.onProgress } : {};
  const summary = await readFrames(path, onFrame, readOpts);
  tracker.finish();
  connections.sort((a, b) => a.stream - b.stream);
  return {
    file: path,
    format: summary.format,
    linkTypes: summary.linkTypes,
    frames: summary.frames,
    tcpSegments: decoder.stats.tcp,
    warnings: summary.warnings.map((w) => ({ frame: w.frame, offset: w.offset, message: w.message, skippedBytes: w.skippedBytes })),
    connections,
  };
}
