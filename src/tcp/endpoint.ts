import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.ts';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PARAMETER_PROBLEM, ICMP_TIME_EXCEEDED, ICMPV6_DEST_UNREACH, ICMPV6_PACKET_TOO_BIG, ICMPV6_PARAMETER_PROBLEM,
} from '../decode/icmp.ts';
import { DISORDERED_ACK_TICKS, MAX_WINDOW, PAWS_RST_SECONDS, PAWS_WINDOW, pawsRejects, RstAction, rstAction, segmentAcceptable, synSentAckAcceptable, tsRecentTakes } from './accept.ts';
import { NoteKind, type NoteList } from './notes.ts';
import { seqAdd, seqDiff, seqGt } from './seq.ts';
import { State } from './state.ts';
import type { WordReader, WordWriter } from './words.ts';

/**
 * Why an endpoint changed state. The strings are the labels of the arcs in
 * RFC 9293's state diagram (section 3.3.2) as they look from the capture
 * point. Inferred transitions (marked `inferred: true`) carry a cause that
 * says what was missing from the capture.
 */
export type Cause =
  | 'sent SYN'
  | 'passive open (inferred: it answered a SYN)'
  | 'received SYN, sent SYN+ACK'
  | 'received SYN (simultaneous open)'
  | 'received SYN+ACK'
  | 'received ACK of our SYN'
  | 'sent FIN'
  | 'received FIN'
  | 'received ACK of our FIN'
  | 'received FIN+ACK of our FIN'
  | 'received FIN crossing ours (simultaneous close)'
  | 'sent RST'
  | 'sent RST after TIME_WAIT (connection forgotten)'
  | 'refused the ACK of our SYN with RST (back to LISTEN)'
  | 'received RST'
  | 'received RST (connection refused)'
  | 'received ICMP error (connection rejected)'
  | 'received ICMP error (half-open connection dropped)'
  | 'received RST (passive open: back to LISTEN)'
  | 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)'
  | 'TIME_WAIT ended: a new connection reused the 4-tuple'
  | 'capture started mid-connection'
  | 'SYN not captured (inferred from the SYN+ACK)'
  | 'SYN+ACK not captured (inferred from the ACK of it)'
  | 'ACK of our SYN not captured (inferred: it acknowledged data sent after the handshake)'
  | 'ACK of our FIN not captured (inferred: the FIN was not sent again)'
  | 'FIN not captured (inferred from the ACK of it)';

/** The move of a listener that answers the handshake's ACK with a bare RST (Endpoint.sentRst). */
export const ACK_REFUSED: Cause = 'refused the ACK of our SYN with RST (back to LISTEN)';

/** The move an ICMP error makes in SYN-SENT (Endpoint.icmpError). */
export const ICMP_ABORT: Cause = 'received ICMP error (connection rejected)';

/**
 * Whether an ICMP error (Segment icmp* fields) aborts a connection in
 * SYN-SENT, as Linux's tcp_v4_err / tcp_v6_err do: ICMPv4 destination
 * unreachable codes 0-15 but 4 (fragmentation needed), time exceeded,
 * parameter problem; ICMPv6 every error but packet too big.
 */
export function abortsSynSent(seg: Segment): boolean {
  const t = seg.icmpType;
  if (seg.icmpV6) return t !== ICMPV6_PACKET_TOO_BIG;
  if (t === ICMP_DEST_UNREACH) return seg.icmpCode !== ICMP_FRAG_NEEDED && seg.icmpCode <= 15;
  return t === ICMP_TIME_EXCEEDED || t === ICMP_PARAMETER_PROBLEM;
}

/** The move an ICMP error makes in SYN-RECEIVED of a passive open (Endpoint.icmpError). */
export const ICMP_DROP: Cause = 'received ICMP error (half-open connection dropped)';

/**
 * Whether an ICMP error quoting its SYN+ACK makes a listener drop the
 * half-open connection (SYN-RECEIVED of a passive open), as Linux's
 * tcp_req_err does with the `abort` tcp_v4_err / tcp_v6_err give it:
 * ICMPv4 net or host unreachable (codes 0, 1; not port unreachable), time
 * exceeded, parameter problem; ICMPv6 the errors icmpv6_err_convert calls
 * fatal: destination unreachable but no route (0), beyond scope (2) and
 * address unreachable (3), and parameter problem (not time exceeded).
 */
export function dropsSynRcvd(seg: Segment): boolean {
  const t = seg.icmpType;
  const code = seg.icmpCode;
  if (seg.icmpV6) return (t === ICMPV6_DEST_UNREACH && code !== 0 && code !== 2 && code !== 3) || t === ICMPV6_PARAMETER_PROBLEM;
  return (t === ICMP_DEST_UNREACH && code <= 1) || t === ICMP_TIME_EXCEEDED || t === ICMP_PARAMETER_PROBLEM;
}

/** Copies of a segment this close are the same packet captured twice (two interfaces, a mirror port), not one sent again. */
export const DUPLICATE_SECONDS = 0.001;
/** Endpoint.wscale of a SYN whose options the snaplen cut before any window scale option (shifts are 0-14). */
const WSCALE_CUT = 15;

/** The moves a FIN of the peer makes when it arrives. */
export const FIN_TAKEN: ReadonlySet<Cause> = new Set<Cause>(['received FIN', 'received FIN+ACK of our FIN', 'received FIN crossing ours (simultaneous close)']);

/** Every Cause, indexed for packing (frozen.ts). */
const CAUSES = [
  'sent SYN', 'passive open (inferred: it answered a SYN)', 'received SYN, sent SYN+ACK', 'received SYN (simultaneous open)',
  'received SYN+ACK', 'received ACK of our SYN', 'sent FIN', 'received FIN', 'received ACK of our FIN',
  'received FIN+ACK of our FIN', 'received FIN crossing ours (simultaneous close)', 'sent RST',
  'sent RST after TIME_WAIT (connection forgotten)', 'received RST', 'received RST (connection refused)',
  'received RST (passive open: back to LISTEN)', 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)',
  'TIME_WAIT ended: a new connection reused the 4-tuple',
  'capture started mid-connection', 'SYN not captured (inferred from the SYN+ACK)',
  'SYN+ACK not captured (inferred from the ACK of it)',
  'ACK of our SYN not captured (inferred: it acknowledged data sent after the handshake)',
  'FIN not captured (inferred from the ACK of it)',
  'ACK of our FIN not captured (inferred: the FIN was not sent again)',
  'received ICMP error (connection rejected)', 'received ICMP error (half-open connection dropped)',
  'refused the ACK of our SYN with RST (back to LISTEN)',
] as const satisfies readonly Cause[];
/** Index of each Cause in CAUSES. */
const CAUSE_INDEX: ReadonlyMap<string, number> = new Map(CAUSES.map((c, i) => [c, i]));
// Compile-time check that CAUSES lists them all.
const ALL_CAUSES: Exclude<Cause, (typeof CAUSES)[number]> extends never ? true : never = true;
void ALL_CAUSES;

/** One state change of one endpoint. */
export interface Transition {
  readonly from: State;
  readonly to: State;
  readonly frame: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly cause: Cause;
  /** True when the capture did not show the segment that caused it. */
  readonly inferred: boolean;
}

/** A point in the capture: frame number and its timestamp. */
export interface Moment {
  readonly frame: number;
  readonly tsSec: number;
  readonly tsNsec: number;
}

/** Seconds from a to b (b - a); small durations, float is fine. */
export function secondsBetween(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return (bSec - aSec) + (bNsec - aNsec) / 1e9;
}

/**
 * One copy of a SYN or FIN, recognised by sequence number: every segment that
 * carries the SYN (or FIN) at the same sequence number is a copy of it.
 */
export class Copy {
  /** Frame of the first segment that acknowledged this copy (0: none captured). */
  ackedFrame = 0;
  /** Its TSval (RFC 7323), -1 when it had no timestamp: the receiver's ACK echoes the copy it took. */
  tsVal = -1;
  constructor(
    readonly frame: number,
    readonly tsSec: number,
    readonly tsNsec: number,
    /** Seconds since the previous copy (0 for the first). */
    readonly gapSeconds: number,
    /** The copy carried payload too. */
    readonly withData: boolean,
  ) {}
}

/**
 * How the receiver took a RST (RFC 5961 3.2, RFC 9293 3.10.7):
 * - `reset`: SEG.SEQ = RCV.NXT (or a refusal with an acceptable ACK in SYN-SENT): the receiver reset;
 * - `untested`: the capture did not show enough of the receiver to test it; taken;
 * - `challenge`: in the window but not at RCV.NXT: challenge ACK, no reset;
 * - `drop`: outside the window, or in SYN-SENT without an acceptable ACK: dropped;
 * - `ignored`: the receiver had no connection (CLOSED, LISTEN): nothing to reset.
 */
export type RstTaken = 'reset' | 'untested' | 'challenge' | 'drop' | 'ignored';
const RST_TAKEN: readonly RstTaken[] = ['reset', 'untested', 'challenge', 'drop', 'ignored'];

/** What the capture showed about one RST an endpoint sent. */
export interface RstRecord {
  readonly frame: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly seq: number;
  /** The sender's state when it sent the RST. */
  readonly state: State;
  /** The sender had received a SYN and never sent a SYN of its own. */
  readonly answersSyn: boolean;
  /** The sender had sent a SYN and received the SYN+ACK, and had not acknowledged it: the RST answers the SYN+ACK. */
  readonly answersSynAck: boolean;
  /** The sender had been in TIME_WAIT, or had closed after LAST_ACK. */
  readonly afterClose: boolean;
  /** Payload bytes of the peer the sender never acknowledged before the RST (RST's own ACK excluded). */
  readonly unackedPeerBytes: number;
  /** The sender had sent a FIN before. */
  readonly finSent: boolean;
  /** Payload bytes the peer sent after the sender's FIN (data reaching a side that had closed). */
  readonly peerBytesAfterFin: number;
  /** Payload bytes the sender had sent, and received, before the RST. */
  readonly sentBytes: number;
  readonly receivedBytes: number;
  /** Payload bytes the peer sent after the sender's last payload (a request left unanswered). */
  readonly receivedSinceSent: number;
  /** The last segment the sender received before it: frame, flags, payload length (0, 0, 0 if none). */
  readonly lastRecvFrame: number;
  readonly lastRecvFlags: number;
  readonly lastRecvLen: number;
  /**
   * The RST has no ACK bit and its seq is the ACK number of the segment it
   * answers: the form RFC 9293 3.10.7.1 gives a host with no connection
   * (<SEQ=SEG.ACK><CTL=RST>); a live socket's RST carries ACK on Linux.
   */
  readonly noSocketForm: boolean;
  /** The sender's FIN had been acknowledged before the RST. */
  readonly finAcked: boolean;
  /** How the receiver took it. */
  taken: RstTaken;
  /** Frame showing the receiver went on after taking it (0: none): it was not taken after all. */
  notTakenFrame: number;
  /** Frame showing the sender went on after it (0: none): the sender's TCP did not send it. */
  notFromSenderFrame: number;
  /** The keep-alive probe that was the sender's last segment before it (0: none): its keep-alive timer may have given up. */
  afterProbe: number;
}

/** The RST ended the connection: the receiver took it and neither end went on. */
export function rstEffective(r: RstRecord): boolean {
  return (r.taken === 'reset' || r.taken === 'untested') && r.notTakenFrame === 0 && r.notFromSenderFrame === 0;
}

/** How the capture showed that an endpoint's TIME_WAIT ended. */
export interface TimeWaitEnd extends Moment {
  /**
   * `rst`: it answered with RST, so it had forgotten the connection;
   * `rst-received`: an acceptable RST reached it (TIME-WAIT assassination, RFC 1337);
   * `reuse`: a new SYN on the 4-tuple was accepted.
   */
  readonly kind: 'rst' | 'rst-received' | 'reuse';
}
const TW_END_KINDS: readonly TimeWaitEnd['kind'][] = ['rst', 'rst-received', 'reuse'];

/**
 * How the highest sequence number an endpoint sent (SND.NXT, `dataNxt`) is
 * known, which decides what an ACK one beyond it proves:
 * - `Firm`: from its own SYN or payload;
 * - `Zero`: from a segment of its own without payload, which may be a
 *   keep-alive probe at SND.NXT-1 (RFC 9293 3.8.4): an ACK one beyond it is
 *   then the probe's answer, not a FIN's;
 * - `PeerAck`: from what the peer acknowledged (its segments not captured).
 */
export const NxtBasis = { Firm: 0, Zero: 1, PeerAck: 2 } as const;
export type NxtBasis = (typeof NxtBasis)[keyof typeof NxtBasis];

/**
 * Why a FIN of the peer is held rather than taken:
 * - `Queued`: it arrived beyond a gap (RCV.NXT short of it) and waits in the
 *   receive queue, taken once the gap is filled or the endpoint acknowledges it;
 * - `InFlight`: it crossed the endpoint's own FIN (simultaneous close) and was
 *   still on its way; the next segment of its sender arrives after it;
 * - `Lost`: the endpoint retransmitted its FIN without acknowledging it, so it
 *   never arrived; only a copy, or the endpoint's ACK of it, shows it did.
 */
export const HeldFin = { Queued: 0, InFlight: 1, Lost: 2 } as const;
export type HeldFin = (typeof HeldFin)[keyof typeof HeldFin];

/**
 * What an inferred FIN (one the capture does not hold) rests on:
 * - `Sequence`: the peer acknowledged one more than its payload and SYN account for;
 * - `Timestamps`: the ACK echoes a TSval newer than any segment of the endpoint seen, so it answers an unseen one;
 * - `PeerClosing`: only the peer's segments were captured; its ACK advanced by exactly one while the close was under way.
 */
export const FinBasis = { Captured: 0, Sequence: 1, Timestamps: 2, PeerClosing: 3 } as const;
export type FinBasis = (typeof FinBasis)[keyof typeof FinBasis];

