/**
 * A RST answering its receiver's last segment (seq = that segment's ACK,
 * nothing of the RST's sender between): the receiver's RCV.NXT is the ACK it
 * sent last, so data the capture showed beyond it never reached it (lost after
 * the capture point) and the RST is at RCV.NXT: it resets. The kernel capture
 * of it: fixtures/captures/user-timeout.pcap (TCP_USER_TIMEOUT gave up on data
 * the server's input dropped; the server's later data got a bare RST).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { stateName } from '../../src/tcp/state.ts';
import { capturesDir } from '../helpers/paths.ts';
import { ACK, IRS, ISS, RST, SYN, Wire, collectingTracker, type SegSpec } from './helpers.ts';

function run(tail: [boolean, SegSpec][]) {
  const { tracker, done } = collectingTracker();
  const w = new Wire();
  const steps: [boolean, SegSpec][] = [
    [true, { flags: SYN, seq: ISS, t: 0 }],
    [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }],
    [true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 }],
    [true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 100 }],
    [false, { flags: ACK, seq: IRS + 1, ack: ISS + 101 }],
    // 1000 bytes sent three times, never acknowledged (dropped after the capture point).
    [true, { flags: ACK, seq: ISS + 101, ack: IRS + 1, len: 1000, t: 0.3 }],
    [true, { flags: ACK, seq: ISS + 101, ack: IRS + 1, len: 1000, t: 0.5 }],
    [true, { flags: ACK, seq: ISS + 101, ack: IRS + 1, len: 1000, t: 0.9 }],
    ...tail,
  ];
  for (const [c, spec] of steps) tracker.push(w.next(c, spec));
  tracker.finish();
  return done[0];
}

describe('a RST at the ACK its receiver sent last', () => {
  it('answers the server\'s data that acknowledges none of the client\'s unacknowledged bytes: the server is reset', () => {
    const c = run([
      [false, { flags: ACK, seq: IRS + 1, ack: ISS + 101, len: 100, t: 4 }],
      [true, { flags: RST, seq: ISS + 101, t: 4.0001 }],
    ]);
    assert.equal(stateName(c.ep1.state), 'CLOSED');
    assert.equal(c.ep0.rsts[0].taken, 'reset');
  });

  it('with a segment of the RST\'s sender between them it is judged against what the capture showed arriving (left of the window: dropped)', () => {
    const c = run([
      [false, { flags: ACK, seq: IRS + 1, ack: ISS + 101, len: 100, t: 4 }],
      [true, { flags: ACK, seq: ISS + 101, ack: IRS + 101, len: 1000, t: 4.00005 }],
      [true, { flags: RST, seq: ISS + 101, t: 4.0001 }],
    ]);
    assert.equal(stateName(c.ep1.state), 'ESTABLISHED');
    assert.equal(c.ep0.rsts[0].taken, 'drop');
  });
});

describe('the kernel capture', () => {
  it('user-timeout: the client\'s bare RST resets the server (cause no-connection), both CLOSED', async () => {
    const out: ConnectionReport[] = [];
    await analyzeFile(join(capturesDir, 'user-timeout.pcap'), makeSettings(), (r) => out.push(r), { keepConnections: false });
    const [r] = out;
    assert.equal(r.close.kind, 'reset');
    assert.equal(r.close.reset?.effective, true);
    assert.equal(r.close.reset?.cause, 'no-connection');
    assert.equal(r.endpoints.server.finalState, 'CLOSED');
    assert.equal(r.endpoints.client.finalState, 'CLOSED');
  });
});
