/**
 * Segments the state machines judged without moving a state, kept with the
 * rule that judged them: keep-alives, zero-window probes and their ACKs, segments the receiver
 * would not accept (RFC 9293 3.10.7.4, RFC 5961), RSTs the hosts went on
 * after, SYNs and FINs outside the handshake and the close, segments PAWS
 * refused (RFC 7323 5.3). Every SYN or FIN
 * segment of a connection is either a copy in the endpoints' SYN/FIN lists
 * or one of these. A connection keeps the first MAX_NOTES and counts the
 * rest, so a long capture of keep-alives stays small.
 */

import { RST, type Segment } from '../decode/segment.ts';

/** Why a segment was noted. The report (src/report) turns each into a name and the rule's text. */
export const NoteKind = {
  /** A keep-alive probe: SEG.SEQ = SND.NXT-1 with 0 or 1 byte (RFC 9293 3.8.4). */
  KeepAlive: 0,
  /** The ACK answering a keep-alive probe. */
  KeepAliveAck: 1,
  /** A RST outside the receiver's window: silently dropped (RFC 5961 3.2). */
  RstOutOfWindow: 2,
  /** A RST in the window but not at RCV.NXT: the receiver sends a challenge ACK and does not reset (RFC 5961 3.2). */
  RstChallenged: 3,
  /** A RST in SYN-SENT without an acceptable ACK (RFC 9293 3.10.7.3): dropped. */
  RstBadAck: 4,
  /** A RST the receiver took, then went on using the connection: it was not taken after all. */
  RstNotTaken: 5,
  /** A RST from an endpoint that went on using the connection: its TCP did not send it (injected, a middlebox). */
  RstNotFromSender: 6,
  /** A SYN in a synchronized state, not a copy of the handshake's: challenge ACK (RFC 5961 4, RFC 9293 3.10.7.4). */
  SynInWindow: 7,
  /** A SYN+ACK with another ISN than the one the client acknowledged. */
  SynAckOtherIsn: 8,
  /** A second FIN at a new sequence number (non-conforming stacks; the first FIN stays the FIN). */
  FinNewSeq: 9,
  /** A FIN the receiver would not accept: outside its window (RFC 9293 3.10.7.4 first). */
  FinOutOfWindow: 10,
  /** A FIN without the ACK bit after the handshake: "if the ACK bit is off drop the segment" (RFC 9293 3.10.7.4 fifth). */
  FinWithoutAck: 11,
  /** The receiver's challenge ACK answering a RST or SYN it did not take. */
  ChallengeAck: 12,
  /** A SYN+ACK whose ACK does not acknowledge the SYN (RFC 9293 3.10.7.3): answered with RST, changes nothing. */
  SynAckBadAck: 13,
  /** A FIN ahead of RCV.NXT (a gap before it): held until the gap is filled or the receiver acknowledges it. */
  FinOutOfOrder: 14,
  /**
   * A segment whose TSval is older than the receiver's TS.Recent: not
   * acceptable (RFC 7323 5.3 PAWS). Whether the receiver answered it is
   * what its next segment shows (Note.answer).
   */
  PawsRejected: 15,
  /**
   * The answer of the connection a new SYN replaced: its receiver still held
   * that connection (half-open: the SYN's sender had forgotten it; or in
   * TIME_WAIT, a SYN it would not take) and sent an ACK of what it had
   * received (RFC 9293 3.10.7.4 and figure 10, RFC 5961 4).
   */
  OldConnectionAck: 16,
  /** The SYN's sender's RST answering that ACK (RFC 9293 3.10.7.3, seq = its ACK): it ends the old connection. */
  OldConnectionRst: 17,
  /**
   * An ICMP or ICMPv6 error quoting a segment this side sent (not a segment
   * itself; seq, ack and flags are the quoted header's, `icmp` says what it
   * was). RFC 9293 3.9 / RFC 5461: a hard error aborts a connection in
   * SYN-SENT (the endpoint's transition says so), otherwise a soft error.
   */
  IcmpError: 18,
  /**
   * A probe of a zero window (RFC 9293 3.8.6.1): the keep-alive's form
   * (SEG.SEQ = SND.NXT-1, 0 or 1 byte) sent while the receiver's last
   * advertised window was zero. Linux sends both the same way
   * (tcp_xmit_probe_skb); the zero window makes it the persist timer's.
   */
  ZeroWindowProbe: 19,
  /** The ACK answering a zero-window probe. */
  ZeroWindowProbeAck: 20,
  /**
   * The same packet the capture already holds (related frame), seen again:
   * same sequence and acknowledgment numbers, flags, length, window, TCP
   * timestamps and IPv4 identification, less than 1 ms later, no segment of
   * the peer between, with an IPv4 ID other than 0 or a TSval (captured on
   * two interfaces, a bridge and its port, a mirror port). A RST with ID 0
   * and no timestamps is never taken for one: a host answers each of a
   * burst of segments with the same bytes. One packet on the wire: no retransmission, it changes
   * nothing. A stack sends a segment again on a timer far longer than 1 ms
   * (Linux: RTO min 200 ms, TLP >= 10 ms; a new IPv4 ID, a newer TSval) or in
   * answer to a peer's segment (a SYN+ACK to a SYN sent again can be
   * byte-identical: IPv4 ID 0, TSval in ms).
   */
  CapturedTwice: 21,
  /**
   * A segment of the connection a SYN (related frame) seemed to replace:
   * after that SYN its sender went on with the old connection (a segment
   * with an ACK that fits it, which a TCP in SYN-SENT never sends, RFC 9293
   * 3.10.7.3), so the SYN was not its TCP's (injected, or a copy from
   * elsewhere) and its receiver, still synchronized, answered it with a
   * challenge ACK (RFC 5961 4.2). Wireshark counts it in the SYN's stream;
   * the old connection takes it.
   */
  OldConnectionSegment: 22,
} as const;
export type NoteKind = (typeof NoteKind)[keyof typeof NoteKind];

