/**
 * ERSPAN, Cisco's remote port mirroring over GRE (draft-foschiano-erspan):
 * the mirrored Ethernet frame, behind
 * - type I: nothing (a GRE header without checksum, key or sequence number,
 *   protocol 0x88BE);
 * - type II (version 1, GRE protocol 0x88BE): 8 bytes: version 4 bits, VLAN
 *   12, CoS 3, encapsulation 2, truncated 1, session ID 10, reserved 12,
 *   index 20;
 * - type III (version 2, GRE protocol 0x22EB): 12 bytes: version, VLAN, CoS,
 *   BSO, truncated, session ID as type II, a timestamp (32), the security
 *   group tag (16), then P 1, frame type 5, hardware ID 6, direction 1,
 *   granularity 2, O 1; O says an 8-byte platform-specific subheader
 *   follows. Frame type 0 is Ethernet (other frame types are counted as
 *   Undecoded `erspan`).
 * As in Wireshark, the version field, not the GRE protocol type, tells type
 * II from type III.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_TEB, NEXT, u16, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';

const TYPE2_HEADER_LEN = 8;
const TYPE3_HEADER_LEN = 12;
const TYPE3_SUBHEADER_LEN = 8;

/**
 * Decodes the ERSPAN header at `off` (`len` bytes by GRE, captured up to
 * `end`); `typeOne`: the GRE header had no optional field, so no ERSPAN
 * header either.
 */
export function decodeErspan(
  buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo, typeOne: boolean,
): LayerResult {
  const stop = off + len;
  if (typeOne) {
    link.setTunnel(Tunnel.Erspan, -1);
    link.setInner(ETHERTYPE_TEB, off, end, stop);
    return NEXT;
  }
  if (off + 2 > end) return off + 2 > stop ? DecodeStatus.Malformed : DecodeStatus.Truncated;
  const version = buf[off] >> 4;
  let hdr: number;
  if (version === 1) hdr = TYPE2_HEADER_LEN;
  else if (version === 2) hdr = TYPE3_HEADER_LEN;
  else return link.stopUndecoded(Undecoded.Erspan);
  if (off + hdr > stop) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  const session = u16(buf, off + 2) & 0x3ff;
  if (version === 2) {
    const bits = u16(buf, off + 10);
    if (((bits >> 10) & 0x1f) !== 0) return link.stopUndecoded(Undecoded.Erspan);
    if (bits & 1) {
      hdr += TYPE3_SUBHEADER_LEN;
      if (off + hdr > stop) return DecodeStatus.Malformed;
      if (off + hdr > end) return DecodeStatus.Truncated;
    }
  }
  link.setTunnel(Tunnel.Erspan, session);
  link.setInner(ETHERTYPE_TEB, off + hdr, end, stop);
  return NEXT;
}
