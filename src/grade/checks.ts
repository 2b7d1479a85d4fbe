/**
 * Checks on one connection. Each check returns whether it holds and the
 * facts the capture shows for it (frames, states, times), whichever way it
 * went: the feedback quotes them for a lost point, `not` just flips the
 * verdict. Nothing here is canned text: every fact is read from the report.
 */
import { compileFilter, type Predicate } from '../report/filter.ts';
import { endpointText } from '../render/text.ts';
import type { ConnectionReport, Side, StateName, TransitionReport } from '../report/types.ts';
import { hostMatcher, parseTime, parseTimeEnd } from './rubric.ts';
import type { Check, Fact, Role } from './types.ts';

export interface Outcome {
  pass: boolean;
  facts: Fact[];
}

const M32 = 0x1_0000_0000;

function fact(key: string, params: Record<string, string | number> = {}): Fact {
  return { key, params };
}

/** The side playing `role` in this connection's close, null if none (open, refused; simultaneous for the roles). */
export function sideOf(c: ConnectionReport, role: Role): Side | null {
  if (role === 'client' || role === 'server') return role;
  // A RST's sender is the report's activeCloser, but it did not close with a FIN: no closer roles.
  if (c.close.kind === 'reset' || c.close.kind === 'refused' || c.close.kind === 'never-opened') return null;
  const a = c.close.activeCloser;
  if (a !== 'client' && a !== 'server') return null;
  if (role === 'active-closer') return a;
  return a === 'client' ? 'server' : 'client';
}

/**
 * Every side playing `role`: a simultaneous close has two active closers and
 * no passive one (each sent its FIN before the other's arrived).
 */
export function sidesOf(c: ConnectionReport, role: Role): Side[] {
  if (c.close.activeCloser === 'both' && c.close.kind !== 'reset') {
    if (role === 'active-closer') return ['client', 'server'];
    if (role === 'passive-closer') return [];
  }
  const s = sideOf(c, role);
  return s === null ? [] : [s];
}

function other(s: Side): Side {
  return s === 'client' ? 'server' : 'client';
}

/** What the handshake looked like. */
export function handshakeFact(c: ConnectionReport): Fact {
  const hs = c.handshake;
  const syn = hs.synFrames[0]?.frame ?? c.firstFrame;
  switch (hs.kind) {
    case 'three-way':
      // The ACK where the server went ESTABLISHED; else (a listener that refused it) the client's ACK of the SYN+ACK.
      return fact('hs.three-way', { syn, synack: hs.synAckFrames[0]?.frame ?? '?', ack: hs.establishedFrame ?? hs.synAckFrames.find((x) => x.ackedFrame !== null)?.ackedFrame ?? '?' });
    case 'simultaneous-open':
      return fact('hs.simultaneous-open', { syn, synack: hs.synAckFrames[0]?.frame ?? '?' });
    case 'refused':
      return fact('hs.refused', { syn, rst: c.close.reset?.frame ?? '?', server: endpointText(c.server) });
    case 'aborted':
      return fact('hs.aborted', { syn, synack: hs.synAckFrames[0]?.frame ?? '?', rst: c.close.reset?.frame ?? '?' });
    case 'unanswered':
      return fact('hs.unanswered', { syn, copies: hs.synFrames.length });
    case 'rejected-icmp': {
      // The error that stands is the last that moved a state: the client's connect aborted, or the server's half-open connection dropped.
      const n = c.notes.filter((x) => x.kind === 'icmp-error' && (x.icmp?.effect === 'aborted' || x.icmp?.effect === 'dropped')).pop();
      const about = { syn, icmp: n?.frame ?? '?', message: n?.icmp?.message ?? '?', from: n?.icmp?.from ?? '?' };
      if (n?.icmp?.effect === 'dropped') return fact('hs.rejected-icmp-synack', { ...about, synack: hs.synAckFrames[0]?.frame ?? '?' });
      return fact('hs.rejected-icmp', about);
    }
    case 'not-captured':
      // Only ICMP errors quoting it (a connection the tracker made for them): no segment at all.
      if (c.packets === 0) return fact('hs.no-segment', { first: c.firstFrame });
      return fact('hs.not-captured', { first: c.firstFrame });
  }
}

