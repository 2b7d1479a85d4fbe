/**
 * BSD loopback encapsulation: a 4-byte address family before the IP packet.
 *
 * LINKTYPE_NULL (0) stores the AF in the *writing host's* byte order, so a
 * capture from a big-endian machine read on a little-endian one has it
 * swapped: we accept either order (the known values are unambiguous).
 * LINKTYPE_LOOP (108, OpenBSD) stores it in network byte order.
 *
 * AF_INET is 2 everywhere; AF_INET6 differs per BSD: 24 (NetBSD, OpenBSD,
 * BSD/OS), 28 (FreeBSD, DragonFly), 30 (macOS/Darwin).
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NEXT, u32, u32le, type LayerResult, type LinkInfo } from './layer.ts';

export const NULL_HEADER_LEN = 4;

function afToEtherType(af: number): number {
  if (af === 2) return ETHERTYPE_IPV4;
  if (af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
  return -1;
}

export function decodeNull(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo, networkOrderOnly: boolean,
): LayerResult {
  if (start + NULL_HEADER_LEN > end) return DecodeStatus.Truncated;
  let etherType = afToEtherType(u32(buf, start));
  if (etherType < 0 && !networkOrderOnly) etherType = afToEtherType(u32le(buf, start));
  if (etherType < 0) return DecodeStatus.NotTcp;
  link.setNet(etherType, start + NULL_HEADER_LEN, end, start, origLen);
  return NEXT;
}
