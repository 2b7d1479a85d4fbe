/**
 * The endpoint state machine, one transition per test, grouped by state
 * (as smoltcp's "Tests for the FIN-WAIT-1 state"). Each test: a builder that
 * puts the local endpoint in a state, the segments, the expected state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../../src/tcp/endpoint.ts';
import { stateName, type StateName } from '../../src/tcp/state.ts';
import {
  assertState, ACK, FIN, IRS, ISS, Pair, RST, SYN, closeWait, closing, established, finWait1, finWait2, lastAck,
  synRcvd, synSent, timeWait,
} from './helpers.ts';

function lastCause(ep: Endpoint): string {
  const t = ep.transitions[ep.transitions.length - 1];
  return t === undefined ? '' : t.cause;
}

function lastInferred(ep: Endpoint): boolean {
  const t = ep.transitions[ep.transitions.length - 1];
  return t !== undefined && t.inferred;
}

describe('CLOSED', () => {
  it('test_closed_send_syn goes to SYN_SENT', () => {
    const p = synSent();
    assertState(p.local, 'SYN_SENT');
    assert.equal(lastCause(p.local), 'sent SYN');
  });
  it('test_closed_recv_syn stays CLOSED until it answers', () => {
    const p = new Pair().recv({ flags: SYN, seq: IRS });
    assertState(p.local, 'CLOSED');
    assert.equal(p.local.transitions.length, 0);
  });
  it('test_closed_send_syn_ack goes through LISTEN (inferred) to SYN_RCVD', () => {
    const p = synRcvd();
    assertState(p.local, 'SYN_RCVD');
    assert.deepEqual(p.local.transitions.map((t) => [stateName(t.to), t.inferred]), [['LISTEN', true], ['SYN_RCVD', false]]);
  });
  it('test_closed_send_rst_to_syn stays CLOSED (refused)', () => {
    const p = new Pair().recv({ flags: SYN, seq: IRS }).send({ flags: RST | ACK, seq: 0, ack: IRS + 1 });
    assertState(p.local, 'CLOSED');
    assert.equal(p.local.rsts.length, 1);
    assert.equal(p.local.rsts[0].answersSyn, true);
    assertState(p.remote, 'CLOSED');
    assert.equal(lastCause(p.remote), 'received RST (connection refused)');
  });
});

describe('SYN_SENT', () => {
  it('test_syn_sent_recv_syn_ack goes to ESTABLISHED', () => {
    const p = synSent().recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.equal(lastCause(p.local), 'received SYN+ACK');
  });
  it('test_syn_sent_recv_syn_ack_with_bad_ack stays SYN_SENT', () => {
    const p = synSent().recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 7 });
    assertState(p.local, 'SYN_SENT');
  });
  it('test_syn_sent_recv_syn goes to SYN_RCVD (simultaneous open)', () => {
    const p = synSent().recv({ flags: SYN, seq: IRS });
    assertState(p.local, 'SYN_RCVD');
    assert.equal(lastCause(p.local), 'received SYN (simultaneous open)');
  });
  it('test_syn_sent_recv_rst_ack goes to CLOSED (refused)', () => {
    const p = synSent().recv({ flags: RST | ACK, seq: 0, ack: ISS + 1 });
    assertState(p.local, 'CLOSED');
  });
  it('test_syn_sent_recv_rst_without_ack is ignored', () => {
    const p = synSent().recv({ flags: RST, seq: 0 });
    assertState(p.local, 'SYN_SENT');
  });
  it('test_syn_sent_send_syn_again is a retransmission, recognised by seq', () => {
    const p = synSent().send({ flags: SYN, seq: ISS, t: 1 }).send({ flags: SYN, seq: ISS, t: 3 });
    assertState(p.local, 'SYN_SENT');
    assert.equal(p.local.synCopies.length, 3);
    assert.equal(p.local.synCopies[1].gapSeconds, 1 - 0.001);
    assert.equal(p.local.synCopies[2].gapSeconds, 2);
    assert.equal(p.local.transitions.length, 1);
  });
  it('test_syn_sent_syn_copies_are_acknowledged_by_the_syn_ack', () => {
    const p = synSent().send({ flags: SYN, seq: ISS, t: 1 }).recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    assert.deepEqual(p.local.synCopies.map((c) => c.ackedFrame), [3, 3]);
  });
  it('test_syn_sent_send_rst goes to CLOSED', () => {
    const p = synSent().send({ flags: RST, seq: ISS + 1 });
    assertState(p.local, 'CLOSED');
  });
  it('test_syn_sent_send_ack infers the uncaptured SYN+ACK', () => {
    const p = synSent().send({ flags: ACK, seq: ISS + 1, ack: IRS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.ok(lastInferred(p.local));
    assertState(p.remote, 'ESTABLISHED');
  });
});

describe('SYN_RCVD', () => {
  it('test_syn_rcvd_recv_ack goes to ESTABLISHED', () => {
    const p = synRcvd().recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.equal(lastCause(p.local), 'received ACK of our SYN');
  });
  it('test_syn_rcvd_recv_data_with_ack goes to ESTABLISHED', () => {
    const p = synRcvd().recv({ flags: ACK | 0x08, seq: IRS + 1, ack: ISS + 1, len: 10 });
    assertState(p.local, 'ESTABLISHED');
  });
  it('test_syn_rcvd_recv_rst goes back to LISTEN (passive open)', () => {
    const p = synRcvd().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'LISTEN');
  });
  it('test_syn_rcvd_send_rst goes to CLOSED', () => {
    const p = synRcvd().send({ flags: RST, seq: ISS + 1 });
    assertState(p.local, 'CLOSED');
  });
  it('test_syn_rcvd_recv_syn_ack goes to ESTABLISHED (simultaneous open)', () => {
    const p = synSent()
      .recv({ flags: SYN, seq: IRS })
      .send({ flags: SYN | ACK, seq: ISS, ack: IRS + 1 })
      .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    // The SYN+ACK answering the crossed SYN is not a retransmission of our SYN.
    assert.equal(p.local.synCopies.length, 1);
    assert.equal(p.remote.synCopies.length, 1);
  });
  it('test_syn_rcvd_send_syn_ack_again after a simultaneous open is a retransmission', () => {
    const p = synSent()
      .recv({ flags: SYN, seq: IRS })
      .send({ flags: SYN | ACK, seq: ISS, ack: IRS + 1 })
      .send({ flags: SYN | ACK, seq: ISS, ack: IRS + 1 });
    assertState(p.local, 'SYN_RCVD');
    assert.equal(p.local.synCopies.length, 1);
    assert.equal(p.local.synAckCopies.length, 2);
  });
  it('test_syn_rcvd_recv_fin goes to CLOSE_WAIT', () => {
    const p = synRcvd().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 });
    assertState(p.local, 'CLOSE_WAIT');
  });
});

describe('ESTABLISHED', () => {
  it('test_established_send_fin goes to FIN_WAIT_1', () => {
    const p = finWait1();
    assertState(p.local, 'FIN_WAIT_1');
    assert.equal(lastCause(p.local), 'sent FIN');
  });
  it('test_established_recv_fin goes to CLOSE_WAIT', () => {
    const p = established().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 });
    assertState(p.local, 'CLOSE_WAIT');
    assert.equal(lastCause(p.local), 'received FIN');
  });
  it('test_established_send_rst goes to CLOSED (abort)', () => {
    const p = established().send({ flags: RST | ACK, seq: ISS + 1, ack: IRS + 1 });
    assertState(p.local, 'CLOSED');
    assertState(p.remote, 'CLOSED');
    assert.equal(lastCause(p.remote), 'received RST');
  });
  it('test_established_recv_rst goes to CLOSED', () => {
    const p = established().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'CLOSED');
  });
  it('test_established_keep_alive changes nothing and is counted', () => {
    const p = established()
      .send({ flags: ACK | 0x08, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    assert.equal(p.local.keepAlives, 1);
  });
  it('test_established_duplicate_and_out_of_order_data change nothing', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 11, ack: IRS + 1, len: 10 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 });
    assertState(p.local, 'ESTABLISHED');
    assert.equal(p.local.dataNxt, ISS + 21);
  });
  it('test_established_recv_ack_of_uncaptured_fin goes to FIN_WAIT_2 through an inferred FIN_WAIT_1', () => {
    const p = established().recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2 });
    assertState(p.local, 'FIN_WAIT_2');
    assert.deepEqual(p.local.transitions.slice(-2).map((t) => [stateName(t.to), t.inferred]),
      [['FIN_WAIT_1', true], ['FIN_WAIT_2', false]]);
    assertState(p.remote, 'CLOSE_WAIT');
    assert.ok(lastInferred(p.remote));
  });
  it('test_established_uncaptured_fin_seen_late is not a retransmission', () => {
    const p = established()
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2 })
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 });
    assert.equal(p.local.finCopies.length, 1);
    assert.equal(p.local.finCopies[0].ackedFrame, 4);
  });
});

describe('FIN_WAIT_1', () => {
  it('test_fin_wait_1_recv_ack_of_fin goes to FIN_WAIT_2', () => {
    const p = finWait2();
    assertState(p.local, 'FIN_WAIT_2');
    assert.equal(lastCause(p.local), 'received ACK of our FIN');
  });
  it('test_fin_wait_1_recv_ack_not_of_fin stays FIN_WAIT_1', () => {
    const p = finWait1().recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1 });
    assertState(p.local, 'FIN_WAIT_1');
  });
  it('test_fin_wait_1_recv_fin_ack_of_fin goes through FIN_WAIT_2 to TIME_WAIT (three-segment close)', () => {
    // RFC 9293 3.10.7.4: the ACK of our FIN moves FIN-WAIT-1 to FIN-WAIT-2 "and continue
    // processing in that state": the FIN in the same segment then moves it to TIME-WAIT.
    const p = finWait1().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 });
    assertState(p.local, 'TIME_WAIT');
    assert.deepEqual(p.local.transitions.slice(-2).map((t) => [stateName(t.to), t.cause, t.frame]),
      [['FIN_WAIT_2', 'received ACK of our FIN', 5], ['TIME_WAIT', 'received FIN', 5]]);
    assertState(p.remote, 'LAST_ACK');
  });
  it('test_fin_wait_1_recv_fin goes to CLOSING', () => {
    const p = closing();
    assertState(p.local, 'CLOSING');
  });
  it('test_fin_wait_1_send_fin_again is a retransmission and stays', () => {
    const p = finWait1().send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 0.3 });
    assertState(p.local, 'FIN_WAIT_1');
    assert.equal(p.local.finCopies.length, 2);
    assert.ok(Math.abs(p.local.finCopies[1].gapSeconds - (0.3 - 0.004)) < 1e-9);
  });
  it('test_fin_wait_1_retransmitted_fins_are_acknowledged_where_the_ack_is', () => {
    const p = finWait1().send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 }).recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2 });
    assert.deepEqual(p.local.finCopies.map((c) => c.ackedFrame), [6, 6]);
  });
  it('test_fin_wait_1_send_rst goes to CLOSED', () => {
    const p = finWait1().send({ flags: RST, seq: ISS + 2 });
    assertState(p.local, 'CLOSED');
  });
  it('test_fin_wait_1_recv_rst goes to CLOSED', () => {
    const p = finWait1().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'CLOSED');
  });
});

describe('FIN_WAIT_2', () => {
  it('test_fin_wait_2_recv_fin goes to TIME_WAIT', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(lastCause(p.local), 'received FIN');
  });
  it('test_fin_wait_2_recv_data stays FIN_WAIT_2 (the peer half-closes)', () => {
    const p = finWait2().recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2, len: 100 });
    assertState(p.local, 'FIN_WAIT_2');
    assert.equal(p.remote.halfCloseBytes, 100);
  });
  it('test_fin_wait_2_recv_rst goes to CLOSED', () => {
    const p = finWait2().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'CLOSED');
  });
  it('test_fin_wait_2_send_rst goes to CLOSED', () => {
    const p = finWait2().send({ flags: RST, seq: ISS + 2 });
    assertState(p.local, 'CLOSED');
  });
});

describe('CLOSE_WAIT', () => {
  it('test_close_wait_send_fin goes to LAST_ACK', () => {
    const p = lastAck();
    assertState(p.local, 'LAST_ACK');
    assert.equal(lastCause(p.local), 'sent FIN');
  });
  it('test_close_wait_send_data is counted as half-close', () => {
    const p = closeWait()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 2, len: 1000 })
      .send({ flags: ACK, seq: ISS + 1001, ack: IRS + 2, len: 500 })
      .send({ flags: ACK, seq: ISS + 1001, ack: IRS + 2, len: 500 });
    assertState(p.local, 'CLOSE_WAIT');
    assert.equal(p.local.halfCloseBytes, 1500);
    assert.equal(p.local.halfCloseSegments, 2);
  });
  it('test_close_wait_send_rst goes to CLOSED', () => {
    const p = closeWait().send({ flags: RST | ACK, seq: ISS + 1, ack: IRS + 2 });
    assertState(p.local, 'CLOSED');
  });
  it('test_close_wait_recv_rst goes to CLOSED', () => {
    const p = closeWait().recv({ flags: RST, seq: IRS + 2 });
    assertState(p.local, 'CLOSED');
  });
  it('test_close_wait_send_fin_not_acking_peer_fin is a simultaneous close: FIN_WAIT_1, CLOSING once the peer\'s FIN arrives', () => {
    const p = established()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 })
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 });
    // Its FIN left before the peer's arrived: the peer's FIN was still on its way.
    assertState(p.local, 'FIN_WAIT_1');
    assertState(p.remote, 'CLOSING');
    // The peer's next segment comes after its FIN (one direction arrives in order).
    p.recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 });
    assert.deepEqual(p.local.transitions.slice(-3).map((t) => stateName(t.to)), ['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    assert.equal(lastCause(p.local), 'received ACK of our FIN');
  });
});

describe('CLOSING', () => {
  it('test_closing_recv_ack_of_fin goes to TIME_WAIT', () => {
    const p = closing().recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(lastCause(p.local), 'received ACK of our FIN');
  });
  it('simultaneous close puts both ends in CLOSING, then both in TIME_WAIT', () => {
    const p = closing();
    assertState(p.local, 'CLOSING');
    // The remote's FIN left before the local FIN reached it: FIN_WAIT_1 until
    // the local's next segment, which arrives after that FIN.
    assertState(p.remote, 'FIN_WAIT_1');
    p.send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 }).recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 });
    assertState(p.local, 'TIME_WAIT');
    assertState(p.remote, 'TIME_WAIT');
    for (const ep of [p.local, p.remote]) {
      assert.deepEqual(ep.transitions.slice(-3).map((t) => stateName(t.to)), ['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    }
  });
  it('test_closing_recv_rst goes to CLOSED', () => {
    const p = closing().recv({ flags: RST, seq: IRS + 2 });
    assertState(p.local, 'CLOSED');
  });
});

describe('LAST_ACK', () => {
  it('test_last_ack_recv_ack_of_fin goes to CLOSED', () => {
    const p = lastAck().recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 });
    assertState(p.local, 'CLOSED');
    assert.equal(lastCause(p.local), 'received ACK of our FIN');
  });
  it('test_last_ack_send_fin_again is a retransmission and stays', () => {
    const p = lastAck().send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 2 });
    assertState(p.local, 'LAST_ACK');
    assert.equal(p.local.finCopies.length, 2);
  });
  it('test_last_ack_send_fin_after_its_ack_was_captured: the ACK was lost after the capture point, back to LAST_ACK', () => {
    // lost-final-ack.pcap: the final ACK passes the capture point, the passive
    // closer never gets it and retransmits its FIN; the re-ACK closes it.
    const p = lastAck()
      .recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2 })
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 2, t: 0.2 });
    assertState(p.local, 'LAST_ACK');
    assert.equal(p.local.finAckLost, true);
    assert.deepEqual(p.local.transitions.map((t) => stateName(t.to)).slice(-1), ['LAST_ACK']);
    p.recv({ flags: ACK, seq: IRS + 2, ack: ISS + 2, t: 0.21 });
    assertState(p.local, 'CLOSED');
    assert.equal(lastCause(p.local), 'received ACK of our FIN');
  });
  it('test_last_ack_recv_rst goes to CLOSED', () => {
    const p = lastAck().recv({ flags: RST, seq: IRS + 2 });
    assertState(p.local, 'CLOSED');
  });
  it('test_last_ack_recv_rst_after_time_wait goes to CLOSED', () => {
    // The peer was in TIME_WAIT, forgot the connection, and answers our retransmitted FIN with RST.
    const p = lastAck().recv({ flags: RST, seq: IRS + 2, t: 100 });
    assertState(p.local, 'CLOSED');
  });
});

describe('TIME_WAIT', () => {
  it('test_time_wait_recv_fin_again restarts 2MSL when re-ACKed', () => {
    const p = timeWait()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 0.5 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(p.local.twRestarts.length, 1);
    assert.equal(p.local.twRestarts[0].frame, p.wire.frame);
  });
  it('test_time_wait_first_ack_of_peer_fin is not a restart', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2 })
      .send({ flags: ACK, seq: ISS + 2, ack: IRS + 2 });
    assert.equal(p.local.twRestarts.length, 0);
  });
  it('test_time_wait_recv_fin_copy_before_any_captured_ack: an ACK echoing the first copy restarts 2MSL (that copy arrived, its ACK was lost before the capture point)', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1, tsVal: 500, tsEcr: 70 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.2, tsVal: 700, tsEcr: 70 });
    const entered = p.local.twEntry?.frame;
    p.send({ flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 1.2001, tsVal: 90, tsEcr: 500 });
    assert.equal(p.local.twEntry?.frame, entered);
    assert.equal(p.local.twRestarts.length, 1);
    assert.equal(p.local.twRestarts[0].frame, p.wire.frame);
  });
  it('test_time_wait_recv_fin_copy_dsack: an ACK with a D-SACK of the FIN restarts 2MSL (that copy arrived)', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.2 });
    const entered = p.local.twEntry?.frame;
    p.send({ flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 1.2001, sack: [[IRS + 1, IRS + 2]] });
    assert.equal(p.local.twEntry?.frame, entered);
    assert.equal(p.local.twRestarts.length, 1);
  });
  it('test_fin_wait_2_recv_fin_copies_before_its_ack: the first copy never arrived; TIME_WAIT on the copy its ACK echoes, no restart', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1, tsVal: 500, tsEcr: 70 });
    const first = p.wire.frame;
    p.recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.2, tsVal: 700, tsEcr: 70 });
    const copy = p.wire.frame;
    p.send({ flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 1.2001, tsVal: 90, tsEcr: 700 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(p.local.twEntry?.frame, copy);
    assert.notEqual(copy, first);
    assert.equal(p.local.transitions.filter((t) => t.to === p.local.state).length, 1, 'TIME_WAIT entered once');
    assert.equal(p.local.twRestarts.length, 0);
  });
  it('test_fin_wait_2_recv_fin_copies_no_timestamps: without evidence, the last copy before its ACK; one packet captured twice is no copy', () => {
    const p = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.2 });
    const copy = p.wire.frame;
    p.send({ flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 1.2001 });
    assert.equal(p.local.twEntry?.frame, copy);
    const q = finWait2().recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1 });
    const first = q.wire.frame;
    q.recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 1.00005 }).send({ flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 1.0001 });
    assert.equal(q.local.twEntry?.frame, first);
  });
  it('test_close_wait_hole_before_fin: data sent again at the hole a duplicate ACK showed: the FIN waited for it; a lone short ACK proves nothing', () => {
    const lost = (): ReturnType<typeof established> => established()
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 100, t: 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 101, ack: ISS + 1, t: 1.0001 });
    const p = lost();
    const fin = p.wire.frame;
    p.send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, t: 1.0002 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 100, t: 1.2 });
    const filled = p.wire.frame;
    assertState(p.local, 'CLOSE_WAIT');
    assert.equal(p.local.transitions[p.local.transitions.length - 1].frame, filled);
    assert.notEqual(filled, fin);
    // The ACK alone (sent before the FIN arrived, seen after it): the FIN's move stays.
    const q = lost();
    const fin2 = q.wire.frame;
    q.send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, t: 1.0002 }).send({ flags: ACK, seq: ISS + 1, ack: IRS + 102, t: 1.0003 });
    assertState(q.local, 'CLOSE_WAIT');
    assert.equal(q.local.transitions[q.local.transitions.length - 1].frame, fin2);
  });
  it('test_time_wait_send_rst goes to CLOSED: the connection was forgotten', () => {
    const p = timeWait()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 90 })
      .send({ flags: RST, seq: ISS + 2 });
    assertState(p.local, 'CLOSED');
    assert.equal(lastCause(p.local), 'sent RST after TIME_WAIT (connection forgotten)');
    assert.equal(p.local.twEnd?.kind, 'rst');
    assert.equal(p.local.rsts[0].afterClose, true);
  });
  it('test_time_wait_recv_rst goes to CLOSED', () => {
    const p = timeWait().recv({ flags: RST, seq: IRS + 2 });
    assertState(p.local, 'CLOSED');
  });
});

describe('capture starting mid-connection', () => {
  it('a first data segment puts both ends in ESTABLISHED (inferred)', () => {
    const p = new Pair().send({ flags: ACK, seq: ISS + 100, ack: IRS + 100, len: 10 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    assert.ok(lastInferred(p.local) && lastInferred(p.remote));
    assert.equal(lastCause(p.local), 'capture started mid-connection');
  });
  it('a first FIN+ACK is then processed normally', () => {
    const p = new Pair()
      .send({ flags: FIN | ACK, seq: ISS + 100, ack: IRS + 100 })
      .recv({ flags: ACK, seq: IRS + 100, ack: ISS + 101 })
      .recv({ flags: FIN | ACK, seq: IRS + 100, ack: ISS + 101 })
      .send({ flags: ACK, seq: ISS + 101, ack: IRS + 101 });
    assertState(p.local, 'TIME_WAIT');
    assertState(p.remote, 'CLOSED');
  });
  it('a first SYN+ACK infers the client SYN_SENT', () => {
    const p = new Pair().recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 }).send({ flags: ACK, seq: ISS + 1, ack: IRS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.equal(p.local.transitions[0].cause, 'SYN not captured (inferred from the SYN+ACK)');
    assert.equal(p.local.iss, ISS);
    assertState(p.remote, 'ESTABLISHED');
  });
  it('an uncaptured FIN of the peer is inferred from our ACK of it', () => {
    const p = new Pair()
      .recv({ flags: ACK, seq: IRS + 100, ack: ISS + 100, len: 10 })
      .send({ flags: ACK, seq: ISS + 100, ack: IRS + 111 });
    assertState(p.remote, 'FIN_WAIT_2');
    assertState(p.local, 'CLOSE_WAIT');
  });
});

describe('32-bit sequence wrap-around', () => {
  it('a FIN at 0xffffffff is acknowledged by ack 0', () => {
    const iss = 0xfffffffe;
    const p = established(iss)
      .send({ flags: FIN | ACK, seq: 0xffffffff, ack: IRS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: 0 });
    assertState(p.local, 'FIN_WAIT_2');
  });
  it('data across the wrap does not look like an old segment', () => {
    const iss = 0xfffffff0;
    const p = established(iss)
      .send({ flags: ACK, seq: 0xfffffff1, ack: IRS + 1, len: 100 })
      .recv({ flags: ACK, seq: IRS + 1, ack: (0xfffffff1 + 100) >>> 0 })
      .send({ flags: FIN | ACK, seq: (0xfffffff1 + 100) >>> 0, ack: IRS + 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: (0xfffffff1 + 101) >>> 0 });
    assertState(p.local, 'TIME_WAIT');
    assert.equal(p.local.dataNxt, (0xfffffff1 + 100) >>> 0);
  });
});
