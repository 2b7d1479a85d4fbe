/**
 * IPv6 (RFC 8200) and the extension headers that may sit before TCP:
 * hop-by-hop (0), routing (43), fragment (44), destination options (60) and
 * AH (51, RFC 4302, whose length is in 4-byte units minus 2). ESP and
 * anything unknown end the chain: not TCP.
 *
 * Payload length 0 means either a jumbogram (RFC 2675, the length is in a
 * hop-by-hop Jumbo Payload option) or a GSO/TSO capture; without a jumbo
 * option we take the length on the wire, as for IPv4 total length 0.
 */
import { DecodeStatus, type Segment } from './segment.ts';
import { NEXT, u16, u32, type LayerResult } from './layer.ts';
import {
  IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_TCP, type IpInfo,
} from './ip.ts';

export const IPV6_HEADER_LEN = 40;
const JUMBO_OPTION = 0xc2;

/** Value of the Jumbo Payload option in the hop-by-hop header at `p`, or -1. */
function jumboLength(buf: Uint8Array, p: number, hdrEnd: number): number {
  let i = p + 2;
  while (i < hdrEnd) {
    const type = buf[i];
    if (type === 0) { i++; continue; } // Pad1
    if (i + 2 > hdrEnd) return -1;
    const len = buf[i + 1];
    if (type === JUMBO_OPTION && len === 4 && i + 6 <= hdrEnd) return u32(buf, i + 2);
    i += 2 + len;
  }
  return -1;
}

export function decodeIPv6(
  buf: Uint8Array, off: number, end: number, reported: number, ip: IpInfo, out: Segment,
): LayerResult {
  if (off + IPV6_HEADER_LEN > end) return DecodeStatus.Truncated;
  if (buf[off] >> 4 !== 6) return DecodeStatus.Malformed;
  let payloadLen = u16(buf, off + 4);
  let next = buf[off + 6];

  out.ipVersion = 6;
  out.ipId = 0;
  out.ttl = buf[off + 7];
  for (let w = 0; w < 4; w++) {
    out.src[w] = u32(buf, off + 8 + 4 * w);
    out.dst[w] = u32(buf, off + 24 + 4 * w);
  }

  ip.firstFragment = false;
  ip.lengthFromWire = false;
  let p = off + IPV6_HEADER_LEN;
  if (payloadLen === 0) {
    let jumbo = -1;
    if (next === IPPROTO_HOPOPTS && p + 2 <= end) {
      const hdrEnd = p + ((buf[p + 1] + 1) << 3);
      if (hdrEnd <= end) jumbo = jumboLength(buf, p, hdrEnd);
    }
    if (jumbo >= 0) {
      payloadLen = jumbo;
    } else {
      payloadLen = reported > IPV6_HEADER_LEN ? reported - IPV6_HEADER_LEN : 0;
      ip.lengthFromWire = true;
    }
  }
  const packetEnd = off + IPV6_HEADER_LEN + payloadLen;

  for (;;) {
    let hdrLen: number;
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) {
      if (p + 2 > end) return DecodeStatus.Truncated;
      hdrLen = (buf[p + 1] + 1) << 3;
    } else if (next === IPPROTO_AH) {
      if (p + 2 > end) return DecodeStatus.Truncated;
      hdrLen = (buf[p + 1] + 2) << 2;
    } else if (next === IPPROTO_FRAGMENT) {
      hdrLen = 8;
    } else {
      break;
    }
    if (p + hdrLen > packetEnd) return DecodeStatus.Malformed;
    if (p + hdrLen > end) return DecodeStatus.Truncated;
    if (next === IPPROTO_FRAGMENT) {
      const fragField = u16(buf, p + 2);
      if ((fragField & 0xfff8) !== 0) {
        // Not the first fragment: the header after this one is not in this packet.
        ip.proto = buf[p];
        ip.payloadOffset = p + hdrLen;
        ip.payloadLen = packetEnd - ip.payloadOffset;
        ip.payloadEnd = packetEnd < end ? packetEnd : end;
        return ip.proto === IPPROTO_TCP ? DecodeStatus.Fragment : DecodeStatus.NotTcp;
      }
      if ((fragField & 1) !== 0) ip.firstFragment = true;
    }
    next = buf[p];
    p += hdrLen;
  }

  ip.proto = next;
  ip.payloadOffset = p;
  ip.payloadLen = packetEnd - p;
  ip.payloadEnd = packetEnd < end ? packetEnd : end;
  return NEXT;
}
