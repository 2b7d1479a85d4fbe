import type { Connection } from '../tcp/connection.ts';
import { ACK_REFUSED, type Endpoint, type RstRecord, secondsBetween } from '../tcp/endpoint.ts';
import { NoteKind } from '../tcp/notes.ts';
import { State, stateName } from '../tcp/state.ts';
import type { ResetCause, Side } from './types.ts';

type Cause = Exclude<ResetCause, 'ambiguous'>;

export interface ResetVerdict {
  /** The one cause left, or `ambiguous`. */
  cause: ResetCause;
  candidates: Cause[];
  reasoning: string;
}

/**
 * What a RST answers, with the reasoning shown. These are inferences from
 * what the capture holds, tried in this order (the first rule that matches
 * decides; where the wire cannot tell two causes apart, both stay):
 *
 * 1. `refused` - the sender had received a SYN and sent no SYN of its own:
 *    nothing was listening (RFC 9293 3.10.7.1: a segment to a CLOSED port
 *    is answered with RST).
 * 2. `handshake-aborted` - the sender had sent the SYN and received the
 *    SYN+ACK, and answers it with RST instead of the ACK: its socket was
 *    gone (a scanner's raw SYN, the half-open scan; a client that gave up).
 * 3. `after-time-wait` - the sender had already closed the connection (it
 *    had entered TIME_WAIT, or reached CLOSED from LAST_ACK) and answered a
 *    later segment with RST: it had forgotten the connection.
 * 4. `data-after-close` - the sender had sent its FIN and the peer sent new
 *    data after it: Linux resets a socket that was closed (orphaned) when
 *    data arrives (tcp_rcv_state_process, LINUX_MIB_TCPABORTONDATA). Its RST
 *    then has the bare form of a host without the connection (no ACK bit,
 *    seq = the ACK it answers), the same a host that had already dropped the
 *    connection sends: when the RST has that form, `no-connection` stays
 *    possible too (Linux drops an orphaned FIN_WAIT_2 socket after
 *    tcp_fin_timeout, and an orphan whose FIN is never acknowledged after
 *    tcp_orphan_retries retransmissions), acknowledged FIN or not.
 * 5. `no-connection` - it answered a segment with that bare RST (no ACK
 *    bit, seq = the ACK it answers): the form of a host without the
 *    connection; a live socket's RST carries ACK (Linux's
 *    tcp_send_active_reset, as other stacks' aborts). Linux drops an
 *    orphaned FIN_WAIT_2 socket after tcp_fin_timeout, and an aborted one
 *    at once. A passive opener in SYN_RCVD that answers the handshake's
 *    ACK so: its listener refused that ACK (an overflowing accept queue
 *    with tcp_abort_on_overflow, an expired request).
 * 6. `keepalive-timeout` - the sender's last segments were keep-alive
 *    probes (two or more, RFC 9293 3.8.4) and the RST came one probe
 *    interval after the last (within a quarter of it), with no FIN sent:
 *    its keep-alive timer gave up on a peer that did not answer (RFC 1122
 *    4.2.3.6; Linux's tcp_keepalive_timer sends RST after
 *    tcp_keepalive_probes unanswered probes). Answers the capture shows
 *    were lost after it.
 * 7. `unread-data` - the sender had received payload it never acknowledged
 *    before the RST: Linux's close() with unread data sends RST instead of
 *    FIN (tcp_close, RFC 2525 2.17).
 * 8. `unread-data` or `abort` - every byte was acknowledged, but the peer
 *    had sent payload after the sender's last: a close with that data unread
 *    and an SO_LINGER-0 abort look the same on the wire.
 * 9. `abort` - the sender was in a synchronized state, had not sent a FIN
 *    and nothing was left unread: a RST instead of a FIN (ABORT call, RFC
 *    9293 3.10.5; SO_LINGER with a zero timeout).
 * 10. `other` - anything else: a RST after its own FIN with nothing pending,
 *    during the handshake, a middlebox's.
 */
