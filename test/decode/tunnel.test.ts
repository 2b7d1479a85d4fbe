/**
 * The encapsulations and link types of issue 18 item 10, header by header:
 * ids read from the right bytes, the innermost tunnel kept, lengths that
 * contradict themselves Malformed, headers cut by the snaplen Truncated,
 * what is recognised but not followed counted per kind, nothing read
 * outside the frame. The hand-built captures (fixtures/handmade) check the
 * same decoders against tshark; these tests build the edge cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { formatIp } from '../../src/decode/address.ts';
import { Tunnel, Undecoded, UNDECODED_NAMES } from '../../src/decode/encapsulation.ts';
import { collect } from '../capture/collect.ts';
import { handmadeDir } from '../helpers/paths.ts';
import { be16, be32, cat, ethernet, frame, ipv4, ipv6, le16, le32, tcp } from './build.ts';

const seg = new Segment();
const ETH = 1;
const RAW = 101;

function run(bytes: Uint8Array, linkType = ETH, opts?: Parameters<typeof frame>[2]): { status: DecodeStatus; d: Decoder } {
  const d = new Decoder();
  return { status: d.decode(frame(linkType, bytes, opts), seg), d };
}

function decode(bytes: Uint8Array, linkType = ETH, opts?: Parameters<typeof frame>[2]): DecodeStatus {
  return run(bytes, linkType, opts).status;
}

/** The Undecoded kind counted for a frame that must stop there. */
function undecodedKind(bytes: Uint8Array, linkType = ETH): string {
  const { status, d } = run(bytes, linkType);
  assert.equal(status, DecodeStatus.Undecoded);
  return UNDECODED_NAMES[d.stats.undecoded.findIndex((n) => n > 0)];
}

const inner4 = (): Uint8Array => ipv4({ src: [10, 1, 1, 1], dst: [10, 2, 2, 2] }, tcp({ sport: 1111, dport: 2222, payload: 7 }));
const innerEth = (): Uint8Array => ethernet(0x0800, inner4());

/** A UDP datagram in IPv4 (checksum 0, which IPv4 allows). */
function udp4(sport: number, dport: number, payload: Uint8Array, udpLen = 8 + payload.length): Uint8Array {
  return ipv4({ proto: 17 }, cat(be16(sport), be16(dport), be16(udpLen), [0, 0], payload));
}
const vxlan = (vni: number, payload: Uint8Array, flags = 0x08): Uint8Array =>
  cat([flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0], payload);
const greHdr = (flags: number, proto: number, extra: number[] = []): number[] => [...be16(flags), ...be16(proto), ...extra];
const mpls = (label: number, bottom: boolean): number[] => be32(((label << 12) | (bottom ? 0x100 : 0) | 64) >>> 0);

function expectInner(): void {
  assert.equal(formatIp(4, seg.src), '10.1.1.1');
  assert.equal(seg.srcPort, 1111);
  assert.equal(seg.payloadLen, 7);
}

