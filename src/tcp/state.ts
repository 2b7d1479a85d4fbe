/**
 * The connection states of RFC 9293 section 3.3.2, one set per endpoint.
 * Values are small integers so an endpoint's state is a number on the hot
 * path; `STATE_NAMES` gives the names used in reports (RFC names with `_`
 * in place of `-`, as in Linux's `ss` and in our JSON contract).
 */
export const State = {
  CLOSED: 0,
  LISTEN: 1,
  SYN_SENT: 2,
  SYN_RCVD: 3,
  ESTABLISHED: 4,
  FIN_WAIT_1: 5,
  FIN_WAIT_2: 6,
  CLOSE_WAIT: 7,
  CLOSING: 8,
  LAST_ACK: 9,
  TIME_WAIT: 10,
} as const;
export type State = (typeof State)[keyof typeof State];

/** State name as it appears in reports. */
export type StateName = keyof typeof State;

export const STATE_NAMES: readonly StateName[] = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1',
  'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];

export function stateName(s: State): StateName {
  return STATE_NAMES[s];
}

/** States in which the endpoint has sent a FIN (RFC 9293 3.10.4 "CLOSE"). */
export function hasSentFin(s: State): boolean {
  return s === State.FIN_WAIT_1 || s === State.FIN_WAIT_2 || s === State.CLOSING ||
    s === State.LAST_ACK || s === State.TIME_WAIT;
}

/** States of an endpoint the connection is over for (nothing left but TIME_WAIT's wait). */
export function isClosedOrTimeWait(s: State): boolean {
  return s === State.CLOSED || s === State.TIME_WAIT || s === State.LISTEN;
}

/** Synchronized states (RFC 9293 3.5: ESTABLISHED and after): the endpoint answers an unacceptable segment, or a SYN, with an ACK. */
export function isSynchronized(s: State): boolean {
  return s >= State.ESTABLISHED;
}
