import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { formatIp } from '../../src/decode/address.ts';
import { be16, cat, ethernet, ext6, frag6, frame, ipv4, ipv6, tcp, v6 } from './build.ts';

const seg = new Segment();
const RAW = 101;

function decode(bytes: Uint8Array, opts?: Parameters<typeof frame>[2], linkType = RAW): DecodeStatus {
  return new Decoder().decode(frame(linkType, bytes, opts), seg);
}

describe('IPv4', () => {
  it('reads addresses, TTL and id', () => {
    assert.equal(decode(ipv4({ src: [1, 2, 3, 4], dst: [255, 254, 253, 252], ttl: 7, id: 0xbeef }, tcp())), DecodeStatus.Tcp);
    assert.equal(formatIp(4, seg.src), '1.2.3.4');
    assert.equal(formatIp(4, seg.dst), '255.254.253.252');
    assert.deepEqual([...seg.src.subarray(1)], [0, 0, 0]);
    assert.equal(seg.ttl, 7);
    assert.equal(seg.ipId, 0xbeef);
  });

  it('skips options covered by IHL', () => {
    // Record Route (7) with room for two addresses, then EOL padding: IHL 8.
    const opts = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0];
    assert.equal(decode(ipv4({ options: opts }, tcp({ sport: 5555, payload: 3 }))), DecodeStatus.Tcp);
    assert.equal(seg.srcPort, 5555);
    assert.equal(seg.payloadLen, 3);
  });

  it('calls IHL < 5 Malformed', () => {
    assert.equal(decode(ipv4({ ihl: 4 }, tcp())), DecodeStatus.Malformed);
  });

  it('calls a total length shorter than the IP header Malformed', () => {
    assert.equal(decode(ipv4({ totalLength: 19 }, tcp())), DecodeStatus.Malformed);
  });

  it('calls a total length too short for the TCP header Malformed', () => {
    assert.equal(decode(ipv4({ totalLength: 30 }, tcp())), DecodeStatus.Malformed);
  });

  it('calls a wrong version nibble Malformed', () => {
    const b = ipv4({}, tcp());
    b[0] = 0x55;
    assert.equal(decode(b, undefined, 228), DecodeStatus.Malformed);
  });

  it('reports an IP header cut by the snaplen as Truncated', () => {
    assert.equal(decode(ipv4({}, tcp()), { capLen: 19 }), DecodeStatus.Truncated);
    assert.equal(decode(ipv4({ options: [1, 1, 1, 1] }, tcp()), { capLen: 22 }), DecodeStatus.Truncated);
  });

  it('with total length 0 (TSO capture) takes the length on the wire', () => {
    const d = new Decoder();
    const st = d.decode(frame(1, ethernet(0x0800, ipv4({ totalLength: 0 }, tcp({ payload: 3000 }))), { capLen: 200 }), seg);
    assert.equal(st, DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 3000);
    assert.equal(seg.payloadCaptured, 200 - 14 - 40);
    assert.equal(seg.lengthFromWire, true);
    assert.equal(d.stats.lengthFromWire, 1);
  });

  it('calls a non-first fragment of TCP Fragment and counts it', () => {
    const d = new Decoder();
    assert.equal(d.decode(frame(RAW, ipv4({ fragOffset: 185 }, new Uint8Array(100))), seg), DecodeStatus.Fragment);
    assert.equal(d.stats.fragments, 1);
  });

  it('calls a non-first fragment of UDP NotTcp', () => {
    assert.equal(decode(ipv4({ proto: 17, fragOffset: 185 }, new Uint8Array(100))), DecodeStatus.NotTcp);
  });

  it('decodes the TCP header of a first fragment and marks it', () => {
    const d = new Decoder();
    assert.equal(d.decode(frame(RAW, ipv4({ moreFragments: true }, tcp({ payload: 1460 }))), seg), DecodeStatus.Tcp);
    assert.equal(seg.firstFragment, true);
    assert.equal(seg.payloadLen, 1460);
    assert.equal(d.stats.firstFragments, 1);
    assert.equal(decode(ipv4({ dontFragment: true }, tcp())), DecodeStatus.Tcp);
    assert.equal(seg.firstFragment, false);
  });

  it('calls UDP, ICMP NotTcp', () => {
    assert.equal(decode(ipv4({ proto: 17 }, new Uint8Array(8))), DecodeStatus.NotTcp);
    assert.equal(decode(ipv4({ proto: 1 }, new Uint8Array(8))), DecodeStatus.NotTcp);
  });
});

