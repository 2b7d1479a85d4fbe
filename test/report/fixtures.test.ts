/**
 * Every kernel capture in fixtures/captures goes through the whole pipeline
 * (readFrames -> Decoder -> Tracker -> buildReport) and its verdicts are
 * compared with <stem>.expected.json. Expected values are read from the
 * JSON, never hard-coded: the captures are regenerated with new ISNs.
 *
 * So does every hand-built capture of fixtures/handmade: a kernel
 * conversation inside a tunnel or on another link type must give the
 * kernel capture's verdicts, with the tunnel each direction came in, and
 * every frame that is not a segment counted for its reason.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport, EndpointAddress, TunnelReport } from '../../src/report/types.ts';
import { UNDECODED_NAMES } from '../../src/decode/encapsulation.ts';
import { capturesDir, handmadeDir } from '../helpers/paths.ts';

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
  /** Scenarios inside a tunnel: the tunnel every connection's report names. */
  tunnel?: TunnelReport;
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
      for (const c of cap.connections) assert.deepEqual(c.tunnel, exp.tunnel ?? null, `stream ${c.stream}: tunnel`);
      const retrans = cap.connections
        .flatMap((c) => [...c.close.finFrames.client.slice(1), ...c.close.finFrames.server.slice(1),
          ...c.handshake.synFrames.slice(1), ...c.handshake.synAckFrames.slice(1)])
        .map((k) => k.frame).sort((a, b) => a - b);
      // tshark also flags data retransmissions; every SYN/FIN copy we count must be among its flags.
      for (const fr of retrans) assert.ok(exp.tshark.retransmissions.includes(fr), `frame ${fr} is not a retransmission for tshark`);
    });
  }
});

interface HandmadeExpected {
  capture: string;
  source: string;
  frames: number;
  tcpSegments: number;
  decode: { notTcp: number; undecoded: Record<string, number> };
  tunnelsCrossed: string[];
  tunnel: TunnelReport | null;
  tshark: { completeness: number[] };
  /** The source kernel capture's connections, or null where the capture mixes conversations on purpose. */
  connections: ExpectedConnection[] | null;
}

const handmade = existsSync(handmadeDir)
  ? readdirSync(handmadeDir).filter((f) => f.endsWith('.expected.json')).sort()
  : [];

describe('hand-built captures in fixtures/handmade', () => {
  it('there are hand-built captures to check', () => {
    assert.ok(handmade.length > 0, `no *.expected.json in ${handmadeDir}`);
  });
  for (const f of handmade) {
    const exp = JSON.parse(readFileSync(join(handmadeDir, f), 'utf8')) as HandmadeExpected;
    const what = exp.connections === null ? 'is decoded and counted as built' : `gives the verdicts of ${exp.source}`;
    it(`${exp.capture} ${what}`, async () => {
      const cap = await analyzeFile(join(handmadeDir, exp.capture), makeSettings());
      assert.equal(cap.frames, exp.frames, 'frame count');
      assert.equal(cap.tcpSegments, exp.tcpSegments, 'TCP segments');
      assert.equal(cap.decode.notTcp, exp.decode.notTcp, 'frames without TCP');
      assert.equal(cap.decode.truncated + cap.decode.malformed + cap.decode.ipFragments, 0, 'nothing truncated, malformed or fragmented');
      const undecoded = UNDECODED_NAMES.filter((k) => exp.decode.undecoded[k] !== undefined)
        .map((kind) => ({ kind, frames: exp.decode.undecoded[kind] }));
      assert.deepEqual(cap.decode.undecodedEncapsulations, undecoded, 'undecoded encapsulations');
      assert.deepEqual(cap.decode.tunnels.map((t) => t.kind).sort(), [...exp.tunnelsCrossed].sort(), 'tunnels crossed');
      for (const t of cap.decode.tunnels) assert.equal(t.segments, exp.tcpSegments, `segments in ${t.kind}`);
      if (exp.connections !== null) {
        assert.deepEqual(cap.connections.map(asExpected), exp.connections);
        assert.deepEqual(cap.connections.map((c) => c.compat.wireshark.completeness), exp.tshark.completeness,
          'tcp.completeness per stream');
      }
      if (exp.capture !== 'undecoded.pcap') assert.ok(cap.connections.length > 0, 'connections');
      for (const c of cap.connections) assert.deepEqual(c.tunnel, exp.tunnel, `stream ${c.stream}: tunnel`);
    });
  }
});
