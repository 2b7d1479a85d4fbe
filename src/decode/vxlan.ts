/**
 * VXLAN (RFC 7348, UDP 4789): flags (the I flag 0x08 says the VNI is
 * valid), 3 reserved bytes, the 24-bit VNI, a reserved byte, then an
 * Ethernet frame. Like Linux and Wireshark, the reserved bits are not
 * checked; without the I flag the frame is followed with no VNI.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_TEB, NEXT, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel } from './encapsulation.ts';

export const VXLAN_HEADER_LEN = 8;
const VXLAN_I = 0x08;

export function decodeVxlan(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (VXLAN_HEADER_LEN > len) return DecodeStatus.Malformed;
  if (off + VXLAN_HEADER_LEN > end) return DecodeStatus.Truncated;
  const vni = (buf[off] & VXLAN_I) !== 0 ? (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6] : -1;
  link.setTunnel(Tunnel.Vxlan, vni);
  link.setInner(ETHERTYPE_TEB, off + VXLAN_HEADER_LEN, end, off + len);
  return NEXT;
}
