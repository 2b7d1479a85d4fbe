/**
 * IP over InfiniBand (LINKTYPE_IPOIB = 242). The link-types page cites the
 * 4-byte encapsulation header of RFC 4391 section 6 (type, an EtherType, and
 * 2 reserved bytes); in pcap files it comes after a 40-byte pseudo-header
 * (the Global Route Header, or the destination's QPN and GID when the
 * packet had no GRH), as Solaris/illumos write it and as tcpdump
 * (print-ipoib.c, IPOIB_HDRLEN 44) and Wireshark (packet-ipoib.c, for
 * WTAP_ENCAP_IP_OVER_IB_PCAP) read it.
 */
import { DecodeStatus } from './segment.ts';
import { NEXT, u16, type LayerResult, type LinkInfo } from './layer.ts';

const PSEUDO_HEADER_LEN = 40;
export const IPOIB_HEADER_LEN = PSEUDO_HEADER_LEN + 4;

export function decodeIpoib(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + IPOIB_HEADER_LEN > end) return DecodeStatus.Truncated;
  link.setNet(u16(buf, start + PSEUDO_HEADER_LEN), start + IPOIB_HEADER_LEN, end, start, origLen);
  return NEXT;
}
