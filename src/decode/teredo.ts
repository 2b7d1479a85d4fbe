/**
 * Teredo (RFC 4380, UDP 3544): an IPv6 packet in UDP, optionally preceded
 * by an authentication indicator (0x0001, ID length, AU length, client ID,
 * authentication value, 8-byte nonce, confirmation byte) and then an origin
 * indication (0x0000 and 6 obfuscated bytes of port and address), section
 * 5.1.1. A payload that is not IPv6 after them is not TCP.
 */
import { DecodeStatus } from './segment.ts';
import { ETHERTYPE_IPV6, NEXT, u16, type LayerResult, type LinkInfo } from './layer.ts';
import { Tunnel } from './encapsulation.ts';

const AUTH_INDICATOR = 0x0001;
const ORIGIN_INDICATOR = 0x0000;
const AUTH_FIXED_LEN = 4 + 8 + 1;
const ORIGIN_LEN = 8;

export function decodeTeredo(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  const stop = off + len;
  let p = off;
  if (p + 2 <= end && u16(buf, p) === AUTH_INDICATOR) {
    if (p + 4 > end) return p + 4 > stop ? DecodeStatus.Malformed : DecodeStatus.Truncated;
    p += AUTH_FIXED_LEN + buf[p + 2] + buf[p + 3];
  }
  if (p + 2 <= end && u16(buf, p) === ORIGIN_INDICATOR) p += ORIGIN_LEN;
  if (p >= stop) return p > stop ? DecodeStatus.Malformed : DecodeStatus.NotTcp;
  if (p >= end) return DecodeStatus.Truncated;
  if (buf[p] >> 4 !== 6) return DecodeStatus.NotTcp;
  link.setTunnel(Tunnel.Teredo, -1);
  link.setInner(ETHERTYPE_IPV6, p, end, stop);
  return NEXT;
}
