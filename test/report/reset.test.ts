/**
 * RST causes (src/report/reset.ts), one test per cause, each on the shortest
 * exchange that shows it. Local = client (ISS 1000), remote = server (IRS 5000).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSettings } from '../../src/report/settings.ts';
import { ACK, FIN, IRS, ISS, RST, SYN, established, finWait2, synSent, timeWait } from '../tcp/helpers.ts';
import { report } from '../helpers/report.ts';
import { stateName } from '../../src/tcp/state.ts';

describe('RST causes', () => {
  it('refused: the RST answers a SYN (nothing listened)', () => {
    const r = report(synSent().recv({ flags: RST | ACK, seq: 0, ack: ISS + 1 }));
    assert.equal(r.handshake.kind, 'refused');
    assert.equal(r.close.kind, 'refused');
    assert.equal(r.close.reset?.cause, 'refused');
    assert.deepEqual(r.close.reset?.candidates, ['refused']);
    assert.equal(r.close.reset?.effective, true);
  });

  it('handshake-aborted: the client answers the SYN+ACK with RST (the half-open scan pattern)', () => {
    const p = synSent()
      .recv({ flags: SYN | ACK, seq: IRS, ack: ISS + 1 })
      .send({ flags: RST, seq: ISS + 1 });
    const r = report(p);
    assert.equal(r.handshake.kind, 'aborted');
    // The RST ended the attempt; there was no connection to close.
    assert.equal(r.close.kind, 'reset');
    assert.equal(r.close.activeCloser, null);
    assert.equal(r.close.reset?.by, 'client');
    assert.equal(r.close.reset?.cause, 'handshake-aborted');
    // The SYN+ACK found no connection in SYN-SENT: the client never was ESTABLISHED.
    assert.deepEqual(p.local.transitions.map((t) => stateName(t.to)), ['SYN_SENT', 'CLOSED']);
  });

  it('keepalive-timeout: probes one interval apart, then RST one interval after the last; not when the RST comes at another time', () => {
    const run = (rstAt: number): ReturnType<typeof report> => {
      const p = established()
        .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 100, t: 1 })
        .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 101, len: 200, t: 1.001 })
        .send({ flags: ACK, seq: ISS + 101, ack: IRS + 201, t: 1.002 });
      // Probes at SND.NXT - 1 every 2 s, each answered on the wire.
      for (const at of [3, 5, 7]) {
        p.send({ flags: ACK, seq: ISS + 100, ack: IRS + 201, t: at })
          .recv({ flags: ACK, seq: IRS + 201, ack: ISS + 101, t: at + 0.0001 });
      }
      return report(p.send({ flags: RST | ACK, seq: ISS + 101, ack: IRS + 201, t: rstAt }));
    };
    const r = run(9);
    assert.equal(r.close.reset?.cause, 'keepalive-timeout');
    assert.match(r.close.reset?.reasoning ?? '', /3 keep-alive probes .* 2\.000 s apart.* 2\.000 s after the last.* never reached it/);
    // Half an interval after the last probe: not the keep-alive timer.
    assert.notEqual(run(8).close.reset?.cause, 'keepalive-timeout');
  });

  it('data-after-close: the peer writes after the FIN and the closed side resets (RST with ACK)', () => {
    const p = established()
      .send({ flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2, len: 10 })
      .send({ flags: RST | ACK, seq: ISS + 2, ack: IRS + 11 });
    const r = report(p);
    // The close began with the client's FIN; the client's RST ended it.
    assert.equal(r.close.kind, 'reset-after-fin');
    assert.equal(r.close.activeCloser, 'client');
    assert.equal(r.close.reset?.by, 'client');
    assert.equal(r.close.reset?.cause, 'data-after-close');
  });

  it('data-after-close or no-connection: a bare RST answering data after its acknowledged FIN', () => {
    const p = finWait2()
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 2, len: 100, t: 68 })
      .send({ flags: RST, seq: ISS + 2 });
    const r = report(p);
    assert.equal(r.close.kind, 'reset-after-fin');
    assert.equal(r.close.reset?.cause, 'ambiguous');
    assert.deepEqual(r.close.reset?.candidates, ['data-after-close', 'no-connection']);
    assert.match(r.close.reset?.reasoning ?? '', /bare RST .*no ACK bit/);
  });

  it('no-connection: a bare RST answering the peer\'s FIN after its own FIN was acknowledged', () => {
    const p = finWait2()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 68 })
      .send({ flags: RST, seq: ISS + 2 });
    const r = report(p);
    assert.equal(r.close.reset?.cause, 'no-connection');
  });

  it('unread-data: a FIN answered by RST from a receiver that never acknowledged the data', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .send({ flags: FIN | ACK, seq: ISS + 11, ack: IRS + 1 })
      .recv({ flags: RST | ACK, seq: IRS + 1, ack: ISS + 1 });
    const r = report(p);
    assert.equal(r.close.kind, 'reset-after-fin');
    assert.equal(r.close.activeCloser, 'client');
    assert.equal(r.close.reset?.by, 'server');
    assert.equal(r.close.reset?.state, 'CLOSE_WAIT');
    assert.equal(r.close.reset?.cause, 'unread-data');
  });

  it('unread-data or abort: every byte acknowledged, none answered: the wire cannot tell', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 1000 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 1001 })
      .recv({ flags: RST | ACK, seq: IRS + 1, ack: ISS + 1001 });
    const r = report(p);
    assert.equal(r.close.kind, 'reset');
    assert.equal(r.close.reset?.cause, 'ambiguous');
    assert.deepEqual(r.close.reset?.candidates, ['unread-data', 'abort']);
  });

  it('abort: RST instead of FIN in ESTABLISHED with nothing received unanswered', () => {
    const p = established()
      .send({ flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 })
      .recv({ flags: ACK, seq: IRS + 1, ack: ISS + 11 })
      .send({ flags: RST | ACK, seq: ISS + 11, ack: IRS + 1 });
    const r = report(p);
    assert.equal(r.close.kind, 'reset');
    assert.equal(r.close.activeCloser, 'client');
    assert.equal(r.close.reset?.cause, 'abort');
    assert.equal(r.close.reset?.state, 'ESTABLISHED');
    assert.equal(r.compat.zeek.connState, 'RSTO');
  });

  it('after-time-wait: the end of TIME_WAIT answers a retransmitted FIN with RST', () => {
    const p = timeWait()
      .recv({ flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 70 })
      .send({ flags: RST, seq: ISS + 2 });
    const r = report(p, makeSettings({ os: 'linux' }));
    // The FINs were acknowledged before the RST: the close kind stays, the RST is reported.
    assert.equal(r.close.kind, 'four-way');
    assert.equal(r.close.reset?.cause, 'after-time-wait');
    assert.equal(r.timeWait.evidence, 'rst');
    assert.equal(r.timeWait.verdict, 'full');
    assert.equal(report(p, makeSettings()).timeWait.verdict, 'cut-short');
  });

  it('other: RST+ACK after its own FIN with nothing unread (a live socket aborting)', () => {
    const p = finWait2().send({ flags: RST | ACK, seq: ISS + 2, ack: IRS + 1 });
    assert.equal(report(p).close.reset?.cause, 'other');
  });
});
