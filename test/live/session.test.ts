/**
 * The live session's own rules, on a source the test feeds (no capture, no
 * root): a stop takes what was stamped before it and nothing after; --count
 * counts what is analysed and written; the -w file has its header from the
 * start. The frames are those of a kernel fixture, their times moved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { LiveSession } from '../../src/live/session.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { type BuiltPacket, pcapFile } from '../helpers/build.ts';
import { FedSource } from '../helpers/fed-source.ts';
import { capturesDir } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-session-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The frames of a four-way close (eleven), moved to start at `sec` (ns pcap records). */
async function closeAt(sec: number): Promise<BuiltPacket[]> {
  const out: BuiltPacket[] = [];
  let first = -1;
  await readFrames(join(capturesDir, 'four-way-close.pcap'), (f: Frame) => {
    if (first < 0) first = f.tsSec;
    out.push({ sec: sec + (f.tsSec - first), frac: f.tsNsec, data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)) });
  });
  return out;
}

const records = (packets: BuiltPacket[]): Uint8Array => pcapFile(packets, { nanos: true }).subarray(24);
const header = (): Uint8Array => pcapFile([], { nanos: true });

function session(src: FedSource, o: { count?: number; write?: string } = {}): { s: LiveSession; events: LiveEvent[] } {
  const events: LiveEvent[] = [];
  const s = new LiveSession({
    iface: 'lo', filter: '', backend: 'tcpdump', write: o.write ?? null, durationMs: null, count: o.count ?? null,
    settings: makeSettings({ os: 'linux' }), kernel: false, bufferBytes: 1 << 20, snapLength: 256, source: src,
  }, (e) => events.push(e));
  return { s, events };
}

describe('live session', () => {
  it('a stop takes the backlog stamped before it, and nothing stamped after', async () => {
    const src = new FedSource();
    const { s } = session(src);
    await s.start();
    const now = Math.floor(Date.now() / 1000);
    // Captured before the stop, still in the pipe when it comes.
    src.queue.push(header());
    const before = await closeAt(now - 5);
    src.queue.push(records(before));
    s.stop('interrupt', 'SIGINT');
    assert.equal(src.stops, 0, 'the backend is not stopped while its backlog may hold packets from before the stop');
    // Stamped after the stop: the sign that the backlog is read.
    src.queue.push(records(await closeAt(now + 5)));
    const sum = await s.finished();
    assert.equal(src.stops, 1);
    assert.equal(sum.capture.frames, before.length);
    assert.equal(sum.capture.connections.length, 1);
    assert.equal(sum.capture.connections[0].close.kind, 'four-way');
  });

  it('a stop with nothing more coming ends once the backend has been idle', async () => {
    const src = new FedSource();
    const { s, events } = session(src);
    await s.start();
    src.queue.push(header());
    src.queue.push(records((await closeAt(Math.floor(Date.now() / 1000) - 5)).slice(0, 3)));
    s.stop('interrupt', 'SIGHUP');
    const sum = await s.finished();
    assert.equal(src.stops, 1);
    assert.equal(sum.capture.frames, 3);
    assert.equal(sum.capture.connections[0].close.kind, 'open');
    const stopped = events.find((e) => e.type === 'stopped');
    assert.ok(stopped?.type === 'stopped' && stopped.reason === 'interrupt' && stopped.signal === 'SIGHUP');
  });

  it('--count: the capture, its frames and the -w file are the counted packets', async () => {
    const src = new FedSource();
    const file = join(dir, 'count.pcap');
    const { s, events } = session(src, { count: 5, write: file });
    await s.start();
    src.queue.push(header());
    src.queue.push(records(await closeAt(Math.floor(Date.now() / 1000) - 5)));
    const sum = await s.finished();
    assert.equal(sum.capture.frames, 5);
    assert.equal(sum.capture.tcpSegments, 5);
    assert.equal(sum.written?.frames, 5);
    const stopped = events.find((e) => e.type === 'stopped');
    assert.ok(stopped?.type === 'stopped' && stopped.reason === 'count' && stopped.frames === 5);
    let n = 0;
    await readFrames(file, () => n++);
    assert.equal(n, 5);
  });

  it('the -w file is a capture from the start, before any packet', async () => {
    const src = new FedSource();
    const file = join(dir, 'start.pcap');
    const { s } = session(src, { write: file });
    await s.start();
    const head = readFileSync(file);
    assert.equal(head.length, 24);
    assert.equal(head.readUInt32LE(0), 0xa1b23c4d, 'nanosecond pcap');
    assert.equal(head.readUInt32LE(16), 256, 'snapshot length');
    assert.equal(head.readUInt32LE(20), 1, 'link type');
    s.stop('interrupt');
    await s.finished();
    assert.equal(readFileSync(file).length, 24);
  });

  it('a stop before the backend is open still ends the capture', async () => {
    const src = new FedSource();
    const { s } = session(src);
    s.stop('interrupt', 'SIGTERM');
    await s.start();
    const sum = await s.finished();
    assert.equal(src.stops, 1);
    assert.equal(sum.capture.frames, 0);
  });
});