/** One noted segment. */
export interface Note {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Side (0 or 1, Connection.ep0/ep1) that sent the segment. */
  side: 0 | 1;
  kind: NoteKind;
  seq: number;
  ack: number;
  flags: number;
  len: number;
  /** A related frame (0: none): for an ICMP error, the segment its receiver sent after it (so it did not abort); the probe a keep-alive ACK answers, the segment that showed a RST was not taken, the RST a challenge ACK answers. */
  related: number;
  /** PawsRejected: the segment's TSval and the receiver's TS.Recent (`related`: the segment that set it); else 0. */
  tsVal: number;
  tsRecent: number;
  /**
   * PawsRejected (not a RST): the receiver's next segment in the capture (0:
   * none yet), and whether it is a pure ACK of `answerExpect` (the
   * receiver's RCV.NXT when it refused the segment), as the ACK answering it
   * would be (RFC 9293 3.10.7.4 first check; Linux tcp_send_dupack,
   * TCP_TW_ACK). Unset on other notes.
   */
  answer?: number;
  answerAck?: boolean;
  answerExpect?: number;
  /** IcmpError notes: the ICMP message. */
  icmp?: IcmpNote;
}

/** What an ICMP error note holds besides the quoted header. */
export interface IcmpNote {
  v6: boolean;
  type: number;
  code: number;
  /** The ICMP's sender (the outer IP source), 32-bit words as Segment addresses. */
  from: Uint32Array;
  /** MTU announced by fragmentation needed / packet too big (0: none). */
  mtu: number;
  /** TCP header bytes quoted (8..60). */
  quoted: number;
}

/** Notes kept per connection; more are counted in `dropped`. */
export const MAX_NOTES = 256;

/** The notes of one connection, shared by its two endpoints. */
export class NoteList {
  readonly list: Note[] = [];
  dropped = 0;
  /** Bit `side` set: a PawsRejected note of the other side waits for that side's next segment (answered). */
  pawsAwaiting = 0;

