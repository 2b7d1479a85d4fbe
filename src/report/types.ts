/**
 * The JSON contract of `tcpscope analyze --format json|ndjson`.
 *
 * Every field and every enum value is documented here, next to the type that
 * defines it (as Zeek documents conn.log in the script that writes it).
 * Scripts and graders are written against these names: change them only with
 * a version bump of `tool.version`.
 *
 * Conventions:
 * - durations are seconds (numbers);
 * - absolute times are ISO 8601 strings in UTC with the capture's precision
 *   (6 or 9 fractional digits), built from the integer seconds and
 *   nanoseconds of the capture, never from a float;
 * - frame numbers are Wireshark's (1-based, every record of the file counts);
 * - `client` is the endpoint that sent the first SYN (see `clientFrom`);
 * - sequence numbers are given absolute (`seq`, as on the wire) and relative
 *   (`relative`, as Wireshark shows them: minus the ISN of that direction, or
 *   minus (first seq - 1) when the SYN was not captured).
 */

import type { StateName } from '../tcp/state.ts';
import type { ClientFrom } from '../tcp/connection.ts';
import type { Cause } from '../tcp/endpoint.ts';

export type { StateName, ClientFrom, Cause };

/** One of the two endpoints, named by role. */
export type Side = 'client' | 'server';

/** TIME_WAIT length presets (`--os`). */
export type OsPreset =
  /** 2 x MSL with the configured MSL (default 120 s: 240 s), as RFC 9293 and the textbooks say. */
  | 'rfc'
  /** Linux: TCP_TIMEWAIT_LEN, fixed 60 s. */
  | 'linux'
  /** FreeBSD: 2 x net.inet.tcp.msl (30 s) = 60 s. */
  | 'freebsd'
  /** macOS: 2 x net.inet.tcp.msl (15 s) = 30 s. */
  | 'macos'
  /** Windows: TcpTimedWaitDelay default, 240 s. */
  | 'windows';

/** The settings a report was made with; part of every document. */
export interface Settings {
  /** OS preset for the TIME_WAIT length. */
  os: OsPreset;
  /** Maximum Segment Lifetime in seconds (timeWaitSeconds / 2 for the presets unless set explicitly). */
  msl: number;
  /** Length of TIME_WAIT in seconds (2 x MSL): the `requiredSeconds` of every timeWait verdict. */
  timeWaitSeconds: number;
}

/** The whole document printed by `--format json`. */
export interface AnalysisDocument {
  tool: { name: 'tcpscope'; version: string };
  settings: Settings;
  captures: CaptureReport[];
}

/** A problem in the input that did not stop the analysis. */
export interface WarningReport {
  frame: number;
  /** Byte offset in the (decompressed) input. */
  offset: number;
  message: string;
  skippedBytes: number;
}

/**
 * Tunnels tcpscope decodes to the TCP inside (DecodeCounts.tunnels,
 * TunnelReport.kind). The id of each (TunnelReport.id) is said with it.
 * - `vxlan`: VXLAN (RFC 7348, UDP 4789); id: the VNI;
 * - `vxlan-gpe`: VXLAN-GPE (UDP 4790); id: the VNI;
 * - `geneve`: GENEVE (RFC 8926, UDP 6081); id: the VNI;
 * - `gre`: GRE version 0 (RFC 2784, 2890; also RFC 1701 routing) carrying IP,
 *   Ethernet (gretap, NVGRE) or MPLS; id: the key, null without one;
 * - `erspan`: ERSPAN type I, II or III over GRE; id: the session ID (null for type I);
 * - `ipv4-in-ipv4`, `ipv6-in-ipv4` (6in4), `ipv4-in-ipv6`, `ipv6-in-ipv6`: IP in IP (RFC 2003, 4213, 2473); no id;
 * - `mpls`: an MPLS label stack (RFC 3032), IP or an Ethernet pseudowire after it; id: the bottom label;
 * - `gtp-u`: GTP-U (3GPP TS 29.281, UDP 2152) T-PDUs; id: the TEID;
 * - `pppoe`: a PPPoE session (RFC 2516); id: the session ID;
 * - `teredo`: Teredo (RFC 4380, UDP 3544); no id;
 * - `l2tp`: L2TPv2 (RFC 2661, UDP 1701) data carrying PPP; id: tunnel ID * 65536 + session ID;
 * - `pptp`: PPTP's enhanced GRE (version 1, RFC 2637) with uncompressed PPP; id: the call ID;
 * - `etherip`: EtherIP (RFC 3378, IP protocol 97); no id.
 */
export type TunnelKind =
  | 'vxlan' | 'vxlan-gpe' | 'geneve' | 'gre' | 'erspan' | 'ipv4-in-ipv4' | 'ipv6-in-ipv4' | 'ipv4-in-ipv6'
  | 'ipv6-in-ipv6' | 'mpls' | 'gtp-u' | 'pppoe' | 'teredo' | 'l2tp' | 'pptp' | 'etherip';

/**
 * Encapsulations tcpscope recognises but does not decode: the frame may hold
 * TCP that the capture does not show in the clear, or whose framing was set
 * out of band (DecodeCounts.undecodedEncapsulations).
 * - `gre`: GRE of a version other than 0 and 1 (receivers discard it), or a protocol type not followed;
 * - `ppp`: PPP datagrams compressed or encrypted (CCP, MPPE, ECP), Van Jacobson header-compressed TCP/IP,
 *   multilink fragments, bridged frames (on a PPP link, PPPoE, L2TP or PPTP);
 * - `l2tpv3`: L2TPv3 over IP (protocol 115) or UDP 1701: the cookie's length comes from the control connection;
 * - `mpls`: an MPLS payload that is neither IP nor recognisably an Ethernet pseudowire;
 * - `geneve`: GENEVE of another version, or a protocol type other than Ethernet, IPv4, IPv6;
 * - `vxlan-gpe`: VXLAN-GPE whose next protocol is not IPv4, IPv6, Ethernet or MPLS (NSH, ...);
 * - `erspan`: ERSPAN of an unknown version or frame type;
 * - `gtp-u`: a GTP-U T-PDU that is neither IP nor recognisably Ethernet;
 * - `esp`: IPsec ESP (IP protocol 50), encrypted;
 * - `wlan-protected`: IEEE 802.11 data frames with the Protected bit (WEP, TKIP, CCMP, GCMP), encrypted;
 * - `wlan-a-msdu`: IEEE 802.11 aggregate MSDUs;
 * - `nesting`: more than 12 nested network layers (tcpscope stops there).
 */
