/**
 * Dispatch on the libpcap LINKTYPE_ value of the frame's interface
 * (https://www.tcpdump.org/linktypes.html) to the decoder of that link layer.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NEXT, type LayerResult, type LinkInfo } from './layer.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeSll, decodeSll2 } from './sll.ts';
import { decodeNull } from './null.ts';
import { decodeChdlc } from './chdlc.ts';
import { decodeNflog } from './nflog.ts';
import { decodePpp } from './ppp.ts';
import { decodePpi, LINKTYPE_PPI } from './ppi.ts';
import { decodeIpoib } from './ipoib.ts';
import { decodeIeee80211 } from './ieee80211.ts';
import { decodeRadiotap } from './radiotap.ts';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
export const LINKTYPE_PPP_HDLC = 50;
/** DLT_RAW as some BSDs number it (12 on most, 14 on OpenBSD): IPv4 or IPv6 by the version nibble. */
export const LINKTYPE_RAW_BSD12 = 12;
export const LINKTYPE_RAW_BSD14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_C_HDLC = 104;
export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export { LINKTYPE_PPI };
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_IPOIB = 242;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Link types decodeLink understands (others give UnsupportedLink). */
export const SUPPORTED_LINK_TYPES: readonly number[] = [
  LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW_BSD12, LINKTYPE_RAW_BSD14, LINKTYPE_RAW,
  LINKTYPE_C_HDLC, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6,
  LINKTYPE_NFLOG, LINKTYPE_LINUX_SLL2, LINKTYPE_PPP, LINKTYPE_PPP_HDLC, LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP, LINKTYPE_PPI, LINKTYPE_IPOIB,
];

/** Raw IP: the version nibble says IPv4 or IPv6. */
function decodeRawIp(buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo): LayerResult {
  if (start >= end) return DecodeStatus.Truncated;
  const version = buf[start] >> 4;
  if (version === 4) link.setNet(ETHERTYPE_IPV4, start, end, start, origLen);
  else if (version === 6) link.setNet(ETHERTYPE_IPV6, start, end, start, origLen);
  else return DecodeStatus.Malformed;
  return NEXT;
}

/**
 * PPP in HDLC-like framing (LINKTYPE_PPP_HDLC = 50): 0xFF 0x03 and a PPP
 * frame (RFC 1662), or, when the first byte is 0x0F or 0x8F, Cisco HDLC
 * (RFC 1547 4.3.1). No byte stuffing is left in the capture.
 */
function decodePppHdlc(buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo): LayerResult {
  if (start >= end) return DecodeStatus.Truncated;
  if (buf[start] === 0x0f || buf[start] === 0x8f) return decodeChdlc(buf, start, end, origLen, link);
  return decodePpp(buf, start, end, origLen, link, true);
}

/**
 * Decodes the link layer of a frame occupying buf[start, end) (origLen bytes
 * on the wire) and sets the network layer in `link`.
 */
export function decodeLink(
  linkType: number, buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  switch (linkType) {
    case LINKTYPE_ETHERNET: return decodeEthernet(buf, start, end, origLen, link);
    case LINKTYPE_LINUX_SLL: return decodeSll(buf, start, end, origLen, link);
    case LINKTYPE_LINUX_SLL2: return decodeSll2(buf, start, end, origLen, link);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD12:
    case LINKTYPE_RAW_BSD14:
      return decodeRawIp(buf, start, end, origLen, link);
    case LINKTYPE_IPV4:
      link.setNet(ETHERTYPE_IPV4, start, end, start, origLen);
      return NEXT;
    case LINKTYPE_IPV6:
      link.setNet(ETHERTYPE_IPV6, start, end, start, origLen);
      return NEXT;
    case LINKTYPE_NULL: return decodeNull(buf, start, end, origLen, link, false);
    case LINKTYPE_LOOP: return decodeNull(buf, start, end, origLen, link, true);
    case LINKTYPE_C_HDLC: return decodeChdlc(buf, start, end, origLen, link);
    case LINKTYPE_NFLOG: return decodeNflog(buf, start, end, link);
    // LINKTYPE_PPP: "if the first 2 bytes are 0xff and 0x03, it's PPP in HDLC-like framing" (linktypes.html).
    case LINKTYPE_PPP: return decodePpp(buf, start, end, origLen, link, true);
    case LINKTYPE_PPP_HDLC: return decodePppHdlc(buf, start, end, origLen, link);
    case LINKTYPE_IEEE802_11: return decodeIeee80211(buf, start, end, origLen, link, false);
    case LINKTYPE_IEEE802_11_RADIOTAP: return decodeRadiotap(buf, start, end, origLen, link);
    case LINKTYPE_PPI: return decodePpi(buf, start, end, origLen, link, decodeLink);
    case LINKTYPE_IPOIB: return decodeIpoib(buf, start, end, origLen, link);
    default: return DecodeStatus.UnsupportedLink;
  }
}
