import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, concat, pcapFile } from '../helpers/build.ts';
import { collect } from './collect.ts';
import { readerFor } from '../../src/capture/source.ts';

const pkts = [
  { sec: 1700000000, frac: 123456, data: bytes(60, 1) },
  { sec: 1700000001, frac: 999999, data: bytes(1514, 2), origLen: 1514 },
  { sec: 1700000002, frac: 0, data: bytes(54, 3), origLen: 9000 },
];

describe('classic pcap reader', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      it(`reads the ${nanos ? 'nanosecond' : 'microsecond'} magic in ${le ? 'little' : 'big'}-endian order`, () => {
        const file = pcapFile(pkts.map((p) => ({ ...p, frac: nanos ? p.frac * 1000 + 7 : p.frac })), { le, nanos, linkType: 113 });
        const { frames, warnings } = collect(file);
        assert.deepEqual(warnings, []);
        assert.equal(frames.length, 3);
        assert.deepEqual(frames.map((f) => f.number), [1, 2, 3]);
        assert.equal(frames[0].time, nanos ? '1700000000.123456007' : '1700000000.123456000');
        assert.equal(frames[1].capLen, 1514);
        assert.equal(frames[2].origLen, 9000);
        assert.equal(frames[2].linkType, 113);
        assert.equal(frames[0].fileOffset, 24);
        assert.equal(frames[1].fileOffset, 24 + 16 + 60);
        assert.equal(frames[2].data, '03'.repeat(54));
      });
    }
  }

  it('gives the same frames whatever the chunk size', () => {
    const file = pcapFile(pkts);
    const whole = collect(file).frames;
    for (const chunk of [1, 3, 16, 17, 100, 1000]) {
      assert.deepEqual(collect(file, chunk).frames, whole, `chunk ${chunk}`);
    }
  });

  it('reads a file with only a header as zero frames', () => {
    const { frames, warnings } = collect(pcapFile([]));
    assert.equal(frames.length, 0);
    assert.deepEqual(warnings, []);
  });

  it('warns with frame number and offset when the file ends inside a record', () => {
    const file = pcapFile(pkts);
    const cut = file.subarray(0, file.length - 10);
    const { frames, warnings } = collect(cut);
    assert.equal(frames.length, 2);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].frame, 3);
    assert.equal(warnings[0].offset, 24 + 16 + 60 + 16 + 1514);
    assert.match(warnings[0].message, /frame 3 at offset 1630: file ends inside the record/);
  });

  it('warns when the file ends inside a record header', () => {
    const file = pcapFile(pkts.slice(0, 1));
    const { frames, warnings } = collect(concat(file, bytes(7)));
    assert.equal(frames.length, 1);
    assert.match(warnings[0].message, /record header \(7 of 16 bytes/);
  });

  it('skips a record whose length exceeds the snaplen and reads the records after it', () => {
    const good = pcapFile(pkts, { snaplen: 65535 });
    const bad = good.slice();
    // Corrupt the second record's incl_len.
    new DataView(bad.buffer).setUint32(24 + 16 + 60 + 8, 0x7fffffff, true);
    const { frames, warnings } = collect(bad);
    assert.deepEqual(frames.map((f) => f.data.slice(0, 2)), ['01', '03']);
    assert.equal(frames[1].number, 2);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].offset, 100);
    assert.equal(warnings[0].skippedBytes, 16 + 1514);
    assert.match(warnings[0].message, /record length 2147483647 is larger than the snaplen allows/);
  });

  it('reports a damaged last record without hanging', () => {
    const good = pcapFile(pkts, { snaplen: 65535 });
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(24 + 16 + 60 + 16 + 1514 + 8, 0xffffffff, true);
    const { frames, warnings } = collect(bad, 7);
    assert.equal(frames.length, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /no plausible record after it/);
  });
});

describe('joins of a record split between two chunks', () => {
  // Records of varied sizes (up to 64 KB) over about 6 MB: many straddle the
  // boundaries of 1 MB chunks (the file reader's), so the reader joins the
  // tail of one chunk with the start of the next (PendingBytes.append).
  const packets = Array.from({ length: 700 }, (_, i) => {
    const n = 60 + ((i * 7919) % 16) * 600 + (i % 5 === 0 ? 60_000 : 0);
    const data = new Uint8Array(n);
    for (let k = 0; k < n; k++) data[k] = (i * 31 + k) & 255;
    return { sec: 1700000000 + i, frac: i, data };
  });
  const file = pcapFile(packets, { snaplen: 262144 });

  it('gives the same frames with chunks of 1 MB, 700 KB and 64 KB as whole', () => {
    const whole = collect(file).frames;
    assert.equal(whole.length, 700);
    for (const chunk of [1 << 20, 700_000, 65_536]) assert.deepEqual(collect(file, chunk).frames, whole, `chunk ${chunk}`);
  });

  it('makes the joins in two buffers kept for them, not a new one per chunk', () => {
    const reader = readerFor(file);
    const buffers = new Set<ArrayBufferLike>();
    const chunks = new Set<ArrayBufferLike>();
    let frames = 0;
    for (let i = 0; i < file.length; i += 1 << 20) {
      const chunk = file.slice(i, Math.min(file.length, i + (1 << 20)));
      chunks.add(chunk.buffer);
      reader.append(chunk);
      for (let f = reader.next(); f; f = reader.next()) {
        frames++;
        buffers.add(f.buf.buffer);
      }
    }
    reader.end();
    for (let f = reader.next(); f; f = reader.next()) frames++;
    assert.equal(frames, 700);
    const joins = [...buffers].filter((b) => !chunks.has(b));
    assert.ok(chunks.size >= 6, `${chunks.size} chunks`);
    assert.ok(joins.length >= 1 && joins.length <= 2, `${joins.length} join buffers for ${chunks.size} chunks`);
  });
});
