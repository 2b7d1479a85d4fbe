/**
 * Segment acceptability, the tests a receiving TCP applies before a segment
 * may change anything (RFC 9293 3.10.7.4 "first, check sequence number",
 * RFC 5961 3.2 for RST). Pure functions over sequence numbers, so each rule
 * can be held against the RFC text and tested alone; the endpoint machine
 * (endpoint.ts) decides what to feed them.
 */
import { seqAdd, seqDiff } from './seq.ts';

/**
 * RFC 9293 3.10.7.4, the four cases of the sequence-number test: a segment
 * occupying `segLen` sequence numbers (payload, plus one each for SYN and
 * FIN) starting at `seq` is acceptable when
 *
 *   segLen = 0, wnd = 0:  SEG.SEQ = RCV.NXT
 *   segLen = 0, wnd > 0:  RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
 *   segLen > 0, wnd = 0:  not acceptable
 *   segLen > 0, wnd > 0:  RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
 *                      or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
 *
 * Comparisons are modulo 2^32 (`wnd` below 2^31).
 */
export function segmentAcceptable(seq: number, segLen: number, rcvNxt: number, wnd: number): boolean {
  const first = seqDiff(seq, rcvNxt);
  if (segLen === 0) return wnd === 0 ? first === 0 : first >= 0 && first < wnd;
  if (wnd === 0) return false;
  if (first >= 0 && first < wnd) return true;
  const last = seqDiff(seqAdd(seq, segLen - 1), rcvNxt);
  return last >= 0 && last < wnd;
}

/** What a synchronized endpoint does with a RST (RFC 5961 3.2). */
export const RstAction = {
  /** SEG.SEQ = RCV.NXT: the connection is reset. */
  Reset: 0,
  /** In the window but not at RCV.NXT: a challenge ACK, the connection goes on. */
  Challenge: 1,
  /** Outside the window: silently dropped. */
  Drop: 2,
} as const;
export type RstAction = (typeof RstAction)[keyof typeof RstAction];

/**
 * RFC 5961 3.2, as RFC 9293 3.10.7.4 adopts it:
 * 1) "If the RST bit is set and the sequence number is outside the current
 *    receive window, silently drop the segment."
 * 2) "If the RST bit is set and the sequence number exactly matches the next
 *    expected sequence number (RCV.NXT), then TCP MUST reset the connection."
 * 3) "If the RST bit is set and the sequence number does not exactly match
 *    the next expected sequence value, yet is within the current receive
 *    window, TCP MUST send an acknowledgment (challenge ACK)".
 *
 * `peerFinReceived`: the endpoint had received the peer's FIN (CLOSE_WAIT,
 * LAST_ACK, CLOSING). Linux then also takes a RST at RCV.NXT-1 (the FIN's
 * own number, which several stacks put in a RST sent after their FIN:
 * tcp_reset_check in net/ipv4/tcp_input.c); so do we.
 */
export function rstAction(seq: number, rcvNxt: number, wnd: number, peerFinReceived: boolean): RstAction {
  const d = seqDiff(seq, rcvNxt);
  if (d === 0) return RstAction.Reset;
  if (d === -1 && peerFinReceived) return RstAction.Reset;
  if (d > 0 && d < wnd) return RstAction.Challenge;
  return RstAction.Drop;
}

/**
 * RFC 9293 3.10.7.3, SYN-SENT, "first check the ACK bit": "If SEG.ACK =<
 * ISS or SEG.ACK > SND.NXT, send a reset ... If SND.UNA < SEG.ACK =< SND.NXT,
 * then the ACK is acceptable." SND.UNA is the ISS in SYN-SENT.
 */
export function synSentAckAcceptable(ack: number, iss: number, sndNxt: number): boolean {
  return seqDiff(ack, iss) > 0 && seqDiff(ack, sndNxt) <= 0;
}

/** The largest window a 16-bit field can announce with the largest scale (RFC 7323 2.3: shift at most 14). */
export const MAX_WINDOW = 65535 * (1 << 14);

/**
 * Linux's PAWS window (TCP_PAWS_WINDOW in include/net/tcp.h): a TSval up to
 * this many ticks below TS.Recent still passes (tcp_paws_check).
 */
export const PAWS_WINDOW = 1;
/**
 * Linux stops trusting TS.Recent after it went this long without an update
 * (TCP_PAWS_24DAYS, RFC 7323 5.5: the timestamp clock may have wrapped):
 * the check passes.
 */
export const PAWS_IDLE_SECONDS = 60 * 60 * 24 * 24;

/**
 * Linux refuses a RST with an old TSval in TIME_WAIT only while TS.Recent is
 * younger than this (TCP_PAWS_MSL, tcp_paws_reject); other states take a RST
 * whatever its TSval (RFC 7323 5.3 R1).
 */
export const PAWS_RST_SECONDS = 60;

/**
 * How old, in TSval ticks, a pure duplicate ACK may be and still be taken
 * (Linux tcp_disordered_ack: TS.Recent - TSval =< icsk_rto * 1024 / HZ),
 * for the lowest RTO, TCP_RTO_MIN = 200 ms.
 */
export const DISORDERED_ACK_TICKS = 204;

/**
 * RFC 7323 5.3 R1, as Linux applies it (tcp_paws_check in
 * include/net/tcp.h): "If SEG.TSval < TS.Recent and if TS.Recent is valid
 * (see later discussion), then treat the arriving segment as not
 * acceptable". The comparison is modulo 2^32 (RFC 7323 5.2), with Linux's
 * window of `window` ticks (PAWS_WINDOW; 0 in TIME_WAIT, Linux
 * tcp_paws_reject); a TS.Recent of 0 passes everything (Linux: some stacks
 * put TSval 0 in their SYN), as does one not updated for `idleSeconds` >=
 * PAWS_IDLE_SECONDS. The caller exempts RSTs (R1: "a RST segment ... is
 * acceptable ... regardless of its timestamp"; Linux in TIME_WAIT: see
 * PAWS_RST_SECONDS) and segments without a TSopt.
 */
export function pawsRejects(tsVal: number, tsRecent: number, idleSeconds: number, window = PAWS_WINDOW): boolean {
  if ((tsRecent | 0) === 0 || idleSeconds >= PAWS_IDLE_SECONDS) return false;
  return ((tsRecent - tsVal) | 0) > window;
}

/**
 * RFC 7323 4.3 (2): TS.Recent takes the segment's TSval when "SEG.TSval >=
 * TS.Recent and SEG.SEQ =< Last.ACK.sent" (Linux tcp_replace_ts_recent:
 * SEG.SEQ not after rcv_wup, and tcp_paws_check with window 0, which lets
 * an idle TS.Recent be replaced by an older TSval).
 */
export function tsRecentTakes(tsVal: number, seq: number, tsRecent: number, lastAckSent: number, idleSeconds: number): boolean {
  if (seqDiff(seq, lastAckSent) > 0) return false;
  return ((tsVal - tsRecent) | 0) >= 0 || (tsRecent | 0) === 0 || idleSeconds >= PAWS_IDLE_SECONDS;
}