describe('UDP tunnels', () => {
  it('VXLAN: the VNI is the tunnel id, and without the I flag there is none', () => {
    assert.equal(decode(ethernet(0x0800, udp4(40000, 4789, vxlan(0xabcdef, innerEth())))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelKind, Tunnel.Vxlan);
    assert.equal(seg.tunnelId, 0xabcdef);
    assert.equal(decode(ethernet(0x0800, udp4(40000, 4789, vxlan(5, innerEth(), 0)))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelId, -1);
  });

  it('tries the lower port first, as Wireshark does', () => {
    const gtp = cat([0x30, 0xff], be16(inner4().length), be32(77), inner4());
    assert.equal(decode(ethernet(0x0800, udp4(2152, 4789, gtp))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.GtpU);
    assert.equal(seg.tunnelId, 77);
  });

  it('other UDP, and UDP whose ports the snaplen cut, are not TCP', () => {
    assert.equal(decode(ethernet(0x0800, udp4(53, 40000, innerEth()))), DecodeStatus.NotTcp);
    assert.equal(decode(ethernet(0x0800, udp4(40000, 4789, vxlan(1, innerEth()))), ETH, { capLen: 14 + 20 + 3 }), DecodeStatus.NotTcp);
  });

  it('a tunnel header or inner header cut by the snaplen is Truncated', () => {
    const bytes = ethernet(0x0800, udp4(40000, 4789, vxlan(1, innerEth())));
    for (const cut of [14 + 20 + 6, 14 + 20 + 8 + 4, 14 + 20 + 8 + 8 + 10, 14 + 20 + 8 + 8 + 14 + 30]) {
      assert.equal(decode(bytes, ETH, { capLen: cut }), DecodeStatus.Truncated, `capLen ${cut}`);
    }
  });

  it('a UDP length below 8 or beyond the IP packet is Malformed', () => {
    assert.equal(decode(ethernet(0x0800, udp4(40000, 4789, vxlan(1, innerEth()), 7))), DecodeStatus.Malformed);
    assert.equal(decode(ethernet(0x0800, udp4(40000, 4789, vxlan(1, innerEth()), 500))), DecodeStatus.Malformed);
  });

  it('a first IP fragment may hold only the start of the UDP datagram: the inner TCP header is still read', () => {
    const dgram = vxlan(1, ethernet(0x0800, ipv4({}, tcp({ payload: 1000 }))));
    const udp = cat(be16(40000), be16(4789), be16(8 + dgram.length), [0, 0], dgram).subarray(0, 200);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 17, moreFragments: true }, udp))), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 1000);
    assert.equal(seg.firstFragment, true);
  });

  it('the inner packet ends where the UDP length says, not at the end of the frame', () => {
    const dgram = vxlan(1, innerEth());
    const bytes = ethernet(0x0800, ipv4({ proto: 17 }, cat(be16(1), be16(4789), be16(8 + dgram.length), [0, 0], dgram, new Uint8Array(12))));
    assert.equal(decode(bytes), DecodeStatus.Tcp);
    assert.equal(seg.payloadLen, 7);
  });

  it('GENEVE skips its options by their length; a longer option length than the packet is Malformed', () => {
    const opts = [...be16(0x0102), 0x80, 0x01, ...be32(0xdeadbeef)];
    const geneve = (optWords: number, proto: number, body: Uint8Array): Uint8Array => cat([optWords, 0], be16(proto), [0, 0, 9, 0], opts, body);
    assert.equal(decode(ethernet(0x0800, udp4(1, 6081, geneve(2, 0x6558, innerEth())))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelId, 9);
    assert.equal(decode(ethernet(0x0800, udp4(1, 6081, geneve(2, 0x0800, inner4())))), DecodeStatus.Tcp);
    assert.equal(decode(ethernet(0x0800, udp4(1, 6081, geneve(63, 0x6558, innerEth()).subarray(0, 40)))), DecodeStatus.Malformed);
    assert.equal(undecodedKind(ethernet(0x0800, udp4(1, 6081, geneve(2, 0x894f, inner4())))), 'geneve');
    assert.equal(undecodedKind(ethernet(0x0800, udp4(1, 6081, cat([0x42], geneve(2, 0x6558, innerEth()).subarray(1))))), 'geneve');
  });

  it('VXLAN-GPE follows IPv4, IPv6, Ethernet and MPLS, counts other next protocols and versions', () => {
    const gpe = (flags: number, next: number, body: Uint8Array): Uint8Array => cat([flags, 0, 0, next, 0, 0, 3, 0], body);
    assert.equal(decode(ethernet(0x0800, udp4(1, 4790, gpe(0x0c, 1, inner4())))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.VxlanGpe);
    assert.equal(decode(ethernet(0x0800, udp4(1, 4790, gpe(0x0c, 3, innerEth())))), DecodeStatus.Tcp);
    assert.equal(decode(ethernet(0x0800, udp4(1, 4790, gpe(0x0c, 5, cat(mpls(20, true), inner4()))))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.Mpls, 'the innermost tunnel');
    assert.equal(undecodedKind(ethernet(0x0800, udp4(1, 4790, gpe(0x0c, 4, inner4())))), 'vxlan-gpe');
    assert.equal(undecodedKind(ethernet(0x0800, udp4(1, 4790, gpe(0x1c, 1, inner4())))), 'vxlan-gpe');
  });

  it('GTP-U: T-PDUs with sequence number and chained extension headers; other messages and versions are not TCP', () => {
    const tpdu = (flags: number, opt: number[], body: Uint8Array, type = 0xff): Uint8Array =>
      cat([flags, type], be16(opt.length + body.length), be32(0x1234), opt, body);
    const ext = [0, 1, 0, 0x85, 1, 0x10, 9, 0x85, 2, 0, 0, 0, 0, 0, 0, 0];
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x34, ext, inner4())))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelId, 0x1234);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x32, [0, 1, 0, 0], inner4())))), DecodeStatus.Tcp);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x30, [], innerEth())))), DecodeStatus.Tcp, 'an Ethernet PDU');
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x32, [0, 1, 0, 0], new Uint8Array(0), 1)))), DecodeStatus.NotTcp);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x50, [], inner4())))), DecodeStatus.NotTcp, 'version 2 (GTPv2-C)');
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu(0x20, [], inner4())))), DecodeStatus.NotTcp, "GTP'");
    assert.equal(undecodedKind(ethernet(0x0800, udp4(2152, 2152, tpdu(0x30, [], cat([0x11, 0x22], inner4()))))), 'gtp-u');
  });

  it('GTP-U: an extension header of length 0, or running past the message, is Malformed', () => {
    const tpdu = (opt: number[], body: Uint8Array, extraLen = 0): Uint8Array =>
      cat([0x34, 0xff], be16(opt.length + body.length + extraLen), be32(1), opt, body);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu([0, 0, 0, 0x85, 0, 0, 0, 0], inner4())))), DecodeStatus.Malformed);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu([0, 0, 0, 0x85, 200, 0, 0, 0], inner4())))), DecodeStatus.Malformed);
    assert.equal(decode(ethernet(0x0800, udp4(2152, 2152, tpdu([0, 0, 0, 0], inner4(), 9)))), DecodeStatus.Malformed);
  });

  it('Teredo: IPv6 after the optional authentication and origin indications', () => {
    const v6 = ipv6({}, tcp({ payload: 3 }));
    const auth = [0, 1, 2, 1, 0xaa, 0xbb, 0xcc, ...new Array(8).fill(7), 0];
    const origin = [0, 0, 0x12, 0x34, 1, 2, 3, 4];
    assert.equal(decode(ethernet(0x0800, udp4(3544, 50000, cat(auth, origin, v6)))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.Teredo);
    assert.equal(seg.payloadLen, 3);
    assert.equal(decode(ethernet(0x0800, udp4(3544, 50000, cat(origin, [0x45], new Uint8Array(30))))), DecodeStatus.NotTcp);
  });

  it('L2TPv2: optional length, sequence numbers and offset padding, then PPP; control messages are not TCP', () => {
    const ppp = cat([0xff, 0x03, 0x00, 0x21], inner4());
    const body = cat(be16(7), be16(9), be16(1), be16(2), be16(3), [0xee, 0xee, 0xee], ppp);
    assert.equal(decode(ethernet(0x0800, udp4(1701, 1701, cat([0x4a, 0x02], be16(body.length + 4), body)))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelId, (7 << 16) | 9);
    assert.equal(decode(ethernet(0x0800, udp4(1701, 1701, cat([0xc8, 0x02], be16(12), new Uint8Array(8))))), DecodeStatus.NotTcp);
    assert.equal(decode(ethernet(0x0800, udp4(1701, 1701, cat([0x4a, 0x02], be16(3), body)))), DecodeStatus.Malformed, 'length below the header');
    assert.equal(undecodedKind(ethernet(0x0800, udp4(1701, 1701, cat([0, 3, 0, 0], be32(5), innerEth()))), ETH), 'l2tpv3');
  });
});

