import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Segment } from '../../src/decode/segment.ts';
import { stateName } from '../../src/tcp/state.ts';
import { ACK, FIN, IRS, ISS, RST, SYN, Wire, collectingTracker, fill } from './helpers.ts';

/** Feed a client/server exchange into a tracker: [fromClient, spec] pairs. */
type Step = [boolean, { flags: number; seq: number; ack?: number; len?: number; t?: number }];

function closeSteps(iss: number, irs: number, t0: number): Step[] {
  return [
    [true, { flags: SYN, seq: iss, t: t0 }],
    [false, { flags: SYN | ACK, seq: irs, ack: iss + 1 }],
    [true, { flags: ACK, seq: iss + 1, ack: irs + 1 }],
    [true, { flags: FIN | ACK, seq: iss + 1, ack: irs + 1 }],
    [false, { flags: FIN | ACK, seq: irs + 1, ack: iss + 2 }],
    [true, { flags: ACK, seq: iss + 2, ack: irs + 2 }],
  ];
}

describe('Tracker: tcp.stream assignment', () => {
  it('numbers connections from 0 in order of first frame', () => {
    const { tracker, done } = collectingTracker();
    const s = new Segment();
    // Two 4-tuples interleaved: the second starts second.
    tracker.push(fill(s, 1, 1_700_000_000, 0, true, { flags: SYN, seq: ISS }));
    s.srcPort = 40001;
    tracker.push(s);
    tracker.finish();
    assert.deepEqual(done.map((c) => [c.stream, c.port0]), [[0, 40000], [1, 40001]]);
  });

  it('a SYN with the same ISN is a retransmission in the same stream', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    tracker.push(w.next(true, { flags: SYN, seq: ISS, t: 0 }));
    tracker.push(w.next(true, { flags: SYN, seq: ISS, t: 1 }));
    tracker.finish();
    assert.equal(done.length, 1);
    assert.equal(done[0].client.synCopies.length, 2);
  });

  it('a SYN with a different ISN starts a new stream linked to the old one', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    for (const [c, spec] of closeSteps(ISS, IRS, 0)) tracker.push(w.next(c, spec));
    for (const [c, spec] of closeSteps(ISS + 100000, IRS + 100000, 3)) tracker.push(w.next(c, spec));
    tracker.finish();
    assert.deepEqual(done.map((c) => c.stream), [0, 1]);
    assert.equal(done[1].previousStream, 0);
    assert.ok(Math.abs(done[1].reuseGapSeconds - (3 - 0.005)) < 1e-9);
    // The client was in TIME_WAIT and reused the 4-tuple itself: its TIME_WAIT ended.
    assert.equal(done[0].client.twEnd?.kind, 'reuse');
    assert.equal(stateName(done[0].client.state), 'CLOSED');
    assert.equal(done[0].endReason, 'replaced');
  });

  it('a SYN with the same ISN after a RST starts a new stream', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    tracker.push(w.next(true, { flags: SYN, seq: ISS }));
    tracker.push(w.next(false, { flags: RST | ACK, seq: 0, ack: ISS + 1 }));
    tracker.push(w.next(true, { flags: SYN, seq: ISS }));
    tracker.finish();
    assert.deepEqual(done.map((c) => [c.stream, c.packets]), [[0, 2], [1, 1]]);
  });

  it('a SYN+ACK with a new ISN after a FIN starts a new stream (its SYN was not captured)', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    for (const [c, spec] of closeSteps(ISS, IRS, 0)) tracker.push(w.next(c, spec));
    tracker.push(w.next(false, { flags: SYN | ACK, seq: IRS + 7777, ack: ISS + 99999, t: 1 }));
    tracker.finish();
    assert.deepEqual(done.map((c) => c.stream), [0, 1]);
    assert.equal(done[1].clientFrom, 'syn-ack');
  });

  it('a SYN from the server side on a mid-stream connection starts a new stream when its base is set', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    tracker.push(w.next(true, { flags: ACK, seq: ISS, ack: IRS, len: 5 }));
    tracker.push(w.next(true, { flags: SYN, seq: ISS + 50000 }));
    tracker.finish();
    assert.equal(done.length, 2);
  });

  it('IPv4 and IPv6 endpoints with the same words are different connections', () => {
    const { tracker, done } = collectingTracker();
    const s = new Segment();
    fill(s, 1, 1_700_000_000, 0, true, { flags: SYN, seq: ISS });
    tracker.push(s);
    s.ipVersion = 6;
    s.frame = 2;
    tracker.push(s);
    tracker.finish();
    assert.equal(done.length, 2);
  });
});

describe('Tracker: memory and emission', () => {
  it('emits an over connection once the linger time passed, and keeps open ones', () => {
    const { tracker, done } = collectingTracker(60);
    const w = new Wire();
    for (const [c, spec] of closeSteps(ISS, IRS, 0)) tracker.push(w.next(c, spec));
    assert.equal(done.length, 0);
    // Another connection's traffic moves the clock past the linger time.
    const s = new Segment();
    fill(s, 100, 1_700_000_061, 0, true, { flags: SYN, seq: 1 });
    s.srcPort = 50000;
    tracker.push(s);
    assert.equal(done.length, 1);
    assert.equal(done[0].endReason, 'expired');
    assert.equal(tracker.held, 1);
    tracker.finish();
    assert.equal(done.length, 2);
    assert.equal(done[1].endReason, 'capture-end');
  });

  it('holds a connection whose TIME_WAIT receiver got a new SYN until the answer', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    // Server closes first: the server ends in TIME_WAIT.
    const steps: Step[] = [
      [true, { flags: SYN, seq: ISS, t: 0 }],
      [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }],
      [true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 }],
      [false, { flags: FIN | ACK, seq: IRS + 1, ack: ISS + 1 }],
      [true, { flags: FIN | ACK, seq: ISS + 1, ack: IRS + 2 }],
      [false, { flags: ACK, seq: IRS + 2, ack: ISS + 2 }],
    ];
    for (const [c, spec] of steps) tracker.push(w.next(c, spec));
    tracker.push(w.next(true, { flags: SYN, seq: ISS + 90000, t: 0.5 }));
    assert.equal(done.length, 0);
    tracker.push(w.next(false, { flags: SYN | ACK, seq: IRS + 90000, ack: ISS + 90001 }));
    assert.equal(done.length, 1);
    assert.equal(done[0].server.twEnd?.kind, 'reuse');
    assert.equal(done[0].server.twEnd?.frame, 7);
    tracker.finish();
  });
});
