/**
 * What the tracker's tests share: the captures they run on (kernel fixtures
 * and, when present, the public corpus), a capture generated for one test,
 * and the decode-and-track loop.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTo, type GenerateOptions } from '../../src/bench/generate.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import type { Connection } from '../../src/tcp/connection.ts';
import { Tracker, type TrackerOptions } from '../../src/tcp/tracker.ts';
import { capturesDir, corpusDir, haveCorpus } from '../helpers/paths.ts';

const captures = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f));

/** Every fixture capture, and every corpus capture when ../shared/corpus is there. */
export const files = [...captures(capturesDir), ...(haveCorpus ? captures(corpusDir) : [])];

/** Run `file` through a tracker (linger 60 s unless `more` says otherwise) to the end. */
export async function track(
  file: string, unpackedLimit: number | undefined, onDone: (c: Connection) => void, more: Partial<TrackerOptions> = {},
): Promise<Tracker> {
  const decoder = new Decoder();
  const seg = new Segment();
  const tracker = new Tracker({ lingerSeconds: 60, ...(unpackedLimit === undefined ? {} : { unpackedLimit }), ...more }, onDone);
  await readFrames(file, (f: Frame) => {
    if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
    else tracker.observeTime(f.tsSec, f.tsNsec);
  });
  tracker.finish();
  return tracker;
}

/** `fn` with the path of a capture generated (src/bench/generate.ts) in a temporary folder, removed after. */
export async function withGenerated<T>(opts: GenerateOptions, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-test-'));
  try {
    const path = join(dir, 'gen.pcap');
    generateTo(path, opts);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
