import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { ACK, AE, CWR, DecodeStatus, ECE, FIN, PSH, RST, Segment, SYN, URG } from '../../src/decode/segment.ts';
import { be16, be32, frame, ipv4, tcp, type TcpSpec } from './build.ts';

const seg = new Segment();

function decodeTcp(spec: TcpSpec, opts?: Parameters<typeof frame>[2], ipLen?: number): DecodeStatus {
  return new Decoder().decode(frame(101, ipv4({ totalLength: ipLen }, tcp(spec)), opts), seg);
}

describe('TCP header', () => {
  it('reads ports, seq, ack, window, urgent and header length', () => {
    assert.equal(decodeTcp({ sport: 65535, dport: 1, seq: 0xfffffffe, ack: 0x80000000, window: 512, urgent: 9, flags: ACK | URG }), DecodeStatus.Tcp);
    assert.equal(seg.srcPort, 65535);
    assert.equal(seg.dstPort, 1);
    assert.equal(seg.seq, 0xfffffffe); // unsigned, not -2
    assert.equal(seg.ack, 0x80000000);
    assert.equal(seg.window, 512);
    assert.equal(seg.urgent, 9);
    assert.equal(seg.headerLen, 20);
  });

  for (const [name, bit] of Object.entries({ FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE })) {
    it(`reads the ${name} flag alone`, () => {
      assert.equal(decodeTcp({ flags: bit }), DecodeStatus.Tcp);
      assert.equal(seg.flags, bit);
    });
  }

  it('reads all nine flags together and ignores the reserved bits', () => {
    const bytes = ipv4({}, tcp({ flags: 0x1ff }));
    bytes[20 + 12] |= 0x0e; // reserved bits 4..6 of byte 12
    assert.equal(new Decoder().decode(frame(101, bytes), seg), DecodeStatus.Tcp);
    assert.equal(seg.flags, 0x1ff);
  });

  it('copies the frame metadata into the segment', () => {
    const f = frame(101, ipv4({}, tcp()), { number: 42, interfaceId: 3 });
    f.tsSec = 1700000000; f.tsNsec = 123456789; f.tsDigits = 9; f.fileOffset = 4096;
    assert.equal(new Decoder().decode(f, seg), DecodeStatus.Tcp);
    assert.deepEqual(
      [seg.frame, seg.tsSec, seg.tsNsec, seg.tsDigits, seg.fileOffset, seg.interfaceId, seg.linkType, seg.wireLen, seg.capLen],
      [42, 1700000000, 123456789, 9, 4096, 3, 101, 40, 40],
    );
  });

  it('calls a data offset below 5 Malformed', () => {
    assert.equal(decodeTcp({ dataOffset: 4 }), DecodeStatus.Malformed);
  });

  it('calls a data offset past the IP packet Malformed', () => {
    assert.equal(decodeTcp({ dataOffset: 15, payload: 20 }), DecodeStatus.Malformed);
  });

  it('reports a fixed header cut by the snaplen as Truncated', () => {
    assert.equal(decodeTcp({}, { capLen: 20 + 19 }), DecodeStatus.Truncated);
    assert.equal(decodeTcp({}, { capLen: 20 }), DecodeStatus.Truncated);
  });

  it('decodes a header whose options are cut by the snaplen, marked optionsTruncated', () => {
    const d = new Decoder();
    const opts = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, ...be32(1), ...be32(0), 1, 3, 3, 7];
    const st = d.decode(frame(101, ipv4({}, tcp({ flags: SYN, options: opts })), { capLen: 20 + 20 + 8 }), seg);
    assert.equal(st, DecodeStatus.Tcp);
    assert.equal(seg.flags, SYN);
    assert.equal(seg.optionsTruncated, true);
    assert.equal(seg.optionsMalformed, false);
    assert.equal(seg.mss, 1460);
    assert.equal(seg.sackPermitted, true);
    assert.equal(seg.hasTimestamp, false); // cut
    assert.equal(seg.wscale, -1); // cut
    assert.equal(seg.headerLen, 40);
    assert.equal(d.stats.optionsTruncated, 1);
  });
});

describe('TCP options', () => {
  function opts(bytes: number[]): void {
    assert.equal(decodeTcp({ flags: SYN, options: bytes }), DecodeStatus.Tcp);
  }

  it('reads MSS, window scale, SACK permitted and timestamps of a Linux SYN', () => {
    opts([2, 4, ...be16(1460), 4, 2, 8, 10, ...be32(0xdeadbeef), ...be32(7), 1, 3, 3, 7]);
    assert.equal(seg.mss, 1460);
    assert.equal(seg.sackPermitted, true);
    assert.equal(seg.hasTimestamp, true);
    assert.equal(seg.tsVal, 0xdeadbeef);
    assert.equal(seg.tsEcr, 7);
    assert.equal(seg.wscale, 7);
    assert.equal(seg.headerLen, 40);
    assert.equal(seg.optionsMalformed, false);
  });

  it('reports absent options as -1 / false', () => {
    opts([]);
    assert.deepEqual([seg.mss, seg.wscale, seg.sackPermitted, seg.hasTimestamp, seg.sackCount], [-1, -1, false, false, 0]);
  });

  for (const n of [1, 2, 3, 4]) {
    it(`reads ${n} SACK block${n > 1 ? 's' : ''}`, () => {
      const blocks: number[] = [];
      for (let b = 0; b < n; b++) blocks.push(...be32(0xf0000000 + 100 * b), ...be32(0xf0000000 + 100 * b + 50));
      opts([1, 1, 5, 2 + 8 * n, ...blocks]);
      assert.equal(seg.sackCount, n);
      for (let b = 0; b < n; b++) {
        assert.equal(seg.sackBlocks[2 * b], 0xf0000000 + 100 * b);
        assert.equal(seg.sackBlocks[2 * b + 1], 0xf0000000 + 100 * b + 50);
      }
    });
  }

  it('stops at EOL', () => {
    opts([0, 2, 4, ...be16(1460)]);
    assert.equal(seg.mss, -1);
    assert.equal(seg.optionsMalformed, false);
  });

  it('skips NOPs and unknown options by their length', () => {
    opts([1, 1, 1, 30, 6, 0, 0, 0, 0, 2, 4, ...be16(536)]); // 30 = MPTCP
    assert.equal(seg.mss, 536);
  });

  for (const len of [0, 1]) {
    it(`stops (does not loop) on an option length of ${len}`, () => {
      opts([99, len, 2, 4, ...be16(1460)]);
      assert.equal(seg.optionsMalformed, true);
      assert.equal(seg.mss, -1);
    });
  }

  it('stops at an option running past the header end', () => {
    opts([1, 1, 2, 4, ...be16(1400), 8, 10, 0, 0]);
    assert.equal(seg.mss, 1400);
    assert.equal(seg.hasTimestamp, false);
    assert.equal(seg.optionsMalformed, true);
  });

  it('ignores options of the wrong size for their kind', () => {
    opts([2, 3, 5, 3, 3, 7, 1, 1]); // MSS of length 3, then a good window scale
    assert.equal(seg.mss, -1);
    assert.equal(seg.wscale, 7);
    assert.equal(seg.optionsMalformed, true);
  });

  it('resets options between segments', () => {
    const d = new Decoder();
    d.decode(frame(101, ipv4({}, tcp({ options: [2, 4, ...be16(1460), 3, 3, 2] }))), seg);
    assert.equal(seg.mss, 1460);
    d.decode(frame(101, ipv4({}, tcp())), seg);
    assert.equal(seg.mss, -1);
    assert.equal(seg.wscale, -1);
  });
});
