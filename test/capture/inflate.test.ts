/**
 * Decompression bounded whatever the input (capture/gzip.ts, source.ts):
 * output comes in pieces of at most 256 KiB, only as fast as it is read; a
 * head that is not a capture stops the inflating at once; --max-inflate and
 * --max-inflate-ratio stop a bomb with a CaptureError early, not at its end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CaptureError } from '../../src/capture/frame.ts';
import { gunzipMembers } from '../../src/capture/gzip.ts';
import { readFramesFrom } from '../../src/capture/source.ts';
import { pcapFile } from '../helpers/build.ts';

const MiB = 1 << 20;
const HEADER = pcapFile([]);
/** One gzip member of 64 MiB of zeros (about 65 KB): bombs are made of copies of it, as gzip -d reads them one after the other. */
const ZEROS = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
/** A gzip stream: a pcap file header (or nothing), then `n` times 64 MiB of zeros. */
const bomb = (n: number, header = true): Buffer => Buffer.concat([...(header ? [gzipSync(HEADER)] : []), ...Array.from({ length: n }, () => ZEROS)]);

/** `bytes` in chunks of `size`, counting how many were taken. */
function chunked(bytes: Uint8Array, size: number): { chunks: AsyncIterable<Uint8Array>; taken: () => number } {
  let taken = 0;
  return {
    chunks: (async function* () {
      for (let i = 0; i < bytes.length; i += size) {
        taken++;
        yield bytes.subarray(i, i + size);
      }
    })(),
    taken: () => taken,
  };
}

describe('gzip: bounded decompression', () => {
  it('hands out at most 256 KiB at a time, however much one chunk of input holds', async () => {
    const it = gunzipMembers(ZEROS, (async function* () {})()[Symbol.asyncIterator](), () => {});
    let pieces = 0;
    let total = 0;
    for await (const piece of it) {
      assert.ok(piece.length <= 256 * 1024, `a piece of ${piece.length} bytes`);
      total += piece.length;
      if (++pieces === 3) break;
    }
    assert.equal(total, 3 * 256 * 1024);
  });

  it('stops at the first piece when the decompressed head is not a capture', async () => {
    const input = chunked(bomb(4, false), 4096);
    await assert.rejects(readFramesFrom(input.chunks, 'zeros.gz', () => {}), (e: unknown) => e instanceof CaptureError && /not a pcap or pcapng file \(starts with 0x00000000\)/.test(e.message));
    // 256 MiB would take some 60 chunks of 4 KiB; one is enough to see zeros.
    assert.ok(input.taken() <= 2, `${input.taken()} chunks taken`);
  });

  it('--max-inflate: a capture that decompresses to more stops with a CaptureError', async () => {
    const gz = gzipSync(Buffer.concat([HEADER, Buffer.alloc(8 * MiB)]), { level: 1 });
    await assert.rejects(
      readFramesFrom(chunked(gz, 65536).chunks, 'big.gz', () => {}, { inflate: { maxBytes: 2 * MiB, maxRatio: 1e9 } }),
      (e: unknown) => e instanceof CaptureError && e.message === 'gzip: decompresses to more than 2 MiB (--max-inflate); not read further' && e.offset <= 2 * MiB,
    );
  });

  it('--max-inflate-ratio: a bomb stops once 64 MiB are out, long before its end', async () => {
    await assert.rejects(
      readFramesFrom(chunked(bomb(8), 1 * MiB).chunks, 'bomb.gz', () => {}, { inflate: { maxBytes: 2 ** 40, maxRatio: 500 } }),
      (e: unknown) => e instanceof CaptureError && /more than 500 times its compressed size \(--max-inflate-ratio\)/.test(e.message) && e.offset < 65 * MiB,
    );
  });

  it('a small capture with a high ratio is read: the ratio counts past 64 MiB only', async () => {
    const gz = gzipSync(Buffer.concat([HEADER, Buffer.alloc(16 * MiB)]), { level: 9 });
    let frames = 0;
    const s = await readFramesFrom(chunked(gz, 65536).chunks, 'small.gz', () => frames++, { inflate: { maxBytes: 2 ** 40, maxRatio: 2 } });
    assert.equal(s.compression, 'gzip');
    assert.equal(frames, 16 * MiB / 16);
  });

  it('a bomb inside a gzip stops at the same ratio (compressed bytes of the outer layer)', async () => {
    await assert.rejects(
      readFramesFrom(chunked(gzipSync(bomb(4)), 1 * MiB).chunks, 'nested.gz', () => {}),
      (e: unknown) => e instanceof CaptureError && /--max-inflate-ratio/.test(e.message) && e.offset < 65 * MiB,
    );
  });
});
