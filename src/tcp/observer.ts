/**
 * Optional hooks into the tracker, for watching connections as they change
 * (`tcpscope live`). When no observer is set the engine pays one null check
 * per transition, FIN copy, TIME_WAIT restart and new connection, and
 * allocates nothing: the objects handed to the observer are the ones the
 * endpoints record anyway.
 *
 * The engine itself knows only ConnectionWatch (connection.ts) and
 * EndpointWatch (endpoint.ts), which do not name the observer: this file
 * depends on them, not they on it.
 */
import type { Connection, ConnectionWatch } from './connection.ts';
import type { Copy, EndpointWatch, Moment, Transition } from './endpoint.ts';

export interface TcpObserver extends ConnectionWatch {
  /**
   * A new connection's first segment is being processed; its client side is
   * already decided (called before the transitions of that segment).
   */
  opened(c: Connection): void;
  /** An endpoint changed state (`side`: 0 or 1, see Connection.ep0/ep1); the endpoint's state is already `t.to`. */
  transition(c: Connection, side: 0 | 1, t: Transition): void;
  /**
   * The last transition reported for the endpoint was undone: the FIN it
   * seemed to receive before sending its own crossed it (simultaneous close).
   */
  retracted(c: Connection, side: 0 | 1, t: Transition): void;
  /** The endpoint sent another copy of its FIN (same sequence number). */
  finRetransmitted(c: Connection, side: 0 | 1, copy: Copy): void;
  /**
   * In TIME_WAIT, the endpoint re-acknowledged a retransmitted FIN, or
   * acknowledged a segment PAWS refused (the paws-rejected note whose
   * answer is `m.frame`): 2MSL restarts.
   */
  timeWaitRestarted(c: Connection, side: 0 | 1, m: Moment): void;
}

/** What an endpoint of an observed connection holds (one per endpoint, only when observed): its reports go to `observer`, naming `conn` and `side`. */
export function watchEndpoint(observer: TcpObserver, conn: Connection, side: 0 | 1): EndpointWatch {
  return {
    transition: (t) => observer.transition(conn, side, t),
    retracted: (t) => observer.retracted(conn, side, t),
    finRetransmitted: (copy) => observer.finRetransmitted(conn, side, copy),
    timeWaitRestarted: (m) => observer.timeWaitRestarted(conn, side, m),
  };
}