describe('GRE', () => {
  it('key (the tunnel id), sequence number and checksum are skipped by their flags', () => {
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0xb000, 0x0800, [0, 0, 0, 0, ...be32(42), ...be32(1)]), inner4())))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelKind, Tunnel.Gre);
    assert.equal(seg.tunnelId, 42);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0, 0x0800), inner4())))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelId, -1, 'no key, no id');
  });

  it('carries Ethernet (gretap), MPLS and, through RFC 1701 source routes, IP', () => {
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0x2000, 0x6558, be32(3)), innerEth())))), DecodeStatus.Tcp);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0, 0x8847), mpls(99, true), inner4())))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelId, 99);
    const sres = [...be16(0x0800), 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0];
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0x4000, 0x0800, [0, 0, 0, 0, ...sres]), inner4())))), DecodeStatus.Tcp);
    expectInner();
  });

  it('source routes or a header longer than the packet are Malformed', () => {
    const endless = [...be16(0x0800), 0, 4, 1, 2, 3, 4];
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0x4000, 0x0800, [0, 0, 0, 0, ...endless]))))), DecodeStatus.Malformed);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0xb000, 0x0800), [0, 0])))), DecodeStatus.Malformed);
  });

  it('counts versions other than 0 and 1 and unknown protocol types as undecoded `gre`', () => {
    assert.equal(undecodedKind(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0x0003, 0x0800), inner4())))), 'gre');
    assert.equal(undecodedKind(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0, 0x883e), inner4())))), 'gre');
  });

  it('ERSPAN type I/II/III: the session ID is the tunnel id, other versions and frame types are counted', () => {
    const ii = cat(greHdr(0x1000, 0x88be, be32(1)), be16(0x1000), be16(0x0155), be32(0), innerEth());
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, ii))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelKind, Tunnel.Erspan);
    assert.equal(seg.tunnelId, 0x155);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0, 0x88be), innerEth())))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelId, -1, 'type I has no header, no session ID');
    const iii = (bits: number, sub: number[]): Uint8Array =>
      cat(greHdr(0x1000, 0x22eb, be32(1)), be16(0x2000), be16(7), be32(0), be16(0), be16(bits), sub, innerEth());
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, iii(0x8001, new Array(8).fill(0))))), DecodeStatus.Tcp);
    assert.equal(seg.tunnelId, 7);
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, iii(0x8000, [])))), DecodeStatus.Tcp);
    assert.equal(undecodedKind(ethernet(0x0800, ipv4({ proto: 47 }, iii(0x8000 | (2 << 10), []))), ETH), 'erspan');
  });

  it('PPTP (version 1): the call ID is the tunnel id; compressed PPP is counted as undecoded `ppp`', () => {
    const pptp = (proto: number[], body: Uint8Array): Uint8Array => {
      const ppp = cat([0xff, 0x03], proto, body);
      return cat(be16(0x3081), be16(0x880b), be16(ppp.length), be16(0x4001), be32(1), be32(2), ppp);
    };
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, pptp([0x00, 0x21], inner4())))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelKind, Tunnel.Pptp);
    assert.equal(seg.tunnelId, 0x4001);
    assert.equal(undecodedKind(ethernet(0x0800, ipv4({ proto: 47 }, pptp([0x00, 0xfd], new Uint8Array(40))))), 'ppp');
    assert.equal(decode(ethernet(0x0800, ipv4({ proto: 47 }, pptp([0xc0, 0x21], new Uint8Array(10))))), DecodeStatus.NotTcp, 'LCP');
  });
});