/**
 * One endpoint's RFC 9293 state machine, driven by the segments it sends and
 * receives as seen at the capture point. The connection calls `sent` for the
 * sender and then `received` for the receiver of every segment.
 *
 * Every received segment is first tested the way the endpoint itself would
 * test it (RFC 9293 3.10.7, RFC 5961; accept.ts); a segment it would not
 * accept is noted with the rule and moves nothing. What the endpoint knows of
 * its receive side (RCV.NXT, its window) comes from what the peer sent in
 * order and from the ACKs and windows it sent itself.
 *
 * Nothing is allocated per segment except when a transition, a SYN/FIN copy,
 * a RST, a note or a TIME_WAIT restart is recorded.
 */
/**
 * What an endpoint tells about itself as it changes, when someone watches
 * (observer.ts turns it into TcpObserver calls naming the connection and side).
 */
export interface EndpointWatch {
  /** The endpoint changed state; its state is already `t.to`. */
  transition(t: Transition): void;
  /** The last transition reported was undone (see TcpObserver.retracted). */
  retracted(t: Transition): void;
  /** The endpoint sent another copy of its FIN. */
  finRetransmitted(copy: Copy): void;
  /** In TIME_WAIT, the endpoint re-acknowledged a retransmitted FIN, or acknowledged a segment PAWS refused: 2MSL restarts. */
  timeWaitRestarted(m: Moment): void;
}

export class Endpoint {
  state: State = State.CLOSED;
  readonly transitions: Transition[] = [];
  /** Set by the connection right after construction. */
  peer!: Endpoint;
  /** The connection's notes (set by the connection). */
  notes!: NoteList;
  /** This endpoint's side in the connection (Connection.ep0 or ep1): fixed for the object's life, so renew leaves it. */
  declare readonly side: 0 | 1;

  constructor(side: 0 | 1) {
    // Not enumerable: a link like `peer`, not state (test/tcp/reuse.test.ts scrambles every state field).
    Object.defineProperty(this, 'side', { value: side, enumerable: false, writable: false });
  }
  /** The endpoint reached SYN_RCVD from LISTEN (passive open). */
  passive = false;

  // Sequence numbers (and TSvals) are unsigned 32-bit values, each stored as
  // the signed 32-bit word with the same bits (`issWord` for `iss`, ...) and
  // read and written through an accessor of its name. A signed 32-bit integer
  // is a small integer to V8, kept in the object itself, as Connection keeps
  // the addresses; a field holding 2^31 or more would point to a heap number
  // of its own, one more cache line to fetch for every such field a segment
  // reads when the tracker moves among thousands of open connections (about
  // 10% of tracking time on the 3 M-segment benchmark capture). Every value
  // written is already an unsigned 32-bit integer (seqAdd, a segment's fields).

  // ---- what it sent ----
  issKnown = false;
  /** Initial send sequence number (its SYN's seq). */
  get iss(): number { return this.issWord >>> 0; }
  set iss(v: number) { this.issWord = v | 0; }
  private issWord = 0;
  /** The ISN was inferred (from the peer's ACK), not seen in a SYN. */
  issInferred = false;
  /** End of its first SYN (ISN + 1 + payload on the SYN). */
  get synEnd(): number { return this.synEndWord >>> 0; }
  set synEnd(v: number) { this.synEndWord = v | 0; }
  private synEndWord = 0;
  /** Another ISN it sent a SYN+ACK with (the peer may acknowledge that one: see chooseIss). */
  altIssKnown = false;
  get altIss(): number { return this.altIssWord >>> 0; }
  set altIss(v: number) { this.altIssWord = v | 0; }
  private altIssWord = 0;
  /** Copies of the SYN+ACK with the other ISN. */
  readonly altSynCopies: Copy[] = [];
  nxtKnown = false;
  /** Highest seq + len (+1 for SYN) sent, FIN excluded (SND.NXT before the FIN). */
  get dataNxt(): number { return this.dataNxtWord >>> 0; }
  set dataNxt(v: number) { this.dataNxtWord = v | 0; }
  private dataNxtWord = 0;
  nxtBasis: NxtBasis = NxtBasis.Firm;
  /** The segment without payload that set dataNxt (nxtBasis Zero): frame, time, TSval. */
  zeroFrame = 0;
  zeroSec = 0;
  zeroNsec = 0;
  finKnown = false;
  /** Sequence number of its FIN. */
  get finSeq(): number { return this.finSeqWord >>> 0; }
  set finSeq(v: number) { this.finSeqWord = v | 0; }
  private finSeqWord = 0;
  /** False while the FIN is only inferred from the peer's ACK. */
  finCaptured = false;
  finBasis: FinBasis = FinBasis.Captured;
  finAcked = false;
  /** The ACK of its FIN that the capture shows did not reach it (it retransmitted the FIN after). */
  finAckLost = false;
  /** Frame of that lost ACK (0 if none). */
  finAckLostFrame = 0;
  /** First segment from the peer whose ACK covered the FIN. */
  finAckFrame = 0;
  /** Sequence number of that segment (the textbook `v`). */
  get finAckSegSeq(): number { return this.finAckSegSeqWord >>> 0; }
  set finAckSegSeq(v: number) { this.finAckSegSeqWord = v | 0; }
  private finAckSegSeqWord = 0;
  get finAckValue(): number { return this.finAckValueWord >>> 0; }
  set finAckValue(v: number) { this.finAckValueWord = v | 0; }
  private finAckValueWord = 0;
  readonly synCopies: Copy[] = [];
  /** Simultaneous open: copies of the SYN+ACK it answered the peer's SYN with (same ISN as its SYN). */
  readonly synAckCopies: Copy[] = [];
  readonly finCopies: Copy[] = [];
  /**
   * Records left out of the lists above and of rsts and twRestarts (see
   * MAX_RECORDS): counted, so that the report's counts stay exact.
   */
  synCopiesOmitted = 0;
  synAckCopiesOmitted = 0;
  altSynCopiesOmitted = 0;
  finCopiesOmitted = 0;
  rstsOmitted = 0;
  twRestartsOmitted = 0;
  private synFirstUnacked = 0;
  /** Its first captured SYN had no ACK (an active open). */
  private firstSynPlain = false;
  private finFirstUnacked = 0;
  ackSentKnown = false;
  /** Highest ACK it sent in a segment other than a RST. */
  get lastAckSent(): number { return this.lastAckSentWord >>> 0; }
  set lastAckSent(v: number) { this.lastAckSentWord = v | 0; }
  private lastAckSentWord = 0;
  /** Window scale shift its SYN offered (RFC 7323), -1 if its SYN had none or was not captured, WSCALE_CUT (15) if the snaplen cut its options. */
  wscale = -1;
  /** Right edge of the receive window it last announced (ACK + scaled window), and whether known. */
  wndEdgeKnown = false;
  get wndEdge(): number { return this.wndEdgeWord >>> 0; }
  set wndEdge(v: number) { this.wndEdgeWord = v | 0; }
  private wndEdgeWord = 0;
  /** The announced window's scale was not known (no SYNs captured): the edge is an upper bound. */
  wndEdgeBound = false;
  /** Newest TSval it sent (RFC 7323), when it sent any. */
  tsKnown = false;
  get tsMax(): number { return this.tsMaxWord >>> 0; }
  set tsMax(v: number) { this.tsMaxWord = v | 0; }
  private tsMaxWord = 0;
  /** Its first SYN (or SYN+ACK) carried a TSopt: 1, did not: 0, not captured: -1 (RFC 7323 3.2, the negotiation). */
  synTs = -1;
  /** It sent a segment other than a RST without a TSopt. */
  sentNoTs = false;
  /**
   * TS.Recent (RFC 7323 4.3), the peer's TSval it holds for PAWS, when known,
   * and the segment that last set it.
   */
  tsRecentKnown = false;
  get tsRecent(): number { return this.tsRecentWord >>> 0; }
  set tsRecent(v: number) { this.tsRecentWord = v | 0; }
  private tsRecentWord = 0;
  tsRecentFrame = 0;
  tsRecentSec = 0;
  tsRecentNsec = 0;
  packets = 0;
  /** Payload bytes of all its segments, retransmissions included. */
  payloadBytes = 0;
  dataSegments = 0;
  keepAlives = 0;
  /** Segments it received and would not accept (RFC 9293 3.10.7.4 first check, RFC 7323 5.3 PAWS): old duplicates, keep-alive probes, data beyond its window, old TSvals. */
  rejected = 0;
  /** Its last keep-alive probe still waiting for the peer's ACK (0: none). */
  private probeFrame = 0;
  readonly rsts: RstRecord[] = [];
  /** Data it sent after it had received the peer's FIN (the segment acknowledged that FIN). */
  halfCloseBytes = 0;
  halfCloseSegments = 0;

  // ---- what it received ----
  peerSynReceived = false;
  /** RCV.NXT as far as the capture shows it. */
  rcvKnown = false;
  get rcvNxt(): number { return this.rcvNxtWord >>> 0; }
  set rcvNxt(v: number) { this.rcvNxtWord = v | 0; }
  private rcvNxtWord = 0;
  peerFinKnown = false;
  /** Sequence number of the peer's FIN (once processed). */
  get peerFinPos(): number { return this.peerFinPosWord >>> 0; }
  set peerFinPos(v: number) { this.peerFinPosWord = v | 0; }
  private peerFinPosWord = 0;
  /** Its FIN and the peer's crossed: each was sent before the other arrived (simultaneous close). */
  finsCrossed = false;
  /** A FIN of the peer ahead of RCV.NXT, held until the data before it arrived (RFC 9293 3.10.7.4: segments are processed in sequence). */
  finHeld = false;
  get heldFinPos(): number { return this.heldFinPosWord >>> 0; }
  set heldFinPos(v: number) { this.heldFinPosWord = v | 0; }
  private heldFinPosWord = 0;
  /** Why the peer's FIN is held (when finHeld; see HeldFin). */
  private heldFinKind: HeldFin = HeldFin.Queued;
  /** The peer's FIN is held because it never arrived (HeldFin.Lost), not for a gap before it. */
  get heldFinLost(): boolean { return this.finHeld && this.heldFinKind === HeldFin.Lost; }
  /** New payload bytes of the peer since its own last payload (see RstRecord.receivedSinceSent). */
  private recvSinceSent = 0;
  /** Payload bytes of the peer that arrived after this endpoint's FIN. */
  private peerBytesAfterFin = 0;
  private lastRecvFrame = 0;
  private lastRecvFlags = 0;
  private lastRecvLen = 0;
  private get lastRecvAck(): number { return this.lastRecvAckWord >>> 0; }
  private set lastRecvAck(v: number) { this.lastRecvAckWord = v | 0; }
  private lastRecvAckWord = 0;
  /** A RST or SYN it answers with a challenge ACK (RFC 5961), 0 if none pending. */
  private challengeFrame = 0;
  /** Its last segment, when that was a keep-alive probe (0: it was not). */
  private lastSentProbe = 0;
  /**
   * After the peer's FIN moved it, the value of its last ACK when that was
   * short of the FIN: the start of a hole before the FIN (-1: none).
   */
  private holeAt = -1;

  // ---- a RST that moved it to CLOSED (it sent or received it), until the capture shows it went on ----
  /** Frame of that RST (0: none). */
  private rstFrame = 0;
  private rstWasSent = false;
  /** Its ACK and SND.NXT when the RST came: going beyond them shows it went on. */
  private get rstAckAt(): number { return this.rstAckAtWord >>> 0; }
  private set rstAckAt(v: number) { this.rstAckAtWord = v | 0; }
  private rstAckAtWord = 0;
  private get rstNxtAt(): number { return this.rstNxtAtWord >>> 0; }
  private set rstNxtAt(v: number) { this.rstNxtAtWord = v | 0; }
  private rstNxtAtWord = 0;

  // ---- the peer's ACK advanced this endpoint's SND.NXT by exactly one, its segments not captured (nxtBasis PeerAck) ----
  /** Frame of that ACK (0: none): a FIN of this endpoint, or one byte, at plusOnePos. */
  plusOneFrame = 0;
  plusOneSec = 0;
  plusOneNsec = 0;
  get plusOnePos(): number { return this.plusOnePosWord >>> 0; }
  set plusOnePos(v: number) { this.plusOnePosWord = v | 0; }
  private plusOnePosWord = 0;

  /** No candidate any more (the ACK went further, or it was decided). */
  clearPlusOne(): void {
    this.plusOneFrame = 0;
    this.plusOneSec = 0;
    this.plusOneNsec = 0;
    this.plusOnePos = 0;
  }

  // ---- TIME_WAIT ----
  twEntry: Moment | null = null;
  readonly twRestarts: Moment[] = [];
  twEnd: TimeWaitEnd | null = null;
  /** A retransmitted FIN arrived in TIME_WAIT; the next ACK re-acknowledges it. */
  private twReackPending = false;

  /** Set by the tracker only when it has an observer (observer.ts watchEndpoint). */
  watch: EndpointWatch | null = null;
  /** Transitions of the connection this object held before (reset), for the next ones (transition). */
  private readonly spareTransitions: Writable<Transition>[] = [];
  /** Copy records of the connection this object held before (reset), for the next ones (copy). */
  private readonly spareCopies: Writable<Copy>[] = [];

