/**
 * GENEVE (RFC 8926, UDP 6081): version (2 bits, 0) and options length (6
 * bits, in 4-byte words), O and C flags, the protocol type (an EtherType:
 * 0x6558 Ethernet, 0x0800 IPv4, 0x86DD IPv6), the 24-bit VNI, a reserved
 * byte, then the variable-length options, skipped by their total length.
 * Another version or protocol type is counted as Undecoded `geneve`.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, NEXT, u16, type LayerResult, type LinkInfo,
} from './layer.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';

export const GENEVE_HEADER_LEN = 8;

export function decodeGeneve(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (GENEVE_HEADER_LEN > len) return DecodeStatus.Malformed;
  if (off + GENEVE_HEADER_LEN > end) return DecodeStatus.Truncated;
  if (buf[off] >> 6 !== 0) return link.stopUndecoded(Undecoded.Geneve);
  const hdr = GENEVE_HEADER_LEN + ((buf[off] & 0x3f) << 2);
  const protocol = u16(buf, off + 2);
  if (protocol !== ETHERTYPE_TEB && protocol !== ETHERTYPE_IPV4 && protocol !== ETHERTYPE_IPV6) {
    return link.stopUndecoded(Undecoded.Geneve);
  }
  if (hdr > len) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  link.setTunnel(Tunnel.Geneve, (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6]);
  link.setInner(protocol, off + hdr, end, off + len);
  return NEXT;
}
