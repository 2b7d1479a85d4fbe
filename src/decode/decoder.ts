/**
 * Frame -> Segment: the link layer by the frame's link type, then the
 * network layers down to the innermost IPv4/IPv6 header before TCP (tshark
 * reports that one): IP-in-IP, GRE (with Ethernet, ERSPAN, MPLS, PPTP's
 * PPP), EtherIP, UDP tunnels (VXLAN, VXLAN-GPE, GENEVE, GTP-U, Teredo, L2TP), MPLS
 * label stacks, PPPoE sessions and Ethernet frames inside them; then TCP.
 * One Decoder per capture: it keeps the loopback duplicate filter's state
 * and the counters.
 *
 * Nothing is allocated per frame: the layers write into this decoder's
 * preallocated LinkInfo/IpInfo and into the caller's reused Segment. The
 * Segment's fields are meaningful only when decode() returns Tcp or
 * IcmpError (the frame metadata is copied for every frame).
 */
import type { Frame } from '../capture/frame.ts';
import { DecodeStatus, type Segment } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS_MC, ETHERTYPE_MPLS_UC, ETHERTYPE_PPPOE_SESSION, ETHERTYPE_TEB,
  LinkInfo, NEXT, PACKET_HOST, PACKET_OUTGOING, type LayerResult,
} from './layer.ts';
import { decodeLink } from './link.ts';
import {
  IpInfo, IPPROTO_ESP, IPPROTO_ETHERIP, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_L2TP, IPPROTO_TCP,
  IPPROTO_UDP,
} from './ip.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeGre } from './gre.ts';
import { decodeUdp } from './udp.ts';
import { decodeEtherIp } from './etherip.ts';
import { decodeMpls } from './mpls.ts';
import { decodePppoeSession } from './pppoe.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeTcp } from './tcp.ts';
import { decodeIcmpError, IPPROTO_ICMP, IPPROTO_ICMPV6 } from './icmp.ts';
import { LoopbackDuplicates } from './duplicate.ts';
import { Tunnel, TUNNEL_KINDS, Undecoded, UNDECODED_KINDS } from './encapsulation.ts';

/**
 * Network layers decoded before giving up (IP, Ethernet in a tunnel, an
 * MPLS stack, a tunnel header each count one): the deepest stack here,
 * Ethernet / MPLS / Ethernet pseudowire / IPv4 / UDP VXLAN / Ethernet /
 * IPv4 / GRE / IPv6 / TCP, takes 6. Deeper frames count as Undecoded
 * `nesting`; the bound also keeps a crafted frame from costing much.
 */
const MAX_LAYERS = 12;

export interface DecoderStats {
  frames: number;
  /** Frames by DecodeStatus. */
  tcp: number;
  notTcp: number;
  /** Among the notTcp frames: ICMP / ICMPv6 errors quoting a TCP header (status IcmpError). */
  icmpErrors: number;
  fragments: number;
  truncated: number;
  malformed: number;
  duplicates: number;
  unsupportedLink: number;
  /** Frames of each unsupported link type, by LINKTYPE_ value. */
  readonly unsupportedLinkTypes: Map<number, number>;
  /** Among the Tcp frames: options cut by the snaplen, malformed options, first fragments, TSO lengths, tunnelled. */
  optionsTruncated: number;
  optionsMalformed: number;
  firstFragments: number;
  lengthFromWire: number;
  tunnelled: number;
  /**
   * Tcp frames per Tunnel kind crossed (encapsulation.ts; index 0 unused):
   * a segment in VXLAN inside GRE counts for both.
   */
  readonly tunnels: number[];
  /** Frames per Undecoded kind (encapsulation.ts): status Undecoded. */
  readonly undecoded: number[];
  undecodedTotal: number;
}

export interface DecoderOptions {
  /**
   * Report the incoming copy of a loopback packet captured by `tcpdump -i any`
   * as Duplicate (default true). Wireshark shows both frames; a connection
   * tracker must see one segment once.
   */
  dropLoopbackDuplicates?: boolean;
}