  /**
   * Back to the state of a new Endpoint (the peer, notes and side links
   * stay), for Connection.renew. Every field above is set here as its
   * initializer sets it (test/tcp/reuse.test.ts compares a reset endpoint
   * with a new one field by field).
   */
  reset(): void {
    this.state = State.CLOSED;
    // Pop, not length = 0, which would let go of the arrays' room too.
    keepRecords(this.transitions, this.spareTransitions);
    this.passive = false;
    this.issKnown = false;
    this.iss = 0;
    this.issInferred = false;
    this.synEnd = 0;
    this.altIssKnown = false;
    this.altIss = 0;
    keepRecords(this.altSynCopies, this.spareCopies);
    this.nxtKnown = false;
    this.dataNxt = 0;
    this.nxtBasis = NxtBasis.Firm;
    this.zeroFrame = 0;
    this.zeroSec = 0;
    this.zeroNsec = 0;
    this.finKnown = false;
    this.finSeq = 0;
    this.finCaptured = false;
    this.finBasis = FinBasis.Captured;
    this.finAcked = false;
    this.finAckLost = false;
    this.finAckLostFrame = 0;
    this.finAckFrame = 0;
    this.finAckSegSeq = 0;
    this.finAckValue = 0;
    keepRecords(this.synCopies, this.spareCopies);
    keepRecords(this.synAckCopies, this.spareCopies);
    keepRecords(this.finCopies, this.spareCopies);
    this.synCopiesOmitted = 0;
    this.synAckCopiesOmitted = 0;
    this.altSynCopiesOmitted = 0;
    this.finCopiesOmitted = 0;
    this.rstsOmitted = 0;
    this.twRestartsOmitted = 0;
    this.synFirstUnacked = 0;
    this.firstSynPlain = false;
    this.finFirstUnacked = 0;
    this.ackSentKnown = false;
    this.lastAckSent = 0;
    this.wscale = -1;
    this.wndEdgeKnown = false;
    this.wndEdge = 0;
    this.wndEdgeBound = false;
    this.tsKnown = false;
    this.tsMax = 0;
    this.synTs = -1;
    this.sentNoTs = false;
    this.tsRecentKnown = false;
    this.tsRecent = 0;
    this.tsRecentFrame = 0;
    this.tsRecentSec = 0;
    this.tsRecentNsec = 0;
    this.packets = 0;
    this.payloadBytes = 0;
    this.dataSegments = 0;
    this.keepAlives = 0;
    this.rejected = 0;
    this.probeFrame = 0;
    empty(this.rsts);
    this.halfCloseBytes = 0;
    this.halfCloseSegments = 0;
    this.peerSynReceived = false;
    this.rcvKnown = false;
    this.rcvNxt = 0;
    this.peerFinKnown = false;
    this.peerFinPos = 0;
    this.finsCrossed = false;
    this.finHeld = false;
    this.heldFinPos = 0;
    this.heldFinKind = HeldFin.Queued;
    this.recvSinceSent = 0;
    this.peerBytesAfterFin = 0;
    this.lastRecvFrame = 0;
    this.lastRecvFlags = 0;
    this.lastRecvLen = 0;
    this.lastRecvAck = 0;
    this.challengeFrame = 0;
    this.lastSentProbe = 0;
    this.holeAt = -1;
    this.rstFrame = 0;
    this.rstWasSent = false;
    this.rstAckAt = 0;
    this.rstNxtAt = 0;
    this.plusOneFrame = 0;
    this.plusOneSec = 0;
    this.plusOneNsec = 0;
    this.plusOnePos = 0;
    this.twEntry = null;
    empty(this.twRestarts);
    this.twEnd = null;
    this.twReackPending = false;
    this.watch = null;
  }

  /** A transition record: a spare one (see reset) if there is one. */
  private transition(from: State, to: State, frame: number, tsSec: number, tsNsec: number, cause: Cause, inferred: boolean): Transition {
    const t = this.spareTransitions.pop();
    if (t === undefined) return { from, to, frame, tsSec, tsNsec, cause, inferred };
    t.from = from; t.to = to; t.frame = frame; t.tsSec = tsSec; t.tsNsec = tsNsec; t.cause = cause; t.inferred = inferred;
    return t;
  }

  /** Record a transition. */
  go(to: State, m: Moment, cause: Cause, inferred = false): void {
    const t = this.transition(this.state, to, m.frame, m.tsSec, m.tsNsec, cause, inferred);
    this.transitions.push(t);
    this.state = to;
    if (to === State.TIME_WAIT) this.twEntry = { frame: m.frame, tsSec: m.tsSec, tsNsec: m.tsNsec };
    if (this.watch !== null) this.watch.transition(t);
  }

  /**
   * Take back the last transition when it had `cause` (and was not made by
   * the segment of frame `notAt`): the capture showed afterwards that the
   * segment causing it never reached this endpoint. Returns whether it did.
   */
  private undoLast(cause: Cause, notAt = -1): boolean {
    const last = this.transitions[this.transitions.length - 1];
    if (last === undefined || last.to !== this.state || last.cause !== cause || last.frame === notAt) return false;
    this.retract();
    return true;
  }

  /**
   * Its SYN was not its TCP's: it went on with the connection before on the
   * 4-tuple (Tracker.forOld). The move the SYN made is taken back (the SYN
   * stays in its copies: Wireshark's stream of it holds it).
   */
  synNotItsOwn(): void {
    this.undoLast('sent SYN');
  }

  /** Take back the last transition (there is one): back to the state it left. */
  private retract(): Transition {
    const last = this.transitions.pop() as Transition;
    this.state = last.from;
    if (last.to === State.TIME_WAIT) this.twEntry = null;
    if (this.watch !== null) this.watch.retracted(last);
    return last;
  }

  private note(seg: Segment, side: 0 | 1, kind: NoteKind, related: number): void {
    this.notes.add(seg.frame, seg.tsSec, seg.tsNsec, side, kind, seg.seq, seg.ack, seg.flags, seg.payloadLen, related);
  }

  private addCopy(list: Copy[], seg: Segment): void {
    const k = this.copy(list, seg.frame, seg.tsSec, seg.tsNsec, seg.payloadLen > 0);
    if (seg.hasTimestamp) k.tsVal = seg.tsVal >>> 0;
    const n = list.length;
    if (n < MAX_RECORDS) {
      list.push(k);
      return;
    }
    // A storm of copies: the latest takes the place of the one before it
    // (its gap is still from that one), which is counted as left out.
    list[n - 1] = k;
    if (list === this.synCopies) {
      this.synCopiesOmitted++;
      if (this.synFirstUnacked > n - 1) this.synFirstUnacked = n - 1;
    } else if (list === this.finCopies) {
      this.finCopiesOmitted++;
      if (this.finFirstUnacked > n - 1) this.finFirstUnacked = n - 1;
    } else if (list === this.synAckCopies) this.synAckCopiesOmitted++;
    else this.altSynCopiesOmitted++;
  }

  /**
   * A copy record to append to `list`, its gap from the last one there: a
   * spare one (see reset) if there is one. A SYN flood's connections each
   * left one behind for the collector to find in the old generation.
   */
  private copy(list: readonly Copy[], frame: number, tsSec: number, tsNsec: number, withData: boolean): Copy {
    const prev = list.length > 0 ? list[list.length - 1] : null;
    const gapSeconds = prev ? secondsBetween(prev.tsSec, prev.tsNsec, tsSec, tsNsec) : 0;
    const k = this.spareCopies.pop();
    if (k === undefined) return new Copy(frame, tsSec, tsNsec, gapSeconds, withData);
    k.frame = frame; k.tsSec = tsSec; k.tsNsec = tsNsec; k.gapSeconds = gapSeconds; k.withData = withData; k.ackedFrame = 0; k.tsVal = -1;
    return k;
  }

