/**
 * What the IPv4 and IPv6 decoders hand to the transport layer. The lengths
 * come from the IP header's length fields, never from the captured length,
 * so Ethernet padding and snaplen truncation do not change them.
 */
export class IpInfo {
  /** Transport protocol (IPv4 protocol / last IPv6 next header). */
  proto = 0;
  /** First byte of the transport header. */
  payloadOffset = 0;
  /** End of the captured transport bytes: min(captured end, IP end). */
  payloadEnd = 0;
  /** Transport length from the IP length fields. */
  payloadLen = 0;
  /** First fragment of a fragmented datagram (more-fragments set, offset 0). */
  firstFragment = false;
  /** IPv4 total length (or IPv6 payload length) was 0 and the wire length was used (TSO/GSO captures). */
  lengthFromWire = false;
}

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_ETHERIP = 97;
export const IPPROTO_L2TP = 115;
