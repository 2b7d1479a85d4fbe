/**
 * IPv4 (RFC 791). Options are skipped (IHL covers them). A fragment other
 * than the first carries no transport header: Fragment. Total length 0 is
 * what captures of TCP segmentation offload (TSO/LSO) show for the large
 * segment handed to the NIC; like Wireshark ("Total length is 0, assuming
 * TSO") we then take the length on the wire.
 */
import { DecodeStatus, type Segment } from './segment.ts';
import { NEXT, u16, u32, type LayerResult } from './layer.ts';
import { IPPROTO_TCP, type IpInfo } from './ip.ts';

export const IPV4_MIN_HEADER_LEN = 20;

/**
 * Decodes the IPv4 header at `off` (captured bytes end at `end`, the packet
 * is `reported` bytes long on the wire) into `ip` and the addresses, TTL and
 * id of `out`.
 */
export function decodeIPv4(
  buf: Uint8Array, off: number, end: number, reported: number, ip: IpInfo, out: Segment,
): LayerResult {
  if (off + IPV4_MIN_HEADER_LEN > end) return DecodeStatus.Truncated;
  const vihl = buf[off];
  if (vihl >> 4 !== 4) return DecodeStatus.Malformed;
  const ihl = (vihl & 0x0f) << 2;
  if (ihl < IPV4_MIN_HEADER_LEN) return DecodeStatus.Malformed;
  let totalLen = u16(buf, off + 2);
  ip.lengthFromWire = false;
  if (totalLen === 0) {
    totalLen = reported;
    ip.lengthFromWire = true;
  }
  if (totalLen < ihl) return DecodeStatus.Malformed;
  if (off + ihl > end) return DecodeStatus.Truncated;

  const fragField = u16(buf, off + 6);
  const fragOffset = fragField & 0x1fff;
  const moreFragments = (fragField & 0x2000) !== 0;

  out.ipVersion = 4;
  out.ipId = u16(buf, off + 4);
  out.ttl = buf[off + 8];
  out.src[0] = u32(buf, off + 12);
  out.src[1] = 0; out.src[2] = 0; out.src[3] = 0;
  out.dst[0] = u32(buf, off + 16);
  out.dst[1] = 0; out.dst[2] = 0; out.dst[3] = 0;

  ip.proto = buf[off + 9];
  ip.payloadOffset = off + ihl;
  ip.payloadLen = totalLen - ihl;
  ip.payloadEnd = off + totalLen < end ? off + totalLen : end;
  ip.firstFragment = moreFragments && fragOffset === 0;
  if (fragOffset !== 0) return ip.proto === IPPROTO_TCP ? DecodeStatus.Fragment : DecodeStatus.NotTcp;
  return NEXT;
}