export type UndecodedEncapsulation =
  | 'gre' | 'ppp' | 'l2tpv3' | 'mpls' | 'geneve' | 'vxlan-gpe' | 'erspan' | 'gtp-u' | 'esp' | 'wlan-protected'
  | 'wlan-a-msdu' | 'nesting';

/**
 * Frames that did not become a TCP segment, by reason. `tcp + notTcp +
 * ipFragments + truncated + malformed + loopbackDuplicates + unsupported +
 * undecoded encapsulations` = `frames`.
 */
export interface DecodeCounts {
  /** Well-formed frames without TCP (ARP, UDP, ICMP, ...). */
  notTcp: number;
  /** IP fragments after the first: they carry no TCP header. */
  ipFragments: number;
  /** Frames whose TCP header the snaplen cut. */
  truncated: number;
  /** Frames whose headers contradict themselves (IHL < 5, lengths past the packet, ...). */
  malformed: number;
  /** Second copies of a loopback packet (`tcpdump -i any`: outgoing, then incoming), counted once. */
  loopbackDuplicates: number;
  /** Frames of link types tcpscope does not decode, per LINKTYPE_ value. */
  unsupportedLinkTypes: { linkType: number; frames: number }[];
  /**
   * Frames whose decoding stopped at an encapsulation tcpscope recognises
   * but does not decode (see UndecodedEncapsulation): they may hold TCP.
   * Per kind, only kinds with frames, in the order of UndecodedEncapsulation.
   */
  undecodedEncapsulations: { kind: UndecodedEncapsulation; frames: number }[];
  /**
   * Not a reason for a frame to be left out: the TCP segments that came
   * inside each tunnel (a segment in VXLAN inside GRE counts for both).
   * Only kinds with segments, in the order of TunnelKind.
   */
  tunnels: { kind: TunnelKind; segments: number }[];
}

/** One input file. */
export interface CaptureReport {
  /** The path as given on the command line. */
  file: string;
  format: 'pcap' | 'pcapng';
  /** libpcap LINKTYPE_ values of the file's interfaces. */
  linkTypes: number[];
  /** Number of frames (records) in the file. */
  frames: number;
  /** Frames that decoded to TCP segments. */
  tcpSegments: number;
  /** What the frames that are not TCP segments were: counted, never silently dropped. */
  decode: DecodeCounts;
  warnings: WarningReport[];
  /**
   * Present only when the connection table was full (`--max-connections`)
   * and connections were evicted early, each reported as if the capture had
   * ended at that moment (a warning says so too). Absent otherwise.
   */
  connectionTable?: {
    /** The limit in force. */
    maxConnections: number;
    /** Connections evicted: the over connection idle the longest first, else the least recently active open one. */
    evicted: number;
    /** How many of the evicted were still open (not closed or in TIME_WAIT on both ends). */
    evictedOpen: number;
  };
  /** In stream order. */
  connections: ConnectionReport[];
}

/** An IP address (IPv4 dotted quad, IPv6 RFC 5952 text) and port. */
export interface EndpointAddress {
  ip: string;
  port: number;
}

/** A sequence or acknowledgment number, absolute and relative (Wireshark's). */
export interface SeqValue {
  seq: number;
  relative: number;
}

/** One copy of a SYN, SYN+ACK or FIN (copies share the sequence number). */
export interface CopyReport {
  frame: number;
  time: string;
  /** Seconds since the previous copy (0 for the first). */
  gapSeconds: number;
  /** First frame of the peer acknowledging this copy (or a later one), null if none was captured. */
  ackedFrame: number | null;
  /** The copy carried payload too. */
  withData: boolean;
}

/**
 * How the connection opened.
 * - `three-way`: SYN, SYN+ACK, ACK (RFC 9293 figure 6), possibly with
 *   retransmissions; `inferred` when the SYN+ACK is known only from the
 *   client's ACK of it, or the SYN only from the SYN+ACK (a capture of one
 *   direction, or one that began between the two);
 * - `simultaneous-open`: both ends sent a SYN without ACK and each went
 *   SYN_SENT -> SYN_RCVD -> ESTABLISHED (RFC 9293 figure 7);
 * - `refused`: the SYN was answered with RST (nothing listening, RFC 9293 3.10.7.1);
 * - `aborted`: the client answered the SYN+ACK with RST instead of ACK (the
 *   half-open scan pattern, or a client that gave up): the handshake never completed;
 * - `rejected-icmp`: an ICMP / ICMPv6 error (destination unreachable, time
 *   exceeded, parameter problem) quoting the SYN came back from the server
 *   or a router, and the client sent nothing after it: it aborted in
 *   SYN-SENT (RFC 9293 3.9, RFC 1122 4.2.3.9; Linux's connect() fails at
 *   once). The error is in `notes` (`icmp-error`); the abort itself is
 *   inferred (a `icmp-abort-inferred` caveat says so). Also when such an
 *   error quoting the SYN+ACK came back (the client did not receive it)
 *   and the server, which dropped its half-open connection on it (Linux's
 *   tcp_req_err, for the errors it takes as hard), sent nothing of it after;
 * - `unanswered`: SYN(s) and no answer captured: the connection never opened;
 * - `not-captured`: the capture holds neither SYN nor SYN+ACK (it started
 *   mid-connection).
 */
export type HandshakeKind = 'three-way' | 'simultaneous-open' | 'refused' | 'aborted' | 'rejected-icmp' | 'unanswered' | 'not-captured';