describe('IPv6', () => {
  it('reads addresses and hop limit', () => {
    assert.equal(decode(ipv6({ hopLimit: 3, src: v6(0xfe80, 0, 0, 0, 1, 2, 3, 4) }, tcp())), DecodeStatus.Tcp);
    assert.equal(formatIp(6, seg.src), 'fe80::1:2:3:4');
    assert.equal(formatIp(6, seg.dst), '2001:db8::2');
    assert.equal(seg.ttl, 3);
    assert.equal(seg.ipId, 0);
  });

  it('walks hop-by-hop, routing and destination options headers', () => {
    const p = ext6(43, 0, ext6(60, 1, ext6(6, 0, tcp({ payload: 5 }))));
    assert.equal(decode(ipv6({ next: 0 }, p)), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 5);
    assert.equal(seg.srcPort, 40000);
  });

  it('walks an AH header (length in 4-byte units minus 2)', () => {
    const ah = cat([6, 4], [0, 0], new Array(20).fill(0x11)); // 24 bytes: (4 + 2) * 4
    assert.equal(decode(ipv6({ next: 51 }, cat(ah, tcp({ payload: 7 })))), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 7);
  });

  it('decodes a first fragment and calls a later one Fragment', () => {
    assert.equal(decode(ipv6({ next: 44 }, frag6(6, 0, true, tcp({ payload: 100 })))), DecodeStatus.Tcp);
    assert.equal(seg.firstFragment, true);
    assert.equal(seg.payloadLen, 100);
    assert.equal(decode(ipv6({ next: 44 }, frag6(6, 1232, false, new Uint8Array(64)))), DecodeStatus.Fragment);
    assert.equal(decode(ipv6({ next: 44 }, frag6(17, 1232, false, new Uint8Array(64)))), DecodeStatus.NotTcp);
  });

  it('calls an extension header running past the payload length Malformed', () => {
    const p = ext6(6, 3, tcp());
    assert.equal(decode(ipv6({ next: 0, payloadLength: 16 }, p)), DecodeStatus.Malformed);
  });

  it('reports an extension header cut by the snaplen as Truncated', () => {
    assert.equal(decode(ipv6({ next: 0 }, ext6(6, 3, tcp())), { capLen: 50 }), DecodeStatus.Truncated);
    assert.equal(decode(ipv6({}, tcp()), { capLen: 39 }), DecodeStatus.Truncated);
  });

  it('counts ESP as an undecoded encapsulation (it may hold TCP) and No Next Header as NotTcp', () => {
    assert.equal(decode(ipv6({ next: 50 }, new Uint8Array(40))), DecodeStatus.Undecoded);
    assert.equal(decode(ipv6({ next: 59 }, new Uint8Array(0))), DecodeStatus.NotTcp);
  });

  it('reads a jumbogram length from the hop-by-hop Jumbo Payload option', () => {
    const t = tcp({ payload: 70000 });
    const hbh = cat([6, 0], [0xc2, 4], [0, 0, 0, 0]);
    const len = hbh.length + t.length;
    hbh.set([(len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff], 4);
    assert.equal(decode(ipv6({ next: 0, payloadLength: 0 }, cat(hbh, t)), { capLen: 200 }), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 70000);
    assert.equal(seg.lengthFromWire, false);
  });

  it('with payload length 0 and no jumbo option (GSO capture) takes the length on the wire', () => {
    assert.equal(decode(ipv6({ payloadLength: 0 }, tcp({ payload: 9000 })), { capLen: 100 }), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 9000);
    assert.equal(seg.lengthFromWire, true);
  });
});

describe('tunnels (tshark reports the innermost IP header)', () => {
  it('follows IPv4 in IPv4', () => {
    const d = new Decoder();
    const inner = ipv4({ src: [10, 9, 9, 9] }, tcp({ payload: 4 }));
    assert.equal(d.decode(frame(RAW, ipv4({ proto: 4, src: [1, 1, 1, 1] }, inner)), seg), DecodeStatus.Tcp);
    assert.equal(formatIp(4, seg.src), '10.9.9.9');
    assert.equal(seg.payloadLen, 4);
    assert.equal(d.stats.tunnelled, 1);
  });

  it('follows IPv6 in IPv4 (6in4) and clears the IPv4 words', () => {
    assert.equal(decode(ipv4({ proto: 41 }, ipv6({}, tcp()))), DecodeStatus.Tcp);
    assert.equal(formatIp(6, seg.src), '2001:db8::1');
  });

  it('follows GRE version 0 with key and sequence', () => {
    const gre = cat(be16(0x3000), be16(0x0800), [0, 0, 0, 1], [0, 0, 0, 2]);
    assert.equal(decode(ipv4({ proto: 47 }, cat(gre, ipv4({ dst: [8, 8, 8, 8] }, tcp())))), DecodeStatus.Tcp);
    assert.equal(formatIp(4, seg.dst), '8.8.8.8');
  });

  it('calls a PPTP enhanced GRE (version 1) packet without payload (a bare acknowledgment) NotTcp', () => {
    const gre = cat(be16(0x3081), be16(0x880b), new Array(8).fill(0));
    assert.equal(decode(ipv4({ proto: 47 }, cat(gre, new Uint8Array(20)))), DecodeStatus.NotTcp);
  });
});

describe('lengths from the IP header, not the captured length', () => {
  it('ignores Ethernet padding after a short segment', () => {
    const bytes = cat(ethernet(0x0800, ipv4({}, tcp())), new Uint8Array(6)); // 54 + 6 = 60 byte minimum
    assert.equal(decode(bytes, undefined, 1), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 0);
    assert.equal(seg.payloadCaptured, 0);
    assert.equal(seg.wireLen, 60);
  });

  it('keeps the payload length when the snaplen cuts the payload', () => {
    assert.equal(decode(ethernet(0x0800, ipv4({}, tcp({ payload: 1000 }))), { capLen: 68 }, 1), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 1000);
    assert.equal(seg.payloadCaptured, 14);
    assert.equal(seg.capLen, 68);
    assert.equal(seg.wireLen, 1054);
  });

  it('takes the IPv6 payload length minus extension headers', () => {
    const bytes = cat(ethernet(0x86dd, ipv6({ next: 60 }, ext6(6, 0, tcp({ payload: 2 })))), new Uint8Array(10));
    assert.equal(decode(bytes, undefined, 1), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 2);
  });
});
