/**
 * One packet captured twice (tcpdump -i any across a bridge and its port,
 * two capture interfaces, a mirror port): the second frame has every field a
 * sender changes when it sends again (IPv4 ID, TSval, window, ack) equal,
 * comes less than 1 ms later and with no segment of the peer between. It is
 * a frame of the stream (Wireshark flags it a retransmission) but the
 * endpoints take it once: no SYN or FIN retransmission, no TIME_WAIT
 * restart (NoteKind.CapturedTwice). Hand-built segments, then the kernel
 * capture (fixtures/captures/capture-twice.pcap).
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
import { ACK, FIN, IRS, ISS, RST, SYN, Wire, collectingTracker, type SegSpec } from './helpers.ts';

/** Segments of one connection, each with an IPv4 ID (the helper's Segment keeps the last one set). */
function run(steps: [boolean, SegSpec & { id: number }][]) {
  const { tracker, done } = collectingTracker();
  const w = new Wire();
  for (const [fromClient, spec] of steps) {
    const seg = w.next(fromClient, spec);
    seg.ipId = spec.id;
    tracker.push(seg);
  }
  tracker.finish();
  return done.sort((a, b) => a.stream - b.stream);
}

const open = (): [boolean, SegSpec & { id: number }][] => [
  [true, { flags: SYN, seq: ISS, t: 0, tsVal: 100, id: 1 }],
  [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, t: 0.001, tsVal: 500, tsEcr: 100, id: 0 }],
  [true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, t: 0.002, tsVal: 101, tsEcr: 500, id: 2 }],
];

describe('one packet captured twice', () => {
  it('a FIN seen twice 5 µs apart, same IPv4 ID and TSval: one FIN, no retransmission, no TIME_WAIT restart', () => {
    const [c] = run([
      ...open(),
      [true, { flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 0.1, tsVal: 200, tsEcr: 500, id: 3 }],
      [true, { flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 0.100005, tsVal: 200, tsEcr: 500, id: 3 }],
      [false, { flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 0.101, tsVal: 600, tsEcr: 200, id: 0 }],
      [false, { flags: FIN | ACK, seq: IRS + 1, ack: ISS + 2, t: 0.101004, tsVal: 600, tsEcr: 200, id: 0 }],
      [true, { flags: ACK, seq: ISS + 2, ack: IRS + 2, t: 0.102, tsVal: 201, tsEcr: 600, id: 4 }],
    ]);
    assert.equal(c.packets, 8);
    assert.equal(c.ep0.finCopies.length, 1);
    assert.equal(c.ep1.finCopies.length, 1);
    assert.equal(c.ep0.twRestarts.length, 0);
    assert.equal(stateName(c.ep0.state), 'TIME_WAIT');
    assert.equal(stateName(c.ep1.state), 'CLOSED');
    assert.deepEqual(c.notes.list.map((n) => [n.frame, n.kind, n.related]), [[5, NoteKind.CapturedTwice, 4], [7, NoteKind.CapturedTwice, 6]]);
  });

  it('a new IPv4 ID, a newer TSval, or 1 ms or more between them: a FIN sent again', () => {
    for (const [id, tsVal, t] of [[9, 200, 0.100005], [3, 201, 0.100005], [3, 200, 0.101]] as const) {
      const [c] = run([
        ...open(),
        [true, { flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t: 0.1, tsVal: 200, tsEcr: 500, id: 3 }],
        [true, { flags: FIN | ACK, seq: ISS + 1, ack: IRS + 1, t, tsVal, tsEcr: 500, id }],
      ]);
      assert.equal(c.ep0.finCopies.length, 2, `id ${id} tsVal ${tsVal} t ${t}`);
      assert.equal(c.notes.list.length, 0);
    }
  });

  it('two byte-identical RSTs with IPv4 ID 0 and no timestamps: both counted (a host answers each of a burst of segments so)', () => {
    const [c] = run([
      [true, { flags: SYN, seq: ISS, t: 0, id: 1 }],
      [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, t: 0.001, id: 0 }],
      [true, { flags: ACK, seq: ISS + 1, ack: IRS + 1, t: 0.002, id: 2 }],
      [false, { flags: RST, seq: IRS + 1, t: 0.1, id: 0 }],
      [false, { flags: RST, seq: IRS + 1, t: 0.10004, id: 0 }],
    ]);
    assert.equal(c.ep1.rsts.length, 2);
    assert.equal(c.notes.list.filter((n) => n.kind === NoteKind.CapturedTwice).length, 0);
  });

  it('a byte-identical SYN+ACK answering the SYN sent again (Linux: IPv4 ID 0, TSval in ms) is a copy, not the capture\'s', () => {
    const [c] = run([
      [true, { flags: SYN, seq: ISS, t: 0, tsVal: 100, id: 1 }],
      [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, t: 1.0001, tsVal: 500, tsEcr: 100, id: 0 }],
      [true, { flags: SYN, seq: ISS, t: 1.0002, tsVal: 100, id: 2 }],
      [false, { flags: SYN | ACK, seq: IRS, ack: ISS + 1, t: 1.0003, tsVal: 500, tsEcr: 100, id: 0 }],
    ]);
    assert.equal(c.ep1.synCopies.length, 2);
    assert.equal(c.notes.list.length, 0);
  });
});

async function reports(name: string): Promise<ConnectionReport[]> {
  const out: ConnectionReport[] = [];
  await analyzeFile(join(capturesDir, name), makeSettings(), (r) => out.push(r), { keepConnections: false });
  return out.sort((a, b) => a.stream - b.stream);
}

describe('the kernel capture (bridge, tcpdump -i any)', () => {
  it('capture-twice: one FIN retransmission (client), no SYN retransmission, no restart; every second frame noted', async () => {
    const [r] = await reports('capture-twice.pcap');
    assert.equal(r.packets, 22);
    assert.deepEqual(r.close.finRetransmissions, { client: 1, server: 0 });
    assert.deepEqual(r.handshake.synRetransmissions, { client: 0, server: 0 });
    assert.equal(r.close.kind, 'three-way');
    assert.equal(r.timeWait.endpoint, 'client');
    assert.deepEqual(r.timeWait.client?.restarts, []);
    const twice = r.notes.filter((n) => n.kind === 'captured-twice');
    assert.deepEqual(twice.map((n) => [n.frame, n.relatedFrame]), Array.from({ length: 11 }, (_, i) => [2 * i + 2, 2 * i + 1]));
    // Wireshark's flags stay tshark's: the second frame of the SYN is a retransmission there.
    assert.ok(r.analysis.frames.some((a) => a.frame === 2 && a.flags.includes('retransmission')));
  });
});