/** What the close looked like, with the frames of each wave. */
export function closeFact(c: ConnectionReport): Fact {
  const cl = c.close;
  const cs = c.endpoints.client.finalState;
  const ss = c.endpoints.server.finalState;
  switch (cl.kind) {
    case 'four-way':
    case 'three-way': {
      const active = cl.activeCloser === 'server' ? 'server' : 'client';
      const passive = other(active);
      return fact(`close.${cl.kind}`, {
        active, passive,
        f1: cl.finFrames[active][0]?.frame ?? '?',
        f2: cl.ackOfU?.frame ?? '?',
        f3: cl.finFrames[passive][0]?.frame ?? '?',
        f4: cl.ackOfW?.frame ?? '?',
      });
    }
    case 'simultaneous':
      return fact('close.simultaneous', { fc: cl.finFrames.client[0]?.frame ?? '?', fs: cl.finFrames.server[0]?.frame ?? '?' });
    case 'reset': {
      const r = cl.reset;
      return r ? fact('close.reset', { by: r.by, frame: r.frame, state: r.state, cause: r.candidates.join('|') }) : fact('close.open', { last: c.lastFrame, cs, ss });
    }
    case 'reset-after-fin': {
      const r = cl.reset;
      const first: Side = cl.activeCloser === 'server' ? 'server' : 'client';
      return fact('close.reset-after-fin', {
        active: cl.activeCloser ?? 'client', f1: cl.finFrames[first][0]?.frame ?? '?',
        by: r?.by ?? '?', frame: r?.frame ?? '?', state: r?.state ?? '?', cause: r?.candidates.join('|') ?? 'other',
      });
    }
    case 'never-opened':
      return fact('close.notEstablished', { hs: c.handshake.kind, last: c.lastFrame });
    case 'refused':
      return fact('close.refused', { rst: cl.reset?.frame ?? '?', syn: c.handshake.synFrames[0]?.frame ?? c.firstFrame });
    case 'incomplete': {
      const who: Side | null = cl.finsSeen.client ? 'client' : cl.finsSeen.server ? 'server' : null;
      if (who === null) return fact('close.notEstablished', { hs: c.handshake.kind, last: c.lastFrame });
      const frame = cl.finFrames[who][0]?.frame ?? '?';
      return fact('close.incomplete', { who, frame, last: c.lastFrame, cs, ss });
    }
    case 'open':
      if (c.packets === 0) return fact('close.no-segment', { last: c.lastFrame });
      return cs === ss ? fact('close.open.same', { state: cs, last: c.lastFrame }) : fact('close.open', { last: c.lastFrame, cs, ss });
  }
}

function closerFact(c: ConnectionReport): Fact {
  const cl = c.close;
  if (cl.kind === 'reset' && cl.reset) return fact('closer.reset', { by: cl.reset.by, frame: cl.reset.frame });
  const a = cl.activeCloser;
  if (a === 'both') return fact('closer.both', { fc: cl.finFrames.client[0]?.frame ?? '?', fs: cl.finFrames.server[0]?.frame ?? '?' });
  if (a === 'client' || a === 'server') {
    return fact('closer.is', { who: a, addr: endpointText(c[a]), frame: cl.finFrames[a][0]?.frame ?? '?' });
  }
  return closeFact(c);
}

function timeWaitFact(c: ConnectionReport): Fact {
  const tw = c.timeWait;
  if (tw.endpoint === 'both') return fact('tw.enteredBoth', { fc: tw.client?.entryFrame ?? '?', fs: tw.server?.entryFrame ?? '?' });
  if (tw.endpoint === 'client' || tw.endpoint === 'server') {
    const closer = c.close.activeCloser;
    if (closer === 'both') return fact('tw.enteredSimultaneous', { who: tw.endpoint, frame: tw.entryFrame ?? '?' });
    return fact('tw.entered', { who: tw.endpoint, frame: tw.entryFrame ?? '?', closer: closer ?? 'none' });
  }
  return fact('tw.none', { last: c.lastFrame, cs: c.endpoints.client.finalState, ss: c.endpoints.server.finalState });
}

function timeWaitVerdictFacts(c: ConnectionReport): Fact[] {
  const tw = c.timeWait;
  const out: Fact[] = [];
  for (const who of ['client', 'server'] as const) {
    const d = tw[who];
    if (!d) continue;
    out.push(fact('tw.verdict', { who, verdict: d.verdict, evidence: d.evidence, observed: d.observedSeconds, required: tw.requiredSeconds }));
  }
  return out.length ? out : [timeWaitFact(c)];
}

