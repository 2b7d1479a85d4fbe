/**
 * The name and rule of each kind of noted segment (src/tcp/notes.ts), as
 * the report gives them (SegmentNote in types.ts documents the names).
 */
import { NoteKind } from '../tcp/notes.ts';
import type { SegmentNoteKind } from './types.ts';

export const noteText: Readonly<Record<NoteKind, { kind: SegmentNoteKind; rule: string }>> = {
  [NoteKind.KeepAlive]: {
    kind: 'keep-alive',
    rule: 'RFC 9293 3.8.4: a segment at SND.NXT-1 with 0 or 1 byte is a keep-alive probe; it moves no state',
  },
  [NoteKind.KeepAliveAck]: {
    kind: 'keep-alive-ack',
    rule: 'RFC 9293 3.8.4: the ACK answering a keep-alive probe; it acknowledges no new data and closes nothing',
  },
  [NoteKind.RstOutOfWindow]: {
    kind: 'rst-out-of-window',
    rule: 'RFC 5961 3.2 (RFC 9293 3.10.7.4): a RST whose sequence number is outside the receive window is silently dropped',
  },
  [NoteKind.RstChallenged]: {
    kind: 'rst-challenged',
    rule: 'RFC 5961 3.2 (RFC 9293 3.10.7.4): a RST in the window but not at RCV.NXT is answered with a challenge ACK and does not reset',
  },
  [NoteKind.RstBadAck]: {
    kind: 'rst-bad-ack',
    rule: 'RFC 9293 3.10.7.3: in SYN-SENT a RST is acceptable only with an ACK that acknowledges the SYN (SND.UNA < SEG.ACK =< SND.NXT); this one is dropped',
  },
  [NoteKind.RstNotTaken]: {
    kind: 'rst-not-taken',
    rule: 'its receiver acknowledged data sent after it (related frame): the receiver did not reset',
  },
  [NoteKind.RstNotFromSender]: {
    kind: 'rst-not-from-sender',
    rule: 'its apparent sender went on using the connection (related frame): its TCP did not send it (injected, or from a middlebox)',
  },
  [NoteKind.SynInWindow]: {
    kind: 'syn-challenged',
    rule: 'RFC 5961 4 (RFC 9293 3.10.7.4): a SYN in a synchronized state is answered with a challenge ACK and changes nothing',
  },
  [NoteKind.SynAckOtherIsn]: {
    kind: 'syn-ack-other-isn',
    rule: 'a SYN+ACK with another ISN than the y the client acknowledged: the client did not take it; it changed nothing',
  },
  [NoteKind.FinNewSeq]: {
    kind: 'fin-new-seq',
    rule: 'a second FIN at a new sequence number (non-conforming): the first FIN (related frame) stands; it changed nothing',
  },
  [NoteKind.FinOutOfWindow]: {
    kind: 'fin-not-acceptable',
    rule: 'RFC 9293 3.10.7.4 (first, check sequence number): a FIN outside the receive window is not acceptable; answered with an ACK, it changes nothing',
  },
  [NoteKind.FinWithoutAck]: {
    kind: 'fin-without-ack',
    rule: 'RFC 9293 3.10.7.4 (fifth, check the ACK field): "if the ACK bit is off drop the segment"',
  },
  [NoteKind.ChallengeAck]: {
    kind: 'challenge-ack',
    rule: 'RFC 5961: the challenge ACK answering the RST or SYN of the related frame',
  },
  [NoteKind.SynAckBadAck]: {
    kind: 'syn-ack-bad-ack',
    rule: 'RFC 9293 3.10.7.3: a SYN+ACK whose ACK does not acknowledge the SYN is answered with a RST and changes nothing',
  },
  [NoteKind.FinOutOfOrder]: {
    kind: 'fin-out-of-order',
    rule: 'RFC 9293 3.10.7.4: segments are processed in sequence; a FIN beyond RCV.NXT waits until everything before it has arrived',
  },
  [NoteKind.PawsRejected]: {
    kind: 'paws-rejected',
    rule: 'RFC 7323 5.3 R1 (PAWS): with timestamps in use, a segment whose TSval is older than TS.Recent (tsRecent, set by the related frame) is not acceptable and changes nothing; ' +
      'a RST is exempt except in TIME_WAIT (Linux tcp_timewait_state_process); answerFrame/answeredByAck: whether the receiver\'s next segment is the ACK answering it ' +
      '(in TIME_WAIT that ACK restarts 2MSL)',
  },
  [NoteKind.OldConnectionAck]: {
    kind: 'old-connection-ack',
    rule: 'RFC 9293 3.10.7.4, figure 10, RFC 5961 4: a SYN to an end that still holds the connection on the 4-tuple is answered with an ACK of that connection; the old connection takes it, not the new one',
  },
  [NoteKind.OldConnectionRst]: {
    kind: 'old-connection-rst',
    rule: 'RFC 9293 3.10.7.3, figure 10: in SYN-SENT an ACK that does not acknowledge the SYN is answered with RST seq=SEG.ACK; it resets the old connection, and the SYN is sent again',
  },
  [NoteKind.CapturedTwice]: {
    kind: 'captured-twice',
    rule: 'the packet of the related frame seen again by the capture (same sequence and acknowledgment numbers, flags, length, window, TCP timestamps and IPv4 ID, ' +
      'less than 1 ms later, no segment of the peer between, with an IPv4 ID other than 0 or a TSval: two capture interfaces, a bridge and its port, a mirror port): one packet on the wire, not a retransmission ' +
      '(a sender sends again after a timer far longer than 1 ms, Linux with a new IPv4 ID and a newer TSval, or in answer to a peer\'s segment); it changes nothing. ' +
      'Wireshark flags it as a retransmission or a duplicate ACK',
  },
  [NoteKind.OldConnectionSegment]: {
    kind: 'old-connection-segment',
    rule: 'RFC 5961 4.2, RFC 9293 3.10.7.3: after the SYN of the related frame its sender went on with the connection on the 4-tuple (a segment with an ACK that fits it; ' +
      'a TCP in SYN-SENT sends none), so its TCP did not send that SYN (injected, or a copy from elsewhere) and the receiver answered it with a challenge ACK; ' +
      'Wireshark counts the segment in the SYN\'s stream, the old connection takes it',
  },
  [NoteKind.IcmpError]: {
    kind: 'icmp-error',
    rule: 'RFC 9293 3.9, RFC 1122 4.2.3.9, RFC 5461: an ICMP error quoting a segment of the connection (not a segment); ' +
      'in SYN-SENT a hard error quoting the SYN (destination unreachable but fragmentation needed, time exceeded, parameter problem) ' +
      'aborts the connection (Linux: connect() fails); otherwise it is a soft error and changes no state; ' +
      'fragmentation needed / packet too big only lower the path MTU',
  },
  [NoteKind.ZeroWindowProbe]: {
    kind: 'zero-window-probe',
    rule: 'RFC 9293 3.8.6.1: sent while the receiver\'s last advertised window was zero, it probes that window (the persist timer; ' +
      'Linux sends it as a keep-alive, SEG.SEQ = SND.NXT-1 without data); it moves no state. A keep-alive sent into a zero window would look the same',
  },
  [NoteKind.ZeroWindowProbeAck]: {
    kind: 'zero-window-probe-ack',
    rule: 'RFC 9293 3.8.6.1: the ACK answering a zero-window probe, with the receiver\'s current window; it acknowledges no new data and closes nothing',
  },
};
