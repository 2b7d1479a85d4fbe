/**
 * Two pieces of evidence that a segment the capture shows never reached its
 * receiver, and the reset cause they bring with them (issue: the kernel
 * behaviour sweep):
 * - a passive opener answers the very ACK that completed its handshake with a
 *   bare RST (no ACK bit, seq = that ACK's ack): its listener refused the ACK
 *   (Linux: accept queue full with tcp_abort_on_overflow = 1), SYN_RCVD ->
 *   LISTEN, never ESTABLISHED;
 * - the FIN's receiver acknowledges everything up to the peer's FIN but not
 *   the FIN after the peer sent it again: no copy had arrived;
 * and a bare RST answering data after its sender's unacknowledged FIN leaves
 * data-after-close and no-connection both possible. Hand-built segments, then
 * the kernel captures listen-overflow-rst, listen-overflow-drop,
 * orphan-fin-unacked and fast-open.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { stateName } from '../../src/tcp/state.ts';
import { capturesDir } from '../helpers/paths.ts';
import { ACK, FIN, IRS, ISS, RST, SYN, Wire, collectingTracker } from './helpers.ts';

function run(steps: (push: (fromClient: boolean, spec: Parameters<Wire['next']>[1]) => void) => void) {
  const { tracker, done } = collectingTracker();
  const w = new Wire();
  steps((c, spec) => { tracker.push(w.next(c, spec)); });
  tracker.finish();
  return done.sort((a, b) => a.stream - b.stream);
}

const moves = (ep: { transitions: { to: number; frame: number; cause: string }[] }) => ep.transitions.map((t) => `${stateName(t.to as never)}@${t.frame}`);

describe('a listener that refuses the handshake\'s ACK with a bare RST', () => {
  it('never had the connection ESTABLISHED: SYN_RCVD -> LISTEN at the RST', () => {
    const [c] = run((push) => {
      push(true, { flags: SYN, seq: ISS, t: 0 });
      push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
      push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
      push(false, { flags: RST, seq: IRS + 1 });
    });
    assert.deepEqual(moves(c.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'LISTEN@4']);
    assert.equal(c.ep1.transitions[2].cause, 'refused the ACK of our SYN with RST (back to LISTEN)');
    assert.equal(stateName(c.ep0.state), 'CLOSED');
    assert.equal(stateName(c.ep1.rsts[0].state), 'SYN_RCVD');
  });

  it('a RST with ACK, or one answering a later segment, is an abort of an ESTABLISHED connection', () => {
    const [a] = run((push) => {
      push(true, { flags: SYN, seq: ISS, t: 0 });
      push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
      push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
      push(false, { flags: RST | ACK, seq: IRS + 1, ack: ISS + 1 });
    });
    assert.deepEqual(moves(a.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSED@4']);
    const [b] = run((push) => {
      push(true, { flags: SYN, seq: ISS, t: 0 });
      push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
      push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
      push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 10 });
      push(false, { flags: RST, seq: IRS + 1 });
    });
    assert.deepEqual(moves(b.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSED@5']);
  });
});

describe('a FIN the receiver never got', () => {
  /** Handshake, 100 bytes each way, the client's FIN at ISS + 101, sent `copies` times. */
  function finSentAgain(push: (fromClient: boolean, spec: Parameters<Wire['next']>[1]) => void, copies: number): void {
    push(true, { flags: SYN, seq: ISS, t: 0 });
    push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
    push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
    push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 100 });
    push(false, { flags: ACK, seq: IRS + 1, ack: ISS + 101, len: 100 });
    for (let i = 0; i < copies; i++) push(true, { flags: FIN | ACK, seq: ISS + 101, ack: IRS + 101, t: 0.1 + i * 0.2 });
  }

  it('data acknowledging all but the FIN after a copy of it: the receiver never left ESTABLISHED', () => {
    const [c] = run((push) => {
      finSentAgain(push, 3);
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101, len: 100, t: 2.5 });
      push(true, { flags: RST, seq: ISS + 101 });
    });
    assert.deepEqual(moves(c.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSED@10']);
    assert.equal(c.ep0.finCopies.length, 3);
  });

  it('without a copy an ACK short of the FIN proves nothing (it may have left before the FIN arrived)', () => {
    const [c] = run((push) => {
      finSentAgain(push, 1);
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101, len: 100, t: 2.5 });
      push(true, { flags: RST, seq: ISS + 101 });
    });
    assert.deepEqual(moves(c.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSE_WAIT@6', 'CLOSED@8']);
  });

  it('the same packet captured twice is no copy sent again', () => {
    const [c] = run((push) => {
      finSentAgain(push, 1);
      push(true, { flags: FIN | ACK, seq: ISS + 101, ack: IRS + 101, t: 0.1002 });
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101, len: 100, t: 0.1003 });
    });
    assert.deepEqual(moves(c.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSE_WAIT@6']);
  });

  it('a copy it takes afterwards still moves it to CLOSE_WAIT', () => {
    const [c] = run((push) => {
      finSentAgain(push, 2);
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101, len: 100, t: 1 });
      push(true, { flags: FIN | ACK, seq: ISS + 101, ack: IRS + 201, t: 1.2 });
      push(false, { flags: ACK, seq: IRS + 201, ack: ISS + 102 });
    });
    assert.deepEqual(moves(c.ep1), ['LISTEN@2', 'SYN_RCVD@2', 'ESTABLISHED@3', 'CLOSE_WAIT@9']);
  });
});

