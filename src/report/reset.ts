import type { Connection } from '../tcp/connection.ts';
import type { Endpoint, RstRecord } from '../tcp/endpoint.ts';
import { State, stateName } from '../tcp/state.ts';
import type { ResetCause, Side } from './types.ts';

/**
 * Likely cause of a RST, with the reasoning shown. These are inferences from
 * what the capture holds, tried in this order (the first that matches wins):
 *
 * 1. `refused` - the sender had received a SYN and had sent no SYN of its
 *    own: nothing was listening (RFC 9293 3.10.7.1: a segment to a CLOSED
 *    port is answered with RST).
 * 2. `after-time-wait` - the sender had already closed the connection (it
 *    had entered TIME_WAIT, or reached CLOSED from LAST_ACK) and answered a
 *    later segment with RST: it had forgotten the connection, so its
 *    TIME_WAIT was over (or was never held).
 *    Also when the sender's own FIN had been acknowledged and its RST has
 *    the form of a host with no connection (no ACK bit, seq = the ACK number
 *    of the segment it answers, RFC 9293 3.10.7.1): Linux destroys an
 *    orphaned FIN_WAIT_2 socket after tcp_fin_timeout (60 s), and a live
 *    socket's RST would carry ACK.
 * 3. `unread-data` - the peer had sent payload the sender never acknowledged
 *    in any segment before the RST, or the sender had received payload and
 *    never sent any (a request left unanswered): Linux's close() with unread
 *    data sends RST instead of FIN (tcp_close, RFC 2525 2.17), as does data
 *    arriving after close(). The kernel may have acknowledged the data
 *    already (delayed ACK), so an acknowledged but unanswered request counts.
 * 4. `abort` - the sender was in a synchronized state, had not sent a FIN and
 *    owed no acknowledgment: a RST instead of a FIN (ABORT call, RFC 9293
 *    3.10.5; SO_LINGER with a zero timeout).
 * 5. `other` - anything else: a RST after its own FIN with nothing unread, a
 *    RST during the handshake, a middlebox.
 */
export function classifyReset(
  c: Connection, by: Side, sender: Endpoint, rst: RstRecord,
): { cause: ResetCause; reasoning: string } {
  const port = by === 'client' ? (c.clientSide === 0 ? c.port0 : c.port1) : (c.clientSide === 0 ? c.port1 : c.port0);
  const st = stateName(rst.state);
  const answered = rst.lastRecvFrame > 0 ? `frame ${rst.lastRecvFrame}` : 'no captured segment';

  if (rst.answersSyn) {
    return {
      cause: 'refused',
      reasoning: `inferred: the ${by} received a SYN and answered it with RST (frame ${rst.frame}) without ever sending a SYN, ` +
        `so nothing listened on port ${port} (RFC 9293 3.10.7.1)`,
    };
  }
  if (rst.afterClose || rst.state === State.TIME_WAIT) {
    const tw = sender.twEntry;
    const how = tw !== null ? `entered TIME_WAIT in frame ${tw.frame}` : 'had closed the connection (CLOSED after LAST_ACK)';
    return {
      cause: 'after-time-wait',
      reasoning: `inferred: the ${by} ${how} and answered ${answered} with RST (frame ${rst.frame}): ` +
        'it had already forgotten the connection',
    };
  }
  if (rst.finSent && rst.finAcked && rst.noSocketForm) {
    return {
      cause: 'after-time-wait',
      reasoning: `inferred: the ${by}'s FIN had been acknowledged (it was in ${st}) and it answered ${answered} with a bare RST ` +
        `(frame ${rst.frame}: no ACK bit, seq = that segment's ACK number), the answer of a host with no connection ` +
        '(RFC 9293 3.10.7.1): it had already forgotten the connection (Linux drops an orphaned FIN_WAIT_2 socket after tcp_fin_timeout)',
    };
  }
  if (rst.unackedPeerBytes === 0 && rst.sentBytes === 0 && rst.receivedBytes > 0) {
    return {
      cause: 'unread-data',
      reasoning: `inferred: the ${by} had received ${rst.receivedBytes} byte(s) of payload, never sent any, and sent RST ` +
        `instead of FIN in ${st} (frame ${rst.frame}): Linux does this on close() with unread data`,
    };
  }
  if (rst.unackedPeerBytes > 0) {
    return {
      cause: 'unread-data',
      reasoning: `inferred: the ${by} had received ${rst.unackedPeerBytes} byte(s) of payload it never acknowledged ` +
        `(last received: ${answered}, ${rst.lastRecvLen} byte(s)) and sent RST in ${st} (frame ${rst.frame}): ` +
        'Linux does this on close() with unread data',
    };
  }
  if (!rst.finSent && (rst.state === State.ESTABLISHED || rst.state === State.CLOSE_WAIT || rst.state === State.SYN_RCVD)) {
    return {
      cause: 'abort',
      reasoning: `inferred: the ${by} sent RST in ${st} (frame ${rst.frame}) without having sent a FIN and with nothing ` +
        'left unacknowledged: an abortive close (RST instead of FIN, e.g. SO_LINGER 0)',
    };
  }
  return {
    cause: 'other',
    reasoning: `inferred: the ${by} sent RST in ${st} (frame ${rst.frame}, answering ${answered}); ` +
      `none of the rules refused, after-time-wait, unread-data, abort matched${rst.finSent ? ' (it had sent a FIN)' : ''}`,
  };
}
