/** TCP flag bits as they sit in the low 9 bits of the header's flags field. */
export const FIN = 0x001;
export const SYN = 0x002;
export const RST = 0x004;
export const PSH = 0x008;
export const ACK = 0x010;
export const URG = 0x020;
export const ECE = 0x040;
export const CWR = 0x080;
/** AE (formerly NS, RFC 3540), bit 8 of the flags field. */
export const AE = 0x100;

/**
 * One decoded TCP segment. The decoder fills a single reused instance per
 * frame, so nothing is allocated per packet; consumers copy the numbers they
 * keep. Addresses are 32-bit words in network order: IPv4 uses word 0 only and
 * words 1..3 are 0; IPv6 uses all four.
 */
export class Segment {
  /** Wireshark frame number (1-based). */
  frame = 0;
  tsSec = 0;
  tsNsec = 0;
  tsDigits = 6;
  /** Byte offset of the frame's record in the input. */
  fileOffset = 0;
  interfaceId = 0;
  linkType = 0;
  /** Frame length on the wire and captured length. */
  wireLen = 0;
  capLen = 0;

  ipVersion: 4 | 6 = 4;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  ttl = 0;
  /** IPv4 identification (0 for IPv6). */
  ipId = 0;

  srcPort = 0;
  dstPort = 0;
  /** 32-bit sequence and acknowledgment numbers (unsigned, as in the header). */
  seq = 0;
  ack = 0;
  /** Flag bits: FIN, SYN, ... AE. */
  flags = 0;
  window = 0;
  urgent = 0;
  /** TCP header length in bytes (data offset * 4). */
  headerLen = 0;
  /** Payload length from the IP length fields (never from the captured length). */
  payloadLen = 0;
  /** Payload bytes actually present in the capture (<= payloadLen). */
  payloadCaptured = 0;

  /** Options: -1 when absent. */
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  /** SACK blocks as left,right pairs in sackBlocks[0..2*sackCount). */
  sackCount = 0;
  readonly sackBlocks = new Uint32Array(8);
  /** The snaplen cut the TCP options (the 20-byte fixed header is complete); options were parsed as far as captured. */
  optionsTruncated = false;
  /** An option had a bad length (0, 1, past the header end, wrong size for its kind); parsing stopped there. */
  optionsMalformed = false;

  /** First fragment of a fragmented IP datagram: payloadLen covers this fragment only. */
  firstFragment = false;
  /** IPv4 total length / IPv6 payload length was 0 (TSO/GSO capture): lengths come from the wire length. */
  lengthFromWire = false;

  /**
   * The innermost tunnel the segment came in (encapsulation.ts Tunnel; 0:
   * none) and its id (VNI, GRE key, TEID, bottom MPLS label, session ID...;
   * -1 when the tunnel has none).
   */
  tunnelKind = 0;
  tunnelId = -1;

  /**
   * Set with DecodeStatus.IcmpError (icmp.ts): an ICMP or ICMPv6 error that
   * quotes a TCP header. The address and TCP fields above are then those of
   * the quoted packet (src = the endpoint that sent it), not of the frame;
   * the ICMP's own sender is icmpFrom (same IP version as the quote), its
   * type and code icmpType/icmpCode, icmpV6 whether it is ICMPv6, icmpMtu
   * the MTU a "fragmentation needed" / "packet too big" announces (0
   * otherwise). quotedTcp: TCP header bytes quoted (8..60): ack needs 12,
   * flags 14, window 16; fields not quoted are 0.
   */
  icmpType = 0;
  icmpCode = 0;
  icmpV6 = false;
  icmpMtu = 0;
  readonly icmpFrom = new Uint32Array(4);
  quotedTcp = 0;

  resetOptions(): void {
    this.mss = -1;
    this.wscale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackCount = 0;
  }
}

/** Outcome of decoding one frame. */
export const DecodeStatus = {
  /** A TCP segment was decoded into the Segment. */
  Tcp: 0,
  /** A well-formed frame that carries no TCP (ARP, UDP, ICMP, ...). */
  NotTcp: 1,
  /** An IP fragment other than the first: no TCP header in it. */
  Fragment: 2,
  /** The snaplen cut the frame before the end of the TCP header. */
  Truncated: 3,
  /** A link type we do not decode. */
  UnsupportedLink: 4,
  /** A second copy of the previous frame (tcpdump -i any on loopback). */
  Duplicate: 5,
  /** Headers that contradict themselves (bad lengths, IHL < 5, ...). */
  Malformed: 6,
  /** An encapsulation tcpscope recognises but does not follow (ESP, L2TPv3, 802.11 protected, ...): it may hold TCP. */
  Undecoded: 7,
  /**
   * An ICMP / ICMPv6 error (destination unreachable, packet too big, time
   * exceeded, parameter problem) quoting an IP header and at least the first
   * 8 bytes of a TCP header: the Segment holds the quoted 4-tuple and seq
   * and the icmp* fields. Not a TCP segment; counted among notTcp frames.
   */
  IcmpError: 8,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];
