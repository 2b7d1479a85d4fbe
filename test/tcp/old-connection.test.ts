/**
 * A new SYN on a 4-tuple whose old connection the SYN's receiver still holds
 * (RFC 9293 figure 10, half-open discovery; a SYN that TIME_WAIT does not
 * take): the receiver's ACK of the old connection and the SYN sender's RST
 * answering it count in the new stream, as Wireshark puts them there, and
 * the old connection takes them (Tracker.forOld). Hand-built segments, then
 * the two kernel captures of it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { NoteKind } from '../../src/tcp/notes.ts';
import { stateName } from '../../src/tcp/state.ts';
import { capturesDir } from '../helpers/paths.ts';
import { ACK, IRS, ISS, RST, SYN, Wire, collectingTracker } from './helpers.ts';

const ISS2 = ISS + 700_000;
const IRS2 = IRS + 900_000;

/** Handshake and 100 bytes each way; the client then forgets the connection (its RST never on the wire). */
function halfOpen(push: (fromClient: boolean, spec: Parameters<Wire['next']>[1]) => void): void {
  push(true, { flags: SYN, seq: ISS, t: 0 });
  push(false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1 });
  push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1 });
  push(true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, len: 100 });
  push(false, { flags: ACK, seq: IRS + 1, ack: ISS + 101, len: 100 });
  push(true, { flags: ACK, seq: ISS + 101, ack: IRS + 101 });
}

function run(steps: (push: (fromClient: boolean, spec: Parameters<Wire['next']>[1]) => void) => void) {
  const { tracker, done } = collectingTracker();
  const w = new Wire();
  const push = (c: boolean, spec: Parameters<Wire['next']>[1]) => { tracker.push(w.next(c, spec)); };
  halfOpen(push);
  steps(push);
  tracker.finish();
  return done.sort((a, b) => a.stream - b.stream);
}

describe('a SYN to an end that still holds the old connection (RFC 9293 figure 10)', () => {
  it('the ACK of the old connection and the RST answering it count in the new stream and reset the old connection', () => {
    const [old, neu] = run((push) => {
      push(true, { flags: SYN, seq: ISS2, t: 1 });
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101 });
      push(true, { flags: RST, seq: ISS + 101 });
      push(true, { flags: SYN, seq: ISS2, t: 1.01 });
      push(false, { flags: SYN | ACK, seq: IRS2, ack: ISS2 + 1 });
      push(true, { flags: ACK, seq: ISS2 + 1, ack: IRS2 + 1 });
    });
    assert.equal(old.stream, 0);
    assert.equal(old.packets, 6);
    assert.equal(stateName(old.ep1.state), 'CLOSED');
    assert.equal(old.ep0.rsts.length, 1);
    assert.equal(old.ep0.rsts[0].frame, 9);
    assert.equal(old.ep0.rsts[0].taken, 'reset');
    assert.equal(neu.stream, 1);
    assert.equal(neu.previousStream, 0);
    assert.equal(neu.packets, 6);
    assert.deepEqual(neu.notes.list.map((n) => [n.frame, n.kind, n.related]),
      [[8, NoteKind.OldConnectionAck, 7], [9, NoteKind.OldConnectionRst, 8]]);
    // The new connection's endpoints did not take them: a SYN sent twice, then the handshake.
    assert.equal(neu.ep0.synCopies.length, 2);
    assert.equal(neu.ep0.rsts.length, 0);
    assert.equal(stateName(neu.ep0.state), 'ESTABLISHED');
    assert.equal(stateName(neu.ep1.state), 'ESTABLISHED');
  });

  it('an ACK that is not the old connection\'s (seq is not its SND.NXT) is the new connection\'s', () => {
    const [old, neu] = run((push) => {
      push(true, { flags: SYN, seq: ISS2, t: 1 });
      push(false, { flags: ACK, seq: IRS + 5000, ack: ISS + 101 });
      push(true, { flags: RST, seq: ISS + 101 });
    });
    assert.equal(stateName(old.ep1.state), 'ESTABLISHED');
    assert.equal(old.ep0.rsts.length, 0);
    assert.equal(neu.notes.list.filter((n) => n.kind === NoteKind.OldConnectionAck || n.kind === NoteKind.OldConnectionRst).length, 0);
  });

  it('a RST whose seq is not the ACK\'s ack is the new connection\'s', () => {
    const [old, neu] = run((push) => {
      push(true, { flags: SYN, seq: ISS2, t: 1 });
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101 });
      push(true, { flags: RST, seq: ISS + 50 });
    });
    assert.equal(stateName(old.ep1.state), 'ESTABLISHED');
    assert.deepEqual(neu.notes.list.map((n) => n.kind).filter((k) => k === NoteKind.OldConnectionAck || k === NoteKind.OldConnectionRst), [NoteKind.OldConnectionAck]);
  });
});

async function reports(name: string): Promise<ConnectionReport[]> {
  const out: ConnectionReport[] = [];
  await analyzeFile(join(capturesDir, name), makeSettings(), (r) => out.push(r), { keepConnections: false });
  return out.sort((a, b) => a.stream - b.stream);
}

describe('the kernel captures of it', () => {
  it('half-open-reconnect: the server\'s old connection is reset by the RST that stream 1 holds', async () => {
    const [s0, s1] = await reports('half-open-reconnect.pcap');
    const reset = s0.close.reset;
    assert.ok(reset !== null);
    assert.equal(reset.by, 'client');
    assert.equal(reset.cause, 'no-connection');
    assert.equal(reset.frame, 10);
    assert.equal(s0.lastFrame, 7);
    assert.equal(s0.endpoints.server.finalState, 'CLOSED');
    assert.equal(s1.packets, 13);
    assert.deepEqual(s1.notes.map((n) => [n.frame, n.kind, n.relatedFrame]), [[9, 'old-connection-ack', 8], [10, 'old-connection-rst', 9]]);
    assert.equal(s1.handshake.kind, 'three-way');
    assert.equal(s1.close.reset, null);
    assert.equal(s1.handshake.synFrames.length, 2);
  });

  it('syn-to-time-wait-old-isn: the RST answering the TIME_WAIT\'s ACK ends that TIME_WAIT (cut short)', async () => {
    const [s0, s1] = await reports('syn-to-time-wait-old-isn.pcap');
    const tw = s0.timeWait.server;
    assert.ok(tw !== null);
    assert.equal(tw.evidence, 'rst-received');
    assert.equal(tw.verdict, 'cut-short');
    const rst = s1.notes.find((n) => n.kind === 'old-connection-rst');
    assert.ok(rst !== undefined);
    assert.equal(tw.evidenceFrame, rst.frame);
    assert.equal(s0.close.reset?.cause, 'after-time-wait');
    assert.equal(s1.close.kind, 'three-way');
    assert.equal(s1.timeWait.endpoint, 'client');
  });
});
