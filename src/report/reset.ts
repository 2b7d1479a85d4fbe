import type { Connection } from '../tcp/connection.ts';
import type { Endpoint, RstRecord } from '../tcp/endpoint.ts';
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
 *    connection sends: when the RST has that form and the sender's FIN was
 *    acknowledged, `no-connection` stays possible too.
 * 5. `no-connection` - it answered a segment with that bare RST (no ACK
 *    bit, seq = the ACK it answers): the form of a host without the
 *    connection; a live socket's RST carries ACK (Linux's
 *    tcp_send_active_reset, as other stacks' aborts). Linux drops an
 *    orphaned FIN_WAIT_2 socket after tcp_fin_timeout, and an aborted one
 *    at once.
 * 6. `unread-data` - the sender had received payload it never acknowledged
 *    before the RST: Linux's close() with unread data sends RST instead of
 *    FIN (tcp_close, RFC 2525 2.17).
 * 7. `unread-data` or `abort` - every byte was acknowledged, but the peer
 *    had sent payload after the sender's last: a close with that data unread
 *    and an SO_LINGER-0 abort look the same on the wire.
 * 8. `abort` - the sender was in a synchronized state, had not sent a FIN
 *    and nothing was left unread: a RST instead of a FIN (ABORT call, RFC
 *    9293 3.10.5; SO_LINGER with a zero timeout).
 * 9. `other` - anything else: a RST after its own FIN with nothing pending,
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
    if (rst.noSocketForm && rst.finAcked) {
      return either(['data-after-close', 'no-connection'], `inferred: ${what}, ${bare}: Linux answers data reaching an orphaned ` +
        'socket that way, and so does a host that had already dropped the connection; the capture cannot tell which');
    }
    return one('data-after-close', `inferred: ${what} (frame ${rst.frame}): data reached a side that had closed ` +
      '(Linux resets a closed socket that receives data)');
  }
  if (rst.noSocketForm) {
    const had = rst.finSent && rst.finAcked
      ? `the ${by}'s FIN had been acknowledged (it was in ${st}) and it` : `the ${by} (in ${st} as far as the capture shows)`;
    return one('no-connection', `inferred: ${had} answered ${answered} with ${bare}: it no longer had the connection ` +
      '(a live socket\'s RST carries ACK; Linux drops an orphaned FIN_WAIT_2 socket after tcp_fin_timeout, and an aborted one at once)');
  }
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
    `none of the rules refused, handshake-aborted, after-time-wait, data-after-close, no-connection, unread-data, abort matched${rst.finSent ? ' (it had sent a FIN)' : ''}`);
}

/** `1 byte`, `200 bytes`. */
function bytes(n: number): string {
  return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
}