describe('IP in IP, EtherIP, ESP, L2TPv3 over IP', () => {
  it('names each of the four IP-in-IP kinds', () => {
    const v6in = ipv6({}, tcp());
    const cases: [Uint8Array, number][] = [
      [ipv4({ proto: 4 }, inner4()), Tunnel.Ipv4InIpv4], [ipv4({ proto: 41 }, v6in), Tunnel.Ipv6InIpv4],
      [ipv6({ next: 4 }, inner4()), Tunnel.Ipv4InIpv6], [ipv6({ next: 41 }, v6in), Tunnel.Ipv6InIpv6],
    ];
    for (const [bytes, kind] of cases) {
      assert.equal(decode(bytes, RAW), DecodeStatus.Tcp);
      assert.equal(seg.tunnelKind, kind);
      assert.equal(seg.tunnelId, -1);
    }
  });

  it('EtherIP version 3 carries Ethernet; another version is not followed', () => {
    assert.equal(decode(ipv4({ proto: 97 }, cat([0x30, 0], innerEth())), RAW), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.EtherIp);
    assert.equal(decode(ipv4({ proto: 97 }, cat([0x20, 0], innerEth())), RAW), DecodeStatus.NotTcp);
  });

  it('ESP and L2TPv3 over IP are counted, not called "without TCP"', () => {
    assert.equal(undecodedKind(ipv4({ proto: 50 }, new Uint8Array(40)), RAW), 'esp');
    assert.equal(undecodedKind(ipv4({ proto: 115 }, cat(be32(9), innerEth())), RAW), 'l2tpv3');
  });

  it('follows 12 network layers and counts a deeper frame as `nesting`', () => {
    const nest = (n: number): Uint8Array => {
      let b = inner4();
      for (let i = 0; i < n; i++) b = ipv4({ proto: 4 }, b);
      return b;
    };
    assert.equal(decode(nest(11), RAW), DecodeStatus.Tcp);
    assert.equal(undecodedKind(nest(12), RAW), 'nesting');
  });
});

