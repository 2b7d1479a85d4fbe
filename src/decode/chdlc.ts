/**
 * Cisco HDLC (LINKTYPE_C_HDLC = 104): address (0x0f unicast, 0x8f
 * broadcast), control (0), then an EtherType. SLARP (0x8035) and CDP are not TCP.
 */
import { DecodeStatus } from './segment.ts';
import { NEXT, u16, type LayerResult, type LinkInfo } from './layer.ts';

export const CHDLC_HEADER_LEN = 4;

export function decodeChdlc(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + CHDLC_HEADER_LEN > end) return DecodeStatus.Truncated;
  link.setNet(u16(buf, start + 2), start + CHDLC_HEADER_LEN, end, start, origLen);
  return NEXT;
}
