import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readFrames, readFramesFrom } from '../../src/capture/source.ts';
import { CaptureError } from '../../src/capture/frame.ts';
import { bytes, concat, epb, idb, pcapFile, shb } from '../helpers/build.ts';

const pcap = pcapFile([
  { sec: 10, frac: 1, data: bytes(60, 1) },
  { sec: 11, frac: 2, data: bytes(70, 2) },
]);
let dir = '';
const path = (name: string): string => join(dir, name);

async function frames(file: string): Promise<{ numbers: number[]; summary: Awaited<ReturnType<typeof readFrames>> }> {
  const numbers: number[] = [];
  const summary = await readFrames(file, (f) => numbers.push(f.number));
  return { numbers, summary };
}

describe('capture source', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-src-'));
    writeFileSync(path('a.pcap'), pcap);
    writeFileSync(path('a.pcap.gz'), gzipSync(pcap));
    writeFileSync(path('twice.bin'), gzipSync(gzipSync(pcap)));
    const gz = gzipSync(pcap);
    writeFileSync(path('cut.gz'), gz.subarray(0, gz.length - 12));
    writeFileSync(path('text.pcap'), 'hello, this is not a capture\n');
    writeFileSync(path('empty.pcap'), '');
    writeFileSync(path('b.pcapng.pcap'), concat(shb(), idb(1), epb(0, 5n, bytes(60))));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a pcap file and summarises it', async () => {
    const { numbers, summary } = await frames(path('a.pcap'));
    assert.deepEqual(numbers, [1, 2]);
    assert.equal(summary.format, 'pcap');
    assert.equal(summary.compression, null);
    assert.equal(summary.frames, 2);
    assert.equal(summary.bytes, pcap.length);
    assert.deepEqual(summary.linkTypes, [1]);
  });

  it('tells the format by magic number, not by name', async () => {
    const { summary } = await frames(path('b.pcapng.pcap'));
    assert.equal(summary.format, 'pcapng');
  });

  it('decompresses gzip, even gzip inside gzip, whatever the name', async () => {
    for (const name of ['a.pcap.gz', 'twice.bin']) {
      const { numbers, summary } = await frames(path(name));
      assert.deepEqual(numbers, [1, 2], name);
      assert.equal(summary.compression, 'gzip');
    }
  });

  it('keeps what a cut-off gzip file holds and warns', async () => {
    const { summary } = await frames(path('cut.gz'));
    assert.ok(summary.warnings.some((w) => /gzip stream ends early/.test(w.message)), JSON.stringify(summary.warnings));
  });

  it('lets an error of the frame handler or of a pause go up, as it is, not as damage in the input', async () => {
    // In chunks (frames come after the first one), plain and gzip, where a
    // cut-off stream is a warning: the handler's error is not one.
    const gz = gzipSync(pcap);
    for (const input of [pcap, gz]) {
      const chunks = (): Readable => Readable.from([input.subarray(0, 30), input.subarray(30)]);
      // On the last frame, so that nothing after it would call the handler again.
      await assert.rejects(readFramesFrom(chunks(), 'x', (f) => {
        if (f.number === 2) throw new Error('handler failed');
      }), /^Error: handler failed$/);
      await assert.rejects(readFramesFrom(chunks(), 'x', () => undefined, {
        pause: () => Promise.reject(new Error('pause failed')),
      }), /^Error: pause failed$/);
    }
  });

  it('waits for a pause between chunks', async () => {
    const seen: string[] = [];
    // Frame 1 ends at byte 100; the first chunk (header and part of frame 1) is read before the loop.
    await readFramesFrom(Readable.from([pcap.subarray(0, 50), pcap.subarray(50, 110), pcap.subarray(110)]), 'x', (f) => seen.push(`frame ${f.number}`), {
      pause: () => {
        seen.push('pause');
        return new Promise((r) => setTimeout(r, 10));
      },
    });
    assert.deepEqual(seen, ['frame 1', 'pause', 'frame 2', 'pause']);
  });

  it('pauses within a chunk when pauseWanted asks, and only then', async () => {
    const seen: string[] = [];
    // One chunk holding both frames (the first chunk, read before the loop that pauses between chunks).
    await readFramesFrom(Readable.from([pcap]), 'x', (f) => seen.push(`frame ${f.number}`), {
      pause: () => {
        seen.push('pause');
        return new Promise((r) => setTimeout(r, 10));
      },
      pauseWanted: () => seen[seen.length - 1] === 'frame 1',
    });
    assert.deepEqual(seen, ['frame 1', 'pause', 'frame 2']);
    const plain: string[] = [];
    await readFramesFrom(Readable.from([pcap]), 'x', (f) => plain.push(`frame ${f.number}`), {
      pause: () => {
        plain.push('pause');
        return null;
      },
    });
    assert.deepEqual(plain, ['frame 1', 'frame 2']);
  });

  it('rejects a file that is not a capture, naming its first bytes', async () => {
    await assert.rejects(frames(path('text.pcap')), (e: unknown) => e instanceof CaptureError && e.message === 'not a pcap or pcapng file (starts with 0x68656c6c)');
  });

  it('rejects an empty file and a missing file', async () => {
    await assert.rejects(frames(path('empty.pcap')), /empty file/);
    await assert.rejects(frames(path('nope.pcap')), /cannot open: no such file/);
  });

  it('reads any byte stream, such as a pipe from tcpdump, in small pieces', async () => {
    const pieces = Array.from({ length: pcap.length }, (_, i) => pcap.subarray(i, i + 1));
    const numbers: number[] = [];
    const summary = await readFramesFrom(Readable.from(pieces), '-', (f) => numbers.push(f.number));
    assert.deepEqual(numbers, [1, 2]);
    assert.equal(summary.file, '-');
  });
  it('a read ended by its signal has closed its file when it returns (a worker stopped then leaves no close in flight)', async () => {
    // Many frames in 4 MB chunks: the signal ends the read in the first chunk, with more of the file to come.
    const many = pcapFile(Array.from({ length: 40000 }, (_, i) => ({ sec: i, frac: 0, data: bytes(200, i & 0xff) })));
    for (const name of ['big.pcap', 'big.pcap.gz']) {
      writeFileSync(path(name), name.endsWith('.gz') ? gzipSync(many) : many);
      const ctl = new AbortController();
      let n = 0;
      await readFrames(path(name), () => {
        if (++n === 10) ctl.abort('SIGINT');
      }, { signal: ctl.signal });
      assert.ok(n >= 10 && n < 40000, `${name}: ${n} frames`);
      const open = readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });
      assert.ok(!open.includes(path(name)), `${name} is still open`);
    }
  });
});
