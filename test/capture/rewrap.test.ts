import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect } from './collect.ts';
import { concat, epb, idb, pcapFile, shb, type BuiltPacket } from '../helpers/build.ts';
import { capturesDir } from '../helpers/paths.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { readerFor } from '../../src/capture/source.ts';

/**
 * The kernel fixtures are Ethernet captures from Linux. Big-endian files, BSD
 * loopback and raw-IP link types come from other systems; these tests take the
 * real frames of a kernel capture, re-wrap them in those containers, and check
 * that every segment decodes to the same values.
 */
const source = join(capturesDir, 'client-close.pcap');

function segments(file: Uint8Array): string[] {
  const reader = readerFor(file);
  const decoder = new Decoder();
  const seg = new Segment();
  const out: string[] = [];
  reader.append(file);
  reader.end();
  for (let f = reader.next(); f; f = reader.next()) {
    assert.equal(decoder.decode(f, seg), DecodeStatus.Tcp, `frame ${f.number}`);
    out.push([seg.frame, seg.tsSec, seg.tsNsec, seg.src[0], seg.dst[0], seg.srcPort, seg.dstPort, seg.seq, seg.ack, seg.flags, seg.payloadLen, seg.window].join(' '));
  }
  return out;
}

/** The IP packets of the Ethernet frames of the fixture, with their timestamps. */
function ipPackets(): { sec: number; usec: number; ip: Uint8Array }[] {
  const { frames } = collect(new Uint8Array(readFileSync(source)));
  return frames.map((f) => {
    const [sec, frac] = f.time.split('.');
    const data = Buffer.from(f.data, 'hex');
    return { sec: Number(sec), usec: Number(frac.slice(0, 6)), ip: new Uint8Array(data.subarray(14)) };
  });
}

describe('real kernel frames in other containers', () => {
  const original = segments(new Uint8Array(readFileSync(source)));

  it('the fixture has the segments of a whole connection', () => {
    assert.ok(original.length >= 8);
  });

  it('decodes the same from a big-endian nanosecond pcap', () => {
    const pkts: BuiltPacket[] = ipPackets().map((p) => ({ sec: p.sec, frac: p.usec * 1000, data: concat(new Uint8Array(14).fill(0), p.ip) }));
    for (const p of pkts) p.data.set([0x08, 0x00], 12);
    assert.deepEqual(segments(pcapFile(pkts, { le: false, nanos: true })), original);
  });

  for (const [name, linkType, header] of [
    ['BSD loopback, host order (DLT_NULL)', 0, Uint8Array.of(2, 0, 0, 0)],
    ['OpenBSD loopback, network order (DLT_LOOP)', 108, Uint8Array.of(0, 0, 0, 2)],
    ['raw IP (101)', 101, new Uint8Array(0)],
    ['raw IPv4 (228)', 228, new Uint8Array(0)],
  ] as const) {
    it(`decodes the same from ${name}`, () => {
      const pkts = ipPackets().map((p) => ({ sec: p.sec, frac: p.usec, data: concat(header, p.ip) }));
      assert.deepEqual(segments(pcapFile(pkts, { linkType })), original);
    });
  }

  it('decodes the same from a pcapng with a 2^-20 s resolution interface (times to the µs)', () => {
    const blocks = ipPackets().map((p) => epb(0, (BigInt(p.sec) << 20n) + (BigInt(p.usec) * (1n << 20n) + 999_999n) / 1_000_000n, p.ip));
    const got = segments(concat(shb(), idb(101, { tsresol: 0x80 | 20 }), ...blocks));
    const usec = (line: string): string => line.split(' ').map((v, i) => (i === 2 ? String(Math.floor(Number(v) / 1000)) : v)).join(' ');
    assert.deepEqual(got.map(usec), original.map(usec));
  });
});
