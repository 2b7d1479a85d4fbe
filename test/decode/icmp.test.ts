/**
 * ICMP and ICMPv6 errors quoting a TCP segment (src/decode/icmp.ts): the
 * quoted 4-tuple and TCP fields, the ICMP's own sender, type, code and MTU;
 * truncated quotes give what is there or NotTcp, never a read outside the
 * captured bytes (the frames sit in 0xee junk: a stray read shows).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { formatIp } from '../../src/decode/address.ts';
import { be16, be32, cat, ethernet, ext6, frag6, frame, ipv4, ipv6, tcp, v6 } from './build.ts';

const ETH = 1;
const SYN = 0x002;

function icmp(type: number, code: number, rest: number[], quote: Uint8Array): Uint8Array {
  return cat([type, code, 0, 0], rest, quote);
}

/** The client's SYN 10.0.0.1:40000 -> 10.0.0.2:80 quoted by an ICMPv4 error from `from`. */
function v4Error(type: number, code: number, opts: { from?: number[]; rest?: number[]; quoteBytes?: number } = {}): Uint8Array {
  const syn = ipv4({}, tcp({ sport: 40000, dport: 80, seq: 0xdeadbeef, ack: 0, flags: SYN, window: 64240 }));
  const quote = syn.subarray(0, opts.quoteBytes ?? syn.length);
  return ethernet(0x0800, ipv4({ src: opts.from ?? [10, 0, 0, 2], dst: [10, 0, 0, 1], proto: 1 }, icmp(type, code, opts.rest ?? [0, 0, 0, 0], quote)));
}

function decode(bytes: Uint8Array, capLen?: number): { status: DecodeStatus; seg: Segment; decoder: Decoder } {
  const decoder = new Decoder();
  const seg = new Segment();
  const status = decoder.decode(frame(ETH, bytes, capLen === undefined ? {} : { capLen }), seg);
  return { status, seg, decoder };
}

describe('ICMPv4 errors quoting TCP', () => {
  it('port unreachable: the quoted 4-tuple, seq, flags; the ICMP sender apart', () => {
    const { status, seg, decoder } = decode(v4Error(3, 3));
    assert.equal(status, DecodeStatus.IcmpError);
    assert.equal(formatIp(seg.ipVersion, seg.src), '10.0.0.1');
    assert.equal(formatIp(seg.ipVersion, seg.dst), '10.0.0.2');
    assert.equal(formatIp(4, seg.icmpFrom), '10.0.0.2');
    assert.deepEqual([seg.srcPort, seg.dstPort, seg.seq, seg.ack, seg.flags, seg.window], [40000, 80, 0xdeadbeef, 0, SYN, 64240]);
    assert.deepEqual([seg.icmpType, seg.icmpCode, seg.icmpV6, seg.icmpMtu, seg.quotedTcp], [3, 3, false, 0, 20]);
    assert.equal(seg.payloadLen, 0);
    // Counted with the frames without TCP, and apart.
    assert.deepEqual([decoder.stats.tcp, decoder.stats.notTcp, decoder.stats.icmpErrors], [0, 1, 1]);
  });

  it('a router on the path: the sender is not the quoted destination', () => {
    const { status, seg } = decode(v4Error(11, 0, { from: [192, 0, 2, 254] }));
    assert.equal(status, DecodeStatus.IcmpError);
    assert.equal(formatIp(4, seg.icmpFrom), '192.0.2.254');
    assert.equal(formatIp(seg.ipVersion, seg.dst), '10.0.0.2');
  });

  it('fragmentation needed carries the next-hop MTU', () => {
    const { status, seg } = decode(v4Error(3, 4, { rest: [0, 0, ...be16(1400)] }));
    assert.equal(status, DecodeStatus.IcmpError);
    assert.equal(seg.icmpMtu, 1400);
  });

  it('parameter problem is one too; echo, redirect, source quench are not', () => {
    assert.equal(decode(v4Error(12, 0)).status, DecodeStatus.IcmpError);
    for (const type of [0, 4, 5, 8]) assert.equal(decode(v4Error(type, 0)).status, DecodeStatus.NotTcp, `type ${type}`);
  });

  it('the RFC 792 minimum: IP header + 8 bytes: ports and seq, no ack or flags', () => {
    const { status, seg } = decode(v4Error(3, 1, { quoteBytes: 28 }));
    assert.equal(status, DecodeStatus.IcmpError);
    assert.deepEqual([seg.srcPort, seg.dstPort, seg.seq, seg.ack, seg.flags, seg.quotedTcp], [40000, 80, 0xdeadbeef, 0, 0, 8]);
  });

  it('fewer than 8 TCP bytes, or a cut IP header: NotTcp, at every length, by the snaplen too', () => {
    const full = v4Error(3, 3);
    const quoteStart = 14 + 20 + 8;
    for (let n = 0; n < 28; n++) {
      const cut = v4Error(3, 3, { quoteBytes: n });
      assert.equal(decode(cut).status, DecodeStatus.NotTcp, `quote of ${n} bytes`);
    }
    for (let cap = 14 + 20; cap < quoteStart + 28; cap++) {
      assert.notEqual(decode(full, cap).status, DecodeStatus.IcmpError, `capLen ${cap}`);
    }
    for (let cap = quoteStart + 28; cap <= full.length; cap++) {
      const { status, seg } = decode(full, cap);
      assert.equal(status, DecodeStatus.IcmpError, `capLen ${cap}`);
      assert.equal(seg.quotedTcp, cap - quoteStart - 20);
      assert.equal(seg.seq, 0xdeadbeef);
      if (cap - quoteStart - 20 < 12) assert.equal(seg.ack, 0);
    }
  });

  it('a quote of UDP, or of a fragment that is not the first: NotTcp', () => {
    const udp = ipv4({ proto: 17 }, new Uint8Array(16));
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 1 }, icmp(3, 3, [0, 0, 0, 0], udp)))).status, DecodeStatus.NotTcp);
    const frag = ipv4({ fragOffset: 10 }, tcp({ flags: SYN }));
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 1 }, icmp(3, 3, [0, 0, 0, 0], frag)))).status, DecodeStatus.NotTcp);
  });

  it('an IPv6 quote in ICMPv4 is not read', () => {
    const q = ipv6({}, tcp({ flags: SYN }));
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 1 }, icmp(3, 3, [0, 0, 0, 0], q)))).status, DecodeStatus.NotTcp);
  });
});