export class Decoder {
  readonly stats: DecoderStats = {
    frames: 0, tcp: 0, notTcp: 0, icmpErrors: 0, fragments: 0, truncated: 0, malformed: 0, duplicates: 0,
    unsupportedLink: 0, unsupportedLinkTypes: new Map(),
    optionsTruncated: 0, optionsMalformed: 0, firstFragments: 0, lengthFromWire: 0, tunnelled: 0,
    tunnels: new Array<number>(TUNNEL_KINDS).fill(0), undecoded: new Array<number>(UNDECODED_KINDS).fill(0),
    undecodedTotal: 0,
  };

  private readonly link = new LinkInfo();
  private readonly ip = new IpInfo();
  private readonly duplicates = new LoopbackDuplicates();
  private readonly dropDuplicates: boolean;
  /** Tunnel kinds the frame crossed, one bit each (Tunnel values). */
  private tunnelBits = 0;

  constructor(options: DecoderOptions = {}) {
    this.dropDuplicates = options.dropLoopbackDuplicates ?? true;
  }

  decode(frame: Frame, out: Segment): DecodeStatus {
    out.frame = frame.number;
    out.tsSec = frame.tsSec;
    out.tsNsec = frame.tsNsec;
    out.tsDigits = frame.tsDigits;
    out.fileOffset = frame.fileOffset;
    out.interfaceId = frame.interfaceId;
    out.linkType = frame.linkType;
    out.wireLen = frame.origLen;
    out.capLen = frame.capLen;

    const status = this.decodeLayers(frame, out);
    const s = this.stats;
    s.frames++;
    switch (status) {
      case DecodeStatus.Tcp:
        s.tcp++;
        if (out.optionsTruncated) s.optionsTruncated++;
        if (out.optionsMalformed) s.optionsMalformed++;
        if (out.firstFragment) s.firstFragments++;
        if (out.lengthFromWire) s.lengthFromWire++;
        if (this.tunnelBits !== 0) {
          s.tunnelled++;
          for (let k = 1; k < TUNNEL_KINDS; k++) if (this.tunnelBits & (1 << k)) s.tunnels[k]++;
        }
        break;
      case DecodeStatus.NotTcp: s.notTcp++; break;
      case DecodeStatus.IcmpError:
        // Not a TCP segment: counted with the frames without TCP, and apart.
        s.notTcp++;
        s.icmpErrors++;
        break;
      case DecodeStatus.Fragment: s.fragments++; break;
      case DecodeStatus.Truncated: s.truncated++; break;
      case DecodeStatus.Malformed: s.malformed++; break;
      case DecodeStatus.Duplicate: s.duplicates++; break;
      case DecodeStatus.Undecoded:
        s.undecodedTotal++;
        s.undecoded[this.link.undecoded]++;
        break;
      case DecodeStatus.UnsupportedLink:
        s.unsupportedLink++;
        s.unsupportedLinkTypes.set(frame.linkType, (s.unsupportedLinkTypes.get(frame.linkType) ?? 0) + 1);
        break;
    }
    return status;
  }

  /** The loopback duplicate filter's state (LoopbackDuplicates.save), for the decoder of the next part of a capture. */
  saveDuplicates(): Uint8Array {
    return this.duplicates.save();
  }

  /** Start from the state saveDuplicates gave at the end of the part before (false if the bytes are not such a state). */
  loadDuplicates(bytes: Uint8Array): boolean {
    return this.duplicates.load(bytes);
  }

  /** Forgets the loopback duplicate state (counters are kept), e.g. between files. */
  reset(): void {
    this.duplicates.clear();
  }

  private decodeLayers(frame: Frame, out: Segment): DecodeStatus {
    const buf = frame.buf;
    const start = frame.offset;
    let end = start + frame.capLen;
    if (end > buf.length) end = buf.length; // never read past the reader's buffer
    out.firstFragment = false;
    out.lengthFromWire = false;
    out.optionsTruncated = false;
    out.optionsMalformed = false;
    out.tunnelKind = Tunnel.None;
    out.tunnelId = -1;
    this.tunnelBits = 0;

    const link = this.link;
    link.reset();
    let r: LayerResult = decodeLink(frame.linkType, buf, start, end, frame.origLen, link);
    if (r !== NEXT) return r;

    const checkDuplicate = this.dropDuplicates && link.pktType === PACKET_HOST;
    if (checkDuplicate && this.duplicates.matchAndForget(
      buf, link.netOffset, link.netEnd, link.netReported, link.ifIndex, frame.interfaceId)) {
      return DecodeStatus.Duplicate;
    }

    // Kept for the duplicate filter: a tunnel overwrites `link` below.
    const pktType = link.pktType;
    const ifIndex = link.ifIndex;
    const netOffset = link.netOffset;
    const netCapEnd = link.netEnd;
    const netReported = link.netReported;

    r = this.decodeNetwork(buf, out);
    if (r === NEXT) {
      const ip = this.ip;
      r = decodeTcp(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, out);
      if (r !== NEXT) return r;
    } else if (r !== DecodeStatus.IcmpError) {
      return r;
    }

    if (this.dropDuplicates && pktType === PACKET_OUTGOING) {
      this.duplicates.remember(buf, netOffset, netCapEnd, netReported, ifIndex, frame.interfaceId);
    }
    return r === NEXT ? DecodeStatus.Tcp : r;
  }

