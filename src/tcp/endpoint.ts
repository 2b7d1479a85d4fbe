import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.ts';
import { seqAdd, seqDiff, seqGt } from './seq.ts';
import type { EndpointWatch } from './observer.ts';
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
  | 'received RST'
  | 'received RST (connection refused)'
  | 'received RST (passive open: back to LISTEN)'
  | 'TIME_WAIT ended: a new connection reused the 4-tuple'
  | 'capture started mid-connection'
  | 'SYN not captured (inferred from the SYN+ACK)'
  | 'SYN+ACK not captured (inferred from the ACK of it)'
  | 'FIN not captured (inferred from the ACK of it)';

/** Every Cause, indexed for packing (frozen.ts). */
const CAUSES = [
  'sent SYN', 'passive open (inferred: it answered a SYN)', 'received SYN, sent SYN+ACK', 'received SYN (simultaneous open)',
  'received SYN+ACK', 'received ACK of our SYN', 'sent FIN', 'received FIN', 'received ACK of our FIN',
  'received FIN+ACK of our FIN', 'received FIN crossing ours (simultaneous close)', 'sent RST',
  'sent RST after TIME_WAIT (connection forgotten)', 'received RST', 'received RST (connection refused)',
  'received RST (passive open: back to LISTEN)', 'TIME_WAIT ended: a new connection reused the 4-tuple',
  'capture started mid-connection', 'SYN not captured (inferred from the SYN+ACK)',
  'SYN+ACK not captured (inferred from the ACK of it)', 'FIN not captured (inferred from the ACK of it)',
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

/** What the capture showed about one RST an endpoint sent. */
export interface RstRecord {
  readonly frame: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  /** The sender's state when it sent the RST. */
  readonly state: State;
  /** The sender had received a SYN and never sent a SYN of its own. */
  readonly answersSyn: boolean;
  /** The sender had been in TIME_WAIT, or had closed after LAST_ACK. */
  readonly afterClose: boolean;
  /** Payload bytes of the peer the sender never acknowledged before the RST (RST's own ACK excluded). */
  readonly unackedPeerBytes: number;
  /** The sender had sent a FIN before. */
  readonly finSent: boolean;
  /** Payload bytes the sender had sent, and received, before the RST. */
  readonly sentBytes: number;
  readonly receivedBytes: number;
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
}

/** How the capture showed that an endpoint's TIME_WAIT ended. */
export interface TimeWaitEnd extends Moment {
  /** `rst`: it answered with RST, so it had forgotten the connection; `reuse`: a new SYN on the 4-tuple was accepted. */
  readonly kind: 'rst' | 'reuse';
}

/**
 * One endpoint's RFC 9293 state machine, driven by the segments it sends and
 * receives as seen at the capture point. The connection calls `sent` for the
 * sender and then `received` for the receiver of every segment.
 *
 * Nothing is allocated per segment except when a transition, a SYN/FIN copy,
 * a RST or a TIME_WAIT restart is recorded.
 */
export class Endpoint {
  state: State = State.CLOSED;
  readonly transitions: Transition[] = [];
  /** Set by the connection right after construction. */
  peer!: Endpoint;
  /** The endpoint reached SYN_RCVD from LISTEN (passive open). */
  passive = false;

  // ---- what it sent ----
  issKnown = false;
  /** Initial send sequence number (its SYN's seq). */
  iss = 0;
  /** The ISN was inferred (from the peer's ACK), not seen in a SYN. */
  issInferred = false;
  nxtKnown = false;
  /** Highest seq + len (+1 for SYN) sent, FIN excluded. */
  dataNxt = 0;
  finKnown = false;
  /** Sequence number of its FIN. */
  finSeq = 0;
  /** False while the FIN is only inferred from the peer's ACK. */
  finCaptured = false;
  finAcked = false;
  /** The ACK of its FIN that the capture shows did not reach it (it retransmitted the FIN after). */
  finAckLost = false;
  /** Frame of that lost ACK (0 if none). */
  finAckLostFrame = 0;
  /** First segment from the peer whose ACK covered the FIN. */
  finAckFrame = 0;
  /** Sequence number of that segment (the textbook `v`). */
  finAckSegSeq = 0;
  finAckValue = 0;
  readonly synCopies: Copy[] = [];
  readonly finCopies: Copy[] = [];
  private synFirstUnacked = 0;
  /** It sent the SYN+ACK of a simultaneous open (not counted as a SYN copy). */
  private synAckAnswered = false;
  /** Its first captured SYN had no ACK (an active open). */
  private firstSynPlain = false;
  private finFirstUnacked = 0;
  ackSentKnown = false;
  /** Highest ACK it sent in a segment other than a RST. */
  lastAckSent = 0;
  packets = 0;
  /** Payload bytes of all its segments, retransmissions included. */
  payloadBytes = 0;
  dataSegments = 0;
  keepAlives = 0;
  readonly rsts: RstRecord[] = [];
  /** Data it sent after it had received the peer's FIN (the segment acknowledged that FIN). */
  halfCloseBytes = 0;
  halfCloseSegments = 0;

  // ---- what it received ----
  peerSynReceived = false;
  peerFinKnown = false;
  /** Sequence number of the peer's FIN. */
  peerFinPos = 0;
  private lastRecvFrame = 0;
  private lastRecvFlags = 0;
  private lastRecvLen = 0;
  private lastRecvAck = 0;

  // ---- TIME_WAIT ----
  twEntry: Moment | null = null;
  readonly twRestarts: Moment[] = [];
  twEnd: TimeWaitEnd | null = null;
  /** A retransmitted FIN arrived in TIME_WAIT; the next ACK re-acknowledges it. */
  private twReackPending = false;

  /** Set by the tracker only when it has an observer (see observer.ts). */
  watch: EndpointWatch | null = null;
  /** Transitions of the connection this object held before (reset), for the next ones (transition). */
  private readonly spareTransitions: Writable<Transition>[] = [];
  /** Copy records of the connection this object held before (reset), for the next ones (copy). */
  private readonly spareCopies: Writable<Copy>[] = [];

  /**
   * Back to the state of a new Endpoint (the peer link stays), for
   * Connection.renew. Every field above is set here as its initializer sets
   * it (test/tcp/reuse.test.ts compares a reset endpoint with a new one
   * field by field).
   */
  reset(): void {
    this.state = State.CLOSED;
    // Pop, not length = 0, which would let go of the arrays' room too.
    keepRecords(this.transitions, this.spareTransitions);
    this.passive = false;
    this.issKnown = false;
    this.iss = 0;
    this.issInferred = false;
    this.nxtKnown = false;
    this.dataNxt = 0;
    this.finKnown = false;
    this.finSeq = 0;
    this.finCaptured = false;
    this.finAcked = false;
    this.finAckLost = false;
    this.finAckLostFrame = 0;
    this.finAckFrame = 0;
    this.finAckSegSeq = 0;
    this.finAckValue = 0;
    keepRecords(this.synCopies, this.spareCopies);
    keepRecords(this.finCopies, this.spareCopies);
    this.synFirstUnacked = 0;
    this.synAckAnswered = false;
    this.firstSynPlain = false;
    this.finFirstUnacked = 0;
    this.ackSentKnown = false;
    this.lastAckSent = 0;
    this.packets = 0;
    this.payloadBytes = 0;
    this.dataSegments = 0;
    this.keepAlives = 0;
    empty(this.rsts);
    this.halfCloseBytes = 0;
    this.halfCloseSegments = 0;
    this.peerSynReceived = false;
    this.peerFinKnown = false;
    this.peerFinPos = 0;
    this.lastRecvFrame = 0;
    this.lastRecvFlags = 0;
    this.lastRecvLen = 0;
    this.lastRecvAck = 0;
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
    if (this.watch !== null) this.watch.observer.transition(this.watch.conn, this.watch.side, t);
  }

  private addCopy(list: Copy[], seg: Segment): void {
    list.push(this.copy(list, seg.frame, seg.tsSec, seg.tsNsec, seg.payloadLen > 0));
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
    k.frame = frame; k.tsSec = tsSec; k.tsNsec = tsNsec; k.gapSeconds = gapSeconds; k.withData = withData; k.ackedFrame = 0;
    return k;
  }

  /** The copies writeCopies wrote, appended to `list` (the gaps recomputed exactly as addCopy computed them). */
  private readCopies(r: WordReader, list: Copy[]): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      const withData = r.u32() === 1;
      const k = this.copy(list, frame, tsSec, tsNsec, withData);
      k.ackedFrame = r.frame();
      list.push(k);
    }
  }

  // ===================== segments this endpoint sends =====================

  sent(seg: Segment): void {
    const f = seg.flags;
    const len = seg.payloadLen;
    this.packets++;
    this.payloadBytes += len;
    if (len > 0) this.dataSegments++;

    if (f & RST) {
      this.sentRst(seg);
      return;
    }

    if (f & SYN) {
      if (this.issKnown && seg.seq === this.iss) {
        if ((f & ACK) && !this.synAckAnswered && this.firstSynPlain) {
          // Simultaneous open (RFC 9293 3.5): after its SYN crossed the peer's,
          // the endpoint answers SYN+ACK with the same ISN. That is the
          // SYN-RECEIVED answer, not a retransmission of its SYN.
          this.synAckAnswered = true;
        } else {
          // Same ISN: a copy of the SYN (retransmission, or the real one after an inferred ISN).
          if (this.issInferred) this.issInferred = false;
          this.addCopy(this.synCopies, seg);
        }
      } else if (!this.issKnown) {
        this.iss = seg.seq;
        this.issKnown = true;
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
      }
    }

    // Sequence space. A keep-alive is a segment at SND.NXT-1 with 0 or 1 byte
    // (RFC 9293 3.8.4); it does not move SND.NXT.
    const synLen = f & SYN ? 1 : 0;
    const end = seqAdd(seg.seq, synLen + len);
    let newBytes = len;
    if (this.nxtKnown) {
      if (!(f & (SYN | FIN)) && len <= 1 && seg.seq === seqAdd(this.dataNxt, -1)) {
        this.keepAlives++;
        newBytes = 0;
      } else {
        const d = seqDiff(end, this.dataNxt);
        newBytes = d <= 0 ? 0 : d < len ? d : len;
      }
    }
    if (newBytes > 0 && this.peerFinKnown && (f & ACK) && seqGt(seg.ack, this.peerFinPos)) {
      // It keeps sending after it has received (and acknowledged) the peer's FIN: half-close.
      this.halfCloseBytes += newBytes;
      this.halfCloseSegments++;
    }
    if (!this.nxtKnown || seqGt(end, this.dataNxt)) {
      this.dataNxt = end;
      this.nxtKnown = true;
    }

    if (f & ACK) {
      if (!this.ackSentKnown || seqGt(seg.ack, this.lastAckSent)) this.lastAckSent = seg.ack;
      this.ackSentKnown = true;
      // RFC 9293 3.10.7.4, TIME-WAIT: "The only thing that can arrive in this
      // state is a retransmission of the remote FIN. Acknowledge it, and
      // restart the 2 MSL timeout."
      if (this.twReackPending && this.state === State.TIME_WAIT && seqGt(seg.ack, this.peerFinPos)) {
        this.twReackPending = false;
        const m: Moment = { frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
        this.twRestarts.push(m);
        if (this.watch !== null) this.watch.observer.timeWaitRestarted(this.watch.conn, this.watch.side, m);
      }
    }

    if (f & FIN) this.sentFin(seg, end);
  }

  /**
   * It sends its FIN again after the capture showed the peer's ACK of it: that
   * ACK passed the capture point but never reached it (a lost final ACK makes
   * the passive closer retransmit its FIN from LAST_ACK, RFC 9293 3.10.7.4).
   * Undo the move the ACK caused; the next ACK of the FIN makes it again.
   */
  private ackOfFinLost(seg: Segment): void {
    const last = this.transitions[this.transitions.length - 1];
    if (!this.finAcked || this.finAckLost || last === undefined || last.to !== this.state ||
      last.cause !== 'received ACK of our FIN' || last.frame === seg.frame) return;
    this.transitions.pop();
    this.state = last.from;
    if (last.to === State.TIME_WAIT) this.twEntry = null;
    this.finAckLost = true;
    this.finAckLostFrame = last.frame;
    if (this.watch !== null) this.watch.observer.retracted(this.watch.conn, this.watch.side, last);
  }

  private sentFin(seg: Segment, pos: number): void {
    if (this.finKnown) {
      if (pos === this.finSeq) {
        if (!this.finCaptured) {
          // The FIN we had inferred from the peer's ACK shows up late (out of order).
          this.finCaptured = true;
          this.addCopy(this.finCopies, seg);
          if (this.finAcked) this.finCopies[this.finCopies.length - 1].ackedFrame = this.finAckFrame;
          this.finFirstUnacked = this.finAcked ? this.finCopies.length : 0;
        } else {
          this.addCopy(this.finCopies, seg);
          if (this.watch !== null) this.watch.observer.finRetransmitted(this.watch.conn, this.watch.side, this.finCopies[this.finCopies.length - 1]);
          this.ackOfFinLost(seg);
        }
      }
      // A FIN at another sequence number is a protocol violation; it moves nothing.
      return;
    }
    this.finKnown = true;
    this.finSeq = pos;
    this.finCaptured = true;
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
          // passed the capture point.
          this.transitions.pop();
          this.state = last.from;
          if (this.watch !== null) this.watch.observer.retracted(this.watch.conn, this.watch.side, last);
          this.go(State.FIN_WAIT_1, seg, 'sent FIN');
          this.go(State.CLOSING, seg, 'received FIN crossing ours (simultaneous close)');
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
    this.rsts.push({
      frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec, state: this.state,
      answersSyn: this.peerSynReceived && !this.issKnown,
      afterClose: closedBefore,
      unackedPeerBytes: unacked,
      finSent: this.finKnown,
      sentBytes: this.payloadBytes,
      receivedBytes: peer.payloadBytes,
      lastRecvFrame: this.lastRecvFrame, lastRecvFlags: this.lastRecvFlags, lastRecvLen: this.lastRecvLen,
      noSocketForm: !(seg.flags & ACK) && (this.lastRecvFlags & ACK) !== 0 && seg.seq === this.lastRecvAck,
      finAcked: this.finAcked,
    });
    if (this.state === State.TIME_WAIT) {
      // A RST from TIME_WAIT means the endpoint no longer had the connection:
      // its TIME_WAIT was over (RFC 9293 3.10.7.1: CLOSED answers with RST).
      if (this.twEnd === null) this.twEnd = { kind: 'rst', frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec };
      this.go(State.CLOSED, seg, 'sent RST after TIME_WAIT (connection forgotten)');
    } else if (this.state !== State.CLOSED && this.state !== State.LISTEN) {
      // RFC 9293 3.10.5, ABORT: send RST, enter CLOSED.
      this.go(State.CLOSED, seg, 'sent RST');
    }
  }

  // =================== segments this endpoint receives ====================

  received(seg: Segment): void {
    const f = seg.flags;
    this.lastRecvFrame = seg.frame;
    this.lastRecvFlags = f;
    this.lastRecvLen = seg.payloadLen;
    this.lastRecvAck = seg.ack;

    if (f & RST) {
      this.receivedRst(seg);
      return;
    }

    if (f & SYN) {
      this.peerSynReceived = true;
      if (!(f & ACK)) {
        // RFC 9293 3.10.7.3, SYN-SENT: a SYN without ACK: "enter SYN-RECEIVED"
        // (simultaneous open).
        if (this.state === State.SYN_SENT) this.go(State.SYN_RCVD, seg, 'received SYN (simultaneous open)');
      } else if (this.issKnown && seg.ack === seqAdd(this.iss, 1) &&
        (this.state === State.SYN_SENT || (this.state === State.SYN_RCVD && !this.passive))) {
        // RFC 9293 3.10.7.3, SYN-SENT: SYN with an acceptable ACK: "enter ESTABLISHED".
        this.go(State.ESTABLISHED, seg, 'received SYN+ACK');
      }
    }

    if (f & ACK) {
      const ack = seg.ack;
      if (this.issKnown && seqGt(ack, this.iss)) {
        this.synFirstUnacked = markAcked(this.synCopies, this.synFirstUnacked, seg.frame);
        if (this.state === State.SYN_RCVD) {
          // RFC 9293 3.10.7.4, SYN-RECEIVED: an acceptable ACK: "enter ESTABLISHED".
          this.go(State.ESTABLISHED, seg, 'received ACK of our SYN');
        }
      }
      if (this.finKnown && seqGt(ack, this.finSeq)) {
        this.finFirstUnacked = markAcked(this.finCopies, this.finFirstUnacked, seg.frame);
        if (!this.finAcked || this.finAckLost) {
          if (!this.finAcked) {
            this.finAcked = true;
            this.finAckFrame = seg.frame;
            this.finAckSegSeq = seg.seq;
            this.finAckValue = ack;
          }
          this.finAckLost = false;
          switch (this.state) {
            case State.FIN_WAIT_1:
              // RFC 9293 3.10.7.4, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter FIN-WAIT-2".
              // A FIN+ACK acknowledging our FIN goes straight to TIME_WAIT below.
              if (!(f & FIN) || this.peerFinKnown) this.go(State.FIN_WAIT_2, seg, 'received ACK of our FIN');
              break;
            case State.CLOSING:
              // CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT state".
              this.go(State.TIME_WAIT, seg, 'received ACK of our FIN');
              break;
            case State.LAST_ACK:
              // LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter the CLOSED state".
              this.go(State.CLOSED, seg, 'received ACK of our FIN');
              break;
            default:
              break;
          }
        }
      }
    }
    // RFC 9293 3.10.7.4, fifth: "if the ACK bit is off, drop the segment" -
    // every real FIN carries ACK; a bare FIN (a scan, SYN+FIN) moves nothing.
    if ((f & (FIN | ACK)) === (FIN | ACK)) this.receivedFin(seg, seqAdd(seg.seq, (f & SYN ? 1 : 0) + seg.payloadLen), false);
  }

  /**
   * The peer's FIN at sequence number `pos` reached this endpoint (RFC 9293
   * 3.10.7.4, eighth, "check the FIN bit"). `inferred` when the FIN itself
   * was not captured.
   */
  receivedFin(m: Moment, pos: number, inferred: boolean): void {
    if (this.peerFinKnown) {
      // Same sequence number: a retransmitted FIN (or the late copy of an inferred one).
      // Only a FIN we had acknowledged before counts: its re-ACK restarts 2MSL.
      if (pos === this.peerFinPos && this.state === State.TIME_WAIT &&
        this.ackSentKnown && seqGt(this.lastAckSent, this.peerFinPos)) this.twReackPending = true;
      return;
    }
    this.peerFinKnown = true;
    this.peerFinPos = pos;
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
          // "otherwise, enter the CLOSING state".
          this.go(State.CLOSING, m, 'received FIN', inferred);
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
    switch (this.state) {
      case State.SYN_SENT:
        // RFC 9293 3.10.7.3, SYN-SENT: a RST is acceptable only if its ACK
        // acknowledges our SYN; then "the connection has been refused".
        if ((seg.flags & ACK) && this.issKnown && seg.ack === seqAdd(this.iss, 1)) {
          this.go(State.CLOSED, seg, 'received RST (connection refused)');
        }
        return;
      case State.CLOSED:
      case State.LISTEN:
        // 3.10.7.1/3.10.7.2: an incoming RST is ignored.
        return;
      case State.SYN_RCVD:
        // 3.10.7.4, SYN-RECEIVED: "If this connection was initiated with a
        // passive OPEN, then return this connection to LISTEN state".
        if (this.passive) this.go(State.LISTEN, seg, 'received RST (passive open: back to LISTEN)');
        else this.go(State.CLOSED, seg, 'received RST');
        return;
      default:
        // ESTABLISHED ... TIME_WAIT: "enter the CLOSED state". (We cannot
        // check the RST's sequence number against a receive window we did
        // not see negotiated, so every RST is taken as acceptable.)
        this.go(State.CLOSED, seg, 'received RST');
        return;
    }
  }

  // ============================== packing ==================================

  /** Pack everything this endpoint holds (frozen.ts); `peer` and `watch` are the connection's business. */
  pack(w: WordWriter): void {
    if (this.watch !== null) w.ok = false;
    const te = this.twEnd;
    w.u32(this.state |
      (this.passive ? 1 << 4 : 0) | (this.issKnown ? 1 << 5 : 0) | (this.issInferred ? 1 << 6 : 0) |
      (this.nxtKnown ? 1 << 7 : 0) | (this.finKnown ? 1 << 8 : 0) | (this.finCaptured ? 1 << 9 : 0) |
      (this.finAcked ? 1 << 10 : 0) | (this.finAckLost ? 1 << 11 : 0) | (this.synAckAnswered ? 1 << 12 : 0) |
      (this.firstSynPlain ? 1 << 13 : 0) | (this.ackSentKnown ? 1 << 14 : 0) | (this.peerSynReceived ? 1 << 15 : 0) |
      (this.peerFinKnown ? 1 << 16 : 0) | (this.twReackPending ? 1 << 17 : 0) | (this.twEntry !== null ? 1 << 18 : 0) |
      (te !== null ? 1 << 19 : 0) | (te !== null && te.kind === 'reuse' ? 1 << 20 : 0));
    // Sequence numbers from the ISN (ours) or from the last ACK it sent (the peer's), frames and times from the connection's first.
    const iss = this.iss;
    const peer = this.lastAckSent;
    w.u32(iss); w.seq(this.dataNxt, iss); w.seq(this.finSeq, iss);
    w.frame(this.finAckLostFrame); w.frame(this.finAckFrame);
    w.u32(peer); w.seq(this.finAckSegSeq, peer); w.seq(this.finAckValue, iss);
    w.u32(this.synFirstUnacked); w.u32(this.finFirstUnacked);
    w.u32(this.packets); w.u32(this.payloadBytes); w.u32(this.dataSegments); w.u32(this.keepAlives);
    w.u32(this.halfCloseBytes); w.u32(this.halfCloseSegments); w.seq(this.peerFinPos, peer);
    w.frame(this.lastRecvFrame); w.u32(this.lastRecvFlags); w.u32(this.lastRecvLen); w.seq(this.lastRecvAck, iss);
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
    writeCopies(w, this.synCopies);
    writeCopies(w, this.finCopies);
    w.u32(this.rsts.length);
    for (const x of this.rsts) {
      writeMoment(w, x);
      w.u32(x.state | (x.answersSyn ? 1 << 4 : 0) | (x.afterClose ? 1 << 5 : 0) | (x.finSent ? 1 << 6 : 0) |
        (x.noSocketForm ? 1 << 7 : 0) | (x.finAcked ? 1 << 8 : 0));
      w.u32(x.unackedPeerBytes); w.u32(x.sentBytes); w.u32(x.receivedBytes);
      w.frame(x.lastRecvFrame); w.u32(x.lastRecvFlags); w.u32(x.lastRecvLen);
    }
    w.u32(this.twRestarts.length);
    for (const m of this.twRestarts) writeMoment(w, m);
  }

  /** The inverse of pack, into a new endpoint. */
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
    this.synAckAnswered = (f & (1 << 12)) !== 0;
    this.firstSynPlain = (f & (1 << 13)) !== 0;
    this.ackSentKnown = (f & (1 << 14)) !== 0;
    this.peerSynReceived = (f & (1 << 15)) !== 0;
    this.peerFinKnown = (f & (1 << 16)) !== 0;
    this.twReackPending = (f & (1 << 17)) !== 0;
    const iss = r.u32();
    this.iss = iss; this.dataNxt = r.seq(iss); this.finSeq = r.seq(iss);
    this.finAckLostFrame = r.frame(); this.finAckFrame = r.frame();
    const peer = r.u32();
    this.lastAckSent = peer; this.finAckSegSeq = r.seq(peer); this.finAckValue = r.seq(iss);
    this.synFirstUnacked = r.u32(); this.finFirstUnacked = r.u32();
    this.packets = r.u32(); this.payloadBytes = r.u32(); this.dataSegments = r.u32(); this.keepAlives = r.u32();
    this.halfCloseBytes = r.u32(); this.halfCloseSegments = r.u32(); this.peerFinPos = r.seq(peer);
    this.lastRecvFrame = r.frame(); this.lastRecvFlags = r.u32(); this.lastRecvLen = r.u32(); this.lastRecvAck = r.seq(iss);
    if (f & (1 << 18)) this.twEntry = readMoment(r);
    if (f & (1 << 19)) {
      const m = readMoment(r);
      this.twEnd = { kind: f & (1 << 20) ? 'reuse' : 'rst', frame: m.frame, tsSec: m.tsSec, tsNsec: m.tsNsec };
    }
    const nt = r.u32();
    for (let i = 0; i < nt; i++) {
      const x = r.u32();
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      this.transitions.push(this.transition((x & 15) as State, ((x >>> 4) & 15) as State, frame, tsSec, tsNsec, CAUSES[x >>> 9], (x & (1 << 8)) !== 0));
    }
    this.readCopies(r, this.synCopies);
    this.readCopies(r, this.finCopies);
    const nr = r.u32();
    for (let i = 0; i < nr; i++) {
      const frame = r.frame();
      const tsSec = r.time();
      const tsNsec = r.nsec;
      const x = r.u32();
      const unackedPeerBytes = r.u32();
      const sentBytes = r.u32();
      const receivedBytes = r.u32();
      const lastRecvFrame = r.frame();
      const lastRecvFlags = r.u32();
      const lastRecvLen = r.u32();
      this.rsts.push({
        frame, tsSec, tsNsec, state: (x & 15) as State,
        answersSyn: (x & (1 << 4)) !== 0,
        afterClose: (x & (1 << 5)) !== 0,
        unackedPeerBytes,
        finSent: (x & (1 << 6)) !== 0,
        sentBytes,
        receivedBytes,
        lastRecvFrame, lastRecvFlags, lastRecvLen,
        noSocketForm: (x & (1 << 7)) !== 0,
        finAcked: (x & (1 << 8)) !== 0,
      });
    }
    const nm = r.u32();
    for (let i = 0; i < nm; i++) this.twRestarts.push(readMoment(r));
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

  /** The peer acknowledged a FIN of ours that the capture does not hold. */
  inferFinSent(m: Moment): void {
    this.finKnown = true;
    this.finSeq = this.dataNxt;
    this.finCaptured = false;
    if (this.state === State.ESTABLISHED || this.state === State.SYN_RCVD) {
      this.go(State.FIN_WAIT_1, m, 'FIN not captured (inferred from the ACK of it)', true);
    } else if (this.state === State.CLOSE_WAIT) {
      this.go(State.LAST_ACK, m, 'FIN not captured (inferred from the ACK of it)', true);
    }
  }
}

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

function writeCopies(w: WordWriter, list: readonly Copy[]): void {
  w.u32(list.length);
  for (const k of list) {
    w.moment(k.frame, k.tsSec, k.tsNsec);
    w.u32(k.withData ? 1 : 0);
    w.frame(k.ackedFrame);
  }
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
