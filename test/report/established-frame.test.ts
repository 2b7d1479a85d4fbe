/**
 * handshake.establishedFrame is the frame where the capture shows the server
 * going ESTABLISHED (the handshake's ACK), and null when it does not show
 * that: the server never got there, or its ESTABLISHED is inferred. It is
 * never the client's ESTABLISHED (the SYN+ACK), which an earlier version
 * gave when the server had none. Kernel captures, and a hand-built
 * half-open scan.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { handshakeFact } from '../../src/grade/checks.ts';
import { buildReport } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { capturesDir } from '../helpers/paths.ts';
import { ACK, IRS, ISS, RST, SYN, Wire, collectingTracker } from '../tcp/helpers.ts';

async function conns(name: string): Promise<ConnectionReport[]> {
  return (await analyzeFile(join(capturesDir, `${name}.pcap`), makeSettings({ os: 'linux' }))).connections;
}

const established = (c: ConnectionReport, side: 'client' | 'server') => c.endpoints[side].transitions.filter((t) => t.to === 'ESTABLISHED');

describe('handshake.establishedFrame', () => {
  it('is the handshake ACK at which the server went ESTABLISHED', async () => {
    const [c] = await conns('four-way-close');
    const [sv] = established(c, 'server');
    assert.equal(sv.inferred, false);
    assert.equal(c.handshake.establishedFrame, sv.frame);
    assert.equal(c.handshake.establishedFrame, 3);
    // The client's ESTABLISHED is the SYN+ACK's frame, another one.
    assert.equal(established(c, 'client')[0].frame, c.handshake.synAckFrames[0].frame);
  });

  it('listen-overflow-rst: the listener refused the ACK, the server never ESTABLISHED: null, not the SYN+ACK', async () => {
    const [refused, next] = await conns('listen-overflow-rst');
    assert.equal(refused.handshake.kind, 'three-way');
    assert.deepEqual(established(refused, 'server'), []);
    assert.equal(established(refused, 'client')[0].frame, 2, 'the client went ESTABLISHED at the SYN+ACK');
    assert.equal(refused.handshake.establishedFrame, null);
    // The grader's handshake fact names the client's ACK of the SYN+ACK, the
    // one the listener refused (it named the SYN+ACK's frame before).
    const f = handshakeFact(refused);
    assert.equal(f.params.synack, 2);
    assert.equal(f.params.ack, 3);
    // The second connection, accepted, has its ACK.
    assert.equal(next.handshake.establishedFrame, established(next, 'server')[0].frame);
  });

  it('listen-overflow-drop: the ACK of the last SYN+ACK copy, where the server went ESTABLISHED', async () => {
    const [c] = await conns('listen-overflow-drop');
    assert.equal(c.handshake.establishedFrame, 17);
    assert.equal(established(c, 'server')[0].frame, 17);
  });

  it('one-way captures: the ACK when its sender\'s direction was captured, null when the server\'s ESTABLISHED is inferred', async () => {
    const [fromClient] = await conns('one-way-client-close-src-client');
    assert.equal(fromClient.capture.directions, 'client-to-server');
    assert.equal(fromClient.handshake.establishedFrame, 2);
    const [fromServer] = await conns('one-way-client-close-src-server');
    assert.equal(fromServer.capture.directions, 'server-to-client');
    const [sv] = established(fromServer, 'server');
    assert.equal(sv.inferred, true, 'the ACK is not in the capture');
    assert.equal(fromServer.handshake.establishedFrame, null);
    assert.equal(established(fromServer, 'client')[0].inferred, false, 'the client\'s ESTABLISHED at the SYN+ACK is shown, and not taken');
  });

  it('a capture begun after the handshake: null', async () => {
    for (const name of ['late-start-mid-data', 'late-start-between-fins', 'late-start-time-wait']) {
      const [c] = await conns(name);
      assert.equal(c.handshake.kind, 'not-captured', name);
      assert.equal(c.handshake.establishedFrame, null, name);
    }
  });

  it('a half-open scan (SYN, SYN+ACK, RST): the server never ESTABLISHED, null', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    tracker.push(w.next(true, { flags: SYN, seq: ISS, t: 0 }));
    tracker.push(w.next(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }));
    tracker.push(w.next(true, { flags: RST, seq: ISS + 1 }));
    tracker.finish();
    const r = buildReport(done[0], makeSettings({ os: 'linux' }));
    assert.equal(r.handshake.kind, 'aborted');
    assert.equal(r.handshake.establishedFrame, null);
  });

  it('a SYN+ACK nobody acknowledged in the capture: null, and the grader names no ACK', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    tracker.push(w.next(true, { flags: SYN, seq: ISS, t: 0 }));
    tracker.push(w.next(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 }));
    tracker.finish();
    const r = buildReport(done[0], makeSettings({ os: 'linux' }));
    assert.equal(r.handshake.kind, 'three-way');
    assert.equal(r.endpoints.client.transitions.find((t) => t.to === 'ESTABLISHED')?.frame, 2);
    assert.equal(r.handshake.establishedFrame, null);
    assert.equal(handshakeFact(r).params.ack, '?');
  });
});
