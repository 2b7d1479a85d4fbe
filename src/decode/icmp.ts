/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) errors that quote a TCP segment:
 * ICMPv4 destination unreachable (3), time exceeded (11) and parameter
 * problem (12); ICMPv6 destination unreachable (1), packet too big (2), time
 * exceeded (3) and parameter problem (4). Each carries, after its 8-byte
 * header, the start of the packet that caused it: an IP header and at least
 * 8 bytes of what followed (RFC 792; RFC 1812 4.3.2.3 and RFC 4443 2.4 (c)
 * ask for as much as fits). With a TCP header those 8 bytes are the ports
 * and the sequence number: enough for a TCP to find the connection (RFC 9293
 * 3.9, "ICMP messages"; RFC 5927 4.1). Wireshark dissects the quote and puts
 * the frame in the quoted connection's tcp.stream.
 *
 * decodeIcmpError writes the quoted 4-tuple and TCP fields into the Segment
 * (src = the quoted packet's sender) and the ICMP's type, code, sender and
 * MTU into its icmp* fields. Anything short of IP header + 8 TCP bytes, a
 * quote of another protocol or of a non-first fragment, or another ICMP type
 * is NotTcp, as before. Every read is bounded by `end` (captured bytes).
 */
import { DecodeStatus, type Segment } from './segment.ts';
import { u16, u32 } from './layer.ts';
import { IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_TCP } from './ip.ts';

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

/** ICMPv4 types. */
export const ICMP_DEST_UNREACH = 3;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETER_PROBLEM = 12;
/** ICMPv4 destination unreachable code 4: fragmentation needed and DF set (path MTU discovery, RFC 1191). */
export const ICMP_FRAG_NEEDED = 4;
/** ICMPv6 types. */
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAMETER_PROBLEM = 4;

const ICMP_HEADER_LEN = 8;
/** Bytes of the TCP header that must be quoted: ports and sequence number. */
export const MIN_QUOTED_TCP = 8;

/** Whether an ICMP (v6 when `v6`) type is one of the errors that quote the packet that caused them. */
export function isIcmpError(v6: boolean, type: number): boolean {
  return v6
    ? type === ICMPV6_DEST_UNREACH || type === ICMPV6_PACKET_TOO_BIG || type === ICMPV6_TIME_EXCEEDED || type === ICMPV6_PARAMETER_PROBLEM
    : type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETER_PROBLEM;
}

/**
 * Decodes the ICMP (`v6`: ICMPv6) message at `off`, captured up to `end`,
 * whose IP header's addresses are in out.src/out.dst. Returns IcmpError when
 * it is an error quoting a TCP header (the Segment then describes the
 * quote), else NotTcp.
 */
export function decodeIcmpError(buf: Uint8Array, off: number, end: number, v6: boolean, out: Segment): DecodeStatus {
  if (off + ICMP_HEADER_LEN > end) return DecodeStatus.NotTcp;
  const type = buf[off];
  if (!isIcmpError(v6, type)) return DecodeStatus.NotTcp;
  const code = buf[off + 1];
  const q = off + ICMP_HEADER_LEN;
  let tcp: number;
  let quotedV6: boolean;
  if (q + 1 > end) return DecodeStatus.NotTcp;
  const version = buf[q] >> 4;
  if (version === 4 && !v6) {
    if (q + 20 > end) return DecodeStatus.NotTcp;
    const ihl = (buf[q] & 0x0f) << 2;
    if (ihl < 20 || buf[q + 9] !== IPPROTO_TCP || (u16(buf, q + 6) & 0x1fff) !== 0) return DecodeStatus.NotTcp;
    tcp = q + ihl;
    quotedV6 = false;
  } else if (version === 6 && v6) {
    if (q + 40 > end) return DecodeStatus.NotTcp;
    let next = buf[q + 6];
    let p = q + 40;
    for (let n = 0; n < 8 && next !== IPPROTO_TCP; n++) {
      if (p + 8 > end) return DecodeStatus.NotTcp;
      let len: number;
      if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) len = (buf[p + 1] + 1) << 3;
      else if (next === IPPROTO_AH) len = (buf[p + 1] + 2) << 2;
      else if (next === IPPROTO_FRAGMENT) {
        if ((u16(buf, p + 2) & 0xfff8) !== 0) return DecodeStatus.NotTcp; // not the first fragment: no TCP header
        len = 8;
      } else return DecodeStatus.NotTcp;
      next = buf[p];
      p += len;
    }
    if (next !== IPPROTO_TCP) return DecodeStatus.NotTcp;
    tcp = p;
    quotedV6 = true;
  } else {
    return DecodeStatus.NotTcp;
  }
  if (tcp + MIN_QUOTED_TCP > end) return DecodeStatus.NotTcp;

  // The ICMP's sender: the outer header's source, already in out.src.
  for (let w = 0; w < 4; w++) out.icmpFrom[w] = out.src[w];
  out.icmpType = type;
  out.icmpCode = code;
  out.icmpV6 = v6;
  out.icmpMtu = v6 ? (type === ICMPV6_PACKET_TOO_BIG ? u32(buf, off + 4) : 0)
    : (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED ? u16(buf, off + 6) : 0);

  if (quotedV6) {
    out.ipVersion = 6;
    for (let w = 0; w < 4; w++) {
      out.src[w] = u32(buf, q + 8 + 4 * w);
      out.dst[w] = u32(buf, q + 24 + 4 * w);
    }
  } else {
    out.ipVersion = 4;
    out.src[0] = u32(buf, q + 12);
    out.dst[0] = u32(buf, q + 16);
    out.src[1] = 0; out.src[2] = 0; out.src[3] = 0;
    out.dst[1] = 0; out.dst[2] = 0; out.dst[3] = 0;
  }
  const quoted = end - tcp < 60 ? end - tcp : 60;
  out.quotedTcp = quoted;
  out.srcPort = u16(buf, tcp);
  out.dstPort = u16(buf, tcp + 2);
  out.seq = u32(buf, tcp + 4);
  out.ack = quoted >= 12 ? u32(buf, tcp + 8) : 0;
  out.headerLen = quoted >= 13 ? (buf[tcp + 12] >> 4) << 2 : 0;
  out.flags = quoted >= 14 ? ((buf[tcp + 12] & 0x01) << 8) | buf[tcp + 13] : 0;
  out.window = quoted >= 16 ? u16(buf, tcp + 14) : 0;
  out.urgent = quoted >= 20 ? u16(buf, tcp + 18) : 0;
  out.payloadLen = 0;
  out.payloadCaptured = 0;
  out.resetOptions();
  return DecodeStatus.IcmpError;
}
