/**
 * The tracker tests' decode-and-track loop (their captures are in
 * ../helpers/captures.ts).
 */
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import type { Connection } from '../../src/tcp/connection.ts';
import { Tracker, type TrackerOptions } from '../../src/tcp/tracker.ts';

/** Run `file` through a tracker (linger 60 s unless `more` says otherwise) to the end. */
export async function track(
  file: string, unpackedLimit: number | undefined, onDone: (c: Connection) => void, more: Partial<TrackerOptions> = {},
): Promise<Tracker> {
  const decoder = new Decoder();
  const seg = new Segment();
  const tracker = new Tracker({ lingerSeconds: 60, ...(unpackedLimit === undefined ? {} : { unpackedLimit }), ...more }, onDone);
  await readFrames(file, (f: Frame) => {
    const status = decoder.decode(f, seg);
    if (status === DecodeStatus.Tcp) tracker.push(seg);
    else if (status === DecodeStatus.IcmpError) tracker.icmpError(seg);
    else tracker.observeTime(f.tsSec, f.tsNsec);
  });
  tracker.finish();
  return tracker;
}
