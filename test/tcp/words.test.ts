/**
 * The packing's fields (src/tcp/words.ts): every value comes back exactly,
 * small values take few bytes, and a value that does not fit turns `ok`
 * false rather than coming back different.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WordReader, WordWriter } from '../../src/tcp/words.ts';

const U32 = [0, 1, 127, 128, 16383, 16384, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const I32 = [0, 1, -1, 63, -64, 64, -65, 0x7fffffff, -0x80000000];

describe('packed fields', () => {
  it('give back every value written, whatever its size', () => {
    const w = new WordWriter(new Int32Array(1024));
    w.fixed(-5); w.fixed(0xffffffff);
    for (const v of U32) w.u32(v);
    for (const v of I32) w.i32(v);
    for (const v of [0, -0, 1.5, -1e300, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) w.f64(v);
    for (const v of U32) for (const b of [0, 1, 0x80000000, 0xffffffff]) w.seq(v, b);
    w.base(1000, 1_700_000_000, 999_999_999);
    const frames = [0, 1, 999, 1000, 1001, 0xffffffff];
    for (const f of frames) w.frame(f);
    const times: [number, number][] = [
      [1_700_000_000, 999_999_999], [1_700_000_000, 0], [1_700_000_001, 0], [1_699_999_999, 5],
      [1_700_000_000 + (1 << 21), 999_999_999], [1_700_000_000 - (1 << 21), 0],
      // Whole microseconds from the base (written in microseconds), before and after it, near and far.
      [1_700_000_000, 999_998_999], [1_700_000_001, 999_999_999], [1_699_999_999, 999_999_999],
      [1_700_000_000 + (1 << 21), 999_999_999], [1_700_000_000 - (1 << 21), 999_000_999],
    ];
    for (const [s, ns] of times) w.time(s, ns);
    w.moment(1234, 1_700_000_002, 17);
    assert.ok(w.ok);
    const words = w.n;

    const r = new WordReader().at(w.buf, 0);
    assert.equal(r.fixed(), -5);
    assert.equal(r.fixed() >>> 0, 0xffffffff);
    for (const v of U32) assert.equal(r.u32(), v);
    for (const v of I32) assert.equal(r.i32(), v);
    assert.equal(r.f64(), 0);
    assert.ok(Object.is(r.f64(), -0), '-0 is not written as 0');
    assert.equal(r.f64(), 1.5);
    assert.equal(r.f64(), -1e300);
    assert.ok(Number.isNaN(r.f64()));
    assert.equal(r.f64(), Number.POSITIVE_INFINITY);
    assert.equal(r.f64(), 2 ** 60);
    for (const v of U32) for (const b of [0, 1, 0x80000000, 0xffffffff]) assert.equal(r.seq(b), v, `seq ${v} from ${b}`);
    r.base(1000, 1_700_000_000, 999_999_999);
    for (const f of frames) assert.equal(r.frame(), f);
    for (const [s, ns] of times) {
      assert.equal(r.time(), s);
      assert.equal(r.nsec, ns);
    }
    assert.equal(r.frame(), 1234);
    assert.equal(r.time(), 1_700_000_002);
    assert.equal(r.nsec, 17);
    // Nothing read past what was written.
    assert.equal(Math.ceil((r as unknown as { p: number }).p / 4), words);
  });

  it('take one byte for small numbers and for values near their base', () => {
    const w = new WordWriter(new Int32Array(64));
    for (let i = 0; i < 16; i++) w.u32(i * 7);
    w.seq(0xfffffff0, 0xfffffff8);
    w.base(500_000, 1_700_000_000, 0);
    w.frame(500_003);
    w.f64(0);
    const bytes = (): number => (w as unknown as { p: number }).p;
    assert.equal(bytes(), 19, 'nineteen one-byte fields');
    assert.equal(w.n, 5);
    // A time 60 ms after the base, written in microseconds: 60 000, doubled by the zigzag and
    // once more for the unit bit, needs 18 bits: three bytes.
    w.time(1_700_000_000, 60_000_000);
    assert.equal(bytes(), 22);
    // One nanosecond more, written in nanoseconds: 0.06e9 + 1, doubled twice, needs 28 bits: four bytes.
    w.time(1_700_000_000, 60_000_001);
    assert.equal(bytes(), 26);
  });

  it('turn ok false for a value that does not fit, or past the end of the room', () => {
    const cases: [string, (w: WordWriter) => void][] = [
      ['u32 negative', (w) => w.u32(-1)],
      ['u32 past 2^32', (w) => w.u32(2 ** 32)],
      ['u32 fraction', (w) => w.u32(1.5)],
      ['i32 past 2^31', (w) => w.i32(2 ** 31)],
      ['seq past 2^32', (w) => w.seq(2 ** 32, 0)],
      ['frame past 2^32', (w) => w.frame(2 ** 32)],
      ['time seconds past 2^32', (w) => w.time(2 ** 32, 0)],
      ['time nanoseconds of a whole second', (w) => w.time(100, 1e9)],
      ['time too far from its base', (w) => w.time(100 + (1 << 21) + 1, 0)],
      ['fixed past 2^32', (w) => w.fixed(2 ** 32)],
    ];
    for (const [name, write] of cases) {
      const w = new WordWriter(new Int32Array(16));
      w.base(1, 100, 0);
      write(w);
      assert.equal(w.ok, false, name);
    }
    const w = new WordWriter(new Int32Array(16));
    w.reset(w.buf, 0, 3);
    for (let i = 0; i < 12; i++) w.u32(0xffffffff);
    assert.equal(w.ok, false, 'a record longer than its room');
    assert.ok(w.n <= 3, 'nothing written past the room');
  });

  it('write whole words only at a word boundary', () => {
    const w = new WordWriter(new Int32Array(16));
    w.u32(1);
    assert.throws(() => w.fixed(1), /word boundary/);
  });
});