async function reports(name: string): Promise<{ conns: ConnectionReport[]; exp: { facts: Record<string, unknown> } }> {
  const cap = await analyzeFile(join(capturesDir, `${name}.pcap`), makeSettings());
  const exp = JSON.parse(readFileSync(join(capturesDir, `${name}.expected.json`), 'utf8'));
  return { conns: cap.connections, exp };
}

type States = { client: { state: string }[]; server: { state: string }[] };

describe('kernel captures of the sweep', () => {
  it('listen-overflow-rst: the server never ESTABLISHED, the listener refused the ACK', async () => {
    const { conns, exp } = await reports('listen-overflow-rst');
    const c = conns[0];
    const states = exp.facts.states as States;
    for (const side of ['client', 'server'] as const) {
      assert.deepEqual(c.endpoints[side].transitions.map((t) => t.to), states[side].map((s) => s.state), `${side} states`);
    }
    const rst = (exp.facts.resets as { frame: number }[])[0];
    assert.equal(c.close.reset?.frame, rst.frame);
    assert.equal(c.close.reset?.state, 'SYN_RCVD');
    assert.match(c.close.reset?.reasoning ?? '', /listener refused that ACK/);
  });

  it('listen-overflow-drop: the server is ESTABLISHED at the ACK of its last SYN+ACK copy', async () => {
    const { conns, exp } = await reports('listen-overflow-drop');
    const states = exp.facts.states as States;
    const server = conns[0].endpoints.server.transitions;
    assert.deepEqual(server.map((t) => t.to), states.server.map((s) => s.state));
    const est = (exp.facts.movesAt as { server: { state: string; frame: number }[] }).server[0];
    assert.deepEqual(server.filter((t) => t.to === 'ESTABLISHED').map((t) => t.frame), [est.frame]);
  });

  it('orphan-fin-unacked: the server never took the FIN; the RST\'s cause is ambiguous', async () => {
    const { conns, exp } = await reports('orphan-fin-unacked');
    const c = conns[0];
    assert.ok(!c.endpoints.server.transitions.some((t) => t.to === 'CLOSE_WAIT'), 'no CLOSE_WAIT');
    assert.ok(c.caveats.some((x) => x.code === 'fin-held' && /lost after the capture point/.test(x.text)));
    assert.deepEqual(c.close.reset?.candidates, ['data-after-close', 'no-connection']);
    assert.equal(c.close.finRetransmissions.client, (exp.facts.finCopies as { client: number[] }).client.length);
  });

  it('fast-open: the SYN carrying data is a SYN with data, and the handshake is three-way', async () => {
    const { conns, exp } = await reports('fast-open');
    const withData = exp.facts.synWithData as { frame: number; bytes: number }[];
    assert.deepEqual(conns.flatMap((c) => c.handshake.synFrames.filter((f) => f.withData).map((f) => f.frame)), withData.map((s) => s.frame));
    assert.deepEqual(conns.map((c) => c.endpoints.client.payloadBytes), [100, 100]);
  });
});
