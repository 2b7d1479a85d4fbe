/**
 * Every kernel capture in fixtures/captures goes through the whole pipeline
 * (readFrames -> Decoder -> Tracker -> buildReport) and its verdicts are
 * compared with <stem>.expected.json. Expected values are read from the
 * JSON, never hard-coded: the captures are regenerated with new ISNs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport, EndpointAddress } from '../../src/report/types.ts';
import { capturesDir } from '../helpers/paths.ts';

interface ExpectedConnection {
  stream: number;
  client: string;
  server: string;
  handshake: string;
  close: string;
  activeCloser: string | null;
  timeWaitEndpoint: string | null;
  finRetransmissions: { client: number; server: number };
  synRetransmissions: { client: number; server: number };
  halfClose: null | { side: string; bytes: number };
  /** `candidates` (the causes the wire leaves possible) is given when more than one remains; `made` then says how the scenario made it. */
  reset: null | { by: string; cause: string; candidates?: string[]; made?: string };
  finalStates: { client: string; server: string };
  timeWaitVerdict: string;
}

interface Expected {
  capture: string;
  scenario: string;
  frames: number;
  tshark: { retransmissions: number[]; completeness: number[] };
  connections: ExpectedConnection[];
}

function addr(a: EndpointAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** The fields of our report that expected.json holds, in its shape. */
export function asExpected(r: ConnectionReport): ExpectedConnection {
  return {
    stream: r.stream,
    client: addr(r.client),
    server: addr(r.server),
    handshake: r.handshake.kind,
    close: r.close.kind,
    activeCloser: r.close.activeCloser,
    timeWaitEndpoint: r.timeWait.endpoint,
    finRetransmissions: r.close.finRetransmissions,
    synRetransmissions: r.handshake.synRetransmissions,
    halfClose: r.close.halfClose === null ? null : { side: r.close.halfClose.side, bytes: r.close.halfClose.bytes },
    // The RST that ended the connection (one its receiver did not take, or after which the hosts went on, ended nothing).
    reset: r.close.reset === null || !r.close.reset.effective ? null
      : { by: r.close.reset.by, cause: r.close.reset.cause, candidates: r.close.reset.candidates },
    finalStates: { client: r.endpoints.client.finalState, server: r.endpoints.server.finalState },
    timeWaitVerdict: r.timeWait.verdict,
  };
}

const files = existsSync(capturesDir)
  ? readdirSync(capturesDir).filter((f) => f.endsWith('.expected.json')).sort()
  : [];

describe('kernel captures in fixtures/captures', () => {
  it('there are fixtures to check', () => {
    assert.ok(files.length > 0, `no *.expected.json in ${capturesDir}`);
  });
  for (const f of files) {
    const exp = JSON.parse(readFileSync(join(capturesDir, f), 'utf8')) as Expected;
    it(`${exp.scenario} (${exp.capture}) gives the expected verdicts`, async () => {
      // The fixtures' convention: MSL 120 s, 2MSL 240 s.
      const settings = makeSettings();
      const cap = await analyzeFile(join(capturesDir, exp.capture), settings);
      assert.equal(cap.frames, exp.frames, 'frame count');
      const expected = exp.connections.map((e) => {
        if (e.reset === null) return e;
        const { made, ...reset } = e.reset;
        // How the scenario made the RST is one of the causes left possible.
        if (made !== undefined) assert.ok(reset.candidates?.includes(made), `stream ${e.stream}: ${made} not among the candidates`);
        return { ...e, reset: { ...reset, candidates: reset.candidates ?? [reset.cause] } };
      });
      assert.deepEqual(cap.connections.map(asExpected), expected);
      assert.deepEqual(cap.connections.map((c) => c.compat.wireshark.completeness), exp.tshark.completeness,
        'tcp.completeness per stream');
      const retrans = cap.connections
        .flatMap((c) => [...c.close.finFrames.client.slice(1), ...c.close.finFrames.server.slice(1),
          ...c.handshake.synFrames.slice(1), ...c.handshake.synAckFrames.slice(1)])
        .map((k) => k.frame).sort((a, b) => a - b);
      // tshark also flags data retransmissions; every SYN/FIN copy we count must be among its flags.
      for (const fr of retrans) assert.ok(exp.tshark.retransmissions.includes(fr), `frame ${fr} is not a retransmission for tshark`);
    });
  }
});
