/**
 * One story per connection: the handshake and close verdicts, the endpoints'
 * transitions, the answer key, the timeline and the grading feedback must
 * not contradict each other. Checked on every kernel and hand-built capture
 * and the public corpus, and, for the simultaneous close, in each view.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { segmentsOf } from '../../src/analyze/segments.ts';
import { evaluate } from '../../src/grade/checks.ts';
import { factText } from '../../src/grade/i18n.ts';
import type { Check } from '../../src/grade/types.ts';
import { buildLadder } from '../../src/render/ladder.ts';
import { renderKey } from '../../src/render/key.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { capturesDir, corpusDir, haveCorpus, handmadeDir } from '../helpers/paths.ts';

function captures(dir: string, ext: RegExp): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => ext.test(f)).sort().map((f) => join(dir, f)) : [];
}

const all = [
  ...captures(capturesDir, /\.pcap(ng)?$/),
  ...captures(handmadeDir, /\.pcap(ng)?$/),
  ...(haveCorpus ? captures(corpusDir, /\.pcap(ng)?$/) : []),
];

/** The rules a report must keep, whatever the capture. */
function contradictions(c: ConnectionReport): string[] {
  const out: string[] = [];
  const hs = c.handshake.kind;
  const reached = (side: 'client' | 'server', s: string): boolean => c.endpoints[side].transitions.some((t) => t.to === s);
  if ((hs === 'unanswered' || hs === 'refused' || hs === 'aborted' || hs === 'rejected-icmp') && (reached('client', 'ESTABLISHED') || reached('server', 'ESTABLISHED'))) {
    out.push(`handshake ${hs} but an endpoint reached ESTABLISHED`);
  }
  // Rejected by ICMP: the client's last move is the abort the ICMP error made, or the server's the drop of its
  // half-open connection an ICMP error quoting its SYN+ACK made; and a caveat says it is inferred.
  if (hs === 'rejected-icmp') {
    const client = c.endpoints.client.transitions.at(-1)?.cause;
    const server = c.endpoints.server.transitions.at(-1)?.cause;
    const moved = client === 'received ICMP error (connection rejected)' || server === 'received ICMP error (half-open connection dropped)';
    if (!moved || !c.caveats.some((x) => x.code === 'icmp-abort-inferred')) {
      out.push('rejected-icmp without the ICMP abort and its caveat');
    }
  }
  if (hs === 'simultaneous-open' && !reached('client', 'SYN_RCVD') && !reached('server', 'SYN_RCVD')) out.push('simultaneous open without SYN_RCVD');
  const k = c.close.kind;
  if (k === 'never-opened' && hs !== 'unanswered' && hs !== 'rejected-icmp') out.push(`close never-opened with handshake ${hs}`);
  if (k === 'simultaneous' && c.close.activeCloser !== 'both') out.push('simultaneous close without both closers');
  if (c.close.activeCloser === 'both' && !(c.close.finsSeen.client && c.close.finsSeen.server)) out.push('both closers without both FINs');
  if ((k === 'reset' || k === 'reset-after-fin') && (c.close.reset === null || !c.close.reset.effective)) out.push(`${k} without an effective RST`);
  if (k === 'reset-after-fin' && !(c.close.finsSeen.client || c.close.finsSeen.server)) out.push('reset-after-fin without a FIN');
  if ((k === 'four-way' || k === 'three-way') && (c.close.ackOfU === null || c.close.ackOfW === null)) out.push(`${k} without both acknowledgments`);
  for (const side of ['client', 'server'] as const) {
    const list = c.endpoints[side].transitions;
    for (let i = 1; i < list.length; i++) if (list[i].from !== list[i - 1].to) out.push(`${side}: transitions do not chain at frame ${list[i].frame}`);
    const last = list.length ? list[list.length - 1].to : 'CLOSED';
    if (list.length && last !== c.endpoints[side].finalState) out.push(`${side}: final state ${c.endpoints[side].finalState} but transitions end in ${last}`);
    const tw = c.timeWait[side];
    if (tw !== null && !reached(side, 'TIME_WAIT')) out.push(`${side}: a TIME_WAIT verdict without entering TIME_WAIT`);
  }
  return out;
}

describe('every report tells one story', () => {
  it('there are captures to check', () => assert.ok(all.length > 40));
  for (const file of all) {
    it(`${file.split('/').pop()}: verdicts and transitions agree`, async () => {
      const cap = await analyzeFile(file, makeSettings());
      for (const c of cap.connections) assert.deepEqual(contradictions(c), [], `stream ${c.stream}`);
    });
  }
});

describe('a simultaneous close in every view', () => {
  const file = join(capturesDir, 'simultaneous-close-crossing.pcap');
  it('both ends pass CLOSING; the report, key, timeline and feedback say both closed actively and none passively', async () => {
    const [c] = (await analyzeFile(file, makeSettings({ os: 'linux' }))).connections;
    assert.equal(c.close.kind, 'simultaneous');
    assert.equal(c.close.activeCloser, 'both');
    for (const side of ['client', 'server'] as const) {
      assert.deepEqual(c.endpoints[side].transitions.slice(-3).map((t) => t.to), ['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'], side);
    }
    // Each FIN is answered by ack = the other's FIN + 1.
    assert.equal(c.close.ackOfU?.ack.seq, ((c.close.u?.seq ?? 0) + 1) >>> 0);
    assert.equal(c.close.ackOfW?.ack.seq, ((c.close.w?.seq ?? 0) + 1) >>> 0);

    for (const lang of ['en', 'zh'] as const) {
      const key = renderKey(c, { lang, color: false, file: 'f.pcap' });
      // No passive closer, and no textbook line claiming ack=u+1 on the second FIN.
      assert.doesNotMatch(key, /FIN\+ACK seq=w ack=u\+1/);
      assert.match(key, lang === 'en' ? /Active closer: both/ : /主动关闭方：双方/);
      assert.doesNotMatch(key, lang === 'en' ? /passive closer \(/ : /第二次挥手|第三次挥手/);
    }

    const ladder = buildLadder(c, (await segmentsOf(file, [c])).get(c.stream) ?? [], { lang: 'zh', data: true });
    const notes = ladder.rows.flatMap((r) => r.notes).join('\n');
    // No numbered waves (they would come out of time order); the simultaneous notes instead.
    assert.doesNotMatch(notes, /第[一二三四]次挥手/);
    assert.match(notes, /同时关闭/);

    // Grading: "no active closer" never meets "[ok] TIME_WAIT entered by the active closer".
    const checks: Check[] = [
      { activeCloser: ['client', 'server'] },
      { states: { side: 'active-closer', sequence: ['FIN_WAIT_1', 'TIME_WAIT'] } },
      { states: { side: 'passive-closer', sequence: ['CLOSE_WAIT', 'LAST_ACK'] } },
      { timeWait: ['active-closer'] },
    ];
    const [closer, active, passive, tw] = checks.map((k) => evaluate(k, c));
    assert.equal(closer.pass, false);
    assert.equal(active.pass, true, 'both active closers went FIN_WAIT_1 ... TIME_WAIT');
    assert.equal(passive.pass, false);
    assert.equal(tw.pass, true);
    const said = [closer, active, passive, tw].flatMap((o) => o.facts.map((f) => factText('en', f))).join('\n');
    assert.doesNotMatch(said, /there is no active closer/);
    assert.match(said, /both sides are active closers/);
  });
});