  /** The copies writeCopies wrote, appended to `list` (the gaps recomputed exactly as addCopy computed them). */
  private readCopies(r: WordReader, list: Copy[], omitted: number): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      const bits = r.u32();
      const k = this.copy(list, frame, tsSec, tsNsec, (bits & 1) !== 0);
      if (bits & 2) k.tsVal = r.u32();
      k.ackedFrame = r.frame();
      list.push(k);
    }
    if (omitted > 0 && n > 0) (list[n - 1] as Writable<Copy>).gapSeconds = r.f64();
  }

  /** SND.NXT including its FIN: what an ACK of everything it sent acknowledges. */
  get sndNxt(): number {
    return this.finKnown ? seqAdd(this.finSeq, 1) : this.dataNxt;
  }

  /**
   * The size of the receive window this endpoint announced, counted from
   * its RCV.NXT (RCV.WND of RFC 9293 3.3.1): the right edge it announced
   * last, less what arrived since. MAX_WINDOW when it never announced one.
   */
  private windowFromRcvNxt(): number {
    if (!this.wndEdgeKnown) return MAX_WINDOW;
    const d = seqDiff(this.wndEdge, this.rcvNxt);
    return d > 0 ? d : 0;
  }

  // ===================== ICMP errors about what it sent =====================

  /**
   * An ICMP / ICMPv6 error quoting a segment this endpoint sent
   * (DecodeStatus.IcmpError; not a segment). Always noted. RFC 9293 3.9 and
   * RFC 1122 4.2.3.9 make destination unreachable (but fragmentation needed /
   * packet too big: path MTU discovery), time exceeded and parameter problem
   * soft errors a TCP may take as hard in SYN-SENT; Linux (tcp_v4_err,
   * tcp_v6_err) does: an error quoting the SYN (seq = SND.UNA = ISS) aborts
   * the connection, connect() fails (ECONNREFUSED for port unreachable,
   * EHOSTUNREACH...). In the synchronized states it is a soft error, and so
   * in SYN-SENT when the socket was busy in connect() (sock_owned_by_user):
   * the SYN is then sent again, and sent() takes the abort back.
   *
   * In SYN-RECEIVED of a passive open, an error quoting the SYN+ACK (seq =
   * the ISN of the half-open connection) says that SYN+ACK was discarded on
   * its way: the client did not receive it (its move on it is taken back).
   * Linux's listener (tcp_req_err) then drops the half-open connection
   * (request socket) silently for the errors dropsSynRcvd lists: back to
   * LISTEN. It is taken back when the server sends that SYN+ACK again (its
   * retransmission timer, or the answer to the client's SYN sent again); a
   * SYN+ACK with a new ISN, answering the client's SYN sent again, is a new
   * half-open connection (SYN-RECEIVED again) and shows the drop.
   */
  icmpError(seg: Segment): void {
    this.notes.addIcmp(seg, this.side);
    if (this.state === State.SYN_SENT && this.issKnown && seg.seq === this.iss && abortsSynSent(seg)) {
      this.go(State.CLOSED, seg, ICMP_ABORT);
    } else if (this.state === State.SYN_RCVD && this.passive && this.issKnown && seg.seq === this.isnAt(this.transitions.length - 1)) {
      this.peer.undoLast('received SYN+ACK');
      if (dropsSynRcvd(seg)) this.go(State.LISTEN, seg, ICMP_DROP);
    }
  }

  /** The ISN of the SYN+ACK that made transition `i` (the other ISN's when one of its copies did). */
  private isnAt(i: number): number {
    const t = this.transitions[i];
    return t !== undefined && this.altIssKnown && this.altSynCopies.some((k) => k.frame === t.frame) ? this.altIss : this.iss;
  }

  // ===================== segments this endpoint sends =====================

  sent(seg: Segment): void {
    const f = seg.flags;
    // It sends again after an ICMP error took it to CLOSED: its TCP did not abort.
    if (this.state === State.CLOSED) {
      const last = this.transitions[this.transitions.length - 1];
      if (last !== undefined && this.undoLast(ICMP_ABORT)) this.notes.icmpNotTaken(last.frame, this.side, seg.frame);
    } else if (this.state === State.LISTEN) {
      // It sends after an ICMP error took its half-open connection away: it
      // still had it, unless this is a SYN+ACK with a new ISN (a new one).
      const last = this.transitions[this.transitions.length - 1];
      if (last !== undefined && last.cause === ICMP_DROP &&
        !((f & (SYN | ACK)) === (SYN | ACK) && seg.seq !== this.isnAt(this.transitions.length - 2)) &&
        this.undoLast(ICMP_DROP)) this.notes.icmpNotTaken(last.frame, this.side, seg.frame);
    }
    // Its first segment after segments it refused by PAWS: their answer (a pure ACK of its RCV.NXT then), or not.
    if ((this.notes.pawsAwaiting & (1 << this.side)) !== 0) {
      this.notes.answered(this.side, seg.frame, (f & (SYN | FIN | RST | ACK)) === ACK && seg.payloadLen === 0, seg.ack);
    }
    this.countSent(seg);
    if (seg.hasTimestamp && (!this.tsKnown || seqGt(seg.tsVal, this.tsMax))) {
      this.tsMax = seg.tsVal;
      this.tsKnown = true;
    }
    if (!seg.hasTimestamp && !(f & RST)) this.sentNoTs = true;

    if (f & RST) {
      this.sentRst(seg);
      return;
    }
    if (this.rstFrame !== 0 && !this.rstWasSent && (f & ACK) && !(f & SYN) && seqDiff(seg.ack, this.rstAckAt) < 0) {
      // It sent this before the RST reached it: its ACK does not reach what the
      // RST's sender had sent (the capture point is nearer the RST's sender).
      // Play the segment in the state it was sent in, then the RST again.
      const rst = this.transitions[this.transitions.length - 1];
      if (rst !== undefined && this.undoLast(rst.cause)) {
        const tw = this.twEnd !== null && this.twEnd.kind === 'rst-received' && this.twEnd.frame === rst.frame;
        if (tw) this.twEnd = null;
        this.sentSegment(seg);
        if (this.state === State.TIME_WAIT && this.twEnd === null) {
          this.twEnd = { kind: 'rst-received', frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
        }
        this.go(this.state === State.SYN_RCVD && this.passive ? State.LISTEN : State.CLOSED, seg,
          this.state === State.TIME_WAIT ? 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)'
            : this.state === State.SYN_RCVD && this.passive ? 'received RST (passive open: back to LISTEN)' : 'received RST');
        return;
      }
    }
    if (this.rstFrame !== 0) this.wentOnAfterRst(seg);
    this.sentSegment(seg);
  }

  /** What a segment other than a RST does to its sender. */
  private sentSegment(seg: Segment): void {
    const f = seg.flags;
    const len = seg.payloadLen;
    if ((f & ACK) && this.peerFinKnown && !this.finHeld && seqGt(seg.ack, this.peerFinPos) &&
      !(this.ackSentKnown && seqGt(this.lastAckSent, this.peerFinPos))) this.firstAckOfPeerFin(seg);
    if ((f & ACK) && !(f & (SYN | FIN)) && this.peerFinKnown && !this.finHeld && seg.ack === this.peerFinPos) this.peerFinNeverCame();
    if (f & SYN) this.sentSyn(seg);
    let probe = false;

    // Sequence space. A keep-alive is a segment at SND.NXT-1 with 0 or 1 byte
    // (RFC 9293 3.8.4); it does not move SND.NXT.
    const synLen = f & SYN ? 1 : 0;
    const end = seqAdd(seg.seq, synLen + len);
    let newBytes = len;
    const otherIsn = (f & SYN) !== 0 && this.altIssKnown && seg.seq === this.altIss;
    if (otherIsn) {
      newBytes = 0;
    } else if (this.nxtKnown) {
      if (!(f & (SYN | FIN)) && len <= 1 && seg.seq === seqAdd(this.dataNxt, -1)) {
        // Sent into a zero window it probes that window (RFC 9293 3.8.6.1,
        // the persist timer), not the peer's liveness: not a keep-alive.
        const zeroWindow = this.peer.windowZero();
        if (!zeroWindow) this.keepAlives++;
        this.probeFrame = seg.frame;
        probe = true;
        this.note(seg, this.side, zeroWindow ? NoteKind.ZeroWindowProbe : NoteKind.KeepAlive, 0);
        newBytes = 0;
      } else {
        const d = seqDiff(end, this.dataNxt);
        newBytes = d <= 0 ? 0 : d < len ? d : len;
      }
    }
    if (newBytes > 0) {
      if (this.finKnown && !this.finCaptured && seqGt(end, this.finSeq)) this.withdrawInferredFin();
      if (this.peerFinKnown && (f & ACK) && seqGt(seg.ack, this.peerFinPos)) {
        // It keeps sending after it has received (and acknowledged) the peer's FIN: half-close.
        this.halfCloseBytes += newBytes;
        this.halfCloseSegments++;
      }
      this.recvSinceSent = 0;
      if (this.peer.finKnown) this.peer.peerBytesAfterFin += newBytes;
    }
    if (!otherIsn && (!this.nxtKnown || seqGt(end, this.dataNxt))) {
      this.dataNxt = end;
      this.nxtKnown = true;
      if (len > 0 || synLen > 0) {
        this.nxtBasis = NxtBasis.Firm;
      } else {
        this.nxtBasis = NxtBasis.Zero;
        this.zeroFrame = seg.frame;
        this.zeroSec = seg.tsSec;
        this.zeroNsec = seg.tsNsec;
      }
    }

    if (f & ACK) this.sentAck(seg);

    if (f & FIN) this.sentFin(seg, end);
    this.lastSentProbe = probe ? seg.frame : 0;
  }

  private sentSyn(seg: Segment): void {
    const f = seg.flags;
    // Options the snaplen cut before a window scale option: the shift is unknown.
    const wscale = seg.wscale < 0 && seg.optionsTruncated ? WSCALE_CUT : seg.wscale;
    if (!(f & ACK)) {
      this.wscale = wscale;
    } else if (this.wscale < 0) {
      this.wscale = wscale;
    }
    if (this.issKnown && seg.seq === this.iss) {
      if ((f & ACK) && this.firstSynPlain) {
        // Simultaneous open (RFC 9293 3.5): after its SYN crossed the peer's,
        // the endpoint answers SYN+ACK with the same ISN. That is the
        // SYN-RECEIVED answer, not a retransmission of its SYN: it received the
        // peer's SYN in SYN-SENT, even if the capture shows that SYN before its
        // own (they crossed) or the peer's SYN+ACK first (its answer left late).
        this.addCopy(this.synAckCopies, seg);
        if (this.state === State.SYN_SENT) {
          this.go(State.SYN_RCVD, seg, 'received SYN (simultaneous open)');
        } else if (this.state === State.ESTABLISHED && !this.transitions.some((t) => t.to === State.SYN_RCVD) &&
          this.undoLast('received SYN+ACK')) {
          this.go(State.SYN_RCVD, seg, 'received SYN (simultaneous open)');
          this.go(State.ESTABLISHED, seg, 'received SYN+ACK');
        }
      } else {
        // Same ISN: a copy of the SYN (retransmission, or the real one after an inferred ISN).
        if (this.issInferred) this.issInferred = false;
        this.addCopy(this.synCopies, seg);
        // It sends its SYN again: the SYN+ACK the capture showed never reached it
        // (or, for a server, the ACK of its SYN+ACK never did).
        if (!(f & ACK)) this.undoLast('received SYN+ACK', seg.frame);
        else this.undoLast('received ACK of our SYN', seg.frame);
      }
    } else if (!this.issKnown) {
      this.iss = seg.seq;
      this.issKnown = true;
      this.synTs = seg.hasTimestamp ? 1 : 0;
      this.synEnd = seqAdd(seg.seq, 1 + seg.payloadLen);
      this.firstSynPlain = !(f & ACK);
      this.addCopy(this.synCopies, seg);
      if (f & ACK) {
        // RFC 9293 3.10.7.2, LISTEN: on a SYN, "the connection state should
        // be changed to SYN-RECEIVED" and a SYN,ACK sent. We only know the
        // endpoint was listening once it answers.
        if (this.state === State.CLOSED) {
          this.go(State.LISTEN, seg, 'passive open (inferred: it answered a SYN)', true);
        }
        if (this.state === State.LISTEN) {
          this.passive = true;
          this.go(State.SYN_RCVD, seg, 'received SYN, sent SYN+ACK');
        }
        // In SYN_RCVD after a simultaneous open the SYN+ACK changes nothing.
      } else if (this.state === State.CLOSED) {
        // RFC 9293 3.10.1, OPEN call in CLOSED: send SYN, enter SYN-SENT.
        this.go(State.SYN_SENT, seg, 'sent SYN');
      }
    } else if ((f & ACK) && (!this.altIssKnown || seg.seq === this.altIss)) {
      // A SYN+ACK with another ISN for the same SYN (a second listener, a
      // middlebox, TCP Fast Open fallbacks): the peer's ACK tells which one
      // it took (chooseIss); until then the first one stands.
      this.altIssKnown = true;
      this.altIss = seg.seq;
      this.addCopy(this.altSynCopies, seg);
    }
    // A listener whose half-open connection an ICMP error took away answers
    // the client's SYN sent again with a new ISN: a new half-open connection.
    if ((f & ACK) && this.state === State.LISTEN && this.passive && this.issKnown && seg.seq !== this.iss) {
      this.go(State.SYN_RCVD, seg, 'received SYN, sent SYN+ACK');
    }
  }

  /** The peer acknowledged `ack`: if that is the other SYN+ACK's ISN + 1, that SYN+ACK is the one it took. */
  chooseIss(ack: number): void {
    if (!this.altIssKnown || ack !== seqAdd(this.altIss, 1) || ack === seqAdd(this.iss, 1)) return;
    const iss = this.iss;
    this.iss = this.altIss;
    this.altIss = iss;
    this.synEnd = seqAdd(this.iss, 1);
    swapCopies(this.synCopies, this.altSynCopies);
    const omitted = this.synCopiesOmitted;
    this.synCopiesOmitted = this.altSynCopiesOmitted;
    this.altSynCopiesOmitted = omitted;
    this.synFirstUnacked = 0;
    // Its sequence space is the chosen ISN's.
    this.dataNxt = this.synEnd;
    this.nxtBasis = NxtBasis.Firm;
  }

  private sentAck(seg: Segment): void {
    const ack = seg.ack;
    const rcvBefore = this.rcvNxt;
    if (!this.ackSentKnown || seqGt(ack, this.lastAckSent)) this.lastAckSent = ack;
    this.ackSentKnown = true;
    // An ACK short of the FIN that moved it: a hole before the FIN, or an ACK sent before the FIN arrived.
    this.holeAt = this.peerFinKnown && !this.finHeld && seqGt(this.peerFinPos, ack) ? ack >>> 0 : -1;
    // Its ACK states its RCV.NXT.
    if (!this.rcvKnown || seqGt(ack, this.rcvNxt)) {
      this.rcvNxt = ack;
      this.rcvKnown = true;
    }
    this.announceWindow(seg);
    // A FIN of the peer held out of order is now acknowledged: it was received.
    // One held as lost arrived as a copy: the last one the capture showed.
    if (this.finHeld && seqGt(ack, this.heldFinPos)) this.takeHeldFin(this.heldFinKind === HeldFin.Lost ? this.lastPeerFinCopy() ?? seg : seg);
    // RFC 9293 3.10.7.4, TIME-WAIT: "The only thing that can arrive in this
    // state is a retransmission of the remote FIN. Acknowledge it, and
    // restart the 2 MSL timeout."
    if (this.twReackPending && this.state === State.TIME_WAIT && seqGt(ack, this.peerFinPos)) {
      this.twReackPending = false;
      const m: Moment = { frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
      if (this.twRestarts.length < MAX_RECORDS) this.twRestarts.push(m);
      else {
        this.twRestarts[this.twRestarts.length - 1] = m;
        this.twRestartsOmitted++;
      }
      if (this.watch !== null) this.watch.timeWaitRestarted(m);
    }
    if (seg.payloadLen === 0 && !(seg.flags & (SYN | FIN))) {
      const peer = this.peer;
      if (peer.probeFrame !== 0 && ack === peer.dataNxt) {
        const zeroWindow = this.notes.probeKind(peer.probeFrame, peer.side) === NoteKind.ZeroWindowProbe;
        this.note(seg, this.side, zeroWindow ? NoteKind.ZeroWindowProbeAck : NoteKind.KeepAliveAck, peer.probeFrame);
        peer.probeFrame = 0;
      } else if (this.challengeFrame !== 0 && ack === rcvBefore) {
        this.note(seg, this.side, NoteKind.ChallengeAck, this.challengeFrame);
      }
    }
    this.challengeFrame = 0;
  }

  /**
   * The peer sends again the data at the start of the hole its last ACK
   * showed before the FIN: that data had not arrived, so the FIN came
   * beyond a hole and was not processed (RFC 9293 3.10.7.4 eighth; the
   * receiver answered it with a duplicate ACK, RFC 5681 4.2). Its move on
   * the FIN is taken back: the FIN waits until the gap is filled (this
   * segment may fill it) or it acknowledges the FIN. An ACK alone is no
   * proof: seen from near the FIN's sender, one sent before the FIN arrived
   * comes after it.
   */
  private holeBeforeFin(): void {
    const hole = this.holeAt;
    this.holeAt = -1;
    const last = this.transitions[this.transitions.length - 1];
    if (!this.peerFinKnown || this.finHeld || last === undefined || last.inferred || !FIN_TAKEN.has(last.cause) || !this.undoLast(last.cause)) return;
    this.holdPeerFin(HeldFin.Queued);
    this.rcvNxt = hole;
    this.twReackPending = false;
  }

  /**
   * It acknowledges everything up to the peer's FIN but not the FIN, after the
   * capture showed the peer send that FIN again: no copy had reached it. A
   * copy leaves an RTO after the FIN it repeats, by which time the FIN would
   * have arrived (and been acknowledged, RFC 9293 3.10.7.4) unless it was lost
   * after the capture point; a segment sent before it arrived would have been
   * captured before the copy (but for a spurious retransmission timeout). Its
   * move on the FIN is taken back; a copy it takes later, or its ACK of the
   * FIN, makes it again. (Its FIN copies: sentFin.)
   */
  private peerFinNeverCame(): void {
    const peer = this.peer;
    const copies = peer.finCopies;
    if (!peer.finCaptured || peer.finSeq !== this.peerFinPos || copies.length < 2) return;
    // A copy sent again, not the same packet captured twice (see DUPLICATE_SECONDS).
    const first = copies[0];
    if (!copies.some((c) => c !== first && (c.tsVal >= 0 && first.tsVal >= 0 ? c.tsVal !== first.tsVal
      : secondsBetween(first.tsSec, first.tsNsec, c.tsSec, c.tsNsec) >= DUPLICATE_SECONDS))) return;
    if (this.undoLast('received FIN') || this.undoLast('received FIN crossing ours (simultaneous close)')) this.holdPeerFin(HeldFin.Lost);
  }

  /** The window it advertised last was zero (its right edge at its ACK): its peer may only probe it (RFC 9293 3.8.6.1). */
  windowZero(): boolean {
    return this.wndEdgeKnown && this.ackSentKnown && this.wndEdge >>> 0 === this.lastAckSent >>> 0;
  }

  /** The right edge of the receive window it announces (RFC 7323 2.3: a SYN's window is never scaled). */
  private announceWindow(seg: Segment): void {
    let wnd = seg.window;
    let bound = false;
    if (!(seg.flags & SYN)) {
      const peer = this.peer;
      if (this.synCopies.length > 0 && (peer.synCopies.length > 0 || peer.altSynCopies.length > 0)) {
        // Both SYNs seen: scaling is in effect only if both offered it. RFC 7323
        // 2.3: SND.WND = SEG.WND << Snd.Wind.Shift (a 16-bit window shifted by at
        // most 14 stays below 2^31).
        if (this.wscale === -1 || peer.wscale === -1) {
          // A whole SYN without the option: no scaling.
        } else if (this.wscale === WSCALE_CUT || peer.wscale === WSCALE_CUT) {
          // A SYN whose options the snaplen cut: scaling unknown, the window at most the field << 14.
          wnd <<= 14;
          bound = true;
        } else wnd <<= Math.min(this.wscale, 14);
      } else {
        wnd <<= 14;
        bound = true;
      }
    }
    this.wndEdge = seqAdd(seg.ack, wnd);
    this.wndEdgeKnown = true;
    this.wndEdgeBound = bound;
  }

  /**
   * It sends its FIN again after the capture showed the peer's ACK of it: that
   * ACK passed the capture point but never reached it (a lost final ACK makes
   * the passive closer retransmit its FIN from LAST_ACK, RFC 9293 3.10.7.4).
   * Undo the move the ACK caused; the next ACK of the FIN makes it again.
   */
  private ackOfFinLost(seg: Segment): void {
    if (!this.finAcked || this.finAckLost) return;
    const last = this.transitions[this.transitions.length - 1];
    if (last === undefined || !this.undoLast('received ACK of our FIN', seg.frame)) return;
    this.finAckLost = true;
    this.finAckLostFrame = last.frame;
  }

  /**
   * Its first ACK of the peer's FIN, `seg`, after the peer sent the FIN again:
   * which copy did it take? One it takes is acknowledged at once (RFC 9293
   * 3.10.7.4), so the copies sent again before this ACK did not reach it
   * (lost after the capture point), unless the ACK was what got lost, before
   * the capture point. The ACK's TSecr tells them apart (RFC 7323: it echoes
   * the TSval of the copy that moved it; a Linux TIME_WAIT socket keeps
   * echoing the first one): a copy before the one the capture took as its
   * move keeps that move, and so does a D-SACK of the FIN (RFC 2883: the
   * copy it answers was a duplicate); a later copy, or no timestamp, moves it to that
   * copy (the latest before this ACK): the moves the FIN made are taken back
   * and the FIN taken again at that copy. A move on an ACK of its own FIN
   * after it (a simultaneous close's, from FIN_WAIT_1) is made again without
   * the FIN: FIN_WAIT_2; one made by the same lost FIN+ACK moves with it.
   */
  private firstAckOfPeerFin(seg: Segment): void {
    const peer = this.peer;
    const copies = peer.finCopies;
    if (copies.length < 2 || !peer.finCaptured || this.peerFinPos !== peer.finSeq) return;
    const ts = this.transitions;
    let i = ts.length - 1;
    while (i >= 0 && ts.length - i <= 2 && !FIN_TAKEN.has(ts[i].cause)) i--;
    if (i < 0 || ts.length - i > 2 || ts[i].inferred) return;
    for (let k = i + 1; k < ts.length; k++) if (ts[k].cause !== 'received ACK of our FIN') return;
    const moved = ts[i].frame;
    // A D-SACK of the FIN (RFC 2883): the copy it acknowledges was a duplicate, the FIN had arrived.
    const pos = this.peerFinPos;
    for (let b = 0; b < seg.sackCount; b++) {
      if (seqDiff(seg.sackBlocks[2 * b], pos) <= 0 && seqGt(seg.sackBlocks[2 * b + 1], pos)) return;
    }
    // The copy the capture took as arriving (the last at or before the move).
    let took: Copy | null = null;
    let to: Copy | null = null;
    for (const c of copies) {
      if (c.frame >= seg.frame) break;
      if (c.frame <= moved) took = c;
      if (seg.hasTimestamp && c.tsVal === (seg.tsEcr >>> 0)) {
        if (c.frame <= moved) return;
        to = c;
        break;
      }
      if (c.frame > moved) to = c;
    }
    // A copy sent again carries a newer TSval; without timestamps one within a
    // millisecond is the same packet captured twice, not a retransmission.
    if (to === null || (took !== null && (took.tsVal >= 0 && to.tsVal >= 0 ? took.tsVal === to.tsVal
      : secondsBetween(took.tsSec, took.tsNsec, to.tsSec, to.tsNsec) < DUPLICATE_SECONDS))) return;
    // The ACK of our FIN that the same lost FIN+ACK carried arrives with the copy.
    const sameSegment = i > 0 && ts[i - 1].cause === 'received ACK of our FIN' && ts[i - 1].frame === moved &&
      copies.some((c) => c.frame === moved) ? ts[i - 1] as Writable<Transition> : null;
    let ackAgain: Transition | null = null;
    while (ts.length > i) {
      const last = this.retract();
      if (last.cause === 'received ACK of our FIN') ackAgain = last;
    }
    if (sameSegment !== null) {
      sameSegment.frame = to.frame;
      sameSegment.tsSec = to.tsSec;
      sameSegment.tsNsec = to.tsNsec;
    }
    this.peerFinKnown = false;
    this.twReackPending = false;
    // The ACK of its own FIN and the FIN, in the order the capture shows them.
    if (ackAgain !== null && ackAgain.frame <= to.frame) this.ourFinAcked(ackAgain);
    this.receivedFin(to, pos, false);
    if (ackAgain !== null && ackAgain.frame > to.frame) this.ourFinAcked(ackAgain);
  }

  private sentFin(seg: Segment, pos: number): void {
    if (this.finKnown) {
      if (pos === this.finSeq) {
        if (!this.finCaptured) {
          // The FIN we had inferred from the peer's ACK shows up late (out of order).
          this.finCaptured = true;
          this.finBasis = FinBasis.Captured;
          this.addCopy(this.finCopies, seg);
          if (this.finAcked) this.finCopies[this.finCopies.length - 1].ackedFrame = this.finAckFrame;
          this.finFirstUnacked = this.finAcked ? this.finCopies.length : 0;
        } else {
          this.addCopy(this.finCopies, seg);
          if (this.watch !== null) this.watch.finRetransmitted(this.finCopies[this.finCopies.length - 1]);
          this.ackOfFinLost(seg);
          // A copy that does not acknowledge the peer's FIN: that FIN never
          // reached it (a retransmission leaves after its RTO, long after the
          // FIN would have arrived).
          if ((seg.flags & ACK) && this.peerFinKnown && !seqGt(seg.ack, this.peerFinPos) &&
            (this.undoLast('received FIN') || this.undoLast('received FIN crossing ours (simultaneous close)'))) this.holdPeerFin(HeldFin.Lost);
        }
        return;
      }
      if (!this.finCaptured) {
        // A FIN at another number than the one inferred: the inference was wrong.
        this.withdrawInferredFin();
      } else {
        // A FIN at another sequence number: a protocol violation; the first FIN stays the FIN.
        this.note(seg, this.side, NoteKind.FinNewSeq, this.finCopies.length > 0 ? this.finCopies[0].frame : 0);
        return;
      }
    }
    this.finKnown = true;
    this.finSeq = pos;
    this.finCaptured = true;
    this.finBasis = FinBasis.Captured;
    this.peerBytesAfterFin = 0;
    this.addCopy(this.finCopies, seg);
    switch (this.state) {
      case State.SYN_RCVD:
      case State.ESTABLISHED:
        // RFC 9293 3.10.4, CLOSE in ESTABLISHED (or SYN-RECEIVED): send FIN, enter FIN-WAIT-1.
        this.go(State.FIN_WAIT_1, seg, 'sent FIN');
        break;
      case State.CLOSE_WAIT: {
        const last = this.transitions[this.transitions.length - 1];
        const ackedPeerFin = this.ackSentKnown && seqGt(this.lastAckSent, this.peerFinPos);
        if (!ackedPeerFin && last !== undefined && last.to === State.CLOSE_WAIT && last.cause === 'received FIN') {
          // Its FIN does not acknowledge the peer's FIN: it was sent before the
          // peer's FIN arrived. Both FINs crossed: simultaneous close (RFC 9293
          // figure 13). Undo the CLOSE_WAIT we assumed when the peer's FIN
          // passed the capture point; the peer's FIN reaches it later, as its
          // ACK of it (or a copy it takes) will show: FIN_WAIT_1 -> CLOSING then.
          this.undoLast('received FIN');
          this.holdPeerFin(HeldFin.InFlight);
          this.finsCrossed = true;
          this.go(State.FIN_WAIT_1, seg, 'sent FIN');
        } else {
          // RFC 9293 3.10.4, CLOSE in CLOSE-WAIT: send FIN, enter LAST-ACK.
          this.go(State.LAST_ACK, seg, 'sent FIN');
        }
        break;
      }
      default:
        break;
    }
  }

  private sentRst(seg: Segment): void {
    const peer = this.peer;
    if (this.state === State.TIME_WAIT && this.twEntry !== null && this.twEntry.frame === this.lastRecvFrame && this.twRestarts.length === 0) {
      // It answers the FIN that would have moved it into TIME_WAIT with RST, not
      // an ACK: it had no connection any more (Linux destroys an orphaned
      // FIN_WAIT_2 socket after tcp_fin_timeout). It never entered TIME_WAIT.
      if (!this.undoLast('received FIN')) this.undoLast('received FIN+ACK of our FIN');
    }
    const noSocketForm = !(seg.flags & ACK) && (this.lastRecvFlags & ACK) !== 0 && seg.seq === this.lastRecvAck;
    // A passive opener answers the very ACK that completed its handshake with a
    // bare RST, the answer of a host without the connection (RFC 9293
    // 3.10.7.1; a live socket's RST carries ACK): that ACK never made it
    // ESTABLISHED. Its listener refused it: Linux does so when the accept queue
    // is full and net.ipv4.tcp_abort_on_overflow is set (tcp_check_req), or
    // when the request had expired. The listener goes on listening.
    const last = this.transitions[this.transitions.length - 1];
    const refusesAck = noSocketForm && this.passive && this.state === State.ESTABLISHED && last !== undefined &&
      last.frame === this.lastRecvFrame && this.undoLast('received ACK of our SYN');
    let unacked = 0;
    if (peer.nxtKnown && peer.payloadBytes > 0) {
      if (this.ackSentKnown) {
        const d = seqDiff(peer.dataNxt, this.lastAckSent);
        unacked = d > 0 ? d : 0;
      } else {
        unacked = peer.payloadBytes;
      }
    }
    const closedBefore = this.twEntry !== null ||
      (this.state === State.CLOSED && this.finKnown && this.finAcked);
    const rec: RstRecord = {
      frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec, seq: seg.seq, state: this.state,
      answersSyn: this.peerSynReceived && !this.issKnown,
      answersSynAck: this.firstSynPlain && peer.issKnown && !peer.issInferred && !this.ackSentKnown,
      afterClose: closedBefore,
      unackedPeerBytes: unacked,
      finSent: this.finKnown,
      peerBytesAfterFin: this.finKnown ? this.peerBytesAfterFin : 0,
      sentBytes: this.payloadBytes,
      receivedBytes: peer.payloadBytes,
      receivedSinceSent: this.recvSinceSent,
      lastRecvFrame: this.lastRecvFrame, lastRecvFlags: this.lastRecvFlags, lastRecvLen: this.lastRecvLen,
      noSocketForm,
      finAcked: this.finAcked,
      taken: 'ignored',
      notTakenFrame: 0,
      notFromSenderFrame: 0,
      afterProbe: this.lastSentProbe,
    };
    const n = this.rsts.length;
    if (n < MAX_RECORDS) this.rsts.push(rec);
    else {
      // A storm of RSTs (a blind attack): the latest takes the place of the one
      // before it, unless that one ended the connection (the report's verdict).
      this.rstsOmitted++;
      if (!rstEffective(this.rsts[n - 1])) this.rsts[n - 1] = rec;
    }
    if (rec.answersSynAck) {
      // A RST answering the SYN+ACK: the SYN+ACK found no connection in
      // SYN-SENT (the socket was closed, or the SYN came from a scanner's raw
      // socket), so it never moved the endpoint to ESTABLISHED.
      this.undoLast('received SYN+ACK');
    }
    if (this.state === State.TIME_WAIT) {
      // A RST from TIME_WAIT means the endpoint no longer had the connection:
      // its TIME_WAIT was over (RFC 9293 3.10.7.1: CLOSED answers with RST).
      if (this.twEnd === null) this.twEnd = { kind: 'rst', frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
      this.go(State.CLOSED, seg, 'sent RST after TIME_WAIT (connection forgotten)');
    } else if (refusesAck) {
      this.rememberRst(seg.frame, true);
      this.go(State.LISTEN, seg, ACK_REFUSED);
    } else if (this.state !== State.CLOSED && this.state !== State.LISTEN) {
      // RFC 9293 3.10.5, ABORT: send RST, enter CLOSED.
      this.rememberRst(seg.frame, true);
      this.go(State.CLOSED, seg, 'sent RST');
    }
  }

  /**
   * A RST moved it to CLOSED: keep what would show, later, that it went on
   * instead. The sender's own segments come in the order it sent them, so
   * new payload, a FIN or a higher ACK from it after its RST shows its TCP
   * did not send the RST. The receiver's segments captured after the RST may
   * have left before the RST reached it; only an ACK of what the RST's
   * sender sent after the RST shows it went on.
   */
  private rememberRst(frame: number, sent: boolean): void {
    this.rstFrame = frame;
    this.rstWasSent = sent;
    this.rstAckAt = sent ? this.lastAckSent : this.peer.sndNxt;
    this.rstNxtAt = this.sndNxt;
  }

  /**
   * It sends a segment after a RST moved it to CLOSED. New payload, a FIN,
   * or an ACK of more than it had acknowledged means its TCP was not reset:
   * the RST did not come from it (injected, a middlebox) or it did not take
   * it. Undo the reset and note the RST. A plain ACK like the ones before
   * proves nothing: it may have been on its way before the RST arrived.
   */
  private wentOnAfterRst(seg: Segment): void {
    const f = seg.flags;
    if (f & SYN) return;
    const newAck = (f & ACK) !== 0 && seqGt(seg.ack, this.rstAckAt);
    const wentOn = this.rstWasSent
      ? newAck || (f & FIN) !== 0 || (seg.payloadLen > 0 && seqGt(seqAdd(seg.seq, seg.payloadLen), this.rstNxtAt))
      : newAck;
    if (!wentOn) return;
    const frame = this.rstFrame;
    this.rstFrame = 0;
    const cause: Cause = this.rstWasSent ? (this.state === State.LISTEN ? ACK_REFUSED : 'sent RST') : this.state === State.LISTEN
      ? 'received RST (passive open: back to LISTEN)' : this.twEnd !== null && this.twEnd.kind === 'rst-received'
        ? 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)' : 'received RST';
    if (!this.undoLast(cause)) return;
    if (this.twEnd !== null && this.twEnd.kind === 'rst-received' && this.twEnd.frame === frame) this.twEnd = null;
    const owner = this.rstWasSent ? this : this.peer;
    const rec = owner.rsts.find((r) => r.frame === frame);
    if (rec === undefined) return;
    if (this.rstWasSent) rec.notFromSenderFrame = seg.frame;
    else rec.notTakenFrame = seg.frame;
    this.notes.add(rec.frame, rec.tsSec, rec.tsNsec, owner.side,
      this.rstWasSent ? NoteKind.RstNotFromSender : NoteKind.RstNotTaken, rec.seq, 0, RST, 0, seg.frame);
  }

  // =================== segments this endpoint receives ====================

  received(seg: Segment): void {
    const f = seg.flags;
    this.lastRecvFrame = seg.frame;
    this.lastRecvFlags = f;
    this.lastRecvLen = seg.payloadLen;
    this.lastRecvAck = seg.ack;

    // A FIN that crossed ours was on its way; this later segment of the same
    // sender comes after it (segments of one direction arrive in order).
    if (this.finHeld && this.heldFinKind === HeldFin.InFlight) this.takeHeldFin(seg);
    if (seg.seq === this.holeAt && seg.payloadLen > 0 && !(f & (SYN | RST))) this.holeBeforeFin();
    if (f & RST) {
      this.receivedRst(seg);
      return;
    }
    // Which copies of its FIN the peer acknowledged is a fact of the wire, whatever the state.
    const finNewlyAcked = (f & ACK) !== 0 && this.finKnown && seqGt(seg.ack, this.finSeq) && (!this.finAcked || this.finAckLost);
    if (finNewlyAcked) this.finAckedBy(seg);
    switch (this.state) {
      case State.CLOSED:
      case State.LISTEN:
        // RFC 9293 3.10.7.1-2: no connection yet (or any more). A SYN is
        // remembered: the endpoint's answer shows whether it listened.
        if ((f & (SYN | ACK)) === SYN) {
          this.peerSynReceived = true;
          this.rcvNxt = seqAdd(seg.seq, 1);
          this.rcvKnown = true;
          this.setTsRecent(seg);
        }
        return;
      case State.SYN_SENT:
        this.receivedInSynSent(seg);
        return;
      default:
        this.receivedSynchronized(seg, finNewlyAcked);
    }
  }

  /** The peer's ACK covers its FIN: mark the copies, and the first such ACK (the textbook's `ack=u+1`). */
  private finAckedBy(seg: Segment): void {
    this.finFirstUnacked = markAcked(this.finCopies, this.finFirstUnacked, seg.frame);
    if (this.finAcked) return;
    this.finAcked = true;
    this.finAckFrame = seg.frame;
    this.finAckSegSeq = seg.seq;
    this.finAckValue = seg.ack;
  }

  /** RFC 9293 3.10.7.3, SYN-SENT. */
  private receivedInSynSent(seg: Segment): void {
    const f = seg.flags;
    if (!(f & SYN)) return;
    this.peerSynReceived = true;
    if (!(f & ACK)) {
      // "Otherwise [no ACK], enter SYN-RECEIVED" (simultaneous open).
      this.rcvNxt = seqAdd(seg.seq, 1);
      this.rcvKnown = true;
      this.setTsRecent(seg);
      this.go(State.SYN_RCVD, seg, 'received SYN (simultaneous open)');
      return;
    }
    // "If SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable"; a SYN+ACK
    // with another ACK is answered with RST and changes nothing.
    if (!this.issKnown || !synSentAckAcceptable(seg.ack, this.iss, this.dataNxt)) {
      this.note(seg, this.peer.side, NoteKind.SynAckBadAck, 0);
      return;
    }
    this.rcvNxt = seqAdd(seg.seq, 1 + seg.payloadLen);
    this.rcvKnown = true;
    this.setTsRecent(seg);
    this.synFirstUnacked = markAcked(this.synCopies, this.synFirstUnacked, seg.frame);
    this.go(State.ESTABLISHED, seg, 'received SYN+ACK');
  }

  /** SYN-RECEIVED and every later state: RFC 9293 3.10.7.4, in its order. */
  private receivedSynchronized(seg: Segment, finNewlyAcked: boolean): void {
    const f = seg.flags;
    const peer = this.peer;
    // A copy of the handshake's SYN (or SYN+ACK, either ISN): a retransmission, recorded by the sender.
    const synCopy = (f & SYN) !== 0 && ((peer.issKnown && seg.seq === peer.iss) || (peer.altIssKnown && seg.seq === peer.altIss));

    // First, check the sequence number.
    const segLen = seg.payloadLen + (f & SYN ? 1 : 0) + (f & FIN ? 1 : 0);
    if (this.rcvKnown && !synCopy && !segmentAcceptable(seg.seq, segLen, this.rcvNxt, this.windowFromRcvNxt()) &&
      !this.zeroWindowFin(seg)) {
      this.notAcceptable(seg);
      return;
    }

    // Fourth, check the SYN bit.
    if (f & SYN) {
      if ((f & ACK) && this.state === State.SYN_RCVD && !this.passive && this.issKnown && seg.ack === seqAdd(this.iss, 1)) {
        // Simultaneous open: the peer's SYN+ACK acknowledges our SYN (RFC 9293 figure 7).
        this.synFirstUnacked = markAcked(this.synCopies, this.synFirstUnacked, seg.frame);
        this.go(State.ESTABLISHED, seg, 'received SYN+ACK');
        return;
      }
      if (!synCopy) {
        // RFC 5961 4 (RFC 9293 3.10.7.4 fourth): a SYN in a synchronized state
        // is answered with a challenge ACK and changes nothing.
        this.note(seg, peer.side, NoteKind.SynInWindow, 0);
        this.challengeFrame = seg.frame;
      }
      return;
    }

    // Fifth, check the ACK field: "if the ACK bit is off drop the segment".
    if (!(f & ACK)) {
      if (f & FIN) this.note(seg, peer.side, NoteKind.FinWithoutAck, 0);
      return;
    }
    this.updateTsRecent(seg);
    this.receivedAck(seg, finNewlyAcked);

    // Seventh and eighth: the text and the FIN, in sequence.
    this.receivedText(seg);
  }

  /** TS.Recent from the peer's SYN (RFC 7323 4.3: "initialized from the SYN"). */
  private setTsRecent(seg: Segment): void {
    if (!seg.hasTimestamp) return;
    this.tsRecentKnown = true;
    this.tsRecent = seg.tsVal;
    this.tsRecentFrame = seg.frame;
    this.tsRecentSec = seg.tsSec;
    this.tsRecentNsec = seg.tsNsec;
  }

  /**
   * RFC 7323 4.3 (2), an acceptable segment: TS.Recent takes its TSval when
   * SEG.SEQ =< Last.ACK.sent (it covers the left edge of the window this
   * endpoint last acknowledged; Linux: not after rcv_wup) and the TSval is
   * not older. Last.ACK.sent is the highest ACK the capture showed it send
   * (RCV.NXT before it sent one): seen from near the sender that ACK is
   * late, which keeps TS.Recent lower, never higher, than the receiver's.
   */
  private updateTsRecent(seg: Segment): void {
    if (!seg.hasTimestamp) return;
    const lastAck = this.ackSentKnown ? this.lastAckSent : this.rcvKnown ? this.rcvNxt : seg.seq;
    if (this.tsRecentKnown) {
      if (!tsRecentTakes(seg.tsVal, seg.seq, this.tsRecent, lastAck, seg.tsSec - this.tsRecentSec)) return;
    } else if (seqDiff(seg.seq, lastAck) > 0) {
      return;
    }
    this.setTsRecent(seg);
  }

  /**
   * Timestamps are in use on the connection (RFC 7323 3.2): both SYNs
   * carried a TSopt when the capture holds both; otherwise (the capture
   * started later) each side sent TSopts and no segment other than a RST
   * without one, as RFC 7323 3.2 requires once they are negotiated.
   */
  private timestampsInUse(): boolean {
    const p = this.peer;
    if (this.synTs >= 0 && p.synTs >= 0) return this.synTs === 1 && p.synTs === 1;
    return this.tsKnown && p.tsKnown && !this.sentNoTs && !p.sentNoTs;
  }

  /**
   * RFC 7323 5.3 R1 (PAWS), before anything else (Linux tcp_validate_incoming):
   * a segment whose TSval is older than TS.Recent is not acceptable and is
   * dropped. Linux answers it with a duplicate ACK (tcp_paws_discard,
   * tcp_send_dupack), except an old pure ACK, which newer kernels drop
   * silently (PAWS_OLD_ACK): whether an answer came is what the receiver's
   * next segment shows (NoteList.answered). RSTs are exempt ("a RST segment
   * ... is acceptable ... regardless of its timestamp"), and so are SYNs
   * here (a SYN in a synchronized state gets its challenge ACK either way,
   * RFC 5961 4). Linux also takes a pure duplicate ACK at RCV.NXT whose
   * TSval is at most its RTO old (tcp_disordered_ack): the capture does not
   * show the RTO, so the lowest one, TCP_RTO_MIN (200 ms, 204 ticks of its
   * check), is used.
   *
   * TIME_WAIT keeps TS.Recent and applies PAWS too, as Linux does there
   * (tcp_timewait_state_process, tcp_paws_reject): with a window of 0 ticks
   * and no disordered-ACK exception; a refused segment other than a RST is
   * answered with an ACK and restarts the TIME_WAIT timer
   * (inet_twsk_reschedule TCP_TIMEWAIT_LEN; the restart is recorded when
   * the capture shows that ACK, as for a retransmitted FIN); a RST with an
   * old TSval is refused (silently) while TS.Recent is younger than
   * PAWS_RST_SECONDS. A SYN on the 4-tuple of a TIME_WAIT is a new
   * connection's (Tracker): not judged here.
   *
   * A rejected segment is noted with its TSval and TS.Recent; the caller
   * lets it change nothing on either side.
   */
  pawsRejected(seg: Segment): boolean {
    const f = seg.flags;
    if ((f & SYN) !== 0 || !seg.hasTimestamp || !this.tsRecentKnown) return false;
    const tw = this.state === State.TIME_WAIT;
    switch (this.state) {
      case State.SYN_RCVD: case State.ESTABLISHED: case State.FIN_WAIT_1: case State.FIN_WAIT_2:
      case State.CLOSE_WAIT: case State.CLOSING: case State.LAST_ACK: case State.TIME_WAIT:
        break;
      default:
        return false;
    }
    const idle = seg.tsSec - this.tsRecentSec;
    if ((f & RST) !== 0 && (!tw || idle >= PAWS_RST_SECONDS)) return false;
    if (!this.timestampsInUse() || !pawsRejects(seg.tsVal, this.tsRecent, idle, tw ? 0 : PAWS_WINDOW)) return false;
    const peer = this.peer;
    if (!tw && seg.payloadLen === 0 && !(f & FIN) && (f & ACK) && this.rcvKnown && seg.seq === this.rcvNxt &&
      peer.ackSentKnown && seg.ack === peer.lastAckSent && ((this.tsRecent - seg.tsVal) | 0) <= DISORDERED_ACK_TICKS) return false;
    this.rejected++;
    this.notes.addPaws(seg, peer.side, this.tsRecentFrame, this.tsRecent, this.rcvKnown ? this.rcvNxt : seg.seq);
    // In TIME_WAIT its ACK answering the segment restarts 2MSL (RFC 9293 3.10.7.4; Linux: "In this case we must reset the TIMEWAIT timer").
    if (tw && (f & RST) === 0) this.twReackPending = true;
    return true;
  }

  /** Count a segment it sent (sent; alone for one its receiver refused by PAWS, pawsRejected). */
  countSent(seg: Segment): void {
    this.packets++;
    this.payloadBytes += seg.payloadLen;
    if (seg.payloadLen > 0) this.dataSegments++;
  }

  /**
   * Linux takes a FIN without payload at RCV.NXT even when its window is
   * closed (tcp_data_queue): the RFC's test would refuse it. A window the
   * capture shows as zero is most often a full receive buffer, not a refusal
   * to close.
   */
  private zeroWindowFin(seg: Segment): boolean {
    return (seg.flags & FIN) !== 0 && seg.payloadLen === 0 && seg.seq === this.rcvNxt;
  }

  /**
   * RFC 9293 3.10.7.4 first: "If a segment's contents straddle the boundary
   * between old and new, only the new parts are processed"; one that is all
   * outside "an acknowledgment should be sent in reply (unless the RST bit
   * is set ...)" and is dropped. A retransmitted FIN in TIME_WAIT is that
   * case: its re-ACK restarts 2MSL.
   */
  private notAcceptable(seg: Segment): void {
    const f = seg.flags;
    this.rejected++;
    if (!(f & FIN)) return;
    const pos = seqAdd(seg.seq, seg.payloadLen);
    if (this.peerFinKnown && pos === this.peerFinPos) {
      // A copy of the FIN it took: in TIME_WAIT it is re-acknowledged.
      if (this.state === State.TIME_WAIT) this.twReackPending = true;
      return;
    }
    if (this.finHeld && pos === this.heldFinPos) return;
    this.note(seg, this.peer.side, NoteKind.FinOutOfWindow, 0);
  }

  /** RFC 9293 3.10.7.4 fifth, the ACK field (`finNewlyAcked`: it acknowledges our FIN, first or again after a lost ACK). */
  private receivedAck(seg: Segment, finNewlyAcked: boolean): void {
    const f = seg.flags;
    const ack = seg.ack;
    if (this.issKnown && seqGt(ack, this.iss)) {
      this.synFirstUnacked = markAcked(this.synCopies, this.synFirstUnacked, seg.frame);
      if (this.state === State.SYN_RCVD) {
        // SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED".
        this.go(State.ESTABLISHED, seg, 'received ACK of our SYN');
      }
    }
    if (!finNewlyAcked) return;
    this.finAckLost = false;
    this.ourFinAcked(seg);
  }

  /** RFC 9293 3.10.7.4 fifth: the moves an ACK of its FIN makes (`m`: the segment carrying it). */
  private ourFinAcked(m: Moment): void {
    switch (this.state) {
      case State.FIN_WAIT_1:
        // FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter FIN-WAIT-2
        // and continue processing in that state": a FIN+ACK acknowledging our FIN
        // then moves on to TIME_WAIT at its eighth step (receivedFin), as Linux does.
        this.go(State.FIN_WAIT_2, m, 'received ACK of our FIN');
        break;
      case State.CLOSING:
        // CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT state".
        this.go(State.TIME_WAIT, m, 'received ACK of our FIN');
        break;
      case State.LAST_ACK:
        // LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter the CLOSED state".
        this.go(State.CLOSED, m, 'received ACK of our FIN');
        break;
      default:
        break;
    }
  }

  /**
   * RFC 9293 3.10.7.4 seventh and eighth: text advances RCV.NXT when it is in
   * sequence; a FIN is processed once everything before it has arrived,
   * otherwise held until the gap is filled or this endpoint acknowledges it.
   */
  private receivedText(seg: Segment): void {
    const f = seg.flags;
    const start = seqAdd(seg.seq, f & SYN ? 1 : 0);
    const end = seqAdd(start, seg.payloadLen);
    if (seg.payloadLen > 0) this.recvSinceSent += seg.payloadLen;
    if (!this.rcvKnown) {
      this.rcvNxt = start;
      this.rcvKnown = true;
    }
    if (seqDiff(start, this.rcvNxt) <= 0 && seqGt(end, this.rcvNxt)) this.rcvNxt = end;
    if (f & FIN) {
      if (end === this.rcvNxt) {
        this.rcvNxt = seqAdd(end, 1);
        this.receivedFin(seg, end, false);
      } else if (seqGt(end, this.rcvNxt) && !this.peerFinKnown) {
        if (!this.finHeld) this.note(seg, this.peer.side, NoteKind.FinOutOfOrder, 0);
        this.finHeld = true;
        this.heldFinPos = end;
        this.heldFinKind = HeldFin.Queued;
      }
    }
    if (this.finHeld && this.heldFinKind === HeldFin.Queued && this.rcvNxt === this.heldFinPos) this.takeHeldFin(seg);
  }

  /** The peer's last copy of the FIN held, if the capture showed it after this endpoint's last move. */
  private lastPeerFinCopy(): Moment | null {
    const peer = this.peer;
    const copies = peer.finCopies;
    const last = this.transitions[this.transitions.length - 1];
    if (!peer.finCaptured || peer.finSeq !== this.heldFinPos || copies.length === 0) return null;
    const c = copies[copies.length - 1];
    return last === undefined || c.frame >= last.frame ? c : null;
  }

  /** The held FIN is in sequence now (the gap before it filled, or this endpoint acknowledged it). */
  private takeHeldFin(m: Moment): void {
    this.finHeld = false;
    if (this.peerFinKnown) return;
    const pos = this.heldFinPos;
    if (seqDiff(this.rcvNxt, pos) <= 0) this.rcvNxt = seqAdd(pos, 1);
    this.receivedFin(m, pos, false);
  }

  /** The peer's FIN it was taken to have received had not reached it (yet): held, see HeldFin. */
  private holdPeerFin(kind: HeldFin): void {
    this.peerFinKnown = false;
    this.finHeld = true;
    this.heldFinKind = kind;
    this.heldFinPos = this.peerFinPos;
    this.rcvNxt = this.peerFinPos;
    this.peerFinPos = 0;
  }

  /**
   * The peer's FIN at sequence number `pos` reached this endpoint (RFC 9293
   * 3.10.7.4, eighth, "check the FIN bit"). `inferred` when the FIN itself
   * was not captured.
   */
  receivedFin(m: Moment, pos: number, inferred: boolean): void {
    if (this.peerFinKnown) {
      // Same sequence number: a retransmitted FIN (or the late copy of an inferred one):
      // in TIME_WAIT its re-ACK restarts 2MSL.
      if (pos === this.peerFinPos && this.state === State.TIME_WAIT && !inferred) this.twReackPending = true;
      return;
    }
    this.peerFinKnown = true;
    this.peerFinPos = pos;
    if (this.finHeld && pos === this.heldFinPos) this.finHeld = false;
    switch (this.state) {
      case State.SYN_RCVD:
        // A captured FIN reaches here only when its ACK did not acknowledge our
        // SYN (an acceptable one moved us to ESTABLISHED first): RFC 9293
        // 3.10.7.4 answers that with RST and processes no FIN.
        if (inferred) this.go(State.CLOSE_WAIT, m, 'received FIN', inferred);
        else this.peerFinKnown = false;
        break;
      case State.ESTABLISHED:
        this.go(State.CLOSE_WAIT, m, 'received FIN', inferred);
        break;
      case State.FIN_WAIT_1:
        if (this.finAcked) {
          // "If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT".
          this.go(State.TIME_WAIT, m, 'received FIN+ACK of our FIN', inferred);
        } else {
          // "otherwise, enter the CLOSING state": the peer sent its FIN before ours reached it.
          this.finsCrossed = true;
          this.go(State.CLOSING, m, 'received FIN crossing ours (simultaneous close)', inferred);
        }
        break;
      case State.FIN_WAIT_2:
        this.go(State.TIME_WAIT, m, 'received FIN', inferred);
        break;
      default:
        break;
    }
  }

  private receivedRst(seg: Segment): void {
    const peer = this.peer;
    const rec = peer.rsts.length > 0 && peer.rsts[peer.rsts.length - 1].frame === seg.frame ? peer.rsts[peer.rsts.length - 1] : null;
    const take = (how: RstTaken): void => {
      if (rec !== null) rec.taken = how;
    };
    switch (this.state) {
      case State.SYN_SENT:
        // RFC 9293 3.10.7.3, SYN-SENT: a RST is acceptable only if its ACK
        // acknowledges our SYN (SND.UNA < SEG.ACK =< SND.NXT); then "the
        // connection has been refused"; "Otherwise ... drop the segment".
        if ((seg.flags & ACK) && this.issKnown && synSentAckAcceptable(seg.ack, this.iss, this.dataNxt)) {
          take('reset');
          this.go(State.CLOSED, seg, 'received RST (connection refused)');
        } else {
          take('drop');
          this.note(seg, peer.side, NoteKind.RstBadAck, 0);
        }
        return;
      case State.CLOSED:
      case State.LISTEN:
        // 3.10.7.1/3.10.7.2: an incoming RST is ignored.
        take('ignored');
        return;
      default:
        break;
    }
    let action: RstAction = RstAction.Reset;
    if (this.rcvKnown) {
      const afterPeerFin = this.state === State.CLOSE_WAIT || this.state === State.LAST_ACK || this.state === State.CLOSING;
      action = rstAction(seg.seq, this.rcvNxt, this.windowFromRcvNxt(), afterPeerFin);
    }
    if (action === RstAction.Drop) {
      take('drop');
      this.note(seg, peer.side, NoteKind.RstOutOfWindow, 0);
      return;
    }
    if (action === RstAction.Challenge) {
      take('challenge');
      this.note(seg, peer.side, NoteKind.RstChallenged, 0);
      this.challengeFrame = seg.frame;
      return;
    }
    take(this.rcvKnown ? 'reset' : 'untested');
    this.rememberRst(seg.frame, false);
    if (this.state === State.SYN_RCVD && this.passive) {
      // 3.10.7.4, SYN-RECEIVED: "If this connection was initiated with a
      // passive OPEN, then return this connection to LISTEN state".
      this.go(State.LISTEN, seg, 'received RST (passive open: back to LISTEN)');
    } else if (this.state === State.TIME_WAIT) {
      // RFC 9293 3.10.7.4, TIME-WAIT: "If the RST bit is set, then enter the
      // CLOSED state"; RFC 1337 calls this TIME-WAIT assassination (Linux
      // does it unless net.ipv4.tcp_rfc1337 is set).
      if (this.twEnd === null) this.twEnd = { kind: 'rst-received', frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
      this.go(State.CLOSED, seg, 'received RST in TIME_WAIT (TIME-WAIT assassination, RFC 1337)');
    } else {
      // ESTABLISHED ... LAST_ACK: "enter the CLOSED state".
      this.go(State.CLOSED, seg, 'received RST');
    }
  }

  // ============================ inferences ================================

  /**
   * A new connection on the same 4-tuple was accepted while this endpoint was
   * in TIME_WAIT (it sent the new SYN itself, or answered it with SYN+ACK):
   * its TIME_WAIT is over and the old connection is gone.
   */
  endTimeWaitByReuse(m: Moment): void {
    if (this.state !== State.TIME_WAIT || this.twEnd !== null) return;
    this.twEnd = { kind: 'reuse', frame: m.frame, tsSec: m.tsSec, tsNsec: m.tsNsec };
    this.go(State.CLOSED, m, 'TIME_WAIT ended: a new connection reused the 4-tuple', true);
  }

  /**
   * The peer acknowledged a FIN of ours that the capture does not hold, at
   * `pos`. Sent from CLOSE_WAIT, that FIN acknowledged the peer's FIN too
   * (every segment after the handshake carries the ACK of what it received).
   */
  inferFinSent(m: Moment, pos: number, basis: FinBasis): void {
    const peer = this.peer;
    if (this.state === State.CLOSE_WAIT && peer.finKnown && !peer.finAcked) {
      peer.finAcked = true;
      peer.finAckFrame = m.frame;
      peer.finAckSegSeq = pos;
      peer.finAckValue = seqAdd(peer.finSeq, 1);
    }
    this.finKnown = true;
    this.finSeq = pos;
    this.finCaptured = false;
    this.finBasis = basis;
    this.peerBytesAfterFin = 0;
    if (this.state === State.ESTABLISHED || this.state === State.SYN_RCVD) {
      this.go(State.FIN_WAIT_1, m, 'FIN not captured (inferred from the ACK of it)', true);
    } else if (this.state === State.CLOSE_WAIT) {
      this.go(State.LAST_ACK, m, 'FIN not captured (inferred from the ACK of it)', true);
    }
  }

  /**
   * New payload (or a FIN at another number) beyond an inferred FIN: there
   * was no FIN there. Take back what the inference moved, where nothing
   * came after it; the peer acknowledged one byte the capture missed.
   */
  private withdrawInferredFin(): void {
    // What the inferred FIN moved: its sender to FIN_WAIT_1 (and on, by the
    // ACK of it), its receiver by taking it.
    while (this.undoLast('received ACK of our FIN') || this.undoLast('FIN not captured (inferred from the ACK of it)'));
    const peer = this.peer;
    if (peer.peerFinKnown && peer.peerFinPos === this.finSeq) {
      if (!peer.undoLast('received FIN')) peer.undoLast('received FIN+ACK of our FIN');
      peer.peerFinKnown = false;
      peer.peerFinPos = 0;
    }
    this.finKnown = false;
    this.finSeq = 0;
    this.finCaptured = false;
    this.finBasis = FinBasis.Captured;
    this.finAcked = false;
    this.finAckFrame = 0;
    this.finAckSegSeq = 0;
    this.finAckValue = 0;
  }

  /**
   * Its FIN was acknowledged by a peer the capture never shows (see
   * Connection.settle), at the end of what the capture shows.
   */
  inferFinAcked(m: Moment): void {
    this.finAcked = true;
    this.finAckFrame = m.frame;
    this.finFirstUnacked = this.finCopies.length;
    const cause: Cause = 'ACK of our FIN not captured (inferred: the FIN was not sent again)';
    if (this.state === State.FIN_WAIT_1) this.go(State.FIN_WAIT_2, m, cause, true);
    else if (this.state === State.CLOSING) this.go(State.TIME_WAIT, m, cause, true);
    else if (this.state === State.LAST_ACK) this.go(State.CLOSED, m, cause, true);
  }

  /**
   * Server side of a capture without the client's ACK of the SYN+ACK: it
   * acknowledged data the client sent after the handshake, so that ACK
   * arrived (RFC 9293 3.10.7.4: SYN-RECEIVED moves to ESTABLISHED on it).
   */
  inferAckOfSyn(m: Moment): void {
    if (this.state !== State.SYN_RCVD) return;
    this.go(State.ESTABLISHED, m, 'ACK of our SYN not captured (inferred: it acknowledged data sent after the handshake)', true);
  }

  // ============================== packing ==================================

  /** Pack everything this endpoint holds (frozen.ts); `peer`, `notes` and `watch` are the connection's business. */
  pack(w: WordWriter): void {
    if (this.watch !== null) w.ok = false;
    const te = this.twEnd;
    w.u32(this.state |
      (this.passive ? 1 << 4 : 0) | (this.issKnown ? 1 << 5 : 0) | (this.issInferred ? 1 << 6 : 0) |
      (this.nxtKnown ? 1 << 7 : 0) | (this.finKnown ? 1 << 8 : 0) | (this.finCaptured ? 1 << 9 : 0) |
      (this.finAcked ? 1 << 10 : 0) | (this.finAckLost ? 1 << 11 : 0) | (this.finsCrossed ? 1 << 12 : 0) |
      (this.firstSynPlain ? 1 << 13 : 0) | (this.ackSentKnown ? 1 << 14 : 0) | (this.peerSynReceived ? 1 << 15 : 0) |
      (this.peerFinKnown ? 1 << 16 : 0) | (this.twReackPending ? 1 << 17 : 0) | (this.twEntry !== null ? 1 << 18 : 0) |
      (te !== null ? 1 << 19 : 0) | (this.altIssKnown ? 1 << 20 : 0) | (this.wndEdgeKnown ? 1 << 21 : 0) |
      (this.wndEdgeBound ? 1 << 22 : 0) | (this.tsKnown ? 1 << 23 : 0) | (this.rcvKnown ? 1 << 24 : 0) |
      (this.finHeld ? 1 << 25 : 0) | (this.rstWasSent ? 1 << 26 : 0) | (this.heldFinKind << 27) |
      (this.tsRecentKnown ? 1 << 29 : 0) | (this.sentNoTs ? 1 << 30 : 0));
    w.u32(this.nxtBasis | (this.finBasis << 2) | (te !== null ? TW_END_KINDS.indexOf(te.kind) << 4 : 0) | ((this.wscale + 1) << 6) |
      ((this.synTs + 1) << 11));
    // Sequence numbers from the ISN (ours) or from the last ACK it sent (the peer's), frames and times from the connection's first.
    const iss = this.iss;
    const peer = this.lastAckSent;
    // Side 1's ISN, last ACK and timestamps from side 0's, packed (and
    // unpacked) before them: its ISN from the last ACK side 0 sent, its last
    // ACK from side 0's ISN, the TSvals each holds of the other from the
    // other's newest.
    const near = this.side === 1 ? this.peer : null;
    if (near === null) w.u32(iss); else w.seq(iss, near.lastAckSent);
    w.seq(this.synEnd, iss); w.seq(this.altIss, iss); w.seq(this.dataNxt, iss); w.seq(this.finSeq, iss);
    writeOptionalMoment(w, this.zeroFrame, this.zeroSec, this.zeroNsec);
    w.frame(this.finAckLostFrame); w.frame(this.finAckFrame);
    if (near === null) w.u32(peer); else w.seq(peer, near.iss);
    w.seq(this.finAckSegSeq, peer); w.seq(this.finAckValue, iss);
    w.seq(this.wndEdge, peer);
    if (near === null) w.u32(this.tsMax); else w.seq(this.tsMax, near.tsRecent);
    if (near === null) w.u32(this.tsRecent); else w.seq(this.tsRecent, near.tsMax);
    writeOptionalMoment(w, this.tsRecentFrame, this.tsRecentSec, this.tsRecentNsec);
    w.u32(this.synFirstUnacked); w.u32(this.finFirstUnacked);
    w.u32(this.packets); w.u32(this.payloadBytes); w.u32(this.dataSegments); w.u32(this.keepAlives); w.u32(this.rejected); w.frame(this.probeFrame);
    w.u32(this.halfCloseBytes); w.u32(this.halfCloseSegments);
    w.seq(this.rcvNxt, peer); w.seq(this.peerFinPos, peer); w.seq(this.heldFinPos, peer);
    w.u32(this.recvSinceSent); w.u32(this.peerBytesAfterFin);
    w.frame(this.lastRecvFrame); w.u32(this.lastRecvFlags); w.u32(this.lastRecvLen); w.seq(this.lastRecvAck, iss);
    w.frame(this.challengeFrame); w.frame(this.lastSentProbe); w.uint(this.holeAt + 1);
    w.frame(this.rstFrame); w.seq(this.rstAckAt, peer); w.seq(this.rstNxtAt, iss);
    writeOptionalMoment(w, this.plusOneFrame, this.plusOneSec, this.plusOneNsec); w.seq(this.plusOnePos, iss);
    if (this.twEntry !== null) writeMoment(w, this.twEntry);
    if (te !== null) writeMoment(w, te);
    w.u32(this.transitions.length);
    for (const t of this.transitions) {
      // Cause strings are the constants above (CAUSE_INDEX).
      const cause = CAUSE_INDEX.get(t.cause) ?? -1;
      if (cause < 0) w.ok = false;
      w.u32(t.from | (t.to << 4) | (t.inferred ? 1 << 8 : 0) | ((cause < 0 ? 0 : cause) << 9));
      writeMoment(w, t);
    }
    w.u32(this.synCopiesOmitted); w.u32(this.synAckCopiesOmitted); w.u32(this.altSynCopiesOmitted);
    w.u32(this.finCopiesOmitted); w.u32(this.rstsOmitted); w.u32(this.twRestartsOmitted);
    writeCopies(w, this.synCopies, this.synCopiesOmitted);
    writeCopies(w, this.synAckCopies, this.synAckCopiesOmitted);
    writeCopies(w, this.altSynCopies, this.altSynCopiesOmitted);
    writeCopies(w, this.finCopies, this.finCopiesOmitted);
    w.u32(this.rsts.length);
    for (const x of this.rsts) {
      writeMoment(w, x);
      w.seq(x.seq, iss);
      w.u32(x.state | (x.answersSyn ? 1 << 4 : 0) | (x.afterClose ? 1 << 5 : 0) | (x.finSent ? 1 << 6 : 0) |
        (x.noSocketForm ? 1 << 7 : 0) | (x.finAcked ? 1 << 8 : 0) | (x.answersSynAck ? 1 << 9 : 0) |
        (RST_TAKEN.indexOf(x.taken) << 10));
      w.u32(x.unackedPeerBytes); w.u32(x.peerBytesAfterFin); w.u32(x.sentBytes); w.u32(x.receivedBytes); w.u32(x.receivedSinceSent);
      w.frame(x.lastRecvFrame); w.u32(x.lastRecvFlags); w.u32(x.lastRecvLen);
      w.frame(x.notTakenFrame); w.frame(x.notFromSenderFrame); w.frame(x.afterProbe);
    }
    w.u32(this.twRestarts.length);
    for (const m of this.twRestarts) writeMoment(w, m);
  }

  /** The inverse of pack, into a new (or reset) endpoint. */
  unpack(r: WordReader): void {
    const f = r.u32();
    this.state = (f & 15) as State;
    this.passive = (f & (1 << 4)) !== 0;
    this.issKnown = (f & (1 << 5)) !== 0;
    this.issInferred = (f & (1 << 6)) !== 0;
    this.nxtKnown = (f & (1 << 7)) !== 0;
    this.finKnown = (f & (1 << 8)) !== 0;
    this.finCaptured = (f & (1 << 9)) !== 0;
    this.finAcked = (f & (1 << 10)) !== 0;
    this.finAckLost = (f & (1 << 11)) !== 0;
    this.finsCrossed = (f & (1 << 12)) !== 0;
    this.firstSynPlain = (f & (1 << 13)) !== 0;
    this.ackSentKnown = (f & (1 << 14)) !== 0;
    this.peerSynReceived = (f & (1 << 15)) !== 0;
    this.peerFinKnown = (f & (1 << 16)) !== 0;
    this.twReackPending = (f & (1 << 17)) !== 0;
    this.altIssKnown = (f & (1 << 20)) !== 0;
    this.wndEdgeKnown = (f & (1 << 21)) !== 0;
    this.wndEdgeBound = (f & (1 << 22)) !== 0;
    this.tsKnown = (f & (1 << 23)) !== 0;
    this.rcvKnown = (f & (1 << 24)) !== 0;
    this.finHeld = (f & (1 << 25)) !== 0;
    this.rstWasSent = (f & (1 << 26)) !== 0;
    this.heldFinKind = ((f >>> 27) & 3) as HeldFin;
    this.tsRecentKnown = (f & (1 << 29)) !== 0;
    this.sentNoTs = (f & (1 << 30)) !== 0;
    const g = r.u32();
    this.nxtBasis = (g & 3) as NxtBasis;
    this.finBasis = ((g >>> 2) & 3) as FinBasis;
    const twKind = TW_END_KINDS[(g >>> 4) & 3];
    this.wscale = ((g >>> 6) & 31) - 1;
    this.synTs = ((g >>> 11) & 3) - 1;
    const near = this.side === 1 ? this.peer : null;
    const iss = near === null ? r.u32() : r.seq(near.lastAckSent);
    this.iss = iss; this.synEnd = r.seq(iss); this.altIss = r.seq(iss); this.dataNxt = r.seq(iss); this.finSeq = r.seq(iss);
    this.zeroFrame = r.frame();
    if (this.zeroFrame !== 0) { this.zeroSec = r.time(); this.zeroNsec = r.nsec; }
    this.finAckLostFrame = r.frame(); this.finAckFrame = r.frame();
    const peer = near === null ? r.u32() : r.seq(near.iss);
    this.lastAckSent = peer; this.finAckSegSeq = r.seq(peer); this.finAckValue = r.seq(iss);
    this.wndEdge = r.seq(peer);
    this.tsMax = near === null ? r.u32() : r.seq(near.tsRecent);
    this.tsRecent = near === null ? r.u32() : r.seq(near.tsMax);
    this.tsRecentFrame = r.frame();
    if (this.tsRecentFrame !== 0) { this.tsRecentSec = r.time(); this.tsRecentNsec = r.nsec; }
    this.synFirstUnacked = r.u32(); this.finFirstUnacked = r.u32();
    this.packets = r.u32(); this.payloadBytes = r.u32(); this.dataSegments = r.u32(); this.keepAlives = r.u32(); this.rejected = r.u32(); this.probeFrame = r.frame();
    this.halfCloseBytes = r.u32(); this.halfCloseSegments = r.u32();
    this.rcvNxt = r.seq(peer); this.peerFinPos = r.seq(peer); this.heldFinPos = r.seq(peer);
    this.recvSinceSent = r.u32(); this.peerBytesAfterFin = r.u32();
    this.lastRecvFrame = r.frame(); this.lastRecvFlags = r.u32(); this.lastRecvLen = r.u32(); this.lastRecvAck = r.seq(iss);
    this.challengeFrame = r.frame(); this.lastSentProbe = r.frame(); this.holeAt = r.uint() - 1;
    this.rstFrame = r.frame(); this.rstAckAt = r.seq(peer); this.rstNxtAt = r.seq(iss);
    this.plusOneFrame = r.frame();
    if (this.plusOneFrame !== 0) { this.plusOneSec = r.time(); this.plusOneNsec = r.nsec; }
    this.plusOnePos = r.seq(iss);
    if (f & (1 << 18)) this.twEntry = readMoment(r);
    if (f & (1 << 19)) {
      const m = readMoment(r);
      this.twEnd = { kind: twKind, frame: m.frame, tsSec: m.tsSec, tsNsec: m.tsNsec };
    }
    const nt = r.u32();
    for (let i = 0; i < nt; i++) {
      const x = r.u32();
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      this.transitions.push(this.transition((x & 15) as State, ((x >>> 4) & 15) as State, frame, tsSec, tsNsec, CAUSES[x >>> 9], (x & (1 << 8)) !== 0));
    }
    this.synCopiesOmitted = r.u32(); this.synAckCopiesOmitted = r.u32(); this.altSynCopiesOmitted = r.u32();
    this.finCopiesOmitted = r.u32(); this.rstsOmitted = r.u32(); this.twRestartsOmitted = r.u32();
    this.readCopies(r, this.synCopies, this.synCopiesOmitted);
    this.readCopies(r, this.synAckCopies, this.synAckCopiesOmitted);
    this.readCopies(r, this.altSynCopies, this.altSynCopiesOmitted);
    this.readCopies(r, this.finCopies, this.finCopiesOmitted);
    const nr = r.u32();
    for (let i = 0; i < nr; i++) {
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      const seq = r.seq(iss);
      const x = r.u32();
      const unackedPeerBytes = r.u32();
      const peerBytesAfterFin = r.u32();
      const sentBytes = r.u32();
      const receivedBytes = r.u32();
      const receivedSinceSent = r.u32();
      const lastRecvFrame = r.frame();
      const lastRecvFlags = r.u32();
      const lastRecvLen = r.u32();
      const notTakenFrame = r.frame();
      const notFromSenderFrame = r.frame();
      const afterProbe = r.frame();
      this.rsts.push({
        frame, tsSec, tsNsec, seq, state: (x & 15) as State,
        answersSyn: (x & (1 << 4)) !== 0,
        answersSynAck: (x & (1 << 9)) !== 0,
        afterClose: (x & (1 << 5)) !== 0,
        unackedPeerBytes,
        finSent: (x & (1 << 6)) !== 0,
        peerBytesAfterFin,
        sentBytes,
        receivedBytes,
        receivedSinceSent,
        lastRecvFrame, lastRecvFlags, lastRecvLen,
        noSocketForm: (x & (1 << 7)) !== 0,
        finAcked: (x & (1 << 8)) !== 0,
        taken: RST_TAKEN[(x >>> 10) & 7],
        notTakenFrame,
        notFromSenderFrame,
        afterProbe,
      });
    }
    const nm = r.u32();
    for (let i = 0; i < nm; i++) this.twRestarts.push(readMoment(r));
  }
}

/**
 * Records an endpoint keeps in each of its lists of copies (SYN, SYN+ACK,
 * FIN), RSTs and TIME_WAIT restarts: the first MAX_RECORDS - 1 and the
 * latest; the ones between are counted (…Omitted). A capture may hold a storm
 * of them on one connection (a retransmission loop, a blind RST attack: a
 * million segments), and the lists grew with the file (1 GB for a million
 * copies of one FIN), and so did the report's lists of frames. Real stacks
 * retransmit a SYN or FIN at most about 15 times (Linux tcp_retries2).
 */
export const MAX_RECORDS = 32;


/** Most transition records an endpoint keeps for reuse. */
const SPARE_RECORDS = 8;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Empty a list keeping its room (length = 0 would let go of it). */
function empty(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

/** Empty a list of records keeping its room; up to SPARE_RECORDS of them go to `spare`. */
function keepRecords<T>(list: T[], spare: T[]): void {
  for (let t = list.pop(); t !== undefined; t = list.pop()) if (spare.length < SPARE_RECORDS) spare.push(t);
}

/** Exchange the contents of two lists in place. */
function swapCopies(a: Copy[], b: Copy[]): void {
  const t = a.splice(0, a.length);
  a.push(...b.splice(0, b.length));
  b.push(...t);
}

/** A list of copies; when some were left out (`omitted`), the gap of the last, which is from one of them. */
function writeCopies(w: WordWriter, list: readonly Copy[], omitted: number): void {
  w.u32(list.length);
  for (const k of list) {
    w.moment(k.frame, k.tsSec, k.tsNsec);
    w.u32((k.withData ? 1 : 0) | (k.tsVal >= 0 ? 2 : 0));
    if (k.tsVal >= 0) w.u32(k.tsVal);
    w.frame(k.ackedFrame);
  }
  if (omitted > 0 && list.length > 0) w.f64(list[list.length - 1].gapSeconds);
}

/** A moment that may be unset (frame 0): its time only when it is set. */
function writeOptionalMoment(w: WordWriter, frame: number, sec: number, nsec: number): void {
  w.frame(frame);
  if (frame !== 0) w.time(sec, nsec);
}

function writeMoment(w: WordWriter, m: Moment): void {
  w.moment(m.frame, m.tsSec, m.tsNsec);
}

function readMoment(r: WordReader): Moment {
  const frame = r.frame();
  const tsSec = r.time();
  return { frame, tsSec, tsNsec: r.nsec };
}

function markAcked(list: Copy[], from: number, frame: number): number {
  for (let i = from; i < list.length; i++) list[i].ackedFrame = frame;
  return list.length;
}
