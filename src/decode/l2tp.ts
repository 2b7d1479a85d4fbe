/**
 * L2TP over UDP (port 1701). Version 2 (RFC 2661 3.1): flags and version
 * (T L x x S x O P x x x x Ver), then the length if L, tunnel ID, session
 * ID, Ns and Nr if S, the offset size and that many padding bytes if O, then
 * a PPP frame (ppp.ts). T set is a control message: no TCP.
 *
 * Version 3 (RFC 3931) data messages carry a cookie whose length only the
 * control connection tells: they are counted as Undecoded `l2tpv3`, as is
 * L2TPv3 over IP (protocol 115, decoder.ts).
 */
import { DecodeStatus } from './segment.ts';
import { u16, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';
import { decodePpp } from './ppp.ts';

const L2TP_T = 0x80;
const L2TP_L = 0x40;
const L2TP_S = 0x08;
const L2TP_O = 0x02;

export function decodeL2tp(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (2 > len) return DecodeStatus.Malformed;
  if (off + 2 > end) return DecodeStatus.Truncated;
  const flags = buf[off];
  const version = buf[off + 1] & 0x0f;
  if (flags & L2TP_T) return DecodeStatus.NotTcp;
  if (version === 3) return link.stopUndecoded(Undecoded.L2tpv3);
  if (version !== 2) return DecodeStatus.NotTcp;
  let hdr = 2;
  if (flags & L2TP_L) hdr += 2;
  const ids = hdr;
  hdr += 4;
  if (flags & L2TP_S) hdr += 4;
  if (flags & L2TP_O) {
    if (hdr + 2 > len) return DecodeStatus.Malformed;
    if (off + hdr + 2 > end) return DecodeStatus.Truncated;
    hdr += 2 + u16(buf, off + hdr);
  }
  if (hdr > len) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  // With L, the message length; anything after it in the datagram is not PPP.
  let msgLen = len;
  if (flags & L2TP_L) {
    msgLen = u16(buf, off + 2);
    if (msgLen < hdr || msgLen > len) return DecodeStatus.Malformed;
  }
  link.setTunnel(Tunnel.L2tp, ((u16(buf, off + ids) << 16) | u16(buf, off + ids + 2)) >>> 0);
  return decodePpp(buf, off + hdr, end, msgLen - hdr, link, true);
}
