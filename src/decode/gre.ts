/**
 * GRE. Version 0 (RFC 2784; key and sequence number RFC 2890) carrying
 * IPv4, IPv6, Ethernet (0x6558: gretap, NVGRE), MPLS (RFC 4023) or ERSPAN
 * (0x88BE, 0x22EB: erspan.ts). Its tunnel id is the key when present (NVGRE's
 * VSID and FlowID). RFC 1701's source routing (R bit: the checksum and
 * offset fields, then Source Route Entries after the key and sequence
 * number, each address family (2), SRE offset (1), SRE length (1) and that
 * many bytes, up to one with address family 0 and length 0) is skipped, as
 * Wireshark does. Other protocol types and versions are counted as
 * Undecoded `gre`.
 *
 * Version 1 is PPTP's enhanced GRE (RFC 2637 4.1): key present and holding
 * the payload length (16 bits) and the call ID (16), an optional sequence
 * number (S) and acknowledgment number (A, 0x0080), protocol 0x880B, and a
 * PPP frame. A packet with no payload is a bare acknowledgment. The PPP
 * payload is usually compressed and encrypted (MPPE): ppp.ts counts that as
 * Undecoded `ppp`; an uncompressed IP datagram is followed.
 */
import { DecodeStatus } from './segment.ts';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS_MC, ETHERTYPE_MPLS_UC, ETHERTYPE_TEB, NEXT, u16, u32,
  type LayerResult, type LinkInfo,
} from './layer.ts';
import { Tunnel, Undecoded } from './encapsulation.ts';
import { decodeErspan } from './erspan.ts';
import { decodePpp } from './ppp.ts';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
const GRE_ACK = 0x0080;
const GRE_PROTO_ERSPAN2 = 0x88be;
const GRE_PROTO_ERSPAN3 = 0x22eb;
const GRE_PROTO_PPP = 0x880b;

/**
 * Decodes the GRE header at `off` (captured bytes end at `end`, the GRE
 * packet is `len` bytes by the outer IP header). On success sets the inner
 * network layer and the tunnel in `link` and returns NEXT; otherwise a
 * DecodeStatus.
 */
export function decodeGre(buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo): LayerResult {
  if (off + 4 > end) return off + 4 > off + len ? DecodeStatus.Malformed : DecodeStatus.Truncated;
  const flags = u16(buf, off);
  const version = flags & 7;
  const protocol = u16(buf, off + 2);
  if (version === 1) return decodeEnhancedGre(buf, off, end, len, link, flags, protocol);
  if (version !== 0) return link.stopUndecoded(Undecoded.Gre);
  let hdr = 4;
  if (flags & (GRE_CHECKSUM | GRE_ROUTING)) hdr += 4;
  let keyAt = -1;
  if (flags & GRE_KEY) { keyAt = off + hdr; hdr += 4; }
  if (flags & GRE_SEQUENCE) hdr += 4;
  if (hdr > len) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  if (flags & GRE_ROUTING) {
    for (;;) {
      if (hdr + 4 > len) return DecodeStatus.Malformed;
      if (off + hdr + 4 > end) return DecodeStatus.Truncated;
      const sreLen = buf[off + hdr + 3];
      const last = u16(buf, off + hdr) === 0 && sreLen === 0;
      hdr += 4 + sreLen;
      if (last) break;
    }
    if (hdr > len) return DecodeStatus.Malformed;
  }
  const stop = off + len;
  const inner = off + hdr;
  let etherType: number;
  switch (protocol) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
    case ETHERTYPE_TEB:
    case ETHERTYPE_MPLS_UC:
    case ETHERTYPE_MPLS_MC:
      etherType = protocol;
      break;
    case GRE_PROTO_ERSPAN2:
    case GRE_PROTO_ERSPAN3:
      return decodeErspan(buf, inner, end, len - hdr, link, flags === 0);
    default:
      return link.stopUndecoded(Undecoded.Gre);
  }
  link.setTunnel(Tunnel.Gre, keyAt >= 0 ? u32(buf, keyAt) : -1);
  link.setInner(etherType, inner, end, stop);
  return NEXT;
}

function decodeEnhancedGre(
  buf: Uint8Array, off: number, end: number, len: number, link: LinkInfo, flags: number, protocol: number,
): LayerResult {
  if (protocol !== GRE_PROTO_PPP || (flags & GRE_KEY) === 0) return link.stopUndecoded(Undecoded.Gre);
  let hdr = 8;
  if (flags & GRE_SEQUENCE) hdr += 4;
  if (flags & GRE_ACK) hdr += 4;
  if (hdr > len) return DecodeStatus.Malformed;
  if (off + hdr > end) return DecodeStatus.Truncated;
  const payloadLen = u16(buf, off + 4);
  if (payloadLen === 0) return DecodeStatus.NotTcp;
  if (hdr + payloadLen > len) return DecodeStatus.Malformed;
  link.setTunnel(Tunnel.Pptp, u16(buf, off + 6));
  return decodePpp(buf, off + hdr, end, payloadLen, link, true);
}
