/**
 * Per-Packet Information (LINKTYPE_PPI = 192, CACE Technologies' PPI
 * specification 1.0.10): version (0), flags (bit 0: fields 32-bit
 * aligned), header length (2, little-endian, the whole PPI header with its
 * fields), the link type of the packet that follows (4, little-endian), then
 * the fields. The packet, of that link type, starts at the header length.
 */
import { DecodeStatus } from './segment.ts';
import { type LayerResult, type LinkInfo, u32le } from './layer.ts';

export const LINKTYPE_PPI = 192;
const PPI_MIN_LEN = 8;

/** Decodes one link layer (link.ts decodeLink, passed in to keep the import graph acyclic). */
export type LinkDecoder = (
  linkType: number, buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
) => LayerResult;

export function decodePpi(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo, decodeInner: LinkDecoder,
): LayerResult {
  if (start + PPI_MIN_LEN > end) return DecodeStatus.Truncated;
  if (buf[start] !== 0) return DecodeStatus.Malformed;
  const len = buf[start + 2] | (buf[start + 3] << 8);
  if (len < PPI_MIN_LEN || len > origLen) return DecodeStatus.Malformed;
  const inner = u32le(buf, start + 4);
  // One level: a PPI packet inside PPI would let a frame recurse.
  if (inner === LINKTYPE_PPI) return DecodeStatus.Malformed;
  if (start + len > end) return DecodeStatus.Truncated;
  return decodeInner(inner, buf, start + len, end, origLen - len, link);
}
