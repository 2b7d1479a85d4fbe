/**
 * Segment acceptability (src/tcp/accept.ts and its use by the endpoint
 * machines): every rule of RFC 9293 3.10.7 and RFC 5961 on its own, then in
 * the state it applies to. Local = client (ISS 1000), remote = server
 * (IRS 5000), windows 65535 unless told.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RstAction, rstAction, segmentAcceptable, synSentAckAcceptable } from '../../src/tcp/accept.ts';
import { NoteKind } from '../../src/tcp/notes.ts';
import { stateName } from '../../src/tcp/state.ts';
import { report } from '../helpers/report.ts';
import { ACK, FIN, IRS, ISS, RST, SYN, Pair, assertState, closeWait, established, synSent } from './helpers.ts';

const kinds = (p: Pair): number[] => p.connection.notes.list.map((n) => n.kind);

describe('RFC 9293 3.10.7.4 first check: the four cases of segment acceptability', () => {
  it('len 0, window 0: acceptable only at RCV.NXT', () => {
    assert.equal(segmentAcceptable(100, 0, 100, 0), true);
    assert.equal(segmentAcceptable(101, 0, 100, 0), false);
  });
  it('len 0, window > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND', () => {
    assert.equal(segmentAcceptable(100, 0, 100, 10), true);
    assert.equal(segmentAcceptable(109, 0, 100, 10), true);
    assert.equal(segmentAcceptable(110, 0, 100, 10), false);
    assert.equal(segmentAcceptable(99, 0, 100, 10), false);
  });
  it('len > 0, window 0: never acceptable', () => {
    assert.equal(segmentAcceptable(100, 1, 100, 0), false);
  });
  it('len > 0, window > 0: the first or the last sequence number in the window', () => {
    assert.equal(segmentAcceptable(95, 10, 100, 10), true);
    assert.equal(segmentAcceptable(105, 10, 100, 10), true);
    assert.equal(segmentAcceptable(90, 10, 100, 10), false);
    assert.equal(segmentAcceptable(110, 10, 100, 10), false);
  });
  it('compares modulo 2^32 across the wrap', () => {
    assert.equal(segmentAcceptable(0xfffffff0, 0x20, 0x5, 100), true);
    assert.equal(segmentAcceptable(3, 1, 0xfffffffe, 10), true);
  });
});

describe('RFC 5961 3.2: what a synchronized endpoint does with a RST', () => {
  it('resets at exactly RCV.NXT', () => assert.equal(rstAction(100, 100, 10, false), RstAction.Reset));
  it('sends a challenge ACK in the window but not at RCV.NXT', () => assert.equal(rstAction(105, 100, 10, false), RstAction.Challenge));
  it('drops outside the window', () => {
    assert.equal(rstAction(110, 100, 10, false), RstAction.Drop);
    assert.equal(rstAction(99, 100, 10, false), RstAction.Drop);
  });
  it('takes RCV.NXT-1 after the peer\'s FIN, as Linux does (tcp_reset_check)', () => {
    assert.equal(rstAction(99, 100, 10, true), RstAction.Reset);
  });
});

describe('RFC 9293 3.10.7.3 SYN-SENT: an ACK is acceptable only if SND.UNA < SEG.ACK =< SND.NXT', () => {
  it('ISS+1 acknowledges the SYN', () => assert.equal(synSentAckAcceptable(ISS + 1, ISS, ISS + 1), true));
  it('the ISS itself does not', () => assert.equal(synSentAckAcceptable(ISS, ISS, ISS + 1), false));
  it('nothing beyond SND.NXT does', () => assert.equal(synSentAckAcceptable(ISS + 2, ISS, ISS + 1), false));
});

describe('SYN_SENT', () => {
  it('test_syn_sent_recv_rst_ack_of_isn_is_not_a_refusal: dropped, the handshake goes on (RFC 9293 3.10.7.3)', () => {
    const p = synSent()
      .recv({ flags: RST | ACK, seq: 0, ack: ISS })
      .send({ flags: SYN, seq: ISS })
      .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.RstBadAck]);
    const r = report(p);
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.close.kind, 'open');
    assert.equal(r.close.reset?.taken, 'drop');
    assert.equal(r.close.reset?.effective, false);
  });
  it('test_syn_sent_recv_rst_without_ack is dropped', () => {
    const p = synSent().recv({ flags: RST, seq: 0 });
    assertState(p.local, 'SYN_SENT');
  });
  it('test_syn_sent_recv_syn_ack_with_bad_ack changes nothing (answered with RST)', () => {
    const p = synSent().recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 5 });
    assertState(p.local, 'SYN_SENT');
    assert.deepEqual(kinds(p), [NoteKind.SynAckBadAck]);
  });
  it('test_syn_sent_send_syn_again_after_a_syn_ack: that SYN+ACK never reached it', () => {
    const p = synSent().recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 }).send({ flags: SYN, seq: ISS });
    assertState(p.local, 'SYN_SENT');
  });
});

describe('ESTABLISHED', () => {
  it('test_established_recv_rst_out_of_window is dropped (RFC 5961 3.2)', () => {
    const p = established().recv({ flags: RST, seq: IRS + 1 + 100000 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.RstOutOfWindow]);
    const r = report(p);
    assert.equal(r.close.kind, 'open');
    assert.equal(r.close.reset?.effective, false);
    assert.equal(r.notes[0].kind, 'rst-out-of-window');
  });
  it('test_established_recv_rst_in_window_not_at_rcv_nxt gets a challenge ACK and does not reset (RFC 5961 3.2)', () => {
    const p = established()
      .recv({ flags: RST, seq: IRS + 1 + 100 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.RstChallenged, NoteKind.ChallengeAck]);
    assert.equal(p.connection.notes.list[1].related, 4);
    assert.equal(report(p).close.reset?.taken, 'challenge');
  });
  it('test_established_recv_rst_at_rcv_nxt resets', () => {
    const p = established().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'CLOSED');
    assert.equal(report(p).close.kind, 'reset');
  });
  it('test_established_recv_rst_then_both_go_on: an injected RST ends nothing', () => {
    // The RST at RCV.NXT "from" the server, then the server sends data and the client acknowledges it.
    const p = established()
      .recv({ flags: RST | ACK, seq: IRS + 1, ack: ISS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 10 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 11 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    const r = report(p);
    assert.equal(r.close.kind, 'open');
    assert.equal(r.close.reset?.effective, false);
    assert.deepEqual(r.notes.map((n) => n.kind).sort(), ['rst-not-from-sender', 'rst-not-taken']);
  });
  it('test_established_recv_syn gets a challenge ACK and changes nothing (RFC 5961 4)', () => {
    const p = established().recv({ flags: SYN, seq: IRS + 1000 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.SynInWindow]);
  });
  it('test_established_recv_fin_out_of_window is not acceptable', () => {
    const p = established().recv({ flags: FIN | ACK, seq: IRS + 1 + 200000, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.FinOutOfWindow]);
  });
  it('test_established_recv_fin_beyond_a_gap is held until the data before it arrives', () => {
    const p = established().recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.FinOutOfOrder]);
    p.recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 10 });
    assertState(p.local, 'CLOSE_WAIT');
  });
  it('test_established_recv_fin_beyond_a_gap is taken when the receiver acknowledges it', () => {
    const p = established()
      .recv({ flags: FIN | ACK, seq: IRS + 11, ack: ISS + 1 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 12 });
    assertState(p.local, 'CLOSE_WAIT');
  });
  it('test_established_recv_fin_without_ack is dropped (RFC 9293 3.10.7.4 fifth)', () => {
    const p = established().recv({ flags: FIN, seq: IRS + 1 });
    assertState(p.local, 'ESTABLISHED');
    assert.deepEqual(kinds(p), [NoteKind.FinWithoutAck]);
  });
  it('test_established_recv_data_beyond_a_zero_window changes nothing', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, window: 0 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1, len: 1 });
    assert.equal(p.local.rcvNxt, IRS + 1);
  });
  it('test_established_recv_fin_at_rcv_nxt_with_a_zero_window is taken (Linux tcp_data_queue)', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, window: 0 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 });
    assertState(p.local, 'CLOSE_WAIT');
  });
});

describe('CLOSE_WAIT', () => {
  it('test_close_wait_recv_rst_at_rcv_nxt_minus_1 resets (Linux tcp_reset_check)', () => {
    const p = closeWait().recv({ flags: RST, seq: IRS + 1 });
    assertState(p.local, 'CLOSED');
  });
});

describe('a RST the receiver had not yet received', () => {
  it('test_segment_sent_before_the_rst_arrived is played in the state it was sent in', () => {
    // Captured near the client: the client's RST passes first; the server's FIN,
    // sent before the RST reached it, does not acknowledge what the client sent.
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .send({ flags: FIN | ACK, seq: ISS + 11, ack: IRS + 1 })
      .send({ flags: RST | ACK, seq: ISS + 12, ack: IRS + 1 })
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 });
    assert.deepEqual(p.remote.transitions.slice(-2).map((t) => stateName(t.to)), ['FIN_WAIT_1', 'CLOSED']);
    const r = report(p);
    assert.equal(r.close.kind, 'reset-after-fin');
    assert.equal(r.close.activeCloser, 'both');
  });
});

describe('RFC 9293 3.8.4 keep-alives', () => {
  it('a zero-length probe and its ACK one beyond are never a FIN', () => {
    // Captured mid-connection: the client's probe at SND.NXT-1 is the first thing seen of it.
    const p = new Pair()
      .send({ flags: ACK, seq: ISS + 500, ack: IRS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 501 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    const r = report(p);
    assert.equal(r.close.kind, 'open');
    assert.deepEqual(r.close.finInferred, { client: null, server: null });
    assert.deepEqual(r.notes.map((n) => [n.frame, n.kind]), [[1, 'keep-alive'], [2, 'keep-alive-ack']]);
    assert.equal(r.endpoints.client.keepAlives, 1);
  });
  it('with timestamps, an ACK echoing the probe\'s TSval answers the probe', () => {
    const p = new Pair()
      .send({ flags: ACK, seq: ISS + 500, ack: IRS + 1, tsVal: 700, tsEcr: 90 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 501, tsVal: 91, tsEcr: 700 });
    assert.equal(report(p).close.kind, 'open');
  });
  it('with timestamps, an ACK echoing a newer, unseen TSval answers an unseen FIN', () => {
    const p = new Pair()
      .send({ flags: ACK, seq: ISS + 500, ack: IRS + 1, tsVal: 700, tsEcr: 90 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 501, tsVal: 91, tsEcr: 760 });
    const r = report(p);
    assert.deepEqual(r.close.finInferred.client, { frame: 2, basis: 'timestamps' });
    // Inferred at the ACK, which acknowledges it too.
    assertState(p.local, 'FIN_WAIT_2');
  });
  it('a probe at SND.NXT-1 after data is a keep-alive, its ACK acknowledges nothing new', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11 });
    const r = report(p);
    assert.deepEqual(r.notes.map((n) => n.kind), ['keep-alive', 'keep-alive-ack']);
    assert.equal(r.close.kind, 'open');
  });
});

describe('RFC 9293 3.8.6.1 zero-window probes', () => {
  // The client sent 10 bytes; the server acknowledges them with a zero window.
  const zero = () => established()
    .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
    .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, window: 0 });

  it('the keep-alive\'s segment sent into a zero window probes it: a zero-window probe, not counted as a keep-alive', () => {
    const p = zero()
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 0.2 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, window: 0 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 0.6 })
      // The window opens: the data waiting behind it goes, and a later probe is a keep-alive again.
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, window: 1000, t: 1 })
      .send({ flags: ACK, seq: ISS + 11, ack: IRS + 1, len: 5 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 16 })
      .send({ flags: ACK, seq: ISS + 15, ack: IRS + 1, t: 80 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 16 });
    const r = report(p);
    assert.deepEqual(r.notes.map((n) => [n.frame, n.kind, n.relatedFrame]), [
      [6, 'zero-window-probe', null], [7, 'zero-window-probe-ack', 6], [8, 'zero-window-probe', null],
      // The next pure ACK of SND.NXT, the one that opens the window, is taken as its answer (as for a keep-alive).
      [9, 'zero-window-probe-ack', 8],
      [12, 'keep-alive', null], [13, 'keep-alive-ack', 12],
    ]);
    assert.match(r.notes[0].rule, /RFC 9293 3\.8\.6\.1/);
    assert.equal(r.endpoints.client.keepAlives, 1, 'only the probe of an open window is a keep-alive');
    assert.equal(r.close.kind, 'open');
    assert.deepEqual(r.close.finInferred, { client: null, server: null });
    // tshark's flags are tshark's: it flags every one of them keep_alive.
    for (const f of [6, 8, 12]) assert.ok(r.analysis.frames.find((a) => a.frame === f)?.flags.includes('keep-alive'), `frame ${f}`);
  });

  it('the same segment with an open window is a keep-alive', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, window: 1 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 75 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, window: 1 });
    const r = report(p);
    assert.deepEqual(r.notes.map((n) => n.kind), ['keep-alive', 'keep-alive-ack']);
    assert.equal(r.endpoints.client.keepAlives, 1);
  });

  it('a RST after zero-window probes is no keep-alive timeout', () => {
    const p = zero()
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 0.2 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 0.6 })
      .send({ flags: ACK, seq: ISS + 10, ack: IRS + 1, t: 1.4 })
      .send({ flags: RST | ACK, seq: ISS + 11, ack: IRS + 1, t: 3 });
    const r = report(p);
    assert.deepEqual(r.notes.map((n) => n.kind), ['zero-window-probe', 'zero-window-probe', 'zero-window-probe']);
    assert.notEqual(r.close.reset?.cause, 'keepalive-timeout');
  });
});

describe('a FIN the capture does not hold', () => {
  it('is inferred when the peer acknowledges one beyond the sender\'s payload', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 12 });
    assertState(p.local, 'FIN_WAIT_2');
    assertState(p.remote, 'CLOSE_WAIT');
    assert.deepEqual(report(p).close.finInferred.client, { frame: 5, basis: 'sequence' });
  });
  it('is withdrawn when the sender sends data at that number after all', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 12 })
      .send({ flags: ACK, seq: ISS + 12, ack: IRS + 1, len: 5 });
    assertState(p.local, 'ESTABLISHED');
    assertState(p.remote, 'ESTABLISHED');
    assert.equal(report(p).close.kind, 'open');
  });
});

describe('captures of one direction', () => {
  it('the client\'s segments only: the ACK of y+1 proves the SYN+ACK, the ACK of w+1 after its FIN proves the server\'s FIN', () => {
    const p = new Pair()
      .send({ flags: SYN, seq: ISS })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1 })
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .send({ flags: ACK, seq: ISS + 11, ack: IRS + 101 })
      .send({ flags: FIN | ACK, seq: ISS + 11, ack: IRS + 101 })
      .send({ flags: ACK, seq: ISS + 12, ack: IRS + 102 });
    const r = report(p);
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.handshake.inferred, true);
    assert.equal(r.close.activeCloser, 'client');
    assert.deepEqual(r.close.finInferred.server, { frame: 6, basis: 'peer-closing' });
    assert.equal(r.capture.directions, 'client-to-server');
    assert.ok(r.caveats.some((c) => c.code === 'one-sided'));
    assertState(p.local, 'TIME_WAIT');
  });
  it('the server\'s segments only: its FIN acknowledging the one number its ACK advanced proves the client closed first', () => {
    const p = new Pair()
      .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11, len: 100 })
      .recv({ flags: ACK, seq: IRS + 101, ack: ISS + 12 })
      .recv({ flags: FIN | ACK, seq: IRS + 101, ack: ISS + 12 });
    const r = report(p);
    assert.equal(r.close.activeCloser, 'client');
    assert.deepEqual(r.close.finInferred.client, { frame: 3, basis: 'peer-closing' });
    assert.equal(r.capture.directions, 'server-to-client');
  });
});
