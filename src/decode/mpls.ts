/**
 * An MPLS label stack (RFC 3032; EtherType 0x8847 unicast, 0x8848
 * multicast, also inside GRE, PPP and VXLAN-GPE): 4-byte entries (label 20
 * bits, traffic class 3, bottom-of-stack 1, TTL 8) up to the one with the
 * bottom-of-stack bit.
 *
 * MPLS does not say what the payload is; like Wireshark we look at its first
 * nibble: 4 is IPv4, 6 is IPv6. Otherwise it may be an Ethernet pseudowire
 * (RFC 4448), with a control word in front (RFC 4385: "the first nibble of
 * the PW packet payload is 0000") or without one, its first byte a MAC
 * address. Which, the bytes alone cannot say for sure; we take the reading
 * under which the EtherType field holds a type tcpscope follows (IPv4,
 * IPv6, VLAN tags, MPLS, PPPoE session), the control word first, as
 * Wireshark's heuristic prefers it (RFC 8469 makes it mandatory where
 * supported). Anything else (ARP or another protocol in the pseudowire, an
 * associated channel, nibble 1, a pseudowire of another kind) is counted as
 * Undecoded `mpls`.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, NEXT, u16, type LayerResult, type LinkInfo,
} from './layer.ts';
import { isFollowedEtherType } from './ethernet.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';

const LABEL_LEN = 4;
const CONTROL_WORD_LEN = 4;
const ETHERNET_HEADER_LEN = 14;

export function decodeMpls(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  const stop = off + len;
  let p = off;
  let label: number;
  for (;;) {
    if (p + LABEL_LEN > stop) return DecodeStatus.Malformed;
    if (p + LABEL_LEN > end) return DecodeStatus.Truncated;
    label = (buf[p] << 12) | (buf[p + 1] << 4) | (buf[p + 2] >> 4);
    const bottom = (buf[p + 2] & 1) !== 0;
    p += LABEL_LEN;
    if (bottom) break;
  }
  link.setTunnel(Tunnel.Mpls, label);
  if (p >= stop) return DecodeStatus.NotTcp;
  if (p >= end) return DecodeStatus.Truncated;
  const nibble = buf[p] >> 4;
  let etherType: number;
  if (nibble === 4) etherType = ETHERTYPE_IPV4;
  else if (nibble === 6) etherType = ETHERTYPE_IPV6;
  else {
    // Both readings need the Ethernet header (and the control word) captured.
    if (p + CONTROL_WORD_LEN + ETHERNET_HEADER_LEN > end && end < stop) return DecodeStatus.Truncated;
    const capEnd = end < stop ? end : stop;
    if (nibble === 0 && isFollowedEtherType(buf, p + CONTROL_WORD_LEN, capEnd)) {
      p += CONTROL_WORD_LEN;
    } else if (!isFollowedEtherType(buf, p, capEnd)) {
      return link.stopUndecoded(Undecoded.Mpls);
    }
    etherType = ETHERTYPE_TEB;
  }
  link.setInner(etherType, p, end, stop);
  return NEXT;
}
