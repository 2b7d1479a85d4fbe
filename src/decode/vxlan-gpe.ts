/**
 * VXLAN Generic Protocol Extension (draft-ietf-nvo3-vxlan-gpe, UDP 4790):
 * flags (R R Ver(2) I P B O), 2 reserved bytes, the next protocol, the
 * 24-bit VNI, a reserved byte. Next protocol 1 is IPv4, 2 IPv6, 3 Ethernet,
 * 5 MPLS; others (4 NSH, ...) and versions other than 0 are counted as
 * Undecoded `vxlan-gpe`.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS_UC, ETHERTYPE_TEB, NEXT, type LayerResult, type LinkInfo,
} from './layer.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';

export const VXLAN_GPE_HEADER_LEN = 8;
const GPE_I = 0x08;

export function decodeVxlanGpe(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (VXLAN_GPE_HEADER_LEN > len) return DecodeStatus.Malformed;
  if (off + VXLAN_GPE_HEADER_LEN > end) return DecodeStatus.Truncated;
  const flags = buf[off];
  if (((flags >> 4) & 3) !== 0) return link.stopUndecoded(Undecoded.VxlanGpe);
  let etherType: number;
  switch (buf[off + 3]) {
    case 1: etherType = ETHERTYPE_IPV4; break;
    case 2: etherType = ETHERTYPE_IPV6; break;
    case 3: etherType = ETHERTYPE_TEB; break;
    case 5: etherType = ETHERTYPE_MPLS_UC; break;
    default: return link.stopUndecoded(Undecoded.VxlanGpe);
  }
  const vni = (flags & GPE_I) !== 0 ? (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6] : -1;
  link.setTunnel(Tunnel.VxlanGpe, vni);
  link.setInner(etherType, off + VXLAN_GPE_HEADER_LEN, end, off + len);
  return NEXT;
}
