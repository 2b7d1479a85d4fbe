/**
 * ICMP errors quoting a 4-tuple no connection holds begin a tcp.stream of
 * their own, as Wireshark's dissect_tcp does (conversation_new for the
 * quoted header), and the 4-tuple's later segments join it. Checked on
 * captures cut or built for it (fixtures/cut) against tshark's tcp.stream
 * per frame, stored beside each (*.streams.tsv; tshark is not run here).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { handshakeFact, closeFact } from '../../src/grade/checks.ts';
import { repoRoot } from '../helpers/paths.ts';

const CUT = join(repoRoot, 'fixtures/cut');

async function reports(path: string): Promise<ConnectionReport[]> {
  const out: ConnectionReport[] = [];
  await analyzeFile(path, makeSettings(), (r) => out.push(r), { keepConnections: false });
  return out.sort((a, b) => a.stream - b.stream);
}

/** tshark's stream of each frame: the frames of each stream. */
function tsharkStreams(name: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const line of readFileSync(join(CUT, `${name}.streams.tsv`), 'utf8').trim().split('\n')) {
    const [frame, stream] = line.split('\t').map(Number);
    m.set(stream, [...(m.get(stream) ?? []), frame]);
  }
  return m;
}

describe('an ICMP error quoting a 4-tuple of no connection begins a stream (as tshark numbers them)', () => {
  for (const name of ['icmp-only', 'icmp-first']) {
    it(`${name}.pcap: every stream's frames as tshark's tcp.stream`, async () => {
      const rs = await reports(join(CUT, `${name}.pcap`));
      const want = tsharkStreams(name);
      assert.deepEqual(rs.map((r) => r.stream), [...want.keys()].sort((a, b) => a - b));
      for (const r of rs) {
        const frames = want.get(r.stream) as number[];
        assert.equal(r.firstFrame, frames[0], `stream ${r.stream} first frame`);
        assert.equal(r.lastFrame, frames[frames.length - 1], `stream ${r.stream} last frame`);
      }
    });
  }

  it('icmp-only.pcap (icmp-reject.pcap without the SYN of 40000): the error alone is stream 0, reported as no segment', async () => {
    const [r0, r1] = await reports(join(CUT, 'icmp-only.pcap'));
    assert.deepEqual([r0.packets, r0.firstFrame, r0.lastFrame, r0.durationSeconds], [0, 1, 1, 0]);
    assert.deepEqual([r0.client.port, r0.clientFrom], [40000, 'syn']);
    assert.equal(r0.handshake.kind, 'not-captured');
    assert.deepEqual([r0.endpoints.client.finalState, r0.endpoints.server.finalState], ['CLOSED', 'CLOSED']);
    assert.deepEqual(r0.endpoints.client.transitions, []);
    assert.deepEqual(r0.capture, { directions: 'none', startedMidConnection: false });
    assert.deepEqual(r0.caveats.map((c) => [c.code, c.frame]), [['no-segment', 1]]);
    assert.deepEqual(r0.notes.map((n) => [n.kind, n.frame, n.from, n.icmp?.effect]), [['icmp-error', 1, 'client', 'soft']]);
    assert.equal(handshakeFact(r0).key, 'hs.no-segment');
    assert.equal(closeFact(r0).key, 'close.no-segment');
    assert.deepEqual([r1.stream, r1.client.port, r1.packets, r1.handshake.kind], [1, 40001, 2, 'unanswered']);
  });

  it('icmp-first.pcap: the first segment takes up the connection the error made, from either side', async () => {
    const rs = await reports(join(CUT, 'icmp-first.pcap'));
    // Stream 2: an error quoting the server's SYN+ACK made it (side 0 the server); the client's SYN, then a three-way handshake.
    const r2 = rs[2];
    assert.deepEqual([r2.client.port, r2.server.port, r2.clientFrom, r2.handshake.kind, r2.packets], [40001, 80, 'syn', 'three-way', 3]);
    assert.deepEqual(r2.notes.map((n) => [n.frame, n.from]), [[3, 'server']]);
    assert.deepEqual(r2.caveats, []);
    // Stream 3: a quoted bare SYN with a new ISN on 40000 begins a new stream; the SYN after it joins it.
    assert.deepEqual([rs[3].reuse?.previousStream, rs[3].firstFrame, rs[3].handshake.synFrames.map((s) => s.frame)], [1, 7, [8]]);
    // Stream 5: two errors, no segment: its last frame is the last error's.
    assert.deepEqual([rs[5].packets, rs[5].firstFrame, rs[5].lastFrame, rs[5].notes.length], [0, 11, 12, 2]);
  });
});
