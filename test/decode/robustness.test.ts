/**
 * Every prefix of valid frames, and random bytes, decode without throwing and
 * without reading outside [offset, offset + capLen): the test frames sit in a
 * buffer with junk around them, and the result must not depend on the junk.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { newFrame } from '../../src/capture/frame.ts';
import { be16, be32, cat, ethernet, ext6, frame, ipv4, ipv6, le32, sll2, tcp } from './build.ts';

function snapshot(s: Segment): string {
  return JSON.stringify([s.src[0], s.dst[3], s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.payloadLen,
    s.payloadCaptured, s.mss, s.wscale, s.tsVal, s.sackCount, s.optionsTruncated, s.optionsMalformed]);
}

/** Decodes bytes[0, capLen) placed in a buffer filled with `junk` around it. */
function decodeIn(linkType: number, bytes: Uint8Array, capLen: number, junk: number): string {
  const f = newFrame();
  f.buf = new Uint8Array(capLen + 200).fill(junk);
  f.buf.set(bytes.subarray(0, capLen), 100);
  f.offset = 100;
  f.capLen = capLen;
  f.origLen = bytes.length;
  f.linkType = linkType;
  const seg = new Segment();
  const st = new Decoder().decode(f, seg);
  return st === DecodeStatus.Tcp ? `Tcp ${snapshot(seg)}` : String(st);
}

const opts = [2, 4, ...be16(1460), 4, 2, 8, 10, ...be32(5), ...be32(6), 1, 3, 3, 7, 1, 1, 5, 10, ...be32(1), ...be32(2)];
const samples: [string, number, Uint8Array][] = [
  ['Ethernet QinQ IPv4 with options', 1, ethernet(0x0800, ipv4({ options: [1, 1, 1, 1] }, tcp({ options: opts, payload: 5 })), [[0x88a8, 1], [0x8100, 2]])],
  ['SLL2 IPv6 with extension headers', 276, sll2(0, 0x86dd, 1, ipv6({ next: 0 }, ext6(60, 0, ext6(6, 1, tcp({ options: opts, payload: 3 })))))],
  ['NULL IPv4', 0, cat(le32(2), ipv4({}, tcp({ options: opts })))],
];

describe('robustness', () => {
  for (const [name, lt, bytes] of samples) {
    it(`${name}: every truncation decodes the same whatever bytes surround it`, () => {
      for (let cap = 0; cap <= bytes.length; cap++) {
        const a = decodeIn(lt, bytes, cap, 0x00);
        const b = decodeIn(lt, bytes, cap, 0xff);
        assert.equal(a, b, `capLen ${cap}`);
      }
      assert.match(decodeIn(lt, bytes, bytes.length, 0), /^Tcp/);
    });
  }

  it('random bytes on every supported link type never throw', () => {
    let x = 12345;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x >>> 16;
    };
    const d = new Decoder();
    const seg = new Segment();
    const links = [0, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 127, 192, 228, 229, 239, 242, 276];
    for (const lt of links) {
      for (let n = 0; n < 2000; n++) {
        const len = rnd() % 120;
        const b = new Uint8Array(len);
        for (let i = 0; i < len; i++) b[i] = rnd() & 0xff;
        // Bias toward plausible headers so the deeper layers get exercised.
        if (len > 0 && [12, 14, 101, 228, 229].includes(lt)) b[0] = (rnd() & 1 ? 0x40 : 0x60) | (b[0] & 0x0f);
        const st = d.decode(frame(lt, b), seg);
        assert.ok(st >= 0 && st <= 7);
      }
    }
    assert.equal(d.stats.frames, links.length * 2000);
  });
});