export interface HandshakeReport {
  kind: HandshakeKind;
  /** Client ISN (textbook `x`; the SYN carries seq=x), null if unknown. */
  x: SeqValue | null;
  /** Server ISN (textbook `y`; the SYN+ACK carries seq=y, ack=x+1), null if unknown. */
  y: SeqValue | null;
  /** `x` (or `y`) was inferred from an ACK, not read from a captured SYN. */
  inferred: boolean;
  /** Every copy of the client's SYN. */
  synFrames: CopyReport[];
  /**
   * Every copy of the server's SYN+ACK that carried `y` (for a simultaneous
   * open: of the server's SYN+ACK answering the client's SYN). A SYN+ACK
   * with another ISN is not here but in `notes` (`syn-ack-other-isn`).
   */
  synAckFrames: CopyReport[];
  /** Simultaneous open only: every copy of the server's own SYN (without ACK), and of the client's SYN+ACK. Empty otherwise. */
  serverSynFrames: CopyReport[];
  clientSynAckFrames: CopyReport[];
  /** Copies beyond the first, per side. */
  synRetransmissions: { client: number; server: number };
  /**
   * Frame that completed the handshake: the server's transition to
   * ESTABLISHED (the handshake's ACK; in a simultaneous open, the segment that
   * took it there). null when the capture does not show it: the server never got
   * there (a listener that refused the ACK, a half-open scan, unanswered or
   * refused SYNs), or it is inferred (a capture of the server's direction
   * only, a capture that began after the handshake). The client's own
   * ESTABLISHED is in `endpoints.client.transitions`.
   */
  establishedFrame: number | null;
}

/**
 * How the connection closed.
 * - `four-way`: FIN, ACK, FIN, ACK (the textbook's four waves);
 * - `three-way`: FIN, FIN+ACK, ACK: the passive side's FIN acknowledges the
 *   first FIN (Linux does this when the application closes at once);
 * - `simultaneous`: both FINs were sent before either was acknowledged (both
 *   ends go through CLOSING, RFC 9293 figure 13);
 * - `reset-after-fin`: the close began with a FIN and a RST ended it before
 *   both FINs were acknowledged (the FIN's receiver closed with unread data,
 *   or data reached the side that had closed); `activeCloser` is the FIN's
 *   sender (`both` if the FINs crossed), `reset` says who sent the RST and why;
 * - `reset`: a RST ended the connection and no FIN came before it;
 * - `refused`: the handshake was refused (RST to the SYN);
 * - `incomplete`: FIN(s) seen but the capture ended before both were
 *   acknowledged (see `finsSeen`);
 * - `never-opened`: SYN(s) without an answer, or rejected by an ICMP error
 *   (handshake `rejected-icmp`): there was no connection to close;
 * - `open`: no FIN, and no RST that ended it.
 *
 * A RST the receiver would not accept (RFC 5961), or after which the hosts
 * went on, ends nothing: it is in `reset` (with `effective: false`) and in
 * `notes`, not in the kind.
 */
export type CloseKind = 'four-way' | 'three-way' | 'simultaneous' | 'reset-after-fin' | 'reset' | 'refused' | 'incomplete' | 'never-opened' | 'open';

/**
 * Who closed first: the side whose close came first, FIN or RST (a FIN
 * inferred from the ACK of it counts at that ACK); `both` when the two FINs
 * crossed (simultaneous close); null for open, refused and never-opened.
 */
export type ActiveCloser = 'client' | 'server' | 'both' | null;

/**
 * What a RST answers, inferred from what the capture shows; `reasoning`
 * says which facts were used (src/report/reset.ts has the rules, in order):
 * - `refused`: it answers a SYN: the sender had received a SYN and never
 *   sent one itself; nothing listened (RFC 9293 3.10.7.1);
 * - `handshake-aborted`: it answers a SYN+ACK: the client sent RST instead
 *   of the handshake's ACK (the half-open scan pattern, or a client whose
 *   socket was gone);
 * - `data-after-close`: it answers data that reached the sender after it
 *   had closed (the peer wrote after the sender's FIN; Linux resets an
 *   orphaned socket that receives data);
 * - `unread-data`: the sender closed with data it had received and not
 *   read: Linux sends RST instead of FIN then (RFC 2525 2.17);
 * - `abort`: a RST instead of a FIN in a synchronized state with nothing
 *   pending (SO_LINGER 0, RFC 9293 3.10.5);
 * - `after-time-wait`: the sender had closed (TIME_WAIT, or CLOSED after
 *   LAST_ACK) and answered a segment for the connection it had forgotten;
 * - `no-connection`: the sender had no connection for it any more (its RST
 *   has the form of a host without one, RFC 9293 3.10.7.1: no ACK bit,
 *   seq = the ACK it answers), e.g. after an orphaned FIN_WAIT_2 timed out;
 * - `other`: none of the above (a middlebox, a RST after its own FIN with
 *   nothing pending...);
 * - `ambiguous`: the wire cannot tell the causes in `candidates` apart
 *   (a close with unread data and an SO_LINGER-0 abort look the same once
 *   every byte was acknowledged; Linux answers data reaching an orphaned
 *   FIN_WAIT_2 socket with the same bare RST a host without the connection
 *   sends).
 */
export type ResetCause = 'refused' | 'handshake-aborted' | 'data-after-close' | 'keepalive-timeout' | 'unread-data' | 'abort' |
  'after-time-wait' | 'no-connection' | 'other' | 'ambiguous';

/**
 * How the RST's receiver took it (RFC 5961 3.2, RFC 9293 3.10.7):
 * `reset` (SEG.SEQ = RCV.NXT, or an acceptable ACK in SYN-SENT), `untested`
 * (the capture shows too little of the receiver to test it; taken),
 * `challenge` (in the window but not at RCV.NXT: a challenge ACK, no reset),
 * `drop` (outside the window, or no acceptable ACK in SYN-SENT), `ignored`
 * (the receiver had no connection any more).
 */
