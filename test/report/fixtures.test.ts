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
  close: string | null;
  activeCloser: string | null;
  timeWaitEndpoint: string | null;
  finRetransmissions: { client: number; server: number };
  synRetransmissions: { client: number; server: number };
  halfClose: null | { side: string; bytes: number };
  /** `candidates` (the causes the wire leaves possible) is given when more than one remains; `made` then says how the scenario made it. */
  reset: null | { by: string; cause: string; candidates?: string[]; made?: string };
  finalStates: { client: string | null; server: string | null };
  timeWaitVerdict: string | null;
}

interface Expected {
  facts?: Facts;
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

/** What the scenario's facts say (fixtures/tools/truth.mjs), as far as the report can be held against it. */
interface Facts {
  captured?: string;
  captureStarted?: string;
  /** Fields the capture cannot decide: the values it allows, and what happened. */
  ambiguous?: Record<string, { possible: unknown[]; actual: unknown }>;
  keepAlives?: { probes: number[]; acks: (number | null)[] };
  windowProbes?: { by: 'client' | 'server'; probes: number[]; answered: (number | null)[] };
  timeWaitRestarts?: { client?: number[]; server?: number[] };
  resets?: { frame: number; by: string; accepted: boolean }[];
  challengeAcks?: { frame: number; answers: number }[];
  /** Segments the receiver refused for their old TSval (RFC 7323 5.3 PAWS), with its TS.Recent then. */
  pawsRejected?: { frame: number; tsVal: number; tsRecent: number }[];
  /** Frames where tshark's analysis is wrong, and why. */
  tsharkDiffers?: { frames: number[]; what: string }[];
  states?: { client: { state: string; frame: number | null; note?: string }[]; server: { state: string; frame: number | null; note?: string }[] };
  /** Moves whose frame is checked too: each endpoint enters that state once, at that frame. */
  movesAt?: { client?: { state: string; frame: number | null }[]; server?: { state: string; frame: number | null }[] };
}

/**
 * The expected connection with its undecidable fields (null in the truth,
 * listed in facts.ambiguous) taken from our report when ours is one of the
 * values the capture allows; the reset in our shape (`made`, how the
 * scenario made it, must be one of the candidates).
 */
function undecided(e: ExpectedConnection, ours: ExpectedConnection | undefined, ambiguous: NonNullable<Facts['ambiguous']>): ExpectedConnection {
  const out: ExpectedConnection = { ...e, finalStates: { ...e.finalStates } };
  const allowed = (field: string, v: unknown): boolean => ambiguous[field]?.possible.some((p) => JSON.stringify(p) === JSON.stringify(v)) ?? false;
  if (ours !== undefined) {
    for (const k of ['close', 'activeCloser', 'timeWaitEndpoint', 'timeWaitVerdict'] as const) {
      if (e[k] === null && ambiguous[k] !== undefined && allowed(k, ours[k])) (out as unknown as Record<string, unknown>)[k] = ours[k];
    }
    for (const side of ['client', 'server'] as const) {
      if (e.finalStates[side] === null && allowed(`finalStates.${side}`, ours.finalStates[side])) out.finalStates[side] = ours.finalStates[side];
    }
  }
  if (e.reset !== null) {
    const { made, ...reset } = e.reset;
    if (made !== undefined) assert.ok(reset.candidates?.includes(made), `stream ${e.stream}: ${made} not among the candidates`);
    out.reset = { ...reset, candidates: reset.candidates ?? [reset.cause] };
  }
  return out;
}

/** The facts of how the scenario was made that the report shows too. */
function checkFacts(c: ConnectionReport, facts: Facts): void {
  const noted = (kind: string): number[] => c.notes.filter((n) => n.kind === kind).map((n) => n.frame);
  if (facts.keepAlives !== undefined) {
    assert.deepEqual(noted('keep-alive'), facts.keepAlives.probes, 'keep-alive probes');
    assert.deepEqual(noted('keep-alive-ack'), facts.keepAlives.acks.filter((a) => a !== null), 'keep-alive ACKs');
    assert.deepEqual(c.close.finInferred, { client: null, server: null }, 'no FIN inferred from keep-alives');
  }
  if (facts.windowProbes !== undefined) {
    // Probes of a zero window (RFC 9293 3.8.6.1), not keep-alives, though tshark flags them keep_alive.
    const w = facts.windowProbes;
    assert.deepEqual(noted('zero-window-probe'), w.probes, 'zero-window probes');
    assert.deepEqual(noted('zero-window-probe-ack'), w.answered.filter((a) => a !== null), 'zero-window probe ACKs');
    assert.ok(c.notes.filter((n) => n.kind === 'zero-window-probe').every((n) => n.from === w.by), 'probes from their sender');
    if (facts.keepAlives === undefined) assert.deepEqual([noted('keep-alive'), noted('keep-alive-ack')], [[], []], 'no keep-alive noted');
    assert.equal(c.endpoints[w.by].keepAlives, 0, 'zero-window probes are not counted as keep-alives');
    for (const f of w.probes) assert.ok(c.analysis.frames.find((a) => a.frame === f)?.flags.includes('keep-alive'), `frame ${f}: the tshark-style keep-alive flag stays`);
  }
  // (Restarts are TIME_WAIT's: where the capture cannot show who was in TIME_WAIT, neither.)
  for (const side of facts.ambiguous?.timeWaitEndpoint === undefined ? ['client', 'server'] as const : []) {
    const restarts = facts.timeWaitRestarts?.[side];
    if (restarts !== undefined) assert.deepEqual(c.timeWait[side]?.restarts.map((r) => r.frame), restarts, `${side} TIME_WAIT restarts`);
  }
  for (const r of facts.resets ?? []) {
    if (r.accepted) continue;
    const kinds = c.notes.filter((n) => n.frame === r.frame).map((n) => n.kind);
    assert.ok(kinds.some((k) => k.startsWith('rst-')), `the RST of frame ${r.frame} is noted as not taken (notes: ${kinds})`);
    assert.equal(c.close.reset?.effective ?? false, false, 'the RST ended nothing');
  }
  for (const a of facts.challengeAcks ?? []) {
    assert.ok(c.notes.some((n) => n.kind === 'challenge-ack' && n.frame === a.frame && n.relatedFrame === a.answers), `challenge ACK at frame ${a.frame}`);
  }
  for (const p of facts.pawsRejected ?? []) {
    assert.deepEqual(c.notes.filter((n) => n.frame === p.frame).map((n) => [n.kind, n.tsVal, n.tsRecent]),
      [['paws-rejected', p.tsVal, p.tsRecent]], `frame ${p.frame} noted as refused by PAWS`);
  }
  // Moves whose frames the scenario decides (a FIN lost after the capture point: the copy that arrived).
  for (const side of ['client', 'server'] as const) {
    for (const m of facts.movesAt?.[side] ?? []) {
      const t = c.endpoints[side].transitions.filter((x) => x.to === m.state);
      assert.deepEqual(t.map((x) => x.frame), [m.frame], `${side} enters ${m.state} at frame ${m.frame}`);
    }
  }
  if (facts.states !== undefined && facts.captured === 'both' && facts.captureStarted === 'before-handshake') {
    // The states each endpoint went through (their frames are those the capture shows them at).
    for (const side of ['client', 'server'] as const) {
      // (A CLOSED it never left, as a server nothing listened on, is no transition.)
      const want: string[] = facts.states[side]
        .filter((s, i) => !(s.note ?? '').startsWith('restarted') && !(i === 0 && s.state === 'CLOSED' && s.frame === null))
        .map((s) => s.state);
      assert.deepEqual(c.endpoints[side].transitions.map((t) => t.to), want, `${side} states`);
    }
  }
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
      const ours = cap.connections.map(asExpected);
      const expected = exp.connections.map((e, i) => undecided(e, ours[i], exp.facts?.ambiguous ?? {}));
      assert.deepEqual(ours, expected);
      if (exp.facts !== undefined && cap.connections.length === 1) checkFacts(cap.connections[0], exp.facts);
      assert.deepEqual(cap.connections.map((c) => c.compat.wireshark.completeness), exp.tshark.completeness,
        'tcp.completeness per stream');
      for (const c of cap.connections) assert.deepEqual(c.tunnel, exp.tunnel ?? null, `stream ${c.stream}: tunnel`);
      const retrans = cap.connections
        .flatMap((c) => [...c.close.finFrames.client.slice(1), ...c.close.finFrames.server.slice(1),
          ...c.handshake.synFrames.slice(1), ...c.handshake.synAckFrames.slice(1)])
        .map((k) => k.frame).sort((a, b) => a - b);
      // tshark also flags data retransmissions; every SYN/FIN copy we count must be among its
      // flags, but where the facts show tshark wrong.
      const tsharkWrong = new Set((exp.facts?.tsharkDiffers ?? []).flatMap((d) => d.frames));
      for (const fr of retrans) assert.ok(exp.tshark.retransmissions.includes(fr) || tsharkWrong.has(fr), `frame ${fr} is not a retransmission for tshark`);
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