function inRange(n: number, r: { min?: number; max?: number }): boolean {
  return (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
}

function finRetxFact(c: ConnectionReport): Fact {
  const cl = c.close;
  const { client, server } = cl.finRetransmissions;
  const n = client + server;
  if (n === 0) {
    const frames = [...cl.finFrames.client, ...cl.finFrames.server].map((x) => x.frame).sort((a, b) => a - b);
    return fact('finRetx.none', { frames: frames.length ? frames.join(', ') : '-' });
  }
  const copies = [...cl.finFrames.client.slice(1), ...cl.finFrames.server.slice(1)].map((x) => x.frame).sort((a, b) => a - b);
  return fact('finRetx.some', { n, c: client, s: server, frames: copies.join(', ') });
}

function resetFact(c: ConnectionReport): Fact {
  const r = c.close.reset;
  if (!r) return fact('rst.none');
  return fact('rst.some', { by: r.by, frame: r.frame, state: r.state, cause: r.candidates.join('|'), n: r.count.client + r.count.server });
}

function addrFact(c: ConnectionReport): Fact {
  return fact('addr', { client: endpointText(c.client), server: endpointText(c.server) });
}

function finalFact(c: ConnectionReport): Fact {
  return fact('final', { cs: c.endpoints.client.finalState, ss: c.endpoints.server.finalState, last: c.lastFrame });
}

/** `CLOSED → SYN_SENT (1) → ESTABLISHED (2)`; deduced transitions marked `*`. */
export function statePath(list: readonly TransitionReport[]): string {
  if (list.length === 0) return 'CLOSED';
  const parts: string[] = [list[0].from];
  for (const tr of list) parts.push(`${tr.to} (${tr.frame}${tr.inferred ? '*' : ''})`);
  return parts.join(' → ');
}

/** The states an endpoint was in, in order (the first `from`, then each `to`). */
function visited(list: readonly TransitionReport[]): StateName[] {
  if (list.length === 0) return ['CLOSED'];
  return [list[0].from, ...list.map((t) => t.to)];
}

function isSubsequence(want: readonly StateName[], have: readonly StateName[]): boolean {
  let i = 0;
  for (const s of have) if (i < want.length && s === want[i]) i++;
  return i === want.length;
}

/** A cache of compiled filter expressions and host matchers (checks run per connection). */
const filters = new Map<string, Predicate>();
const hostCache = new Map<string, (ip: string) => boolean>();

export function compiledFilter(expr: string): Predicate {
  let p = filters.get(expr);
  if (!p) {
    p = compileFilter(expr);
    filters.set(expr, p);
  }
  return p;
}

function hosts(list: readonly string[]): (ip: string) => boolean {
  const k = list.join(',');
  let m = hostCache.get(k);
  if (!m) {
    m = hostMatcher(list);
    hostCache.set(k, m);
  }
  return m;
}

function isoMs(iso: string): number {
  return Date.parse(iso.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

function ackFacts(c: ConnectionReport): { pass: boolean; facts: Fact[] } {
  const cl = c.close;
  const facts: Fact[] = [];
  let pass = true;
  const one = (sym: 'u' | 'w', val: typeof cl.u, ref: typeof cl.ackOfU): void => {
    if (val === null || ref === null) {
      pass = false;
      facts.push(fact('ack.missing', { sym }));
      return;
    }
    const expected = (val.seq + 1) % M32;
    if (ref.ack.seq === expected) facts.push(fact('ack.ok', { frame: ref.frame, ack: ref.ack.seq, sym }));
    else {
      pass = false;
      facts.push(fact('ack.bad', { frame: ref.frame, ack: ref.ack.seq, sym, expected }));
    }
  };
  one('u', cl.u, cl.ackOfU);
  one('w', cl.w, cl.ackOfW);
  return { pass, facts };
}

/** Evaluate a check on one connection. */
export function evaluate(check: Check, c: ConnectionReport): Outcome {
  if ('all' in check) {
    const subs = check.all.map((x) => evaluate(x, c));
    const pass = subs.every((s) => s.pass);
    return { pass, facts: dedupe((pass ? subs : subs.filter((s) => !s.pass)).flatMap((s) => s.facts)) };
  }
  if ('any' in check) {
    const subs = check.any.map((x) => evaluate(x, c));
    const hit = subs.find((s) => s.pass);
    return hit ? { pass: true, facts: hit.facts } : { pass: false, facts: dedupe(subs.flatMap((s) => s.facts)) };
  }
  if ('not' in check) {
    const sub = evaluate(check.not, c);
    return { pass: !sub.pass, facts: sub.facts };
  }
  if ('handshake' in check) return { pass: check.handshake.includes(c.handshake.kind), facts: [handshakeFact(c)] };
  if ('close' in check) return { pass: check.close.includes(c.close.kind), facts: [closeFact(c)] };
  if ('activeCloser' in check) {
    // The report names a RST's sender as activeCloser; a lab's active closer sends the first FIN, so a reset counts as `none`.
    const a = c.close.kind === 'reset' ? 'none' : c.close.activeCloser ?? 'none';
    return { pass: check.activeCloser.includes(a), facts: [closerFact(c)] };
  }
  if ('timeWait' in check) {
    const e = c.timeWait.endpoint;
    const pass = check.timeWait.some((w) => {
      switch (w) {
        case 'any': return e !== null;
        case 'none': return e === null;
        case 'both': return e === 'both';
        case 'client':
        case 'server': return e === w || e === 'both';
        case 'active-closer':
        case 'passive-closer': {
          if (c.close.kind === 'reset' || c.close.kind === 'refused' || c.close.kind === 'never-opened') return false;
          return sidesOf(c, w).some((s) => e === s || e === 'both');
        }
      }
    });
    return { pass, facts: [timeWaitFact(c)] };
  }
  if ('timeWaitVerdict' in check) return { pass: check.timeWaitVerdict.includes(c.timeWait.verdict), facts: timeWaitVerdictFacts(c) };
  if ('finRetransmissions' in check) {
    const r = check.finRetransmissions;
    const fr = c.close.finRetransmissions;
    let n: number;
    if (r.side === undefined) n = fr.client + fr.server;
    else n = sidesOf(c, r.side).reduce((sum, s) => sum + fr[s], 0);
    return { pass: inRange(n, r), facts: [finRetxFact(c)] };
  }
  if ('synRetransmissions' in check) {
    const r = check.synRetransmissions;
    const sr = c.handshake.synRetransmissions;
    const n = r.side === undefined ? sr.client + sr.server : sr[r.side];
    const f = sr.client + sr.server === 0 ? fact('synRetx.none') : fact('synRetx.some', { n: sr.client + sr.server, c: sr.client, s: sr.server });
    return { pass: inRange(n, r), facts: [f] };
  }
  if ('halfClose' in check) {
    const h = c.close.halfClose;
    const f = h ? fact('half.some', { side: h.side, bytes: h.bytes, segments: h.segments }) : fact('half.none');
    const want = check.halfClose;
    const pass = typeof want === 'boolean' ? (h !== null) === want : h !== null && h.side === sideOf(c, want);
    return { pass, facts: [f] };
  }
  if ('reset' in check) {
    const r = c.close.reset;
    const want = check.reset;
    const pass = typeof want === 'boolean' ? (r !== null && r.effective) === want : r !== null && r.effective && r.candidates.some((x) => want.includes(x));
    return { pass, facts: [resetFact(c)] };
  }
  if ('port' in check) return { pass: check.port.includes(c.client.port) || check.port.includes(c.server.port), facts: [addrFact(c)] };
  if ('clientPort' in check) return { pass: check.clientPort.includes(c.client.port), facts: [addrFact(c)] };
  if ('serverPort' in check) return { pass: check.serverPort.includes(c.server.port), facts: [addrFact(c)] };
  if ('host' in check) {
    const m = hosts(check.host);
    return { pass: m(c.client.ip) || m(c.server.ip), facts: [addrFact(c)] };
  }
  if ('clientHost' in check) return { pass: hosts(check.clientHost)(c.client.ip), facts: [addrFact(c)] };
  if ('serverHost' in check) return { pass: hosts(check.serverHost)(c.server.ip), facts: [addrFact(c)] };
  if ('capturedBetween' in check) {
    const { from, to } = check.capturedBetween;
    const a = isoMs(c.firstTime);
    const b = isoMs(c.lastTime);
    const lo = from === null ? -Infinity : parseTime(from) ?? -Infinity;
    const hi = to === null ? Infinity : parseTimeEnd(to) ?? Infinity;
    return {
      pass: a >= lo && b <= hi,
      facts: [fact('time.span', { first: c.firstTime, last: c.lastTime, from: from ?? '', to: to ?? '' })],
    };
  }
  if ('finalState' in check) {
    let pass = true;
    for (const [role, states] of Object.entries(check.finalState) as [Role, StateName[]][]) {
      const s = sideOf(c, role);
      if (s === null || !states.includes(c.endpoints[s].finalState)) pass = false;
    }
    return { pass, facts: [finalFact(c)] };
  }
  if ('states' in check) {
    const { side: role, sequence } = check.states;
    const sides = sidesOf(c, role);
    if (sides.length === 0) {
      const why = c.close.activeCloser === 'both' ? fact('states.noPassiveSimultaneous') : fact('states.noRole', { role });
      return { pass: false, facts: [why, closeFact(c)] };
    }
    const pass = sides.every((s) => isSubsequence(sequence, visited(c.endpoints[s].transitions)));
    return { pass, facts: sides.map((s) => fact('states.path', { who: s, role, path: statePath(c.endpoints[s].transitions) })) };
  }
  if ('reuse' in check) {
    const r = c.reuse;
    const f = r ? fact('reuse.yes', { stream: c.stream, prev: r.previousStream, gap: r.gapSeconds }) : fact('reuse.no');
    return { pass: (r !== null) === check.reuse, facts: [f] };
  }
  if ('closeAcks' in check) {
    const r = ackFacts(c);
    return { pass: r.pass === check.closeAcks, facts: r.facts };
  }
  // filter
  const ok = compiledFilter(check.filter)(c);
  return { pass: ok, facts: [fact(ok ? 'filter.yes' : 'filter.no', { stream: c.stream, expr: check.filter })] };
}

function dedupe(facts: Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((f) => {
    const k = JSON.stringify(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