export function classifyReset(c: Connection, by: Side, sender: Endpoint, rst: RstRecord): ResetVerdict {
  const port = by === 'client' ? (c.clientSide === 0 ? c.port0 : c.port1) : (c.clientSide === 0 ? c.port1 : c.port0);
  const st = stateName(rst.state);
  const answered = rst.lastRecvFrame > 0 ? `frame ${rst.lastRecvFrame}` : 'no captured segment';
  const one = (cause: Cause, reasoning: string): ResetVerdict => ({ cause, candidates: [cause], reasoning });
  const either = (candidates: Cause[], reasoning: string): ResetVerdict => ({ cause: 'ambiguous', candidates, reasoning });
  const bare = `a bare RST (frame ${rst.frame}: no ACK bit, seq = that segment's ACK number), the answer of a host with no connection (RFC 9293 3.10.7.1)`;

  if (rst.answersSyn) {
    return one('refused', `inferred: the ${by} received a SYN and answered it with RST (frame ${rst.frame}) without ever sending a SYN, ` +
      `so nothing listened on port ${port} (RFC 9293 3.10.7.1)`);
  }
  if (rst.answersSynAck) {
    return one('handshake-aborted', `inferred: the ${by} sent the SYN, received the SYN+ACK (${answered}) and answered it with RST ` +
      `(frame ${rst.frame}) instead of the handshake's ACK: its socket was gone (the half-open scan pattern, or a client that gave up)`);
  }
  if (rst.afterClose || rst.state === State.TIME_WAIT) {
    const tw = sender.twEntry;
    const how = tw !== null ? `entered TIME_WAIT in frame ${tw.frame}` : 'had closed the connection (CLOSED after LAST_ACK)';
    return one('after-time-wait', `inferred: the ${by} ${how} and answered ${answered} with RST (frame ${rst.frame}): ` +
      'it had already forgotten the connection');
  }
  if (rst.finSent && rst.peerBytesAfterFin > 0) {
    const what = `the ${by} had sent its FIN and then received ${bytes(rst.peerBytesAfterFin)} of data (last: ${answered}), and sent RST in ${st}`;
    if (rst.noSocketForm) {
      // Whether or not its FIN was acknowledged: Linux drops an orphaned
      // FIN_WAIT_2 socket after tcp_fin_timeout, and an orphaned FIN_WAIT_1 one
      // whose FIN goes unacknowledged after tcp_orphan_retries retransmissions
      // (tcp_write_timeout), without a word either way.
      const dropped = rst.finAcked ? '' : ' (Linux drops an orphaned socket whose FIN was never acknowledged after tcp_orphan_retries retransmissions)';
      return either(['data-after-close', 'no-connection'], `inferred: ${what}, ${bare}: Linux answers data reaching an orphaned ` +
        `socket that way, and so does a host that had already dropped the connection${dropped}; the capture cannot tell which`);
    }
    return one('data-after-close', `inferred: ${what} (frame ${rst.frame}): data reached a side that had closed ` +
      '(Linux resets a closed socket that receives data)');
  }
  if (rst.noSocketForm && sender.transitions.some((t) => t.frame === rst.frame && t.cause === ACK_REFUSED)) {
    return one('no-connection', `inferred: the ${by}, in SYN_RCVD, answered the handshake's ACK (${answered}) with ${bare}: ` +
      'its listener refused that ACK and never had the connection established (Linux does this when the accept queue is full and ' +
      'net.ipv4.tcp_abort_on_overflow is 1, or when the request had expired; the capture cannot tell which)');
  }
  if (rst.noSocketForm) {
    const had = rst.finSent && rst.finAcked
      ? `the ${by}'s FIN had been acknowledged (it was in ${st}) and it` : `the ${by} (in ${st} as far as the capture shows)`;
    return one('no-connection', `inferred: ${had} answered ${answered} with ${bare}: it no longer had the connection ` +
      '(a live socket\'s RST carries ACK; Linux drops an orphaned FIN_WAIT_2 socket after tcp_fin_timeout, and an aborted one at once)');
  }
  const timeout = keepAliveTimeout(c, by, sender, rst);
  if (timeout !== null) return one('keepalive-timeout', timeout);
  if (rst.unackedPeerBytes > 0) {
    return one('unread-data', `inferred: the ${by} had received ${bytes(rst.unackedPeerBytes)} of payload it never acknowledged ` +
      `(last received: ${answered}, ${bytes(rst.lastRecvLen)}) and sent RST in ${st} (frame ${rst.frame}): ` +
      'Linux does this on close() with unread data');
  }
  const synchronized = rst.state === State.ESTABLISHED || rst.state === State.CLOSE_WAIT || rst.state === State.SYN_RCVD;
  if (!rst.finSent && synchronized && rst.receivedSinceSent > 0) {
    return either(['unread-data', 'abort'], `inferred: the ${by} sent RST instead of FIN in ${st} (frame ${rst.frame}) after receiving ` +
      `${bytes(rst.receivedSinceSent)} it acknowledged and never answered: a close() with that data unread and an abort ` +
      '(SO_LINGER 0) look the same once every byte was acknowledged');
  }
  if (!rst.finSent && synchronized) {
    return one('abort', `inferred: the ${by} sent RST in ${st} (frame ${rst.frame}) without having sent a FIN and with nothing ` +
      'left unread: an abortive close (RST instead of FIN, e.g. SO_LINGER 0)');
  }
  return one('other', `inferred: the ${by} sent RST in ${st} (frame ${rst.frame}, answering ${answered}); ` +
    `none of the rules refused, handshake-aborted, after-time-wait, data-after-close, no-connection, keepalive-timeout, unread-data, abort matched${rst.finSent ? ' (it had sent a FIN)' : ''}`);
}