export type RstTakenReport = 'reset' | 'untested' | 'challenge' | 'drop' | 'ignored';

export interface ResetReport {
  /** Sender of the RST: the first that ended the connection, or else the first one sent. */
  by: Side;
  frame: number;
  time: string;
  /** Its sequence number. */
  seq: SeqValue;
  /** The sender's state when it sent the RST. */
  state: StateName;
  /** How its receiver took it. */
  taken: RstTakenReport;
  /** It ended the connection: taken, and neither end went on after it. */
  effective: boolean;
  /** `ambiguous` when more than one cause remains (see `candidates`). */
  cause: ResetCause;
  /** Every cause the capture leaves possible (one when it is determined); never `ambiguous`. */
  candidates: Exclude<ResetCause, 'ambiguous'>[];
  /** The facts the cause was inferred from, in a sentence. */
  reasoning: string;
  /** RST segments per sender. */
  count: { client: number; server: number };
  /** Frames of every RST, per sender. */
  frames: { client: number[]; server: number[] };
}

/** The side that kept sending after it had received the peer's FIN. */
export interface HalfCloseReport {
  side: Side;
  /** New payload bytes it sent in segments acknowledging the peer's FIN. */
  bytes: number;
  segments: number;
}

/** A frame showing an acknowledgment: check `ack.seq === u.seq + 1` (or w + 1). */
export interface AckRef {
  frame: number;
  ack: SeqValue;
}

export interface CloseReport {
  kind: CloseKind;
  activeCloser: ActiveCloser;
  /** Sender of the first FIN (the textbook's `u`; for a simultaneous close the earlier of the two), null without FIN. */
  firstFinBy: Side | null;
  /** Seq of the first FIN (textbook `u`: FIN=1, seq=u). */
  u: SeqValue | null;
  /** Seq of the passive side's segment that first acknowledged that FIN (textbook `v`: ACK=1, seq=v, ack=u+1). */
  v: SeqValue | null;
  /** Seq of the passive side's FIN (textbook `w`: FIN=1, seq=w, ack=u+1). */
  w: SeqValue | null;
  /** The passive side's first acknowledgment of the first FIN (ack = u+1). */
  ackOfU: AckRef | null;
  /** The active side's first acknowledgment of the passive FIN (ack = w+1). */
  ackOfW: AckRef | null;
  /** Which FINs the capture shows (captured or inferred from their ACK). */
  finsSeen: { client: boolean; server: boolean };
  /** Copies beyond the first FIN, per side (recognised by sequence number, not timing). */
  finRetransmissions: { client: number; server: number };
  /** Every copy of each side's FIN. */
  finFrames: { client: CopyReport[]; server: CopyReport[] };
  halfClose: HalfCloseReport | null;
  reset: ResetReport | null;
  /** FINs the capture does not hold, inferred from an ACK of them (null: captured, or none). */
  finInferred: { client: FinInferenceReport | null; server: FinInferenceReport | null };
}

/**
 * A FIN known only from the peer's ACK of it, and what the inference rests on:
 * - `sequence`: the peer acknowledged one more than the sender's payload and SYN account for;
 * - `timestamps`: the ACK echoes a TSval newer than any the sender was seen to send, so it answers an unseen segment (RFC 7323);
 * - `peer-closing`: only the peer's segments were captured; its ACK advanced by exactly one while the close was under way.
 * A keep-alive probe (SEG.SEQ = SND.NXT-1, 0 or 1 byte) and its ACK never make one.
 */
export interface FinInferenceReport {
  /** The ACK it was inferred from. */
  frame: number;
  basis: 'sequence' | 'timestamps' | 'peer-closing';
}

/** Which endpoint(s) entered TIME_WAIT. */
export type TimeWaitEndpoint = 'client' | 'server' | 'both' | null;

/**
 * What showed the end of TIME_WAIT.
 * - `reuse`: a new SYN on the same 4-tuple was accepted (sent by the endpoint
 *   itself, or answered by it with SYN+ACK);
 * - `rst`: the endpoint answered a segment (typically a retransmitted FIN)
 *   with RST, so it had forgotten the connection;
 * - `rst-received`: an acceptable RST reached it and ended TIME_WAIT
 *   (TIME-WAIT assassination, RFC 1337; Linux unless net.ipv4.tcp_rfc1337);
 * - `expired`: the capture went on for 2MSL with nothing on the 4-tuple;
 * - `capture-end`: the capture ended first.
 */
export type TimeWaitEvidence = 'reuse' | 'rst' | 'rst-received' | 'expired' | 'capture-end';

/**
 * - `full`: TIME_WAIT lasted at least `requiredSeconds`;
 * - `cut-short`: it ended before (reuse accepted, a RST sent or received) - the endpoint did not hold 2MSL;
 * - `inconclusive`: the capture ended before 2MSL passed;
 * - `none`: no endpoint entered TIME_WAIT.
 */
export type TimeWaitVerdict = 'full' | 'cut-short' | 'inconclusive' | 'none';

/** TIME_WAIT of one endpoint. */
export interface TimeWaitDetail {
  entryFrame: number;
  entryTime: string;
  /**
   * Each time it acknowledged again, in TIME_WAIT, a retransmitted FIN (RFC 9293 3.10.7.4) or a segment PAWS refused
   * (RFC 7323 5.3, Linux tcp_timewait_state_process), restarting 2MSL (the frame of that ACK); the verdict counts from the last.
   */
  restarts: { frame: number; time: string }[];
  evidence: TimeWaitEvidence;
  /** Frame of the evidence (null for capture-end and expired). */
  evidenceFrame: number | null;
  evidenceTime: string;
  /** Seconds from the last (re)start to the evidence. */
  observedSeconds: number;
  verdict: Exclude<TimeWaitVerdict, 'none'>;
}

