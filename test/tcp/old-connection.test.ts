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
import { ACK, FIN, IRS, ISS, RST, SYN, Wire, collectingTracker } from './helpers.ts';

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

describe('a SYN its apparent sender did not send (RFC 5961 4.2)', () => {
  it('the SYN\'s sender goes on with the old connection after the challenge ACK: every later segment is the old connection\'s', () => {
    const { tracker, done } = collectingTracker();
    const w = new Wire();
    const push = (c: boolean, spec: Parameters<Wire['next']>[1]) => { tracker.push(w.next(c, spec)); };
    halfOpen(push);
    push(true, { flags: SYN, seq: ISS + 1101, t: 1 });
    push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101 });
    push(true, { flags: ACK, seq: ISS + 101, ack: IRS + 101, len: 100, t: 1.5 });
    push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 201 });
    push(true, { flags: FIN | ACK, seq: ISS + 201, ack: IRS + 101 });
    push(false, { flags: FIN | ACK, seq: IRS + 101, ack: ISS + 202 });
    push(true, { flags: ACK, seq: ISS + 202, ack: IRS + 102 });
    tracker.finish();
    const [old, neu] = done.sort((a, b) => a.stream - b.stream);
    assert.equal(old.stream, 0);
    assert.equal(old.endReason, 'capture-end');
    assert.equal(stateName(old.ep0.state), 'TIME_WAIT');
    assert.equal(stateName(old.ep1.state), 'CLOSED');
    assert.equal(old.packets, 6);
    assert.equal(neu.stream, 1);
    assert.equal(neu.packets, 7);
    assert.deepEqual(neu.notes.list.map((n) => n.kind), [NoteKind.OldConnectionAck, ...Array(5).fill(NoteKind.OldConnectionSegment)]);
    // The SYN's move is taken back: no endpoint of stream 1 ever held a connection.
    assert.equal(stateName(neu.ep0.state), 'CLOSED');
    assert.equal(neu.ep0.synCopies.length, 1);
  });

  it('a RST or a SYN sent again after the old connection\'s ACK is the SYN sender\'s in SYN-SENT: nothing changes (half-open discovery)', () => {
    const [old, neu] = run((push) => {
      push(true, { flags: SYN, seq: ISS2, t: 1 });
      push(false, { flags: ACK, seq: IRS + 101, ack: ISS + 101 });
      push(true, { flags: SYN, seq: ISS2, t: 2 });
    });
    assert.equal(stateName(old.ep1.state), 'ESTABLISHED');
    assert.equal(neu.ep0.synCopies.length, 2);
    assert.equal(stateName(neu.ep0.state), 'SYN_SENT');
    assert.ok(!neu.notes.list.some((n) => n.kind === NoteKind.OldConnectionSegment));
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

  it('syn-in-window: the injected SYN\'s challenge ACK and the rest of the connection are in stream 1, stream 0 closes', async () => {
    const [s0, s1] = await reports('syn-in-window.pcap');
    assert.equal(s0.close.kind, 'three-way');
    assert.equal(s0.close.activeCloser, 'client');
    assert.equal(s0.endpoints.client.finalState, 'TIME_WAIT');
    assert.equal(s0.endpoints.server.finalState, 'CLOSED');
    assert.deepEqual(s0.close.finRetransmissions, { client: 0, server: 0 });
    assert.equal(s0.timeWait.endpoint, 'client');
    assert.equal(s0.lastFrame, 7);
    assert.equal(s1.firstFrame, 8);
    assert.equal(s1.packets, 9);
    assert.equal(s1.handshake.kind, 'unanswered');
    assert.equal(s1.close.kind, 'never-opened');
    assert.equal(s1.endpoints.client.finalState, 'CLOSED');
    assert.deepEqual(s1.notes.map((n) => n.kind), ['old-connection-ack', ...Array(7).fill('old-connection-segment')]);
    assert.equal(s1.notes[0].frame, 9);
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
