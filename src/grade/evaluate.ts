/**
 * Grading one analysed capture with a rubric: choosing the connection each
 * criterion applies to, evaluating the checks, and reading the answer key
 * of the graded connection.
 *
 * `best`: among the connections a criterion may look at (all, or those
 * matching its filter), the one earning the most points over all the
 * criteria that pick `best` with the same filter; ties go to the lowest
 * stream. So "the handshake is three-way" and "that connection's close is
 * four-way" are judged on the same connection, and a capture with
 * background traffic is graded on the student's lab connection.
 */
import { endpointText } from '../render/text.ts';
import { keyEntries } from '../render/key.ts';
import type { CaptureReport, ConnectionReport, Settings, Side, StateName, TransitionReport } from '../report/types.ts';
import { compiledFilter, evaluate, type Outcome } from './checks.ts';
import type { AnswerKey, CriterionResult, Fact, Rubric } from './types.ts';

export interface CaptureGrade {
  criteria: CriterionResult[];
  score: number;
  max: number;
  /** The best connection of the default selection (no filter), else of the first `best` selection; null if none. */
  stream: number | null;
}

function connList(conns: readonly ConnectionReport[], limit = 3): string {
  const parts = conns.slice(0, limit).map((c) => `${c.stream} ${endpointText(c.client)} → ${endpointText(c.server)}`);
  if (conns.length > limit) parts.push('…');
  return parts.join('; ');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function gradeCapture(rubric: Rubric, cap: Pick<CaptureReport, 'connections' | 'frames' | 'tcpSegments'>): CaptureGrade {
  const conns = cap.connections;
  const max = round(rubric.criteria.reduce((s, c) => s + c.points, 0));
  const outcomes = rubric.criteria.map(() => new Map<number, Outcome>());
  const outcome = (ci: number, c: ConnectionReport): Outcome => {
    let o = outcomes[ci].get(c.stream);
    if (!o) {
      o = evaluate(rubric.criteria[ci].check, c);
      outcomes[ci].set(c.stream, o);
    }
    return o;
  };
  const candidatesCache = new Map<string, ConnectionReport[]>();
  const candidates = (filter: string | null): ConnectionReport[] => {
    const k = filter ?? '';
    let l = candidatesCache.get(k);
    if (!l) {
      l = filter === null ? [...conns] : conns.filter(compiledFilter(filter));
      candidatesCache.set(k, l);
    }
    return l;
  };
  const none = (filter: string | null): Fact => (conns.length === 0 || filter === null
    ? { key: 'noConnection', params: { frames: cap.frames, segments: cap.tcpSegments } }
    : { key: 'noMatch', params: { filter, n: conns.length, list: connList(conns) } });

  // The best connection of each `best` group.
  const best = new Map<string, ConnectionReport | null>();
  rubric.criteria.forEach((cr) => {
    if (cr.select.pick !== 'best') return;
    const k = cr.select.filter ?? '';
    if (best.has(k)) return;
    const group = rubric.criteria.map((x, i) => [x, i] as const).filter(([x]) => x.select.pick === 'best' && (x.select.filter ?? '') === k);
    let top: ConnectionReport | null = null;
    let topScore = -1;
    for (const c of candidates(cr.select.filter)) {
      let s = 0;
      for (const [x, i] of group) if (outcome(i, c).pass) s += x.points;
      // Equal points: the connection passing more criteria (0-point ones count), then the lowest stream.
      const n = group.filter(([, i]) => outcome(i, c).pass).length;
      const score = s * 1000 + n;
      if (score > topScore) {
        top = c;
        topScore = score;
      }
    }
    best.set(k, top);
  });
  const defaultBest = best.has('') ? best.get('') ?? null : [...best.values()].find((c) => c !== null) ?? null;

  const criteria: CriterionResult[] = rubric.criteria.map((cr, ci) => {
    const { pick, filter } = cr.select;
    const cands = candidates(filter);
    const res = (pass: boolean, stream: number | null, facts: Fact[]): CriterionResult => ({
      id: cr.id, points: cr.points, earned: pass ? cr.points : 0, pass, stream, facts,
    });
    if (cands.length === 0) return res(false, null, [none(filter)]);
    if (pick === 'best') {
      const c = best.get(filter ?? '') as ConnectionReport;
      const o = outcome(ci, c);
      return res(o.pass, c.stream, o.facts);
    }
    if (pick === 'any') {
      const hit = cands.find((c) => outcome(ci, c).pass);
      if (hit) return res(true, hit.stream, outcome(ci, hit).facts);
      const closest = defaultBest && cands.includes(defaultBest) ? defaultBest : cands[0];
      const facts = cands.length > 1 ? [{ key: 'anyFailed', params: { n: cands.length, stream: closest.stream } }, ...outcome(ci, closest).facts] : outcome(ci, closest).facts;
      return res(false, closest.stream, facts);
    }
    const miss = cands.find((c) => !outcome(ci, c).pass);
    if (!miss) {
      const shown = defaultBest && cands.includes(defaultBest) ? defaultBest : cands[0];
      return res(true, shown.stream, outcome(ci, shown).facts);
    }
    const facts = cands.length > 1
      ? [{ key: 'everyFailed', params: { stream: miss.stream, conn: `${endpointText(miss.client)} → ${endpointText(miss.server)}` } }, ...outcome(ci, miss).facts]
      : outcome(ci, miss).facts;
    return res(false, miss.stream, facts);
  });
  const score = round(criteria.reduce((s, c) => s + c.earned, 0));
  return { criteria, score, max, stream: defaultBest?.stream ?? null };
}

/** The state `side` was in after `frame` (its last transition at or before it). */
function stateAfter(list: readonly TransitionReport[], frame: number): StateName {
  let s: StateName = list.length ? list[0].from : 'CLOSED';
  for (const t of list) {
    if (t.frame <= frame) s = t.to;
    else break;
  }
  return s;
}

/** The answer key of one connection (what `--answers` is checked against). */
export function answerKey(c: ConnectionReport, settings: Settings): AnswerKey {
  const cl = c.close;
  const entries = keyEntries(c);
  const sym = (s: 'x' | 'y' | 'u' | 'v' | 'w'): AnswerKey['x'] => {
    const e = entries.find((x) => x.symbol === s);
    return e && e.value ? { seq: e.value.seq, relative: e.value.relative, frame: e.frame } : null;
  };
  const reset = cl.kind === 'reset' || cl.kind === 'refused';
  const active: Side | null = reset ? null : cl.activeCloser === 'client' || cl.activeCloser === 'server' ? cl.activeCloser : null;
  const passive: Side | null = active === null ? null : active === 'client' ? 'server' : 'client';
  const waves: AnswerKey['waves'] = [null, null, null, null];
  if (active && passive) {
    const frames = [
      cl.finFrames[active][0]?.frame ?? null,
      cl.ackOfU?.frame ?? null,
      cl.finFrames[passive][0]?.frame ?? null,
      cl.ackOfW?.frame ?? null,
    ];
    frames.forEach((f, i) => {
      if (f === null) return;
      waves[i] = { frame: f, active: stateAfter(c.endpoints[active].transitions, f), passive: stateAfter(c.endpoints[passive].transitions, f) };
    });
  }
  const tw = c.timeWait;
  const twSide = tw.endpoint;
  return {
    stream: c.stream,
    client: endpointText(c.client),
    server: endpointText(c.server),
    activeCloser: reset ? null : cl.activeCloser,
    activeCloserAddress: active ? endpointText(c[active]) : null,
    passiveCloserAddress: passive ? endpointText(c[passive]) : null,
    x: sym('x'), y: sym('y'), u: sym('u'), v: sym('v'), w: sym('w'),
    handshake: c.handshake.kind,
    close: cl.kind,
    waves,
    timeWaitSide: twSide,
    timeWaitAddress: twSide === 'client' || twSide === 'server' ? endpointText(c[twSide]) : null,
    timeWaitSeconds: settings.timeWaitSeconds,
    timeWaitObservedSeconds: tw.observedSeconds,
    finRetransmissions: cl.finRetransmissions.client + cl.finRetransmissions.server,
    finalStates: { client: c.endpoints.client.finalState, server: c.endpoints.server.finalState },
  };
}

