/**
 * PPP (RFC 1661) frames, wherever they come from: the link types PPP (9) and
 * PPP in HDLC-like framing (50, RFC 1662), PPPoE sessions, L2TP and PPTP.
 *
 * A frame may start with the HDLC address and control bytes 0xFF 0x03 (they
 * are left out when Address-and-Control-Field-Compression was negotiated),
 * then the protocol field: two bytes, or one when Protocol-Field-Compression
 * was negotiated (RFC 1661 6.5: a protocol number's low byte is odd and its
 * high byte even, so an odd first byte is a one-byte field).
 *
 * Only IPv4 (0x0021), IPv6 (0x0057) and MPLS (0x0281, 0x0283) are followed.
 * Datagrams the capture cannot show (compressed or encrypted by CCP/ECP, Van
 * Jacobson header-compressed TCP/IP, multilink fragments, bridged frames)
 * are counted as Undecoded `ppp`; control protocols (LCP, IPCP, PAP...) are
 * not TCP.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS_MC, ETHERTYPE_MPLS_UC, NEXT, type LayerResult, type LinkInfo,
} from './layer.ts';
import { Undecoded } from './encapsulation.ts';

export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;
const PPP_MPLS_UC = 0x0281;
const PPP_MPLS_MC = 0x0283;

/** PPP protocols that carry datagrams tcpscope cannot read. */
function isOpaqueDatagram(protocol: number): boolean {
  switch (protocol) {
    case 0x002d: // Van Jacobson compressed TCP/IP (RFC 1144)
    case 0x002f: // Van Jacobson uncompressed TCP/IP (protocol field replaced by a slot number)
    case 0x0031: // Bridging PDU (RFC 3518)
    case 0x003d: // Multilink fragment (RFC 1990)
    case 0x0053: // Encrypted datagram (ECP, RFC 1968)
    case 0x0055: // Individual link encrypted datagram
    case 0x00fb: // Individual link compressed datagram
    case 0x00fd: // Compressed datagram (CCP, RFC 1962; MPPE for PPTP)
      return true;
    default:
      return false;
  }
}

/**
 * Decodes the PPP frame at `off` (captured bytes end at `end`, `len` bytes
 * by its carrier; `frameStart` and `origLen` as LinkInfo.setNet takes them)
 * and sets the network layer in `link`. `addressControl`: the frame may
 * begin with 0xFF 0x03.
 */
export function decodePpp(
  buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo, addressControl: boolean,
): LayerResult {
  const stop = off + len;
  let p = off;
  if (addressControl && p + 2 <= end && buf[p] === 0xff && buf[p + 1] === 0x03) p += 2;
  if (p >= end) return p >= stop ? DecodeStatus.Malformed : DecodeStatus.Truncated;
  let protocol: number;
  if (buf[p] & 1) {
    protocol = buf[p];
    p += 1;
  } else {
    if (p + 2 > end) return p + 2 > stop ? DecodeStatus.Malformed : DecodeStatus.Truncated;
    protocol = (buf[p] << 8) | buf[p + 1];
    p += 2;
  }
  if (p > stop) return DecodeStatus.Malformed;
  let etherType: number;
  switch (protocol) {
    case PPP_IPV4: etherType = ETHERTYPE_IPV4; break;
    case PPP_IPV6: etherType = ETHERTYPE_IPV6; break;
    case PPP_MPLS_UC: etherType = ETHERTYPE_MPLS_UC; break;
    case PPP_MPLS_MC: etherType = ETHERTYPE_MPLS_MC; break;
    default:
      return isOpaqueDatagram(protocol) ? link.stopUndecoded(Undecoded.Ppp) : DecodeStatus.NotTcp;
  }
  link.setInner(etherType, p, end, stop);
  return NEXT;
}
