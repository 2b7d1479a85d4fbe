/**
 * UDP, only as far as tunnels go: the ports say whether the datagram is a
 * tunnel tcpscope follows (VXLAN 4789, VXLAN-GPE 4790, GENEVE 6081, GTP-U
 * 2152, Teredo 3544, L2TP 1701). As Wireshark does, the lower port is tried
 * first, then the higher. Any other UDP is not TCP, and so is a datagram
 * whose ports the snaplen cut.
 */
import { DecodeStatus } from './segment.ts';
import { u16, type LayerResult, type LinkInfo } from './layer.ts';
import { decodeVxlan } from './vxlan.ts';
import { decodeVxlanGpe } from './vxlan-gpe.ts';
import { decodeGeneve } from './geneve.ts';
import { decodeGtpU } from './gtpu.ts';
import { decodeTeredo } from './teredo.ts';
import { decodeL2tp } from './l2tp.ts';

export const UDP_HEADER_LEN = 8;
export const PORT_VXLAN = 4789;
export const PORT_VXLAN_GPE = 4790;
export const PORT_GENEVE = 6081;
export const PORT_GTPU = 2152;
export const PORT_TEREDO = 3544;
export const PORT_L2TP = 1701;

function isTunnelPort(port: number): boolean {
  return port === PORT_VXLAN || port === PORT_GENEVE || port === PORT_GTPU || port === PORT_VXLAN_GPE ||
    port === PORT_TEREDO || port === PORT_L2TP;
}

/**
 * Decodes the UDP datagram at `off` (`len` bytes by the IP header, captured
 * up to `end`) when it is a tunnel: sets the inner network layer in `link`.
 * `firstFragment`: the IP packet is the first fragment of a datagram, so
 * the UDP length may go past it (the inner packet then ends in a later
 * fragment, as for TCP in a first fragment).
 */
export function decodeUdp(
  buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo, firstFragment: boolean,
): LayerResult {
  if (off + 4 > end) return DecodeStatus.NotTcp;
  const sport = u16(buf, off);
  const dport = u16(buf, off + 2);
  const low = sport < dport ? sport : dport;
  const high = sport < dport ? dport : sport;
  const port = isTunnelPort(low) ? low : isTunnelPort(high) ? high : 0;
  if (port === 0) return DecodeStatus.NotTcp;
  if (len < UDP_HEADER_LEN) return DecodeStatus.Malformed;
  if (off + UDP_HEADER_LEN > end) return DecodeStatus.Truncated;
  // The UDP length (0 in a jumbogram, RFC 2675) may only shorten what IP says.
  let udpLen = u16(buf, off + 4);
  if (udpLen === 0) udpLen = len;
  if (udpLen < UDP_HEADER_LEN || (udpLen > len && !firstFragment)) return DecodeStatus.Malformed;
  const p = off + UDP_HEADER_LEN;
  const payloadEnd = off + udpLen < end ? off + udpLen : end;
  const n = udpLen - UDP_HEADER_LEN;
  switch (port) {
    case PORT_VXLAN: return decodeVxlan(buf, p, payloadEnd, n, link);
    case PORT_GENEVE: return decodeGeneve(buf, p, payloadEnd, n, link);
    case PORT_GTPU: return decodeGtpU(buf, p, payloadEnd, n, link);
    case PORT_VXLAN_GPE: return decodeVxlanGpe(buf, p, payloadEnd, n, link);
    case PORT_TEREDO: return decodeTeredo(buf, p, payloadEnd, n, link);
    default: return decodeL2tp(buf, p, payloadEnd, n, link);
  }
}