/**
 * The reasoning of a keep-alive timeout (see classifyReset, rule 6), or
 * null: the probes its sender sent last, their interval, and the RST one
 * interval after the last.
 */
function keepAliveTimeout(c: Connection, by: Side, sender: Endpoint, rst: RstRecord): string | null {
  const synchronized = rst.state === State.ESTABLISHED || rst.state === State.CLOSE_WAIT;
  if (rst.afterProbe === 0 || rst.finSent || !synchronized) return null;
  // The run of probes that ended with the one just before the RST (every one repeats SND.NXT-1).
  const probes = c.notes.list.filter((n) => n.kind === NoteKind.KeepAlive && n.side === sender.side && n.frame <= rst.afterProbe);
  if (probes.length < 2 || probes[probes.length - 1].frame !== rst.afterProbe) return null;
  const last = probes[probes.length - 1];
  const interval = secondsBetween(probes[probes.length - 2].tsSec, probes[probes.length - 2].tsNsec, last.tsSec, last.tsNsec);
  const gap = secondsBetween(last.tsSec, last.tsNsec, rst.tsSec, rst.tsNsec);
  if (!(interval > 0) || Math.abs(gap - interval) > interval / 4) return null;
  const answered = c.notes.list.filter((n) => n.kind === NoteKind.KeepAliveAck && probes.some((p) => p.frame === n.related)).map((n) => n.frame);
  const frames = probes.map((p) => p.frame);
  const shown = frames.length > 6 ? [...frames.slice(0, 3), '...', ...frames.slice(-2)] : frames;
  return `inferred: the ${by}'s last segments were ${probes.length} keep-alive probes (frames ${shown.join(', ')}; ` +
    `the last two ${seconds(interval)} apart), and it sent RST in ${stateName(rst.state)} (frame ${rst.frame}) ${seconds(gap)} after the last, ` +
    `without a FIN: its keep-alive timer gave up on a peer that did not answer (RFC 1122 4.2.3.6; Linux sends RST after ` +
    `tcp_keepalive_probes unanswered probes)${answered.length > 0 ? `; the answers the capture shows (frames ${answered.join(', ')}) never reached it` : ''}`;
}

/** Seconds, to the millisecond. */
function seconds(s: number): string {
  return `${s.toFixed(3)} s`;
}

/** `1 byte`, `200 bytes`. */
function bytes(n: number): string {
  return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
}
