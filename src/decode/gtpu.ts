/**
 * GTP-U (3GPP TS 29.281, UDP 2152): the user-plane tunnels of GPRS, UMTS,
 * LTE and 5G. The mandatory header is 8 bytes: flags (version 3 bits, which
 * must be 1; protocol type 1 bit, 1 for GTP as opposed to GTP'; E, S and PN
 * say that extension headers, a sequence number or an N-PDU number follow),
 * message type, length (of everything after these 8 bytes), TEID. If any of
 * E, S, PN is set, 4 more bytes follow: sequence number (2), N-PDU number
 * (1), next extension header type (1), all present whichever flag is set.
 * Extension headers are chained: a length byte in 4-byte units (0 is
 * malformed), contents, and the next type in their last byte, 0 ending the
 * chain (section 5.2).
 *
 * Only message type 255 (T-PDU) carries user data: an IPv4 or IPv6 packet by
 * its first nibble, as Wireshark reads it, or (a 5G Ethernet PDU session,
 * which GTP-U itself does not flag) an Ethernet frame whose EtherType field
 * holds a type tcpscope follows. Another PDU (unstructured, ...) is counted
 * as Undecoded `gtp-u`. Other message types (echo, error indication, end
 * marker) carry no TCP, nor do GTPv0 and GTP'.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, NEXT, u16, u32, type LayerResult, type LinkInfo } from './layer.ts';
import { isFollowedEtherType } from './ethernet.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';

export const GTPU_HEADER_LEN = 8;
const GTP_TPDU = 255;
const GTP_E = 0x04;
const GTP_OPTIONAL = 0x07;

export function decodeGtpU(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (GTPU_HEADER_LEN > len) return DecodeStatus.Malformed;
  if (off + GTPU_HEADER_LEN > end) return DecodeStatus.Truncated;
  const flags = buf[off];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return DecodeStatus.NotTcp;
  if (buf[off + 1] !== GTP_TPDU) return DecodeStatus.NotTcp;
  const msgLen = GTPU_HEADER_LEN + u16(buf, off + 2);
  if (msgLen > len) return DecodeStatus.Malformed;
  const stop = off + msgLen;
  let p = off + GTPU_HEADER_LEN;
  if (flags & GTP_OPTIONAL) {
    if (p + 4 > stop) return DecodeStatus.Malformed;
    if (p + 4 > end) return DecodeStatus.Truncated;
    let next = (flags & GTP_E) !== 0 ? buf[p + 3] : 0;
    p += 4;
    while (next !== 0) {
      if (p >= stop) return DecodeStatus.Malformed;
      if (p >= end) return DecodeStatus.Truncated;
      const extLen = buf[p] << 2;
      if (extLen === 0 || p + extLen > stop) return DecodeStatus.Malformed;
      if (p + extLen > end) return DecodeStatus.Truncated;
      next = buf[p + extLen - 1];
      p += extLen;
    }
  }
  link.setTunnel(Tunnel.GtpU, u32(buf, off + 4));
  if (p >= stop) return DecodeStatus.NotTcp;
  if (p >= end) return DecodeStatus.Truncated;
  const nibble = buf[p] >> 4;
  if (nibble === 4) link.setInner(ETHERTYPE_IPV4, p, end, stop);
  else if (nibble === 6) link.setInner(ETHERTYPE_IPV6, p, end, stop);
  else if (isFollowedEtherType(buf, p, end < stop ? end : stop)) link.setInner(ETHERTYPE_TEB, p, end, stop);
  else if (p + 14 > end && end < stop) return DecodeStatus.Truncated;
  else return link.stopUndecoded(Undecoded.GtpU);
  return NEXT;
}
