import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment, SYN } from '../../src/decode/segment.ts';
import { formatIp } from '../../src/decode/address.ts';
import { be16, be32, cat, ethernet, frame, ipv4, ipv6, le16, le32, sll, sll2, tcp } from './build.ts';

const seg = new Segment();

function decode(linkType: number, bytes: Uint8Array, opts?: Parameters<typeof frame>[2]): DecodeStatus {
  return new Decoder().decode(frame(linkType, bytes, opts), seg);
}

const v4syn = (): Uint8Array => ipv4({ src: [192, 168, 1, 1], dst: [192, 168, 1, 2] }, tcp({ flags: SYN, sport: 1234, dport: 80 }));
const v6syn = (): Uint8Array => ipv6({}, tcp({ flags: SYN, sport: 1234, dport: 443 }));

function assertV4(): void {
  assert.equal(seg.ipVersion, 4);
  assert.equal(formatIp(4, seg.src), '192.168.1.1');
  assert.equal(formatIp(4, seg.dst), '192.168.1.2');
  assert.equal(seg.srcPort, 1234);
  assert.equal(seg.flags, SYN);
}

function assertV6(): void {
  assert.equal(seg.ipVersion, 6);
  assert.equal(formatIp(6, seg.src), '2001:db8::1');
  assert.equal(seg.dstPort, 443);
}

describe('Ethernet', () => {
  it('decodes IPv4 over plain Ethernet II', () => {
    assert.equal(decode(1, ethernet(0x0800, v4syn())), DecodeStatus.Tcp);
    assertV4();
  });

  it('decodes IPv6 over Ethernet II', () => {
    assert.equal(decode(1, ethernet(0x86dd, v6syn())), DecodeStatus.Tcp);
    assertV6();
  });

  it('skips one 802.1Q tag', () => {
    assert.equal(decode(1, ethernet(0x0800, v4syn(), [[0x8100, 100]])), DecodeStatus.Tcp);
    assertV4();
  });

  it('skips a QinQ stack: 802.1ad S-tag then 802.1Q C-tag', () => {
    assert.equal(decode(1, ethernet(0x0800, v4syn(), [[0x88a8, 10], [0x8100, 20]])), DecodeStatus.Tcp);
    assertV4();
  });

  it('skips the pre-standard 0x9100 tag and stacks of three', () => {
    assert.equal(decode(1, ethernet(0x86dd, v6syn(), [[0x9100, 1], [0x88a8, 2], [0x8100, 3]])), DecodeStatus.Tcp);
    assertV6();
  });

  it('reports a VLAN tag cut by the snaplen as Truncated', () => {
    const bytes = ethernet(0x0800, v4syn(), [[0x8100, 1], [0x8100, 2]]);
    assert.equal(decode(1, bytes, { capLen: 16 }), DecodeStatus.Truncated);
  });

  it('reports a frame shorter than the Ethernet header as Truncated', () => {
    assert.equal(decode(1, ethernet(0x0800, v4syn()), { capLen: 13 }), DecodeStatus.Truncated);
  });

  it('decodes IPv4 in 802.3 + LLC/SNAP (RFC 1042)', () => {
    const payload = cat([0xaa, 0xaa, 0x03, 0, 0, 0], be16(0x0800), v4syn());
    assert.equal(decode(1, ethernet(payload.length, payload)), DecodeStatus.Tcp);
    assertV4();
  });

  it('calls ARP and 802.3 without SNAP NotTcp', () => {
    assert.equal(decode(1, ethernet(0x0806, new Uint8Array(28))), DecodeStatus.NotTcp);
    assert.equal(decode(1, ethernet(38, cat([0x42, 0x42, 0x03], new Uint8Array(35)))), DecodeStatus.NotTcp);
  });
});

describe('Linux cooked (SLL, SLL2)', () => {
  it('decodes SLL (113)', () => {
    assert.equal(decode(113, sll(0, 0x0800, v4syn())), DecodeStatus.Tcp);
    assertV4();
  });

  it('decodes SLL carrying an unstripped 802.1Q tag', () => {
    assert.equal(decode(113, sll(0, 0x8100, cat(be16(5), be16(0x86dd), v6syn()))), DecodeStatus.Tcp);
    assertV6();
  });

  it('decodes SLL2 (276), as tcpdump -i any writes it', () => {
    assert.equal(decode(276, sll2(4, 0x86dd, 7, v6syn())), DecodeStatus.Tcp);
    assertV6();
  });

  it('reports SLL / SLL2 headers cut by the snaplen as Truncated', () => {
    assert.equal(decode(113, sll(0, 0x0800, v4syn()), { capLen: 15 }), DecodeStatus.Truncated);
    assert.equal(decode(276, sll2(0, 0x0800, 1, v4syn()), { capLen: 19 }), DecodeStatus.Truncated);
  });
});

