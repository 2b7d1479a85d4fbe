/**
 * PPPoE session stage (RFC 2516, EtherType 0x8864): version 1 and type 1 in
 * one byte (0x11), code 0, the session ID, the length of the PPP frame, then
 * the PPP frame without address and control bytes. The discovery stage
 * (0x8863) carries no IP.
 */
import { DecodeStatus } from './segment.ts';
import { u16, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel } from './encapsulation.ts';
import { decodePpp } from './ppp.ts';

export const PPPOE_HEADER_LEN = 6;

export function decodePppoeSession(
  buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo,
): LayerResult {
  if (off + PPPOE_HEADER_LEN > end) return DecodeStatus.Truncated;
  if (buf[off] !== 0x11 || buf[off + 1] !== 0) return DecodeStatus.NotTcp;
  const session = u16(buf, off + 2);
  const pppLen = u16(buf, off + 4);
  if (PPPOE_HEADER_LEN + pppLen > len) return DecodeStatus.Malformed;
  link.setTunnel(Tunnel.Pppoe, session);
  // The PPP frame is pppLen bytes: anything after it is Ethernet padding.
  return decodePpp(buf, off + PPPOE_HEADER_LEN, end, pppLen, link, false);
}
