import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatEndpoint, formatIp } from '../../src/decode/address.ts';

/** Segment-style words from 8 groups. */
function w(...g: number[]): Uint32Array {
  return new Uint32Array([0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0));
}

describe('formatIp', () => {
  it('writes IPv4 as a dotted quad from word 0', () => {
    assert.equal(formatIp(4, new Uint32Array([0xc0a80101, 0, 0, 0])), '192.168.1.1');
    assert.equal(formatIp(4, new Uint32Array([0xffffffff, 0, 0, 0])), '255.255.255.255');
    assert.equal(formatIp(4, new Uint32Array(4)), '0.0.0.0');
  });

  const cases: [number[], string][] = [
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0xfe80, 0, 0, 0, 0x20c, 0x29ff, 0xfe12, 0x3456], 'fe80::20c:29ff:fe12:3456'],
    // RFC 5952 4.2.2: one zero group is not compressed.
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'],
    // 4.2.3: the longest run; the first when tied.
    [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
    // 4.3: lower case, no leading zeros.
    [[0x2001, 0xdb8, 0xabcd, 0x12, 0, 0, 0, 0], '2001:db8:abcd:12::'],
    // 5: IPv4-mapped addresses end in a dotted quad.
    [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], '::ffff:192.0.2.1'],
  ];
  for (const [groups, text] of cases) {
    it(`writes ${text}`, () => assert.equal(formatIp(6, w(...groups)), text));
  }
});

describe('formatEndpoint', () => {
  it('writes ip:port and [v6]:port', () => {
    assert.equal(formatEndpoint(4, new Uint32Array([0x0a000001, 0, 0, 0]), 80), '10.0.0.1:80');
    assert.equal(formatEndpoint(6, w(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 443), '[2001:db8::1]:443');
  });
});
