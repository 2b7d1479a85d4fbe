/**
 * TCP header (RFC 9293 section 3.1) and the options a connection tracker
 * needs: MSS (2), window scale (3, RFC 7323), SACK permitted (4) and SACK
 * blocks (5, RFC 2018), timestamps (8, RFC 7323); NOP (1) and EOL (0).
 *
 * The segment length comes from the IP layer (`tcpLen`), so Ethernet padding
 * and snaplen truncation do not change the payload length.
 *
 * When the snaplen cuts the options but leaves the 20-byte fixed header, the
 * segment is still decoded (ports, seq, ack and flags are real bytes, and a
 * lost SYN would break the handshake) with `optionsTruncated` set, options
 * parsed as far as they were captured; tshark does the same. Fewer than 20
 * bytes: Truncated.
 */
import { DecodeStatus, type Segment } from './segment.ts';
import { NEXT, u16, u32, type LayerResult } from './layer.ts';

export const TCP_MIN_HEADER_LEN = 20;

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

/**
 * Decodes the TCP header at `off`; captured bytes end at `end` (already
 * clipped to the IP packet), `tcpLen` is the TCP length from the IP header.
 */
export function decodeTcp(
  buf: Uint8Array, off: number, end: number, tcpLen: number, out: Segment,
): LayerResult {
  if (tcpLen < TCP_MIN_HEADER_LEN) return DecodeStatus.Malformed;
  if (off + TCP_MIN_HEADER_LEN > end) return DecodeStatus.Truncated;
  const headerLen = (buf[off + 12] >> 4) << 2;
  if (headerLen < TCP_MIN_HEADER_LEN || headerLen > tcpLen) return DecodeStatus.Malformed;

  out.srcPort = u16(buf, off);
  out.dstPort = u16(buf, off + 2);
  out.seq = u32(buf, off + 4);
  out.ack = u32(buf, off + 8);
  out.flags = ((buf[off + 12] & 0x01) << 8) | buf[off + 13];
  out.window = u16(buf, off + 14);
  out.urgent = u16(buf, off + 18);
  out.headerLen = headerLen;
  out.payloadLen = tcpLen - headerLen;
  const dataStart = off + headerLen;
  const captured = end - dataStart;
  out.payloadCaptured = captured <= 0 ? 0 : captured < out.payloadLen ? captured : out.payloadLen;

  out.resetOptions();
  out.optionsTruncated = dataStart > end;
  out.optionsMalformed = !decodeTcpOptions(buf, off + TCP_MIN_HEADER_LEN, dataStart < end ? dataStart : end, out);
  return NEXT;
}

/**
 * Parses options in [p, optEnd) into `out`. Returns false when an option is
 * malformed (length < 2, running past the header, wrong size for its kind);
 * parsing stops at a bad length so it cannot loop.
 */
export function decodeTcpOptions(buf: Uint8Array, p: number, optEnd: number, out: Segment): boolean {
  let ok = true;
  while (p < optEnd) {
    const kind = buf[p];
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) { p++; continue; }
    if (p + 2 > optEnd) return out.optionsTruncated;
    const len = buf[p + 1];
    if (len < 2) return false;
    if (p + len > optEnd) return out.optionsTruncated;
    switch (kind) {
      case OPT_MSS:
        if (len === 4) out.mss = u16(buf, p + 2); else ok = false;
        break;
      case OPT_WSCALE:
        if (len === 3) out.wscale = buf[p + 2]; else ok = false;
        break;
      case OPT_SACK_PERMITTED:
        if (len === 2) out.sackPermitted = true; else ok = false;
        break;
      case OPT_SACK: {
        if ((len - 2) % 8 !== 0 || len === 2) { ok = false; break; }
        let n = (len - 2) >> 3;
        if (n > 4) n = 4;
        for (let b = 0; b < n; b++) {
          out.sackBlocks[2 * b] = u32(buf, p + 2 + 8 * b);
          out.sackBlocks[2 * b + 1] = u32(buf, p + 6 + 8 * b);
        }
        out.sackCount = n;
        break;
      }
      case OPT_TIMESTAMP:
        if (len === 10) {
          out.hasTimestamp = true;
          out.tsVal = u32(buf, p + 2);
          out.tsEcr = u32(buf, p + 6);
        } else {
          ok = false;
        }
        break;
      default:
        break; // MPTCP, TFO, MD5, ... skipped by length
    }
    p += len;
  }
  return ok;
}
