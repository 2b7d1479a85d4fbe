/**
 * EtherIP (RFC 3378, IP protocol 97): a 2-byte header, version 3 in its
 * first 4 bits and 12 reserved bits, then an Ethernet frame. Another version
 * is not followed (not TCP).
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_TEB, NEXT, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel } from './encapsulation.ts';

const ETHERIP_HEADER_LEN = 2;
const ETHERIP_VERSION = 3;

export function decodeEtherIp(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (ETHERIP_HEADER_LEN > len) return DecodeStatus.Malformed;
  if (off + ETHERIP_HEADER_LEN > end) return DecodeStatus.Truncated;
  if (buf[off] >> 4 !== ETHERIP_VERSION) return DecodeStatus.NotTcp;
  link.setTunnel(Tunnel.EtherIp, -1);
  link.setInner(ETHERTYPE_TEB, off + ETHERIP_HEADER_LEN, end, off + len);
  return NEXT;
}
