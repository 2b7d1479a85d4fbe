/**
 * No SYN or FIN goes unreported: hand-built captures (Ethernet, IPv4, TCP,
 * byte for byte) of what non-conforming stacks send, through the whole
 * pipeline. Each such segment is in the report's `notes` with its rule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { ethernet, ipv4, tcp, type TcpSpec } from '../decode/build.ts';
import { pcapFile } from '../helpers/build.ts';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const C = [10, 0, 0, 1];
const S = [10, 0, 0, 2];
const X = 1000;
const Y = 5000;

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-anomalies-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One connection's segments (true: client to server), a millisecond apart, as a pcap. */
async function analyze(name: string, segs: [boolean, TcpSpec][]): Promise<ConnectionReport[]> {
  const packets = segs.map(([fromClient, spec], i) => ({
    sec: 1_700_000_000, frac: i * 1000,
    data: ethernet(0x0800, ipv4({ src: fromClient ? C : S, dst: fromClient ? S : C },
      tcp({ sport: fromClient ? 40000 : 80, dport: fromClient ? 80 : 40000, ...spec }))),
  }));
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcapFile(packets));
  return (await analyzeFile(file, makeSettings())).connections;
}

const handshake: [boolean, TcpSpec][] = [
  [true, { flags: SYN, seq: X, ack: 0 }],
  [false, { flags: SYN | ACK, seq: Y, ack: X + 1 }],
  [true, { flags: ACK, seq: X + 1, ack: Y + 1 }],
];

describe('SYN and FIN segments outside the handshake and the close', () => {
  it('a second FIN at a new sequence number, from an endpoint already in TIME_WAIT, is noted and moves nothing', async () => {
    const [c] = await analyze('fin-new-seq', [
      ...handshake,
      [true, { flags: FIN | ACK, seq: X + 1, ack: Y + 1 }],
      [false, { flags: FIN | ACK, seq: Y + 1, ack: X + 2 }],
      [true, { flags: ACK, seq: X + 2, ack: Y + 2 }],
      [true, { flags: FIN | ACK, seq: X + 7, ack: Y + 2 }],
    ]);
    assert.equal(c.close.kind, 'three-way');
    assert.equal(c.endpoints.client.finalState, 'TIME_WAIT');
    assert.equal(c.close.finFrames.client.length, 1);
    assert.deepEqual(c.notes.map((n) => [n.frame, n.from, n.kind, n.relatedFrame]), [[7, 'client', 'fin-new-seq', 4]]);
    assert.match(c.notes[0].rule, /second FIN at a new sequence number/);
  });

  it('a FIN far out of the window is not acceptable and closes nothing', async () => {
    const [c] = await analyze('fin-out-of-window', [
      ...handshake,
      [true, { flags: FIN | ACK, seq: X + 1 + 10_000_000, ack: Y + 1 }],
    ]);
    assert.equal(c.endpoints.server.finalState, 'ESTABLISHED');
    assert.equal(c.endpoints.client.finalState, 'FIN_WAIT_1');
    assert.deepEqual(c.notes.map((n) => [n.frame, n.kind]), [[4, 'fin-not-acceptable']]);
    assert.match(c.notes[0].rule, /RFC 9293 3\.10\.7\.4/);
  });

  it('a second SYN+ACK with another ISN: y is the ISN the client acknowledged, the other is noted', async () => {
    const Y2 = 900_000;
    const [c, ...rest] = await analyze('two-syn-acks', [
      [true, { flags: SYN, seq: X, ack: 0 }],
      [false, { flags: SYN | ACK, seq: Y, ack: X + 1 }],
      [true, { flags: SYN, seq: X, ack: 0 }],
      [false, { flags: SYN | ACK, seq: Y2, ack: X + 1 }],
      [true, { flags: ACK, seq: X + 1, ack: Y2 + 1, payload: 10 }],
      [false, { flags: ACK, seq: Y2 + 1, ack: X + 11, payload: 20 }],
    ]);
    assert.equal(rest.length, 0, 'one connection');
    assert.equal(c.handshake.y?.seq, Y2);
    assert.deepEqual(c.handshake.synAckFrames.map((k) => k.frame), [4]);
    assert.deepEqual(c.notes.map((n) => [n.frame, n.from, n.kind]), [[2, 'server', 'syn-ack-other-isn']]);
    assert.equal(c.endpoints.client.finalState, 'ESTABLISHED');
    assert.equal(c.endpoints.server.finalState, 'ESTABLISHED');
  });
});