export interface TimeWaitReport {
  endpoint: TimeWaitEndpoint;
  /** The fields below are those of the endpoint that entered TIME_WAIT first (null/none if none did). */
  entryFrame: number | null;
  entryTime: string | null;
  restarts: { frame: number; time: string }[];
  evidence: TimeWaitEvidence | null;
  evidenceFrame: number | null;
  observedSeconds: number | null;
  /** 2 x MSL of the settings. */
  requiredSeconds: number;
  verdict: TimeWaitVerdict;
  /** Per endpoint. */
  client: TimeWaitDetail | null;
  server: TimeWaitDetail | null;
}

export interface TransitionReport {
  from: StateName;
  to: StateName;
  frame: number;
  time: string;
  cause: Cause;
  /** The segment that caused it was not captured; the transition is deduced. */
  inferred: boolean;
}

export interface EndpointReport {
  /** State at the end of the capture (or when the connection was emitted). */
  finalState: StateName;
  transitions: TransitionReport[];
  /** TCP segments it sent. */
  packets: number;
  /** Payload bytes it sent, retransmissions included. */
  payloadBytes: number;
  /**
   * Keep-alive probes it sent (SEG.SEQ = SND.NXT-1 with 0 or 1 byte, RFC
   * 9293 3.8.4). Zero-window probes (the same segment sent into a zero
   * window, RFC 9293 3.8.6.1) are not counted: they are `zero-window-probe`
   * notes.
   */
  keepAlives: number;
  /**
   * Segments it received that it would not accept (RFC 9293 3.10.7.4, first
   * check): retransmitted old data, keep-alive probes, data beyond its window.
   * Those carrying SYN, FIN or RST are also in `notes`, with the rule.
   */
  unacceptable: number;
}

/** Zeek conn.log conn_state (scripts/base/protocols/conn/main.zeek). */
export type ZeekConnState = 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';

/** Values other tools would show for this connection, to cross-check. */
export interface CompatReport {
  wireshark: {
    /** tcp.completeness: 1 SYN, 2 SYN-ACK, 4 ACK, 8 DATA, 16 FIN, 32 RST (Wireshark 4.0 rules). */
    completeness: number;
    /** The set bits, low to high, joined by '-': S, SA, A, D, F, R (e.g. `S-SA-A-D-F`). */
    completenessStr: string;
    /** The filter showing this connection in Wireshark. */
    filter: string;
  };
  zeek: {
    connState: ZeekConnState;
    /** Zeek history letters (S H A D F R; upper case = client/originator), first occurrence of each. */
    history: string;
  };
  tcptrace: {
    /** tcptrace -l "complete conn": `yes` with SYN and FIN from both sides, `RESET` with any RST, else `no`. */
    completeConn: 'yes' | 'no' | 'RESET';
  };
}

/** A tunnel: its kind (`none`: no tunnel) and id (VNI, key, TEID, label...; null when the kind has none, see TunnelKind). */
export interface TunnelRef {
  kind: TunnelKind | 'none';
  id: number | null;
}

/**
 * The innermost tunnel the connection's segments came in; `kind` and `id`
 * are those of its first segment. tcpscope keeps one connection per 4-tuple
 * whatever the tunnel, as Wireshark's tcp.stream does (a tunnel id cannot be
 * part of the key: GTP-U TEIDs, GRE keys and MPLS labels are often different
 * per direction).
 */
export interface TunnelReport extends TunnelRef {
  /** The tunnel of the first segment the other side sent, when it differs from the first segment's; else null. */
  reverse: TunnelRef | null;
  /**
   * A later segment came in another tunnel, or with another id, than the
   * first one its side sent: the segments may belong to several connections
   * that share their addresses and ports (two tenants with overlapping
   * addresses in two VNIs, say), which the 4-tuple alone cannot tell apart.
   * The verdicts then mix them.
   */
  ambiguous: boolean;
}

/**
 * A segment the state machines judged without moving a state, with the rule
 * that judged it. `kind`:
 * - `keep-alive`: SEG.SEQ = SND.NXT-1 with 0 or 1 byte (RFC 9293 3.8.4; tshark's tcp.analysis.keep_alive);
 * - `keep-alive-ack`: the ACK answering it (`relatedFrame`: the probe);
 * - `zero-window-probe`: the same segment sent while the receiver's last advertised window was zero: it probes that
 *   window (RFC 9293 3.8.6.1, the persist timer), no keep-alive (tshark still flags it keep_alive, as Linux sends it so);
 * - `zero-window-probe-ack`: the ACK answering it (`relatedFrame`: the probe);
 * - `rst-out-of-window`: a RST outside the receiver's window, silently dropped (RFC 5961 3.2);
 * - `rst-challenged`: a RST in the window but not at RCV.NXT: challenge ACK, no reset (RFC 5961 3.2);
 * - `rst-bad-ack`: a RST in SYN-SENT without an acceptable ACK, dropped (RFC 9293 3.10.7.3);
 * - `rst-not-taken`: a RST its receiver took, then acknowledged data sent after it (`relatedFrame`): it went on;
 * - `rst-not-from-sender`: a RST whose sender went on using the connection (`relatedFrame`): injected, or a middlebox's;
 * - `syn-challenged`: a SYN in a synchronized state, not a copy of the handshake's: challenge ACK (RFC 5961 4);
 * - `syn-ack-other-isn`: a SYN+ACK with another ISN than the `y` the client acknowledged;
 * - `syn-ack-bad-ack`: a SYN+ACK whose ACK does not acknowledge the SYN: answered with RST (RFC 9293 3.10.7.3);
 * - `fin-new-seq`: a second FIN at a new sequence number; the first FIN (`relatedFrame`) stands;
 * - `fin-not-acceptable`: a FIN outside the receiver's window (RFC 9293 3.10.7.4, first check);
 * - `fin-without-ack`: a FIN without the ACK bit after the handshake, dropped (RFC 9293 3.10.7.4, fifth);
 * - `fin-out-of-order`: a FIN beyond RCV.NXT (a segment before it missing), held until the gap was filled or it was acknowledged;
 * - `paws-rejected`: a segment whose TSval is older than the receiver's TS.Recent, timestamps in use: not
 *   acceptable (RFC 7323 5.3 PAWS), it changes nothing on either side (`tsVal`, `tsRecent`; `relatedFrame`: the
 *   segment that set TS.Recent; `answerFrame`, `answeredByAck`: the receiver's next segment and whether it is the
 *   ACK answering it). A RST only in TIME_WAIT (Linux), never answered; in TIME_WAIT that ACK restarts 2MSL;
 * - `old-connection-ack`: the answer to this connection's SYN from an end that still held the connection it replaced on the 4-tuple (half-open, or TIME_WAIT refusing the SYN): an ACK of that old connection, which takes it;
 * - `old-connection-rst`: the SYN's sender's RST answering that ACK (seq = its ack): it resets the old connection;
 * - `challenge-ack`: the receiver's challenge ACK (`relatedFrame`: the RST or SYN it answers);
 * - `old-connection-segment`: after this connection's SYN (`relatedFrame`) its sender went on with the connection on
 *   the 4-tuple before it (a segment with an ACK that fits it, which a TCP in SYN-SENT never sends): the SYN was not its
 *   TCP's (injected, or a copy from elsewhere; RFC 5961 4.2), the old connection takes this and every later segment;
 * - `captured-twice`: the packet of `relatedFrame` seen again by the capture less than 1 ms later with no segment of the
 *   peer between and an IPv4 ID other than 0 or a TSval, every field a sender changes in a copy equal (IPv4 ID, TSval, window, ack): one packet on the wire (two capture interfaces, a bridge), not a
 *   retransmission; the endpoints take it once and it counts in no SYN or FIN retransmission.
 */