describe('ICMPv6 errors quoting TCP', () => {
  const C = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
  const S = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
  const R = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xfe);
  const syn = ipv6({ src: C, dst: S }, tcp({ sport: 40001, dport: 5000, seq: 77, flags: SYN }));
  const err = (type: number, code: number, quote: Uint8Array, rest: number[] = [0, 0, 0, 0], from = S): Uint8Array =>
    ethernet(0x86dd, ipv6({ src: from, dst: C, next: 58 }, icmp(type, code, rest, quote)));

  it('destination unreachable (port unreachable)', () => {
    const { status, seg } = decode(err(1, 4, syn));
    assert.equal(status, DecodeStatus.IcmpError);
    assert.equal(formatIp(6, seg.src), '2001:db8::1');
    assert.equal(formatIp(6, seg.dst), '2001:db8::2');
    assert.equal(formatIp(6, seg.icmpFrom), '2001:db8::2');
    assert.deepEqual([seg.ipVersion, seg.srcPort, seg.dstPort, seg.seq, seg.flags, seg.icmpType, seg.icmpCode, seg.icmpV6], [6, 40001, 5000, 77, SYN, 1, 4, true]);
  });

  it('packet too big carries the MTU; time exceeded and parameter problem count; echo does not', () => {
    const big = decode(err(2, 0, syn, be32(1280), R));
    assert.equal(big.status, DecodeStatus.IcmpError);
    assert.equal(big.seg.icmpMtu, 1280);
    assert.equal(formatIp(6, big.seg.icmpFrom), '2001:db8::fe');
    assert.equal(decode(err(3, 0, syn)).status, DecodeStatus.IcmpError);
    assert.equal(decode(err(4, 1, syn)).status, DecodeStatus.IcmpError);
    assert.equal(decode(err(128, 0, syn)).status, DecodeStatus.NotTcp);
    assert.equal(decode(err(135, 0, syn)).status, DecodeStatus.NotTcp);
  });

  it('extension headers in the quote are walked; a later fragment is NotTcp', () => {
    const withExt = ipv6({ src: C, dst: S, next: 60 }, ext6(44, 0, frag6(6, 0, true, tcp({ sport: 1, dport: 2, seq: 3, flags: SYN }))));
    const a = decode(err(1, 0, withExt));
    assert.equal(a.status, DecodeStatus.IcmpError);
    assert.deepEqual([a.seg.srcPort, a.seg.dstPort, a.seg.seq], [1, 2, 3]);
    const later = ipv6({ src: C, dst: S, next: 44 }, frag6(6, 8, false, tcp({ flags: SYN })));
    assert.equal(decode(err(1, 0, later)).status, DecodeStatus.NotTcp);
  });

  it('truncated anywhere: never IcmpError short of 8 TCP bytes, never a throw', () => {
    const full = err(1, 4, syn);
    const need = 14 + 40 + 8 + 40 + 8;
    for (let cap = 0; cap <= full.length; cap++) {
      const { status, seg } = decode(full, cap);
      assert.equal(status === DecodeStatus.IcmpError, cap >= need, `capLen ${cap}`);
      if (status === DecodeStatus.IcmpError) assert.equal(seg.seq, 77);
    }
  });
});
