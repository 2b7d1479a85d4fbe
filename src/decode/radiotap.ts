/**
 * Radiotap (LINKTYPE_IEEE802_11_RADIOTAP = 127, https://www.radiotap.org):
 * version (0), pad, length (2, little-endian, the whole radiotap header),
 * then `present` bitmaps (4 bytes each, little-endian; bit 31 says another
 * follows) and the fields they announce, each aligned to its own size from
 * the start of the header. The 802.11 frame follows at `length`.
 *
 * Only the Flags field matters here: 0x10, the frame ends with its 4-byte
 * FCS (not part of the packet); 0x20, the 802.11 header is padded to a
 * multiple of 4. Flags is field 1, after TSFT (field 0, 8 bytes aligned to
 * 8), so it is found without walking other fields.
 */
import { DecodeStatus } from './segment.ts';
import { type LayerResult, type LinkInfo, u32le } from './layer.ts';
import { decodeIeee80211 } from './ieee80211.ts';

const RADIOTAP_MIN_LEN = 8;
const PRESENT_TSFT = 1 << 0;
const PRESENT_FLAGS = 1 << 1;
const PRESENT_EXT = 1 << 31;
const FLAG_FCS = 0x10;
const FLAG_DATA_PAD = 0x20;
const FCS_LEN = 4;

export function decodeRadiotap(
  buf: Uint8Array, start: number, end: number, origLen: number, link: LinkInfo,
): LayerResult {
  if (start + RADIOTAP_MIN_LEN > end) return DecodeStatus.Truncated;
  if (buf[start] !== 0) return DecodeStatus.Malformed;
  const len = buf[start + 2] | (buf[start + 3] << 8);
  if (len < RADIOTAP_MIN_LEN || len > origLen) return DecodeStatus.Malformed;
  if (start + len > end) return DecodeStatus.Truncated;
  const present = u32le(buf, start + 4);
  // Fields start after the last present bitmap.
  let p = 8;
  for (let word = present; (word & PRESENT_EXT) !== 0; word = u32le(buf, start + p - 4)) {
    p += 4;
    if (p > len) return DecodeStatus.Malformed;
  }
  let flags = 0;
  if (present & PRESENT_FLAGS) {
    if (present & PRESENT_TSFT) p = ((p + 7) & ~7) + 8;
    if (p >= len) return DecodeStatus.Malformed;
    flags = buf[start + p];
  }
  let wire = origLen - len;
  let capEnd = end;
  if (flags & FLAG_FCS) {
    if (wire < FCS_LEN) return DecodeStatus.Malformed;
    wire -= FCS_LEN;
    if (capEnd > start + len + wire) capEnd = start + len + wire;
  }
  return decodeIeee80211(buf, start + len, capEnd, wire, link, (flags & FLAG_DATA_PAD) !== 0);
}