export type SegmentNoteKind = 'keep-alive' | 'keep-alive-ack' | 'zero-window-probe' | 'zero-window-probe-ack' | 'rst-out-of-window' | 'rst-challenged' | 'rst-bad-ack' |
  'rst-not-taken' | 'rst-not-from-sender' | 'syn-challenged' | 'syn-ack-other-isn' | 'syn-ack-bad-ack' | 'fin-new-seq' |
  'fin-not-acceptable' | 'fin-without-ack' | 'fin-out-of-order' | 'challenge-ack' |
  'paws-rejected' | 'old-connection-ack' | 'old-connection-rst' | 'icmp-error' | 'captured-twice' | 'old-connection-segment';

export interface SegmentNote {
  frame: number;
  time: string;
  /** Sender of the segment. */
  from: Side;
  kind: SegmentNoteKind;
  /** The rule, with its RFC section. */
  rule: string;
  /** See `kind` (null: none). */
  relatedFrame: number | null;
  /** `paws-rejected` only: the segment's TSval and the receiver's TS.Recent (RFC 7323 5.3). */
  tsVal?: number;
  tsRecent?: number;
  /**
   * `paws-rejected` only: the receiver's next segment in the capture (null:
   * none, or the segment is a RST, which is never answered), and whether it
   * is a pure ACK at the receiver's RCV.NXT, as the ACK answering the
   * refused segment would be (null with `answerFrame` null). Linux answers a
   * refused segment with an ACK, except, in newer kernels, an old pure ACK
   * outside TIME_WAIT (PAWS_OLD_ACK), and out-of-window ACKs it rate-limits.
   */
  answerFrame?: number | null;
  answeredByAck?: boolean | null;
  /**
   * `icmp-error` notes only: the ICMP message, which came back to `from` (the
   * sender of the quoted segment) from the peer or a router on the path.
   */
  icmp?: IcmpErrorReport;
}

/** An ICMP or ICMPv6 error quoting a segment of the connection (SegmentNote `icmp-error`). */
export interface IcmpErrorReport {
  /** 4 for ICMP, 6 for ICMPv6. */
  version: 4 | 6;
  type: number;
  code: number;
  /** The message in words: "destination unreachable (port unreachable)", "time exceeded (TTL)". */
  message: string;
  /** The ICMP's sender (the outer IP source). */
  from: string;
  /** The sender is the other endpoint of the connection (else a router or middlebox on the path). */
  fromPeer: boolean;
  /** The quoted segment's sequence number. */
  quotedSeq: SeqValue;
  /** TCP header bytes quoted (8: ports and seq only; 20+: the whole header). */
  quotedBytes: number;
  /** MTU announced by "fragmentation needed" / "packet too big" (path MTU discovery), else null. */
  mtu: number | null;
  /** What it did: `aborted` (a hard error in SYN-SENT the sender did not go on after), `dropped` (a hard error quoting the SYN+ACK of a passive open: the server dropped the half-open connection, SYN_RCVD -> LISTEN), `not-taken` (either, after which the sender sent again: its TCP went on), `soft` (any other: no state change; RFC 5461), `pmtu` (fragmentation needed / packet too big). */
  effect: 'aborted' | 'dropped' | 'not-taken' | 'soft' | 'pmtu';
}

/**
 * What the capture cannot prove about this connection, each as a code and a
 * sentence (renderers translate the code):
 * - `one-sided`: only one direction was captured (`side`: the one seen); the other's states come from its ACKs;
 * - `started-mid-connection`: no handshake captured; states before the first frame are assumed ESTABLISHED;
 * - `no-segment`: the capture holds no segment of the connection, only ICMP errors quoting one (the first at `frame`): Wireshark gives them a tcp.stream of their own, and the handshake, close and states are unknown;
 * - `fin-inferred`: a FIN of `side` was not captured but inferred (see `close.finInferred`);
 * - `unseen-fin-possible`: one-sided capture: the unseen side (`side`) may have sent its FIN with its last data, which the ACKs cannot show;
 * - `earlier-fin-possible`: the capture started mid-connection and `side` was never seen sending data: an earlier FIN of it, before the capture, cannot be excluded;
 * - `fin-held`: a FIN of `side` (`frame`) stayed ahead of what its receiver had (a segment before it was never captured or acknowledged);
 * - `options-cut`: the snaplen cut the TCP options of `side`'s SYN (`frame`): what it offered past them and the window
 *   scaling, SACK and timestamps in effect are unknown (`analysis.options` gives null), windows are judged as if scaled by up to 2^14;
 * - `icmp-abort-inferred`: `side` is taken as having aborted on the ICMP error of `frame` (a client in SYN-SENT; or a server that dropped its half-open connection in SYN-RECEIVED) because it sent nothing after it; the capture cannot show the abort (a TCP that took it as a soft error and gave up before retransmitting looks the same).
 */
