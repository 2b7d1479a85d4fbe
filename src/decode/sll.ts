/**
 * Linux cooked captures, what `tcpdump -i any` writes.
 *
 * SLL (LINKTYPE_LINUX_SLL = 113), 16 bytes:
 *   packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2)
 * SLL2 (LINKTYPE_LINUX_SLL2 = 276), 20 bytes:
 *   protocol (2), reserved (2), interface index (4), ARPHRD type (2),
 *   packet type (1), address length (1), address (8)
 *
 * The protocol field is an EtherType for the link types we care about. The
 * packet type (0 host, 4 outgoing, ...) and the interface index are kept in
 * LinkInfo for the loopback duplicate filter.
 */
import { DecodeStatus } from './segment.ts';
import { u16, u32, type LayerResult, type LinkInfo } from './layer.ts';
import { decodeVlanTags } from './vlan.ts';

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

export function decodeSll(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + SLL_HEADER_LEN > end) return DecodeStatus.Truncated;
  link.pktType = u16(buf, start);
  link.ifIndex = -1;
  const etherType = u16(buf, start + 14);
  return decodeVlanTags(buf, start + SLL_HEADER_LEN, end, etherType, link, start, origLen);
}

export function decodeSll2(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + SLL2_HEADER_LEN > end) return DecodeStatus.Truncated;
  const etherType = u16(buf, start);
  link.ifIndex = u32(buf, start + 4);
  link.pktType = buf[start + 10];
  return decodeVlanTags(buf, start + SLL2_HEADER_LEN, end, etherType, link, start, origLen);
}
