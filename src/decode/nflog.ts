/**
 * Linux NFLOG (LINKTYPE_NFLOG = 239), what `tcpdump -i nflog:N` writes.
 *
 * A 4-byte header (address family, version 0, resource id in network order),
 * then netlink TLVs: length (2), type (2), value, padded to 4 bytes. The
 * length (which includes the 4-byte TLV header) and the type are in the
 * *capturing host's* byte order (pcap-linktype(7)), so we walk the TLV chain
 * as little-endian first and fall back to big-endian when the chain does not
 * fit the frame. The IP packet is the value of NFULA_PAYLOAD (type 9).
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NEXT, type LayerResult, type LinkInfo } from './layer.ts';

export const NFLOG_HEADER_LEN = 4;
const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

/**
 * Walks the TLVs in one byte order. Returns the offset of NFULA_PAYLOAD's TLV
 * header, -1 when the chain is well formed but has no payload, -2 when the
 * chain does not parse in this byte order.
 */
function findPayload(buf: Uint8Array, off: number, end: number, littleEndian: boolean): number {
  while (off + 4 <= end) {
    const len = littleEndian ? buf[off] | (buf[off + 1] << 8) : (buf[off] << 8) | buf[off + 1];
    const type = (littleEndian ? buf[off + 2] | (buf[off + 3] << 8) : (buf[off + 2] << 8) | buf[off + 3]) & 0x7fff;
    if (len < 4) return -2;
    if (type === NFULA_PAYLOAD) return off;
    off += (len + 3) & ~3;
  }
  // Well formed only if the last TLV (with its padding) ends exactly at the frame end.
  return off === end ? -1 : -2;
}

export function decodeNflog(
  buf: Uint8Array, start: number, end: number, link: LinkInfo,
): LayerResult {
  if (start + NFLOG_HEADER_LEN > end) return DecodeStatus.Truncated;
  const family = buf[start];
  const tlvStart = start + NFLOG_HEADER_LEN;
  let littleEndian = true;
  let tlv = findPayload(buf, tlvStart, end, true);
  if (tlv === -2) {
    tlv = findPayload(buf, tlvStart, end, false);
    littleEndian = false;
  }
  if (tlv < 0) return tlv === -1 ? DecodeStatus.NotTcp : DecodeStatus.Malformed;
  const len = littleEndian ? buf[tlv] | (buf[tlv + 1] << 8) : (buf[tlv] << 8) | buf[tlv + 1];
  const netOffset = tlv + 4;
  const netLen = len - 4;
  let etherType: number;
  if (family === AF_INET) etherType = ETHERTYPE_IPV4;
  else if (family === AF_INET6) etherType = ETHERTYPE_IPV6;
  else if (netOffset < end) etherType = (buf[netOffset] >> 4) === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  else return DecodeStatus.Truncated;
  link.etherType = etherType;
  link.netOffset = netOffset;
  link.netEnd = netOffset + netLen < end ? netOffset + netLen : end;
  link.netReported = netLen;
  return NEXT;
}