describe('MPLS', () => {
  it('walks the stack to the bottom label (the tunnel id) and reads IPv4 or IPv6 by the first nibble', () => {
    assert.equal(decode(ethernet(0x8847, cat(mpls(16, false), mpls(17, false), mpls(0xfffff, true), inner4()))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelId, 0xfffff);
    assert.equal(decode(ethernet(0x8848, cat(mpls(3, true), ipv6({}, tcp())))), DecodeStatus.Tcp);
    assert.equal(seg.ipVersion, 6);
  });

  it('an Ethernet pseudowire with or without control word, told by the EtherType under each reading', () => {
    assert.equal(decode(ethernet(0x8847, cat(mpls(16, true), be32(5), innerEth()))), DecodeStatus.Tcp);
    expectInner();
    const noCw = cat([0x00, 0x1b, 0x21, 0, 0, 2, 0x00, 0x1b, 0x21, 0, 0, 1], be16(0x0800), inner4());
    assert.equal(decode(ethernet(0x8847, cat(mpls(16, true), noCw))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(undecodedKind(ethernet(0x8847, cat(mpls(16, true), [0x10, 0, 0, 0], inner4()))), 'mpls');
    assert.equal(undecodedKind(ethernet(0x8847, cat(mpls(16, true), be32(5), ethernet(0x0806, new Uint8Array(28))))), 'mpls');
  });

  it('a stack without bottom label, or cut before it, is Malformed or Truncated', () => {
    assert.equal(decode(ethernet(0x8847, cat(mpls(16, false), mpls(17, false)))), DecodeStatus.Malformed);
    const bytes = ethernet(0x8847, cat(mpls(16, false), mpls(17, true), inner4()));
    assert.equal(decode(bytes, ETH, { capLen: 14 + 6 }), DecodeStatus.Truncated);
    assert.equal(decode(bytes, ETH, { capLen: 14 + 8 }), DecodeStatus.Truncated);
  });
});

describe('PPP and PPPoE', () => {
  it('PPPoE session: the session ID is the tunnel id; its length bounds the PPP frame', () => {
    const body = cat(be16(0x0021), inner4());
    assert.equal(decode(cat(ethernet(0x8864, cat([0x11, 0], be16(0x1234), be16(body.length), body)), new Uint8Array(10))), DecodeStatus.Tcp);
    expectInner();
    assert.equal(seg.tunnelKind, Tunnel.Pppoe);
    assert.equal(seg.tunnelId, 0x1234);
    assert.equal(decode(ethernet(0x8864, cat([0x11, 0], be16(1), be16(body.length + 50), body))), DecodeStatus.Malformed);
    assert.equal(decode(ethernet(0x8864, cat([0x12, 0], be16(1), be16(body.length), body))), DecodeStatus.NotTcp, 'another version');
    assert.equal(decode(ethernet(0x8863, cat([0x11, 9, 0, 0, 0, 0]))), DecodeStatus.NotTcp, 'discovery');
  });

  it('LINKTYPE_PPP with and without address/control, with a compressed protocol field', () => {
    for (const head of [[0xff, 0x03, 0x00, 0x21], [0x00, 0x21], [0x21], [0xff, 0x03, 0x21]]) {
      assert.equal(decode(cat(head, inner4()), 9), DecodeStatus.Tcp, JSON.stringify(head));
      expectInner();
    }
    assert.equal(decode(cat([0xff, 0x03, 0x00, 0x57], ipv6({}, tcp())), 9), DecodeStatus.Tcp);
    assert.equal(decode(cat([0xff, 0x03, 0xc0, 0x21], new Uint8Array(20)), 9), DecodeStatus.NotTcp, 'LCP');
    assert.equal(undecodedKind(cat([0x00, 0x2d], new Uint8Array(20)), 9), 'ppp');
    assert.equal(decode(new Uint8Array([0xff, 0x03, 0x00]), 9), DecodeStatus.Malformed);
  });

  it('LINKTYPE_PPP_HDLC: PPP after 0xFF 0x03, or Cisco HDLC after 0x0F / 0x8F', () => {
    assert.equal(decode(cat([0xff, 0x03, 0x00, 0x21], inner4()), 50), DecodeStatus.Tcp);
    assert.equal(decode(cat([0x0f, 0x00, 0x08, 0x00], inner4()), 50), DecodeStatus.Tcp);
    expectInner();
  });
});

describe('link types: IPoIB, PPI, 802.11, radiotap', () => {
  it('IPoIB: the type after the 40-byte pseudo-header', () => {
    assert.equal(decode(cat(new Uint8Array(40), be16(0x0800), [0, 0], inner4()), 242), DecodeStatus.Tcp);
    expectInner();
    assert.equal(decode(cat(new Uint8Array(40), be16(0x0800)), 242), DecodeStatus.Truncated);
  });

  const dataFrame = (fc0: number, fc1: number, extra: number[], body: Uint8Array): Uint8Array =>
    cat([fc0, fc1, 0, 0], new Array(18).fill(2), [0x10, 0], extra, [0xaa, 0xaa, 0x03, 0, 0, 0], be16(0x0800), body);

  it('802.11 data and QoS data, three or four addresses, +HTC; null data, management, later fragments are not TCP', () => {
    assert.equal(decode(dataFrame(0x08, 0x01, [], inner4()), 105), DecodeStatus.Tcp);
    expectInner();
    assert.equal(decode(dataFrame(0x88, 0x03, [...new Array(6).fill(3), 0, 0], inner4()), 105), DecodeStatus.Tcp);
    assert.equal(decode(dataFrame(0x88, 0x82, [0, 0, 1, 2, 3, 4], inner4()), 105), DecodeStatus.Tcp, '+HTC');
    assert.equal(decode(dataFrame(0x48, 0x01, [], inner4()), 105), DecodeStatus.NotTcp, 'null data');
    assert.equal(decode(dataFrame(0x80, 0x00, [], inner4()), 105), DecodeStatus.NotTcp, 'beacon');
    const frag = dataFrame(0x08, 0x01, [], inner4());
    frag[22] = 0x11;
    assert.equal(decode(frag, 105), DecodeStatus.NotTcp, 'fragment 1');
  });

  it('802.11 protected frames and A-MSDUs are counted, not decoded', () => {
    assert.equal(undecodedKind(dataFrame(0x08, 0x41, [], inner4()), 105), 'wlan-protected');
    assert.equal(undecodedKind(dataFrame(0x88, 0x01, [0x80, 0], inner4()), 105), 'wlan-a-msdu');
  });

  const radiotap = (present: number, fields: number[], body: Uint8Array): Uint8Array =>
    cat([0, 0], le16(8 + fields.length), le32(present), fields, body);

  it('radiotap: the FCS flag takes 4 bytes off the end, the data-pad flag pads the MAC header to 4 bytes', () => {
    const plain = dataFrame(0x08, 0x01, [], inner4());
    const withFcs = cat(plain, [1, 2, 3, 4]);
    // TSFT (8 bytes, aligned to 8) then Flags.
    assert.equal(decode(radiotap(0x3, [...new Array(8).fill(0), 0x10, 0], withFcs), 127), DecodeStatus.Tcp);
    expectInner();
    const padded = cat([0x88, 0x01, 0, 0], new Array(18).fill(2), [0x10, 0], [0, 0], [0, 0], [0xaa, 0xaa, 0x03, 0, 0, 0], be16(0x0800), inner4());
    assert.equal(decode(radiotap(0x2, [0x20], padded), 127), DecodeStatus.Tcp);
    expectInner();
    // An extended present bitmap moves the fields.
    assert.equal(decode(radiotap(0x80000002, [0, 0, 0, 0, 0x10, 0, 0, 0], withFcs), 127), DecodeStatus.Tcp);
  });

  it('radiotap and PPI lengths that contradict the frame are Malformed; PPI inside PPI is refused', () => {
    assert.equal(decode(cat([0, 0], le16(4), le32(0), dataFrame(0x08, 0x01, [], inner4())), 127), DecodeStatus.Malformed);
    assert.equal(decode(cat([1, 0], le16(8), le32(0), dataFrame(0x08, 0x01, [], inner4())), 127), DecodeStatus.Malformed);
    const ppi = (dlt: number, body: Uint8Array): Uint8Array => cat([0, 0], le16(8), le32(dlt), body);
    assert.equal(decode(ppi(105, dataFrame(0x08, 0x01, [], inner4())), 192), DecodeStatus.Tcp);
    assert.equal(decode(ppi(1, innerEth()), 192), DecodeStatus.Tcp);
    expectInner();
    assert.equal(decode(ppi(192, ppi(1, innerEth())), 192), DecodeStatus.Malformed);
    assert.equal(decode(cat([0, 0], le16(4000), le32(1), innerEth()), 192), DecodeStatus.Malformed);
    assert.equal(decode(ppi(147, innerEth()), 192), DecodeStatus.UnsupportedLink);
  });
});

describe('counters', () => {
  it('count TCP segments per tunnel crossed and undecoded frames per kind', () => {
    const d = new Decoder();
    const nested = ethernet(0x0800, udp4(1, 4789, vxlan(7, ethernet(0x0800, ipv4({ proto: 47 }, cat(greHdr(0x2000, 0x0800, be32(5)), inner4()))))));
    assert.equal(d.decode(frame(ETH, nested), seg), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.Gre, 'the innermost tunnel');
    assert.equal(seg.tunnelId, 5);
    assert.equal(d.decode(frame(ETH, ethernet(0x0800, inner4())), seg), DecodeStatus.Tcp);
    assert.equal(seg.tunnelKind, Tunnel.None, 'reset for the next frame');
    assert.equal(seg.tunnelId, -1);
    d.decode(frame(RAW, ipv4({ proto: 50 }, new Uint8Array(20))), seg);
    d.decode(frame(RAW, ipv4({ proto: 50 }, new Uint8Array(20))), seg);
    assert.equal(d.stats.tunnels[Tunnel.Vxlan], 1);
    assert.equal(d.stats.tunnels[Tunnel.Gre], 1);
    assert.equal(d.stats.tunnelled, 1);
    assert.equal(d.stats.undecoded[Undecoded.Esp], 2);
    assert.equal(d.stats.undecodedTotal, 2);
    assert.equal(d.stats.notTcp, 0);
  });
});

describe('hand-built captures', () => {
  it('every truncation of every frame decodes the same whatever bytes surround it', () => {
    let frames = 0;
    for (const file of readdirSync(handmadeDir).filter((f) => f.endsWith('.pcap'))) {
      const { frames: list, linkType } = collectPcap(join(handmadeDir, file));
      for (const data of list) {
        for (let cap = 0; cap <= data.length; cap++) {
          const results = [0x00, 0xff].map((junk) => {
            const f = frame(linkType, data, { capLen: cap });
            f.buf.fill(junk, 0, f.offset);
            f.buf.fill(junk, f.offset + cap);
            const st = new Decoder().decode(f, seg);
            return st === DecodeStatus.Tcp ? `${st} ${seg.seq} ${seg.payloadLen} ${seg.tunnelKind} ${seg.tunnelId}` : String(st);
          });
          assert.equal(results[0], results[1], `${file}: capLen ${cap}`);
        }
        frames++;
      }
    }
    assert.ok(frames > 200, `${frames} frames`);
  });
});

function collectPcap(path: string): { frames: Uint8Array[]; linkType: number } {
  const c = collect(new Uint8Array(readFileSync(path)));
  return { frames: c.frames.map((f) => new Uint8Array(Buffer.from(f.data, 'hex'))), linkType: c.frames[0].linkType };
}
