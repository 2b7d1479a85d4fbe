/**
 * IEEE 802.1Q VLAN tags, stacked: 802.1ad S-tag (0x88a8), the pre-standard
 * 0x9100 QinQ tag and C-tags (0x8100), each 4 bytes (TCI, inner EtherType).
 * Used by Ethernet and by Linux cooked captures (which may carry a tag the
 * NIC did not strip).
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN, NEXT, u16,
  type LayerResult, type LinkInfo,
} from './layer.ts';

export function isVlanTag(etherType: number): boolean {
  return etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD;
}

/**
 * Skips the tags starting at `off` (the outer EtherType `etherType` was just
 * read) and sets the network layer in `link`. Returns Truncated when a tag is
 * cut by the snaplen.
 */
export function decodeVlanTags(
  buf: Uint8Array, off: number, end: number, etherType: number,
  link: LinkInfo, frameStart: number, origLen: number,
): LayerResult {
  while (isVlanTag(etherType)) {
    if (off + 4 > end) return DecodeStatus.Truncated;
    etherType = u16(buf, off + 2);
    off += 4;
  }
  link.setNet(etherType, off, end, frameStart, origLen);
  return NEXT;
}