export type CaveatCode = 'one-sided' | 'started-mid-connection' | 'fin-inferred' | 'unseen-fin-possible' | 'earlier-fin-possible' | 'fin-held' |
  'icmp-abort-inferred' | 'no-segment' | 'options-cut';

export interface Caveat {
  code: CaveatCode;
  side: Side | null;
  frame: number | null;
  text: string;
}

export interface ConnectionReport {
  /** Wireshark's tcp.stream (0-based, in order of first frame). */
  stream: number;
  client: EndpointAddress;
  server: EndpointAddress;
  /** How the client was chosen: `syn` (it sent the SYN), `syn-ack`, `port`, `first-frame` (heuristics when no SYN was captured). */
  clientFrom: ClientFrom;
  firstFrame: number;
  lastFrame: number;
  firstTime: string;
  lastTime: string;
  durationSeconds: number;
  /** TCP segments of the connection. */
  packets: number;
  handshake: HandshakeReport;
  close: CloseReport;
  timeWait: TimeWaitReport;
  endpoints: { client: EndpointReport; server: EndpointReport };
  /** The earlier connection on the same 4-tuple, if it was still held: its stream and the gap from its last segment to this one's first. */
  reuse: { previousStream: number; gapSeconds: number } | null;
  /** Which directions the capture holds, and whether it began after the handshake. */
  capture: {
    /** `none`: no segment, only ICMP errors quoting one (caveat `no-segment`). */
    directions: 'both' | 'client-to-server' | 'server-to-client' | 'none';
    startedMidConnection: boolean;
  };
  /** Segments judged without a state change, in frame order (the first 256). */
  notes: SegmentNote[];
  /** Notes beyond those listed. */
  notesOmitted: number;
  /** What the capture cannot prove here. */
  caveats: Caveat[];
  /** The tunnel its segments came in (VXLAN, GRE, GTP-U...), null when none came in one. */
  tunnel: TunnelReport | null;
  compat: CompatReport;
  /** Wireshark's sequence analysis of the connection (tshark's tcp.analysis.* flags), the handshake's RTT and the SYN options. */
  analysis: AnalysisReport;
  /**
   * Only when a storm of one kind of segment came on the connection (a
   * retransmission loop, a blind RST attack): the records the lists
   * leave out. Each list keeps the first 31 and the latest; the counts
   * (synRetransmissions, finRetransmissions, reset.count) include the ones
   * left out.
   */
  recordsOmitted?: RecordsOmitted;
}

/**
 * A flag of Wireshark's TCP sequence analysis, as tshark 4.0 sets it on a
 * frame (its field `tcp.analysis.NAME` in brackets; the rules are those of
 * Wireshark's packet-tcp.c, src/tcp/analysis.ts):
 * - `retransmission` (retransmission): the segment does not advance the
 *   sequence number (it carries data, SYN or FIN below the next expected
 *   one); set on fast and spurious retransmissions too, as tshark does;
 * - `fast-retransmission` (fast_retransmission): a retransmission at the
 *   peer's last ACK after 2 or more duplicate ACKs, within 20 ms of the last;
 * - `spurious-retransmission` (spurious_retransmission): all of its data was
 *   already acknowledged;
 * - `out-of-order` (out_of_order): it does not advance the sequence number,
 *   came within the initial RTT (3 ms without one) of the segment that last
 *   advanced it, and does not end where that one ended;
 * - `previous-segment-not-captured` (lost_segment): it starts beyond the next
 *   expected sequence number (not on RST);
 * - `acked-unseen-segment` (ack_lost_segment): it acknowledges data beyond
 *   what the capture showed the peer send;
 * - `duplicate-ack` (duplicate_ack): no payload, the same seq, ack and
 *   (non-zero) window as its direction's previous segment, no SYN/FIN/RST
 *   (`duplicateAck` gives its number and the frame it repeats: tshark's
 *   "Dup ACK frame#n");
 * - `zero-window` (zero_window): it advertises a window of 0 (no SYN/FIN/RST);
 * - `zero-window-probe` (zero_window_probe): 1 byte at the next sequence
 *   number while the peer's window is 0;
 * - `zero-window-probe-ack` (zero_window_probe_ack): the answer to it, window still 0;
 * - `window-full` (window_full): its data reaches the right edge of the
 *   peer's advertised window (known only once the handshake showed the scaling);
 * - `window-update` (window_update): no payload, the same seq and ack, a new non-zero window;
 * - `keep-alive` (keep_alive): 0 or 1 byte at the next sequence number - 1
 *   (Wireshark's rule; `notes` keeps tcpscope's own, RFC 9293 3.8.4);
 * - `keep-alive-ack` (keep_alive_ack): repeats its direction's last ACK right after a keep-alive.
 */
export type AnalysisFlag = 'retransmission' | 'fast-retransmission' | 'spurious-retransmission' | 'out-of-order' |
  'previous-segment-not-captured' | 'acked-unseen-segment' | 'duplicate-ack' | 'zero-window' | 'zero-window-probe' |
  'zero-window-probe-ack' | 'window-full' | 'window-update' | 'keep-alive' | 'keep-alive-ack';

