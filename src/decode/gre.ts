/**
 * GRE version 0 (RFC 2784, keys and sequence numbers RFC 2890) carrying IPv4
 * or IPv6. tshark reports the innermost IP header before TCP, so we follow
 * the tunnel. Version 1 (PPTP's enhanced GRE) carries PPP, usually
 * compressed or encrypted: not TCP for us.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NEXT, u16, type LayerResult, type LinkInfo } from './layer.ts';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;

/**
 * Decodes the GRE header at `off` (captured bytes end at `end`, the GRE
 * packet is `len` bytes by the outer IP header). On success sets the inner
 * network layer in `link` and returns NEXT; otherwise a DecodeStatus.
 */
export function decodeGre(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (off + 4 > end) return DecodeStatus.Truncated;
  const flags = u16(buf, off);
  if ((flags & 0x7) !== 0 || (flags & GRE_ROUTING) !== 0) return DecodeStatus.NotTcp;
  const etherType = u16(buf, off + 2);
  if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) return DecodeStatus.NotTcp;
  let hdr = 4;
  if (flags & GRE_CHECKSUM) hdr += 4;
  if (flags & GRE_KEY) hdr += 4;
  if (flags & GRE_SEQUENCE) hdr += 4;
  if (hdr > len) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  link.etherType = etherType;
  link.netOffset = off + hdr;
  link.netEnd = end;
  link.netReported = len - hdr;
  return NEXT;
}
