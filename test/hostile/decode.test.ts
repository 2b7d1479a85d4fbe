/**
 * Hostile-input hand cases for the decoders (the list). Already
 * covered in test/decode/, not repeated: IPv4 IHL below 5, total length
 * shorter than the headers, TCP data offset below 5 or past the packet, TCP
 * option length 0 and 1, a VLAN tag cut by the snaplen.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment, SYN } from '../../src/decode/segment.ts';
import { cat, ethernet, frame, ipv4, ipv6, tcp } from '../decode/build.ts';

const seg = new Segment();
const decode = (linkType: number, bytes: Uint8Array, opts?: Parameters<typeof frame>[2]): DecodeStatus =>
  new Decoder().decode(frame(linkType, bytes, opts), seg);

describe('hostile frames: decoders', () => {
  it('IPv4 IHL past the IP packet (IHL 15, total length 40): Malformed', () => {
    assert.equal(decode(101, ipv4({ ihl: 15 }, tcp())), DecodeStatus.Malformed);
  });

  it('IPv4 IHL past the captured bytes, total length claiming more: Truncated', () => {
    const b = ipv4({ ihl: 15, totalLength: 200 }, tcp());
    assert.equal(decode(101, b), DecodeStatus.Truncated);
  });

  it('VLAN tags nested to the end of the frame, and 64 KiB of them: Truncated, at once', () => {
    for (const n of [1, 2, 50, 16000]) {
      const tags = new Uint8Array(14 + 4 * n);
      for (let i = 12; i + 1 < tags.length; i += 4) { tags[i] = 0x81; tags[i + 1] = 0x00; }
      const t0 = Date.now();
      assert.equal(decode(1, tags), DecodeStatus.Truncated, `${n} tags`);
      assert.ok(Date.now() - t0 < 200);
    }
  });

  it('TCP options: 40 bytes of NOPs, an option claiming 255 bytes, a SACK of 34 bytes (more than 4 blocks)', () => {
    assert.equal(decode(101, ipv4({}, tcp({ options: new Array(40).fill(1) }))), DecodeStatus.Tcp);
    assert.equal(decode(101, ipv4({}, tcp({ options: [30, 255, 0, 0] }))), DecodeStatus.Tcp);
    assert.equal(seg.optionsMalformed, true); // runs past the header end: parsing stops there
    assert.equal(decode(101, ipv4({}, tcp({ options: [5, 34, ...new Array(32).fill(7), 0, 0] }))), DecodeStatus.Tcp);
    assert.ok(seg.sackCount <= 4);
  });

  it('IPv6 extension headers chained to the end of the frame: no hang, Truncated or Malformed', () => {
    // 500 destination-options headers of 8 bytes, each naming another.
    const ext = new Uint8Array(8 * 500);
    for (let i = 0; i < ext.length; i += 8) ext[i] = 60;
    const b = ipv6({ next: 60, payloadLength: ext.length + 100 }, ext);
    assert.ok([DecodeStatus.Truncated, DecodeStatus.Malformed].includes(decode(101, b) as 3 | 6));
    assert.ok([DecodeStatus.Truncated, DecodeStatus.Malformed].includes(decode(101, ipv6({ next: 60, payloadLength: ext.length }, ext)) as 3 | 6));
  });

  it('IPv6 jumbo payload length 0xffffffff: decoded without reading past the frame', () => {
    const hbh = Uint8Array.of(6, 0, 0xc2, 4, 0xff, 0xff, 0xff, 0xff);
    const b = ipv6({ next: 0, payloadLength: 0 }, cat(hbh, tcp({ flags: SYN })));
    assert.equal(decode(101, b), DecodeStatus.Tcp);
    assert.equal(seg.payloadCaptured, 0);
  });

  it('tunnels nested deeper than the decoder follows (IP-in-IP twelve times): Undecoded, counted as `nesting`', () => {
    let b = ipv4({}, tcp());
    for (let i = 0; i < 12; i++) b = ipv4({ proto: 4 }, b);
    assert.equal(decode(101, b), DecodeStatus.Undecoded);
  });

  it('NFLOG TLV length below 4 in both byte orders: Malformed', () => {
    assert.equal(decode(239, Uint8Array.of(2, 0, 0, 0, 1, 0, 9, 0, 0x45)), DecodeStatus.Malformed);
  });

  it('capLen larger than the buffer (a reader bug) is clipped, not read past', () => {
    const f = frame(1, ethernet(0x0800, ipv4({}, tcp())));
    f.capLen = 1 << 30;
    const st = new Decoder().decode(f, seg);
    assert.ok(Object.values(DecodeStatus).includes(st));
  });

  it('ICMP errors with hostile quotes: an IHL past the quote, extension headers past it, a quote of ICMP: never IcmpError, never a throw', () => {
    const icmp4 = (quote: Uint8Array): Uint8Array => ethernet(0x0800, ipv4({ proto: 1 }, cat([3, 3, 0, 0, 0, 0, 0, 0], quote)));
    const icmp6 = (quote: Uint8Array): Uint8Array => ethernet(0x86dd, ipv6({ next: 58 }, cat([1, 4, 0, 0, 0, 0, 0, 0], quote)));
    assert.equal(decode(1, icmp4(ipv4({ ihl: 15 }, tcp({ flags: SYN })).subarray(0, 40))), DecodeStatus.NotTcp);
    assert.equal(decode(1, icmp4(ipv4({ ihl: 3 }, tcp({ flags: SYN })))), DecodeStatus.NotTcp);
    // hop-by-hop header claiming 2 KB, then nothing
    assert.equal(decode(1, icmp6(ipv6({ next: 0 }, new Uint8Array([6, 255, 0, 0, 0, 0, 0, 0])))), DecodeStatus.NotTcp);
    // nine destination-options headers in a row: the walk stops
    const chain = cat(...new Array(9).fill(0).map(() => [60, 0, 1, 4, 0, 0, 0, 0]), tcp({ flags: SYN }));
    assert.equal(decode(1, icmp6(ipv6({ next: 60 }, chain))), DecodeStatus.NotTcp);
    // an ICMP error quoting an ICMP error quoting TCP: the quote is ICMP, not TCP
    assert.equal(decode(1, icmp4(ipv4({ proto: 1 }, cat([3, 3, 0, 0, 0, 0, 0, 0], ipv4({}, tcp({ flags: SYN })))))), DecodeStatus.NotTcp);
    // an ICMP header cut before the quote
    assert.equal(decode(1, ethernet(0x0800, ipv4({ proto: 1 }, new Uint8Array([3, 3, 0])))), DecodeStatus.NotTcp);
  });
});