/** Frames of one side with each flag (`retransmission` counts fast and spurious ones too). */
export interface AnalysisCounts {
  retransmission: number;
  fastRetransmission: number;
  spuriousRetransmission: number;
  outOfOrder: number;
  previousSegmentNotCaptured: number;
  ackedUnseenSegment: number;
  duplicateAck: number;
  zeroWindow: number;
  zeroWindowProbe: number;
  zeroWindowProbeAck: number;
  windowFull: number;
  windowUpdate: number;
  keepAlive: number;
  keepAliveAck: number;
}

/** A frame with at least one flag. */
export interface AnalysisFrame {
  frame: number;
  time: string;
  from: Side;
  /** In the order of AnalysisFlag. */
  flags: AnalysisFlag[];
  /** For a duplicate ACK: its number (1 for the first repeat) and the frame it repeats (tshark's "Dup ACK of#number"); else null. */
  duplicateAck: { number: number; of: number } | null;
}

/** The options of one side's SYN (the client's SYN, the server's SYN+ACK): the first copy captured. */
export interface SynOptionsReport {
  frame: number;
  /** MSS option (RFC 9293 3.7.1), null when absent. */
  mss: number | null;
  /** Window scale shift as sent (RFC 7323 2.3; above 14 counts as 14), null when absent. */
  windowScale: number | null;
  sackPermitted: boolean;
  timestamps: boolean;
}

export interface AnalysisReport {
  /** Flagged frames per sender. */
  counts: { client: AnalysisCounts; server: AnalysisCounts };
  /** Frames with a flag, in frame order (the first 256). */
  frames: AnalysisFrame[];
  /** Flagged frames beyond those listed (counted in `counts`). */
  framesOmitted: number;
  /**
   * The handshake's round trip as seen at the capture point, null when no
   * SYN was followed by an ACK: `initialSeconds` is tshark's
   * tcp.analysis.initial_rtt (from the last SYN to the first segment with
   * ACK and without SYN, `ackFrame`; an ACK at the very time of the SYN does
   * not count, as in Wireshark); it splits into SYN to SYN+ACK (the server's
   * side of the capture point) and SYN+ACK to ACK (the client's), null
   * without a SYN+ACK between them.
   */
  handshakeRtt: {
    initialSeconds: number;
    synToSynAckSeconds: number | null;
    synAckToAckSeconds: number | null;
    ackFrame: number;
  } | null;
  /**
   * The options each side offered in its SYN (null: that SYN was not
   * captured) and what took effect: window scaling, SACK and timestamps
   * only if both SYNs carried the option (RFC 7323 2.2 and 3.2, RFC 2018);
   * null when a SYN is missing. `windowScale` is the shift applied to the
   * windows each side sends (0 when scaling is not in effect);
   * `maxSegmentSize` the largest segment each side may send: the peer's MSS
   * option, or 536 (IPv4) / 1220 (IPv6) when the peer's SYN had none
   * (RFC 9293 3.7.1).
   */
  options: {
    client: SynOptionsReport | null;
    server: SynOptionsReport | null;
    windowScaling: boolean | null;
    sackPermitted: boolean | null;
    timestamps: boolean | null;
    windowScale: { client: number | null; server: number | null };
    maxSegmentSize: { client: number | null; server: number | null };
  };
}

/**
 * Every value of the enums above, for code that parses them (filters,
 * rubrics); the checks below fail to compile when a value is missing.
 */
/** Every analysis flag, in order (bit i of src/tcp/analysis.ts's AFlag is flag i). */
export const ANALYSIS_FLAG_NAMES = [
  'retransmission', 'fast-retransmission', 'spurious-retransmission', 'out-of-order', 'previous-segment-not-captured',
  'acked-unseen-segment', 'duplicate-ack', 'zero-window', 'zero-window-probe', 'zero-window-probe-ack', 'window-full',
  'window-update', 'keep-alive', 'keep-alive-ack',
] as const satisfies readonly AnalysisFlag[];
/** The AnalysisCounts key of each flag, in the same order. */
export const ANALYSIS_COUNT_KEYS = [
  'retransmission', 'fastRetransmission', 'spuriousRetransmission', 'outOfOrder', 'previousSegmentNotCaptured',
  'ackedUnseenSegment', 'duplicateAck', 'zeroWindow', 'zeroWindowProbe', 'zeroWindowProbeAck', 'windowFull',
  'windowUpdate', 'keepAlive', 'keepAliveAck',
] as const satisfies readonly (keyof AnalysisCounts)[];

export const HANDSHAKE_KINDS = ['three-way', 'simultaneous-open', 'refused', 'aborted', 'rejected-icmp', 'unanswered', 'not-captured'] as const satisfies readonly HandshakeKind[];
export const CLOSE_KINDS = ['four-way', 'three-way', 'simultaneous', 'reset-after-fin', 'reset', 'refused', 'incomplete', 'never-opened', 'open'] as const satisfies readonly CloseKind[];
/** Reset causes a RST can have (`ambiguous` is not one: it says several remain). */
export const RESET_CAUSES = ['refused', 'handshake-aborted', 'data-after-close', 'keepalive-timeout', 'unread-data', 'abort', 'after-time-wait', 'no-connection', 'other'] as const satisfies readonly ResetCause[];
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const ALL_LISTED: [Missing<HandshakeKind, typeof HANDSHAKE_KINDS>, Missing<CloseKind, typeof CLOSE_KINDS>, Missing<ResetCause, typeof RESET_CAUSES>] extends [never, never, 'ambiguous'] ? true : never = true;
void ALL_LISTED;

/** Records left out of a connection's lists (ConnectionReport.recordsOmitted), per endpoint. */
export interface RecordsOmitted {
  client: EndpointRecordsOmitted;
  server: EndpointRecordsOmitted;
}

/** Copies of its SYN, SYN+ACK (simultaneous open), SYN+ACK with another ISN and FIN, RSTs it sent, and TIME_WAIT restarts, beyond those listed. */
export interface EndpointRecordsOmitted {
  synCopies: number;
  synAckCopies: number;
  altSynCopies: number;
  finCopies: number;
  rsts: number;
  timeWaitRestarts: number;
}
