/**
 * The encapsulations the decoder follows to the TCP inside (Tunnel), and
 * those it recognises but does not follow (Undecoded). Numbers, so the hot
 * path compares small integers and counts into preallocated arrays; the
 * names are the JSON contract's (src/report/types.ts TunnelKind and
 * UndecodedEncapsulation).
 */

/** Encapsulations followed to the TCP inside; Segment.tunnelKind holds the innermost. */
export const Tunnel = {
  None: 0,
  /** VXLAN (RFC 7348, UDP 4789); id: the VNI. */
  Vxlan: 1,
  /** VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe, UDP 4790); id: the VNI. */
  VxlanGpe: 2,
  /** GENEVE (RFC 8926, UDP 6081); id: the VNI. */
  Geneve: 3,
  /** GRE v0 (RFC 2784, 2890) carrying IP, Ethernet (gretap, NVGRE) or MPLS; id: the key, when present. */
  Gre: 4,
  /** ERSPAN types I, II, III over GRE (mirrored Ethernet frames); id: the session ID (types II and III). */
  Erspan: 5,
  /** IPv4 in IPv4 (RFC 2003, IP protocol 4). */
  Ipv4InIpv4: 6,
  /** IPv6 in IPv4 (6in4, RFC 4213, IP protocol 41). */
  Ipv6InIpv4: 7,
  /** IPv4 in IPv6 (RFC 2473, next header 4). */
  Ipv4InIpv6: 8,
  /** IPv6 in IPv6 (RFC 2473, next header 41). */
  Ipv6InIpv6: 9,
  /** An MPLS label stack (RFC 3032, EtherType 0x8847 / 0x8848); id: the bottom label. */
  Mpls: 10,
  /** GTP-U (3GPP TS 29.281, UDP 2152) T-PDU; id: the TEID. */
  GtpU: 11,
  /** PPPoE session stage (RFC 2516, EtherType 0x8864); id: the session ID. */
  Pppoe: 12,
  /** Teredo (RFC 4380, UDP 3544): IPv6 in UDP. */
  Teredo: 13,
  /** L2TPv2 data messages (RFC 2661, UDP 1701) carrying PPP; id: tunnel ID << 16 | session ID. */
  L2tp: 14,
  /** PPTP's enhanced GRE (GRE version 1, RFC 2637) carrying uncompressed PPP; id: the call ID. */
  Pptp: 15,
  /** EtherIP (RFC 3378, IP protocol 97): Ethernet in IP. */
  EtherIp: 16,
} as const;
export type Tunnel = (typeof Tunnel)[keyof typeof Tunnel];

/** JSON names, indexed by Tunnel value. */
export const TUNNEL_NAMES = [
  'none', 'vxlan', 'vxlan-gpe', 'geneve', 'gre', 'erspan', 'ipv4-in-ipv4', 'ipv6-in-ipv4', 'ipv4-in-ipv6',
  'ipv6-in-ipv6', 'mpls', 'gtp-u', 'pppoe', 'teredo', 'l2tp', 'pptp', 'etherip',
] as const;
export type TunnelName = Exclude<(typeof TUNNEL_NAMES)[number], 'none'>;
export const TUNNEL_KINDS = TUNNEL_NAMES.length;

/** JSON name of a Tunnel kind other than None. */
export function tunnelName(kind: number): TunnelName {
  if (kind <= Tunnel.None || kind >= TUNNEL_KINDS) throw new RangeError(`no tunnel kind ${kind}`);
  return TUNNEL_NAMES[kind] as TunnelName;
}

/**
 * Encapsulations recognised but not followed: the decoding of a frame stops
 * there (DecodeStatus.Undecoded) and it is counted by kind, because what is
 * inside may be TCP.
 */
export const Undecoded = {
  /** GRE of a version other than 0 and 1, or with a protocol type not followed. */
  Gre: 0,
  /** PPP datagrams tcpscope cannot read: compressed or encrypted (CCP 0x00FD/0x00FB, ECP), Van Jacobson TCP/IP header compression (0x002D/0x002F), multilink fragments, bridged frames. */
  Ppp: 1,
  /** L2TPv3 (IP protocol 115, or UDP 1701 version 3): the cookie's length is set by the control connection. */
  L2tpv3: 2,
  /** MPLS whose payload after the bottom label is neither IPv4, IPv6 nor a control word and an Ethernet frame (a pseudowire without control word, an associated channel). */
  Mpls: 3,
  /** GENEVE of another version, or a protocol type other than IPv4, IPv6 and Ethernet. */
  Geneve: 4,
  /** VXLAN-GPE whose next protocol is not IPv4, IPv6, Ethernet or MPLS (NSH, ...). */
  VxlanGpe: 5,
  /** ERSPAN of an unknown version or frame type. */
  Erspan: 6,
  /** A GTP-U T-PDU that is neither IP nor an Ethernet frame tcpscope can recognise (an unstructured PDU session, ...). */
  GtpU: 7,
  /** IPsec ESP (IP protocol 50): encrypted. */
  Esp: 8,
  /** IEEE 802.11 data frames with the Protected bit: encrypted (WEP, TKIP, CCMP, GCMP). */
  WlanProtected: 9,
  /** IEEE 802.11 aggregate MSDUs (A-MSDU). */
  WlanAmsdu: 10,
  /** More nested encapsulations than the decoder follows (Decoder's MAX_LAYERS). */
  Nesting: 11,
} as const;
export type Undecoded = (typeof Undecoded)[keyof typeof Undecoded];

/** JSON names, indexed by Undecoded value. */
export const UNDECODED_NAMES = [
  'gre', 'ppp', 'l2tpv3', 'mpls', 'geneve', 'vxlan-gpe', 'erspan', 'gtp-u', 'esp', 'wlan-protected', 'wlan-a-msdu',
  'nesting',
] as const;
export type UndecodedName = (typeof UNDECODED_NAMES)[number];
export const UNDECODED_KINDS = UNDECODED_NAMES.length;