  /**
   * From the network layer `link` points at down to the TCP header: on NEXT,
   * `this.ip` holds the innermost IP packet, whose payload is TCP. An ICMP
   * error quoting TCP there is IcmpError (icmp.ts).
   */
  private decodeNetwork(buf: Uint8Array, out: Segment): LayerResult {
    const link = this.link;
    const ip = this.ip;
    for (let layer = 0; layer < MAX_LAYERS; layer++) {
      const off = link.netOffset;
      // What the carrier's lengths give the layer: never read past them (Ethernet padding, a trailer).
      const reported = link.netReported;
      const end = link.netEnd < off + reported ? link.netEnd : off + reported;
      let r: LayerResult;
      switch (link.etherType) {
        case ETHERTYPE_IPV4:
        case ETHERTYPE_IPV6: {
          const v4 = link.etherType === ETHERTYPE_IPV4;
          r = v4 ? decodeIPv4(buf, off, end, reported, ip, out) : decodeIPv6(buf, off, end, reported, ip, out);
          if (r !== NEXT) return r;
          if (ip.firstFragment) out.firstFragment = true;
          if (ip.lengthFromWire) out.lengthFromWire = true;
          const proto = ip.proto;
          if (proto === IPPROTO_TCP) return NEXT;
          if (proto === IPPROTO_IPIP || proto === IPPROTO_IPV6) {
            const inner4 = proto === IPPROTO_IPIP;
            link.setInner(inner4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, ip.payloadOffset, ip.payloadEnd, ip.payloadOffset + ip.payloadLen);
            link.setTunnel(v4 ? (inner4 ? Tunnel.Ipv4InIpv4 : Tunnel.Ipv6InIpv4) : (inner4 ? Tunnel.Ipv4InIpv6 : Tunnel.Ipv6InIpv6), -1);
            r = NEXT;
          } else if (proto === IPPROTO_GRE) {
            r = decodeGre(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, link);
          } else if (proto === IPPROTO_UDP) {
            r = decodeUdp(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, link, ip.firstFragment);
          } else if (proto === IPPROTO_ESP) {
            return link.stopUndecoded(Undecoded.Esp);
          } else if (proto === IPPROTO_L2TP) {
            return link.stopUndecoded(Undecoded.L2tpv3);
          } else if (proto === IPPROTO_ETHERIP) {
            r = decodeEtherIp(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, link);
          } else if (proto === (v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
            return decodeIcmpError(buf, ip.payloadOffset, ip.payloadEnd, !v4, out);
          } else {
            return DecodeStatus.NotTcp;
          }
          break;
        }
        case ETHERTYPE_TEB:
          r = decodeEthernet(buf, off, end, reported, link);
          break;
        case ETHERTYPE_MPLS_UC:
        case ETHERTYPE_MPLS_MC:
          r = decodeMpls(buf, off, end, reported, link);
          break;
        case ETHERTYPE_PPPOE_SESSION:
          r = decodePppoeSession(buf, off, end, reported, link);
          break;
        default:
          return DecodeStatus.NotTcp;
      }
      if (r !== NEXT) return r;
      if (link.tunnel !== Tunnel.None) {
        this.tunnelBits |= 1 << link.tunnel;
        out.tunnelKind = link.tunnel;
        out.tunnelId = link.tunnelId;
        link.tunnel = Tunnel.None;
        link.tunnelId = -1;
      }
    }
    return link.stopUndecoded(Undecoded.Nesting);
  }
}
