/**
 * JsonBytes writes numbers, strings and booleans as JSON.stringify does
 * (numbers through its own digit writing, durations through their
 * nanoseconds), and leaves out undefined members.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonBytes, jsonKeys } from '../../src/render/json-bytes.ts';

/** A JsonBytes whose text can be read back. */
class Probe extends JsonBytes {
  constructor() {
    super(8);
  }

  textOf(write: (w: Probe) => void): string {
    this.n = 0;
    write(this);
    return this.buf.subarray(0, this.n).toString('utf8');
  }
}

const K = jsonKeys('a', 'bb', 'ccc', 'dddd', 'eeeee');

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

describe('JsonBytes', () => {
  it('writes numbers as JSON.stringify does', () => {
    const w = new Probe();
    const values = [
      0, -0, 1, 9, 10, 99, 100, 999, 1000, 99999, 100000, 999999, 1e6, 1e7, 1e8, 1e9, 2147483647, 2147483648, 4294967295,
      4294967296, 2 ** 53, -1, -1.5, 0.5, 1e-6, 1e-7, 0.000001, 0.0000015, 999999.999999999, 1e6 - 1e-9, 5e-324, 1e21,
      1e300, NaN, Infinity, -Infinity, 0.1 + 0.2, 4.166122, 0.000295, 123456.000000001,
    ];
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 200000; i++) {
      const scale = 10 ** Math.floor(rnd() * 16 - 8);
      const x = rnd() * scale;
      values.push(x, round9(x), Math.floor(x), Math.floor(rnd() * 2 ** 32), -round9(x));
    }
    for (const x of values) {
      assert.equal(w.textOf((p) => { p.open(); p.num(K.a, x); p.close(); }), JSON.stringify({ a: x }), String(x));
    }
  });

  it('writes strings, booleans, nulls and arrays as JSON.stringify does, and leaves out undefined members', () => {
    const w = new Probe();
    const strings = ['', 'plain', 'quote " backslash \\', '\u0000\u0001\u001f\u007f', 'é', '捕获', '\ud800', '\udc00x', '😀', '\u2028'];
    for (const s of strings) {
      const o = { a: s, bb: true, ccc: false, dddd: null, eeeee: [s, null, 1] };
      const text = w.textOf((p) => {
        p.open();
        p.str(K.a, s);
        p.bool(K.bb, true);
        p.bool(K.ccc, false);
        p.str(K.dddd, null);
        if (p.key(K.eeeee, o.eeeee)) {
          p.openArray();
          p.str(null, s);
          p.str(null, null);
          p.num(null, 1);
          p.closeArray();
        }
        p.close();
      });
      assert.equal(text, JSON.stringify(o));
    }
    const u: { a?: number; bb?: string; ccc: number[] } = { a: undefined, bb: undefined, ccc: [] };
    const text = w.textOf((p) => {
      p.open();
      p.num(K.a, u.a as number);
      p.str(K.bb, u.bb as string);
      p.nums(K.ccc, u.ccc);
      p.close();
    });
    assert.equal(text, JSON.stringify(u));
  });
});