describe('BSD loopback (NULL 0, LOOP 108)', () => {
  for (const [af, ver] of [[2, 4], [24, 6], [28, 6], [30, 6]] as const) {
    const payload = ver === 4 ? v4syn() : v6syn();
    it(`NULL: AF ${af} in little-endian host order`, () => {
      assert.equal(decode(0, cat(le32(af), payload)), DecodeStatus.Tcp);
      assert.equal(seg.ipVersion, ver);
    });
    it(`NULL: AF ${af} in big-endian host order`, () => {
      assert.equal(decode(0, cat(be32(af), payload)), DecodeStatus.Tcp);
      assert.equal(seg.ipVersion, ver);
    });
    it(`LOOP: AF ${af} in network order`, () => {
      assert.equal(decode(108, cat(be32(af), payload)), DecodeStatus.Tcp);
      assert.equal(seg.ipVersion, ver);
    });
  }

  it('LOOP does not accept a little-endian AF', () => {
    assert.equal(decode(108, cat(le32(2), v4syn())), DecodeStatus.NotTcp);
  });

  it('calls unknown address families NotTcp', () => {
    assert.equal(decode(0, cat(le32(17), v4syn())), DecodeStatus.NotTcp);
  });
});

describe('raw IP', () => {
  for (const lt of [101, 12, 14]) {
    it(`link type ${lt} picks IPv4 or IPv6 by the version nibble`, () => {
      assert.equal(decode(lt, v4syn()), DecodeStatus.Tcp);
      assertV4();
      assert.equal(decode(lt, v6syn()), DecodeStatus.Tcp);
      assertV6();
      assert.equal(decode(lt, new Uint8Array([0x50, 0, 0, 0])), DecodeStatus.Malformed);
    });
  }

  it('link type 228 is IPv4 and 229 is IPv6', () => {
    assert.equal(decode(228, v4syn()), DecodeStatus.Tcp);
    assertV4();
    assert.equal(decode(229, v6syn()), DecodeStatus.Tcp);
    assertV6();
    assert.equal(decode(228, v6syn()), DecodeStatus.Malformed);
  });
});

describe('Cisco HDLC (104)', () => {
  it('decodes IPv4 and IPv6 by the EtherType', () => {
    assert.equal(decode(104, cat([0x0f, 0], be16(0x0800), v4syn())), DecodeStatus.Tcp);
    assertV4();
    assert.equal(decode(104, cat([0x8f, 0], be16(0x86dd), v6syn())), DecodeStatus.Tcp);
    assertV6();
  });

  it('calls SLARP NotTcp', () => {
    assert.equal(decode(104, cat([0x8f, 0], be16(0x8035), new Uint8Array(20))), DecodeStatus.NotTcp);
  });
});

describe('NFLOG (239)', () => {
  function tlv(type: number, value: Uint8Array | number[], le: boolean): Uint8Array {
    const len = 4 + value.length;
    const pad = (4 - (len % 4)) % 4;
    return cat(le ? le16(len) : be16(len), le ? le16(type) : be16(type), value, new Array(pad).fill(0));
  }
  for (const le of [true, false]) {
    it(`finds NFULA_PAYLOAD with TLVs in ${le ? 'little' : 'big'}-endian order`, () => {
      const bytes = cat(
        [2, 0], be16(42),
        tlv(1, [0x08, 0x00, 3, 0], le), tlv(10, [0x41], le), tlv(5, be32(2), le),
        tlv(9, v4syn(), le),
      );
      assert.equal(decode(239, bytes), DecodeStatus.Tcp);
      assertV4();
    });
  }

  it('ends the IP packet at the TLV, not the frame', () => {
    const ip = ipv4({ totalLength: 0 }, tcp({ payload: 10 }));
    const bytes = cat([2, 0], be16(0), tlv(9, ip, true), tlv(11, be32(0), true));
    assert.equal(decode(239, bytes), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 10); // total length 0: the TLV's length is the packet's
  });

  it('decodes IPv6 (family 10)', () => {
    assert.equal(decode(239, cat([10, 0], be16(1), tlv(9, v6syn(), true))), DecodeStatus.Tcp);
    assertV6();
  });

  it('calls a message without payload NotTcp', () => {
    assert.equal(decode(239, cat([2, 0], be16(1), tlv(1, [8, 0, 3, 0], true))), DecodeStatus.NotTcp);
  });
});

describe('unsupported link types', () => {
  it('are reported and counted per type, not dropped silently', () => {
    const d = new Decoder();
    assert.equal(d.decode(frame(147, v4syn()), seg), DecodeStatus.UnsupportedLink);
    assert.equal(d.decode(frame(147, v4syn()), seg), DecodeStatus.UnsupportedLink);
    assert.equal(d.decode(frame(119, v4syn()), seg), DecodeStatus.UnsupportedLink);
    assert.equal(d.stats.unsupportedLink, 3);
    assert.deepEqual([...d.stats.unsupportedLinkTypes].sort((a, b) => a[0] - b[0]), [[119, 1], [147, 2]]);
    assert.equal(d.stats.frames, 3);
  });
});
