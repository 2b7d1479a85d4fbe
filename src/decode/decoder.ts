/**
 * Frame -> Segment: the link layer by the frame's link type, then IPv4/IPv6
 * (through IP-in-IP and GRE tunnels, as tshark reports the innermost IP
 * header), then TCP. One Decoder per capture: it keeps the loopback
 * duplicate filter's state and the counters.
 *
 * Nothing is allocated per frame: the layers write into this decoder's
 * preallocated LinkInfo/IpInfo and into the caller's reused Segment. The
 * Segment's fields are meaningful only when decode() returns Tcp (the
 * frame metadata is copied for every frame).
 */
import type { Frame } from '../capture/frame.ts';
import { DecodeStatus, type Segment } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, LinkInfo, NEXT, PACKET_HOST, PACKET_OUTGOING, type LayerResult } from './layer.ts';
import { decodeLink } from './link.ts';
import { IpInfo, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP } from './ip.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeGre } from './gre.ts';
import { decodeTcp } from './tcp.ts';
import { LoopbackDuplicates } from './duplicate.ts';

/** Tunnels followed before giving up (IP-in-IP in GRE in ... ). */
const MAX_TUNNEL_DEPTH = 4;

export interface DecoderStats {
  frames: number;
  /** Frames by DecodeStatus. */
  tcp: number;
  notTcp: number;
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
    frames: 0, tcp: 0, notTcp: 0, fragments: 0, truncated: 0, malformed: 0, duplicates: 0,
    unsupportedLink: 0, unsupportedLinkTypes: new Map(),
    optionsTruncated: 0, optionsMalformed: 0, firstFragments: 0, lengthFromWire: 0, tunnelled: 0,
  };

  private readonly link = new LinkInfo();
  private readonly ip = new IpInfo();
  private readonly duplicates = new LoopbackDuplicates();
  private readonly dropDuplicates: boolean;
  private tunnelled = false;

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
        if (this.tunnelled) s.tunnelled++;
        break;
      case DecodeStatus.NotTcp: s.notTcp++; break;
      case DecodeStatus.Fragment: s.fragments++; break;
      case DecodeStatus.Truncated: s.truncated++; break;
      case DecodeStatus.Malformed: s.malformed++; break;
      case DecodeStatus.Duplicate: s.duplicates++; break;
      case DecodeStatus.UnsupportedLink:
        s.unsupportedLink++;
        s.unsupportedLinkTypes.set(frame.linkType, (s.unsupportedLinkTypes.get(frame.linkType) ?? 0) + 1);
        break;
    }
    return status;
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
    this.tunnelled = false;

    const link = this.link;
    link.reset();
    let r: LayerResult = decodeLink(frame.linkType, buf, start, end, frame.origLen, link);
    if (r !== NEXT) return r;

    const checkDuplicate = this.dropDuplicates && link.pktType === PACKET_HOST;
    if (checkDuplicate && this.duplicates.matchAndForget(
      buf, link.netOffset, link.netEnd, link.netReported, link.ifIndex, frame.interfaceId)) {
      return DecodeStatus.Duplicate;
    }

    // Kept for the duplicate filter: a GRE tunnel overwrites `link` below.
    const pktType = link.pktType;
    const ifIndex = link.ifIndex;
    const netOffset = link.netOffset;
    const netCapEnd = link.netEnd;
    const netReported = link.netReported;

    const ip = this.ip;
    let etherType = link.etherType;
    let off = link.netOffset;
    let netEnd = link.netEnd;
    let reported = link.netReported;
    for (let depth = 0; ; depth++) {
      if (etherType === ETHERTYPE_IPV4) r = decodeIPv4(buf, off, netEnd, reported, ip, out);
      else if (etherType === ETHERTYPE_IPV6) r = decodeIPv6(buf, off, netEnd, reported, ip, out);
      else return DecodeStatus.NotTcp;
      if (r !== NEXT) return r;
      if (ip.firstFragment) out.firstFragment = true;
      if (ip.lengthFromWire) out.lengthFromWire = true;

      const proto = ip.proto;
      if (proto === IPPROTO_TCP) break;
      if (depth >= MAX_TUNNEL_DEPTH) return DecodeStatus.NotTcp;
      if (proto === IPPROTO_IPIP || proto === IPPROTO_IPV6) {
        etherType = proto === IPPROTO_IPIP ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
        off = ip.payloadOffset;
        netEnd = ip.payloadEnd;
        reported = ip.payloadLen;
      } else if (proto === IPPROTO_GRE) {
        r = decodeGre(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, link);
        if (r !== NEXT) return r;
        etherType = link.etherType;
        off = link.netOffset;
        netEnd = link.netEnd;
        reported = link.netReported;
      } else {
        return DecodeStatus.NotTcp;
      }
      this.tunnelled = true;
    }

    r = decodeTcp(buf, ip.payloadOffset, ip.payloadEnd, ip.payloadLen, out);
    if (r !== NEXT) return r;

    if (this.dropDuplicates && pktType === PACKET_OUTGOING) {
      this.duplicates.remember(buf, netOffset, netCapEnd, netReported, ifIndex, frame.interfaceId);
    }
    return DecodeStatus.Tcp;
  }
}