  add(frame: number, tsSec: number, tsNsec: number, side: 0 | 1, kind: NoteKind,
    seq: number, ack: number, flags: number, len: number, related: number, tsVal = 0, tsRecent = 0): void {
    if (this.list.length >= MAX_NOTES) {
      this.dropped++;
      return;
    }
    this.list.push({ frame, tsSec, tsNsec, side, kind, seq, ack, flags, len, related, tsVal, tsRecent });
  }

  /** The kind of the probe note of side `side` at `frame` (KeepAlive or ZeroWindowProbe), -1 if not kept. */
  probeKind(frame: number, side: 0 | 1): number {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const n = this.list[i];
      if (n.frame === frame && n.side === side && (n.kind === NoteKind.KeepAlive || n.kind === NoteKind.ZeroWindowProbe)) return n.kind;
      if (n.frame < frame) break;
    }
    return -1;
  }

  /** An IcmpError note of side `side` from the decoded ICMP error `seg` (DecodeStatus.IcmpError). */
  addIcmp(seg: Segment, side: 0 | 1): void {
    if (this.list.length >= MAX_NOTES) {
      this.dropped++;
      return;
    }
    const icmp: IcmpNote = {
      v6: seg.icmpV6, type: seg.icmpType, code: seg.icmpCode, from: Uint32Array.from(seg.icmpFrom), mtu: seg.icmpMtu, quoted: seg.quotedTcp,
    };
    this.list.push({
      frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec, side, kind: NoteKind.IcmpError,
      seq: seg.seq, ack: seg.ack, flags: seg.flags, len: 0, related: 0, tsVal: 0, tsRecent: 0, icmp,
    });
  }

  /** A PawsRejected note of side `side`, whose receiver's next segment is to be seen (answered). */
  addPaws(seg: Segment, side: 0 | 1, related: number, tsRecent: number, rcvNxt: number): void {
    if (this.list.length >= MAX_NOTES) {
      this.dropped++;
      return;
    }
    const n: Note = {
      frame: seg.frame, tsSec: seg.tsSec, tsNsec: seg.tsNsec, side, kind: NoteKind.PawsRejected,
      seq: seg.seq, ack: seg.ack, flags: seg.flags, len: seg.payloadLen, related, tsVal: seg.tsVal >>> 0, tsRecent,
    };
    // A RST is never answered (RFC 9293 3.10.7.4): no answer to look for.
    if ((seg.flags & RST) === 0) {
      n.answer = 0;
      n.answerAck = false;
      n.answerExpect = rcvNxt >>> 0;
      this.pawsAwaiting |= 1 << (side ^ 1);
    }
    this.list.push(n);
  }

  /**
   * Side `side` sent `frame`, its first segment since the PawsRejected notes
   * of the other side waiting for it: that is their receiver's next segment;
   * `pure`: a pure ACK (no data, SYN, FIN or RST), acknowledging `ack`.
   */
  answered(side: 0 | 1, frame: number, pure: boolean, ack: number): void {
    this.pawsAwaiting &= ~(1 << side);
    for (let i = this.list.length - 1; i >= 0; i--) {
      const n = this.list[i];
      if (n.kind !== NoteKind.PawsRejected || n.side === side || n.answer === undefined) continue;
      if (n.answer !== 0) break;
      n.answer = frame;
      n.answerAck = pure && ack >>> 0 === n.answerExpect;
    }
  }

  /** The IcmpError note of side `side` at `frame` did not abort it: it sent `by` after. */
  icmpNotTaken(frame: number, side: 0 | 1, by: number): void {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const n = this.list[i];
      if (n.frame === frame && n.side === side && n.kind === NoteKind.IcmpError) {
        n.related = by;
        return;
      }
    }
  }

  clear(): void {
    this.list.length = 0;
    this.dropped = 0;
    this.pawsAwaiting = 0;
  }
}
