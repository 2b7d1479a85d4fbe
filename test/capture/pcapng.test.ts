import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, concat, epb, idb, pb, pcapngBlock, shb, spb } from '../helpers/build.ts';
import { collect } from './collect.ts';

describe('pcapng reader', () => {
  for (const le of [true, false]) {
    it(`reads enhanced packet blocks in ${le ? 'little' : 'big'}-endian sections`, () => {
      const file = concat(shb(le), idb(1, { le }), epb(0, 1700000000123456n, bytes(60, 1), { le, origLen: 70 }), epb(0, 1700000001000001n, bytes(61, 2), { le }));
      const { frames, warnings } = collect(file);
      assert.deepEqual(warnings, []);
      assert.equal(frames.length, 2);
      assert.equal(frames[0].time, '1700000000.123456000');
      assert.equal(frames[0].origLen, 70);
      assert.equal(frames[1].time, '1700000001.000001000');
      assert.equal(frames[1].capLen, 61);
      assert.equal(frames[1].data, '02'.repeat(61));
    });
  }

  it('keeps nanoseconds of a 10^-9 interface without float rounding', () => {
    const file = concat(shb(), idb(1, { tsresol: 9 }), epb(0, 1763770000123456789n, bytes(54)));
    assert.equal(collect(file).frames[0].time, '1763770000.123456789');
  });

  it('converts a power-of-two resolution (2^-20)', () => {
    const units = (1700000000n << 20n) + (1n << 19n); // half a second
    const file = concat(shb(), idb(1, { tsresol: 0x80 | 20 }), epb(0, units, bytes(54)));
    assert.equal(collect(file).frames[0].time, '1700000000.500000000');
  });

  it('converts a resolution finer than nanoseconds (10^-12)', () => {
    const file = concat(shb(), idb(1, { tsresol: 12 }), epb(0, 1700000123456789012n, bytes(54)));
    assert.equal(collect(file).frames[0].time, '1700000.123456789');
  });

  it('adds if_tsoffset seconds', () => {
    const file = concat(shb(), idb(1, { tsoffset: 1000n }), epb(0, 5_000_001n, bytes(54)));
    assert.equal(collect(file).frames[0].time, '1005.000001000');
  });

  it('gives each interface its link type and resolution', () => {
    const file = concat(shb(), idb(1), idb(276, { tsresol: 9 }), epb(1, 2_000_000_007n, bytes(54, 7)), epb(0, 3_000_001n, bytes(54, 8)));
    const { frames } = collect(file);
    assert.deepEqual(frames.map((f) => [f.linkType, f.interfaceId, f.time]), [
      [276, 1, '2.000000007'],
      [1, 0, '3.000001000'],
    ]);
  });

  it('starts interface numbering afresh in each section, of either byte order', () => {
    const file = concat(shb(true), idb(1), epb(0, 1n, bytes(54, 1)), shb(false), idb(113, { le: false }), epb(0, 2n, bytes(54, 2), { le: false }));
    const { frames, reader } = collect(file);
    assert.deepEqual(frames.map((f) => [f.number, f.linkType, f.interfaceId]), [[1, 1, 0], [2, 113, 1]]);
    assert.deepEqual(reader.linkTypes, [1, 113]);
  });

  it('reads simple and obsolete packet blocks, skips unknown blocks', () => {
    const file = concat(shb(), idb(1, { snaplen: 100 }), pcapngBlock(0x0bad, bytes(10)), spb(bytes(60, 3)), pb(0, 7n, bytes(58, 4)), pcapngBlock(5, bytes(20)));
    const { frames, warnings } = collect(file);
    assert.deepEqual(warnings, []);
    assert.deepEqual(frames.map((f) => [f.number, f.capLen, f.data.slice(0, 2)]), [[1, 60, '03'], [2, 58, '04']]);
    assert.equal(frames[1].time, '0.000007000');
  });

  it('gives the same frames whatever the chunk size', () => {
    const file = concat(shb(), idb(1), epb(0, 1n, bytes(60)), epb(0, 2n, bytes(1500)), shb(false), idb(1, { le: false }), epb(0, 3n, bytes(77), { le: false }));
    const whole = collect(file).frames;
    for (const chunk of [1, 5, 12, 64, 999]) assert.deepEqual(collect(file, chunk).frames, whole);
  });

  it('skips a block whose length disagrees with its trailing copy and reads on', () => {
    const good = concat(shb(), idb(1), epb(0, 1n, bytes(60, 1)), epb(0, 2n, bytes(60, 2)), epb(0, 3n, bytes(60, 3)));
    const bad = good.slice();
    const second = 28 + 20 + 92; // shb 28, idb 20, first epb 92
    new DataView(bad.buffer).setUint32(second + 4, 96, true);
    const { frames, warnings } = collect(bad);
    assert.deepEqual(frames.map((f) => f.data.slice(0, 2)), ['01', '03']);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].offset, second);
    assert.equal(warnings[0].skippedBytes, 92);
    assert.match(warnings[0].message, /disagrees with its trailing copy/);
  });

  it('skips a block length below 12 or not a multiple of 4', () => {
    for (const badLen of [8, 93]) {
      const good = concat(shb(), idb(1), epb(0, 1n, bytes(60, 1)), epb(0, 2n, bytes(60, 2)));
      const bad = good.slice();
      new DataView(bad.buffer).setUint32(48 + 4, badLen, true);
      const { frames, warnings } = collect(bad);
      assert.deepEqual(frames.map((f) => f.data.slice(0, 2)), ['02'], `length ${badLen}`);
      assert.match(warnings[0].message, /impossible length/);
    }
  });

  it('warns about a packet naming an interface that does not exist', () => {
    const file = concat(shb(), idb(1), epb(3, 1n, bytes(60, 1)), epb(0, 2n, bytes(60, 2)));
    const { frames, warnings } = collect(file);
    assert.equal(frames.length, 1);
    assert.match(warnings[0].message, /interface 3, but the section describes 1/);
  });

  it('treats an absurd if_tsresol as microseconds, with a warning', () => {
    const file = concat(shb(), idb(1, { tsresol: 100 }), epb(0, 1_500_000n, bytes(54)));
    const { frames, warnings } = collect(file);
    assert.equal(frames[0].time, '1.500000000');
    assert.match(warnings[0].message, /if_tsresol 0x64 is absurd/);
  });

  it('warns when the file ends inside a block', () => {
    const file = concat(shb(), idb(1), epb(0, 1n, bytes(60)), epb(0, 2n, bytes(60)));
    const { frames, warnings } = collect(file.subarray(0, file.length - 5));
    assert.equal(frames.length, 1);
    assert.match(warnings[0].message, /frame 2 at offset 140: file ends inside a block/);
  });
});
