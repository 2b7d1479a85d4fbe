/**
 * Ethernet II (LINKTYPE_ETHERNET = 1): dst MAC, src MAC, EtherType, then any
 * stacked VLAN tags. An IEEE 802.3 length field (<= 1500) followed by an
 * LLC/SNAP header with OUI 0 carries an EtherType too (RFC 1042), which
 * Wireshark decodes, so we do.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS_MC, ETHERTYPE_MPLS_UC, ETHERTYPE_PPPOE_SESSION, u16,
  type LayerResult, type LinkInfo,
} from './layer.ts';
import { decodeVlanTags, isVlanTag } from './vlan.ts';

export const ETHERNET_HEADER_LEN = 14;

/**
 * Whether bytes at `off` (captured up to `end`) look like an Ethernet II
 * header carrying something tcpscope follows (IPv4, IPv6, VLAN tags, MPLS,
 * a PPPoE session): for payloads that do not say they are Ethernet (an MPLS
 * pseudowire, a GTP-U PDU), the two bytes of the EtherType field must match.
 */
export function isFollowedEtherType(buf: Uint8Array, off: number, end: number): boolean {
  if (off + ETHERNET_HEADER_LEN > end) return false;
  const t = u16(buf, off + 12);
  return t === ETHERTYPE_IPV4 || t === ETHERTYPE_IPV6 || isVlanTag(t) || t === ETHERTYPE_MPLS_UC ||
    t === ETHERTYPE_MPLS_MC || t === ETHERTYPE_PPPOE_SESSION;
}

export function decodeEthernet(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + ETHERNET_HEADER_LEN > end) return DecodeStatus.Truncated;
  let etherType = u16(buf, start + 12);
  let off = start + ETHERNET_HEADER_LEN;
  if (etherType <= 1500) {
    // 802.3 length: only LLC/SNAP (AA AA 03, OUI 00 00 00) carries an EtherType.
    if (off + 8 > end) return DecodeStatus.NotTcp;
    if (buf[off] !== 0xaa || buf[off + 1] !== 0xaa || buf[off + 2] !== 0x03 ||
        buf[off + 3] !== 0 || buf[off + 4] !== 0 || buf[off + 5] !== 0) {
      return DecodeStatus.NotTcp;
    }
    etherType = u16(buf, off + 6);
    off += 8;
  }
  return decodeVlanTags(buf, off, end, etherType, link, start, origLen);
}
