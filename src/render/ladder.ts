/**
 * The ladder diagram of one connection as data: one row per segment with its
 * textbook label (`FIN seq=u`, `ACK seq=v ack=u+1`...), relative and absolute
 * numbers, each endpoint's state after it, and notes (which wave of the close,
 * retransmission of frame N, TIME_WAIT entered, 2MSL deadline...). The
 * terminal timeline and the HTML SVG both draw this model.
 */
import type { SegmentRecord } from '../analyze/segments.ts';
import type { AnalysisFrame, ConnectionReport, Side, StateName, SynOptionsReport, TimeWaitDetail, TransitionReport } from '../report/types.ts';
import { type Lang, caveatLabel, noteLabel, resetCauseLabel, sideLabel, t, transitionCauseLabel, verdictLabel } from './i18n.ts';
import { duration, parseIso, relTime, secondsFrom } from './text.ts';
import { FIN_TAKEN } from '../tcp/endpoint.ts';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const ECE = 0x40;
const CWR = 0x80;

/** Wireshark's order and names: `SYN, ACK`; we join with `+` as the textbooks do (`SYN+ACK`). */
export function flagText(f: number): string {
  const names: string[] = [];
  if (f & SYN) names.push('SYN');
  if (f & FIN) names.push('FIN');
  if (f & RST) names.push('RST');
  if (f & PSH) names.push('PSH');
  if (f & ACK) names.push('ACK');
  if (f & URG) names.push('URG');
  if (f & ECE) names.push('ECE');
  if (f & CWR) names.push('CWR');
  return names.length ? names.join('+') : '<none>';
}

export type RowKind = 'syn' | 'fin' | 'rst' | 'data' | 'ack';

export interface LadderRow {
  type: 'segment';
  frame: number;
  fromClient: boolean;
  /** Seconds since the connection's first segment, as text with the capture's precision. */
  time: string;
  /** Same, as a number (for drawing). */
  t: number;
  flags: string;
  kind: RowKind;
  /** Textbook label (`SYN seq=x`, `FIN+ACK seq=w ack=u+1`), null for segments the textbook does not name. */
  label: string | null;
  rel: { seq: number; ack: number | null };
  abs: { seq: number; ack: number | null };
  len: number;
  /** The state of each endpoint after this segment, and whether it changed here. */
  client: StateName;
  server: StateName;
  clientChanged: boolean;
  serverChanged: boolean;
  retransmission: boolean;
  notes: string[];
}

/** Consecutive plain data/ACK segments shown as one line (without --data). */
export interface LadderFold {
  type: 'fold';
  count: number;
  firstFrame: number;
  lastFrame: number;
  note: string;
}

export interface Ladder {
  conn: ConnectionReport;
  /** Time of the first segment (ISO), from which row times count. */
  start: string;
  initial: { client: StateName; server: StateName };
  items: (LadderRow | LadderFold)[];
  /** Every segment row (folded or not): the HTML diagram draws one arrow per segment. */
  rows: LadderRow[];
  /** What the capture shows after the last segment: TIME_WAIT outcome, the last segment, deduced transitions. */
  endNotes: string[];
  /** The earlier stream whose 4-tuple this connection reuses, whose TIME_WAIT it met and how long after, in words; null when none. */
  reuse: string | null;
  /** The handshake's RTT and the SYN options (Wireshark's analysis), in words: at most two lines. */
  handshakeInfo: string[];
  final: { client: StateName; server: StateName };
  /** Seconds from the first segment to the end of what the capture shows (last segment or TIME_WAIT evidence). */
  span: number;
  /** TIME_WAIT entry per side, with the 2MSL deadline, for drawing. */
  timeWait: { side: Side; enterT: number; deadlineT: number; endT: number; verdict: TimeWaitDetail['verdict']; evidence: TimeWaitDetail['evidence'] }[];
}

export interface LadderOptions {
  lang: Lang;
  /** Show data and plain ACK segments as rows instead of folding them (timeline --data). */
  data: boolean;
  /** The earlier connection on the 4-tuple (ConnectionReport.reuse.previousStream), when the caller has it. */
  previous?: ConnectionReport | null;
}

const M32 = 0x1_0000_0000;
const sub32 = (a: number, b: number): number => (((a - b) % M32) + M32) % M32;

/** Wireshark's base sequence numbers of the two directions (packet-tcp.c, as the tracker computes them). */
function bases(segs: readonly SegmentRecord[]): { client: number; server: number } {
  let c: number | null = null;
  let s: number | null = null;
  for (const g of segs) {
    if (g.fromClient) {
      if (c === null) c = g.flags & SYN ? g.seq : sub32(g.seq, 1);
      if (s === null && g.flags & ACK) s = sub32(g.ack, 1);
    } else {
      if (s === null) s = g.flags & SYN ? g.seq : sub32(g.seq, 1);
      if (c === null && g.flags & ACK) c = sub32(g.ack, 1);
    }
    if (c !== null && s !== null) break;
  }
  return { client: c ?? 0, server: s ?? 0 };
}

/** `u`, or `u-784 (784 B data, FIN at u)` for a FIN riding on data. */
function finSeq(sym: string, len: number): string {
  return len === 0 ? sym : `${sym}-${len} (${len} B + FIN at ${sym})`;
}

export function buildLadder(conn: ConnectionReport, segs: readonly SegmentRecord[], opts: LadderOptions): Ladder {
  const { lang } = opts;
  const cl = conn.close;
  const hs = conn.handshake;
  const start = parseIso(conn.firstTime);
  const since = (iso: string): number => secondsFrom(start, parseIso(iso));
  const digits = segs[0]?.tsDigits ?? 6;
  const base = bases(segs);

  // Symbols of the textbook figures.
  const x = hs.x?.seq ?? null;
  const y = hs.y?.seq ?? null;
  // The client's SYN may carry data (TCP Fast Open, RFC 7413): its end is x+1+len
  // once a SYN+ACK acknowledges that data (a server may ignore it and ack x+1).
  const synLen = x === null ? 0 : segs.find((g) => (g.flags & (SYN | ACK)) === SYN && g.seq === x && g.len > 0)?.len ?? 0;
  const synData = synLen > 0 && x !== null && segs.some((g) => (g.flags & (SYN | ACK)) === (SYN | ACK) && sub32(g.ack, x) === 1 + synLen) ? synLen : 0;
  const xEnd = synData > 0 ? `x+${1 + synData}` : 'x+1';
  // The side of `u`: for a simultaneous close, whose FIN came first.
  const activeSide: Side | null = cl.activeCloser === 'both' ? cl.firstFinBy : cl.kind === 'reset' ? null : cl.activeCloser;
  const passiveSide: Side | null = activeSide === null ? null : activeSide === 'client' ? 'server' : 'client';
  const u = cl.u?.seq ?? null;
  const v = cl.v?.seq ?? null;
  const w = cl.w?.seq ?? null;
  const simultaneous = cl.kind === 'simultaneous';
  const simultaneousOpen = hs.kind === 'simultaneous-open';
  const wavesApply = activeSide !== null && (cl.kind === 'four-way' || cl.kind === 'three-way' || cl.kind === 'incomplete' ||
    cl.kind === 'reset-after-fin' || simultaneous);
  // Segments judged without a state change (keep-alives, RSTs not taken...), by frame.
  const judged = new Map<number, string[]>();
  const keepAlive = new Map<number, 'probe' | 'ack' | 'zw-probe' | 'zw-ack'>();
  for (const n of conn.notes) {
    const list = judged.get(n.frame);
    if (list) list.push(noteLabel(lang, n));
    else judged.set(n.frame, [noteLabel(lang, n)]);
    if (n.kind === 'keep-alive') keepAlive.set(n.frame, 'probe');
    if (n.kind === 'keep-alive-ack') keepAlive.set(n.frame, 'ack');
    if (n.kind === 'zero-window-probe') keepAlive.set(n.frame, 'zw-probe');
    if (n.kind === 'zero-window-probe-ack') keepAlive.set(n.frame, 'zw-ack');
  }

  // Wireshark's sequence analysis flags, by frame (window updates left out: routine, they would unfold every exchange).
  const flagged = new Map<number, string>();
  for (const a of conn.analysis.frames) {
    const note = analysisFlagsLabel(lang, a);
    if (note !== null) flagged.set(a.frame, note);
  }

  const finFirst = { client: cl.finFrames.client[0]?.frame ?? null, server: cl.finFrames.server[0]?.frame ?? null };
  const copyNote = new Map<number, string>();
  // One packet captured twice: its second frame is no retransmission (the note says so).
  const capturedTwice = new Set(conn.notes.filter((n) => n.kind === 'captured-twice').map((n) => n.frame));
  const noteCopies = (copies: readonly { frame: number; gapSeconds: number; ackedFrame: number | null }[], receiver: Side | null = null): void => {
    for (let i = 1; i < copies.length; i++) {
      let note = t(lang, 'tl.retx', { frame: copies[i - 1].frame, gap: duration(copies[i].gapSeconds) });
      // Sent again after the capture showed it acknowledged: that ACK never arrived.
      const acked = copies[i - 1].ackedFrame;
      if (acked !== null && acked < copies[i].frame) note += t(lang, 'tl.ackLost', { frame: acked });
      // A FIN's receiver moved on this copy: the ones before never reached it.
      else if (receiver !== null && conn.endpoints[receiver].transitions.some((tr) => tr.frame === copies[i].frame && FIN_TAKEN.has(tr.cause))) {
        note += t(lang, 'tl.finLost', { frame: copies[i - 1].frame, side: sideLabel(lang, receiver) });
      }
      copyNote.set(copies[i].frame, note);
    }
  };
  noteCopies(hs.synFrames);
  noteCopies(hs.synAckFrames);
  noteCopies(cl.finFrames.client, 'server');
  noteCopies(cl.finFrames.server, 'client');

  // Transitions by frame, per side; the initial state is the first transition's `from`,
  // or LISTEN for a server whose passive open is only deduced.
  const trans = { client: conn.endpoints.client.transitions, server: conn.endpoints.server.transitions };
  const initialOf = (list: readonly TransitionReport[]): StateName => {
    if (list.length === 0) return 'CLOSED';
    if (list[0].to === 'LISTEN' && list[0].inferred) return 'LISTEN';
    return list[0].from;
  };
  const initial = { client: initialOf(trans.client), server: initialOf(trans.server) };
  const state = { ...initial };
  const idx = { client: initial.client === 'LISTEN' && trans.client[0]?.to === 'LISTEN' ? 1 : 0, server: initial.server === 'LISTEN' && trans.server[0]?.to === 'LISTEN' ? 1 : 0 };

  const lastFrame = segs.length ? segs[segs.length - 1].frame : conn.lastFrame;
  const rows: LadderRow[] = [];
  const maxEnd = { client: -1, server: -1 };
  let halfCloseNoted = false;

  for (const g of segs) {
    const from: Side = g.fromClient ? 'client' : 'server';
    const to: Side = g.fromClient ? 'server' : 'client';
    const f = g.flags;
    const notes: string[] = [];
    const relSeq = sub32(g.seq, base[from]);
    const relAck = f & ACK ? sub32(g.ack, base[to]) : null;

    // State changes at this frame (all of them: LISTEN -> SYN_RCVD happens in one segment).
    const changed = { client: false, server: false };
    for (const side of ['client', 'server'] as const) {
      const list = trans[side];
      while (idx[side] < list.length && list[idx[side]].frame <= g.frame) {
        const tr = list[idx[side]++];
        state[side] = tr.to;
        changed[side] = true;
        if (tr.inferred && !(tr.to === 'LISTEN')) {
          notes.push(t(lang, 'tl.inferred', { side: sideLabel(lang, side), from: tr.from, to: tr.to, cause: transitionCauseLabel(lang, tr.cause) }));
        }
      }
    }

    // Textbook label.
    let label: string | null = null;
    const sym = (val: number, name: string, at: number | null): string | null => {
      if (at === null) return null;
      const d = sub32(val, at);
      return d === 0 ? name : d === 1 ? `${name}+1` : null;
    };
    const ackSym = (...cands: [number | null, string][]): string | null => {
      if (relAck === null) return null;
      for (const [at, name] of cands) {
        const s = sym(g.ack, name, at);
        if (s) return s;
      }
      return null;
    };
    const isCopyOf = (frames: readonly { frame: number }[]): boolean => frames.some((c) => c.frame === g.frame);
    if ((f & (SYN | ACK)) === SYN) {
      label = from === 'client' ? 'SYN seq=x' : 'SYN seq=y';
    } else if ((f & (SYN | ACK)) === (SYN | ACK)) {
      const a = from === 'server' ? (synData > 0 && x !== null && relAck !== null && sub32(g.ack, x) === 1 + synData ? xEnd : ackSym([x, 'x'])) : ackSym([y, 'y']);
      label = `SYN+ACK seq=${from === 'server' ? 'y' : 'x'}${a ? ` ack=${a}` : ''}`;
    } else if (f & RST) {
      label = 'RST';
    } else if (activeSide !== null && passiveSide !== null && (f & FIN) && from === activeSide && u !== null && sub32(g.seq + g.len, u) === 0) {
      // A FIN on a data segment: the FIN's own number u is seq + payload length.
      label = `FIN seq=${finSeq('u', g.len)}`;
      if (simultaneous) {
        const a = ackSym([w, 'w']);
        if (a) label = `FIN+ACK seq=${finSeq('u', g.len)} ack=${a}`;
      }
    } else if (activeSide !== null && passiveSide !== null && (f & FIN) && from === passiveSide && w !== null && sub32(g.seq + g.len, w) === 0) {
      const a = ackSym([u, 'u']);
      label = a ? `FIN+ACK seq=${finSeq('w', g.len)} ack=${a}` : `FIN seq=${finSeq('w', g.len)}`;
    } else if (cl.ackOfU && g.frame === cl.ackOfU.frame && from === passiveSide) {
      // In a simultaneous close the ACK of u comes after the acker's own FIN: seq=w+1.
      const s = simultaneous ? sym(g.seq, 'w', w) ?? 'v' : v !== null && g.seq === v ? 'v' : sym(g.seq, 'w', w);
      label = `ACK seq=${s ?? 'v'} ack=u+1`;
    } else if (cl.ackOfW && g.frame === cl.ackOfW.frame && from === activeSide) {
      label = 'ACK seq=u+1 ack=w+1';
    } else if (hs.establishedFrame === g.frame && from === 'client' && x !== null && y !== null && sub32(g.seq, x) === 1 + synData && relAck !== null && sub32(g.ack, y) === 1) {
      label = `ACK seq=${xEnd} ack=y+1`;
    } else if (keepAlive.get(g.frame) === 'probe') {
      label = 'ACK seq=SND.NXT-1 (keep-alive)';
    } else if (keepAlive.get(g.frame) === 'ack') {
      label = 'ACK (keep-alive answer)';
    } else if (keepAlive.get(g.frame) === 'zw-probe') {
      label = 'ACK seq=SND.NXT-1 (zero-window probe)';
    } else if (keepAlive.get(g.frame) === 'zw-ack') {
      label = 'ACK (zero-window probe answer)';
    }

    // Notes: handshake, waves of the close, copies, reset, half-close.
    if (simultaneousOpen) {
      if (hs.synFrames[0]?.frame === g.frame || hs.serverSynFrames[0]?.frame === g.frame) notes.push(t(lang, 'tl.simOpenSyn', { side: sideLabel(lang, from) }));
      else if (hs.synAckFrames[0]?.frame === g.frame || hs.clientSynAckFrames[0]?.frame === g.frame) notes.push(t(lang, 'tl.simOpenSynAck', { side: sideLabel(lang, from) }));
    } else if (hs.synFrames[0]?.frame === g.frame) notes.push(t(lang, 'tl.hs1'));
    else if (hs.kind === 'three-way' && hs.synAckFrames[0]?.frame === g.frame) notes.push(t(lang, 'tl.hs2'));
    else if (hs.kind === 'three-way' && hs.establishedFrame === g.frame && from === 'client' && !(f & SYN)) notes.push(t(lang, 'tl.hs3'));
    if (wavesApply && activeSide !== null && passiveSide !== null) {
      const A = sideLabel(lang, activeSide);
      const P = sideLabel(lang, passiveSide);
      if (simultaneous) {
        if (finFirst.client === g.frame) notes.push(t(lang, 'tl.simFin', { side: sideLabel(lang, 'client') }));
        if (finFirst.server === g.frame) notes.push(t(lang, 'tl.simFin', { side: sideLabel(lang, 'server') }));
        if (cl.ackOfU?.frame === g.frame && !(f & FIN)) notes.push(t(lang, 'tl.simAck', { side: sideLabel(lang, passiveSide) }));
        if (cl.ackOfW?.frame === g.frame && !(f & FIN)) notes.push(t(lang, 'tl.simAck', { side: sideLabel(lang, activeSide) }));
      } else {
        if (finFirst[activeSide] === g.frame) notes.push(t(lang, 'tl.wave1', { side: A }));
        if (cl.ackOfU?.frame === g.frame && from === passiveSide) {
          notes.push(finFirst[passiveSide] === g.frame ? t(lang, 'tl.wave23', { side: P }) : t(lang, 'tl.wave2', { side: P }));
        } else if (finFirst[passiveSide] === g.frame) {
          notes.push(t(lang, 'tl.wave3', { side: P }));
        }
        if (cl.ackOfW?.frame === g.frame && from === activeSide) notes.push(t(lang, 'tl.wave4', { side: A }));
      }
    }
    let retransmission = false;
    const copy = copyNote.get(g.frame);
    if (copy) {
      notes.push(copy);
      retransmission = true;
    }
    // Data retransmission: payload that ends at or before what this side already sent.
    if (g.len > 0) {
      const end = relSeq + g.len;
      if (end <= maxEnd[from] && !copy && !capturedTwice.has(g.frame)) {
        notes.push(t(lang, 'tl.dataRetx'));
        retransmission = true;
      }
      if (end > maxEnd[from]) maxEnd[from] = end;
    }
    if (cl.reset && cl.reset.effective && cl.reset.frame === g.frame) {
      notes.push(t(lang, 'tl.rst', { side: sideLabel(lang, cl.reset.by), cause: resetCauseLabel(lang, cl.reset), reasoning: cl.reset.reasoning }));
    }
    for (const n of judged.get(g.frame) ?? []) notes.push(n);
    const an = flagged.get(g.frame);
    if (an !== undefined) notes.push(an);
    const hc = cl.halfClose;
    if (hc && !halfCloseNoted && from === hc.side && g.len > 0) {
      const peerFin = finFirst[hc.side === 'client' ? 'server' : 'client'];
      if (peerFin !== null && g.frame > peerFin) {
        notes.push(t(lang, 'tl.halfClose', { side: sideLabel(lang, hc.side) }));
        halfCloseNoted = true;
      }
    }

    // TIME_WAIT entered or restarted here.
    const rowT = secondsFrom(start, { sec: g.tsSec, nsec: g.tsNsec });
    for (const side of ['client', 'server'] as const) {
      const d = conn.timeWait[side];
      if (!d) continue;
      if (d.entryFrame === g.frame) {
        notes.push(t(lang, 'tl.twEnter', { side: sideLabel(lang, side), required: duration(conn.timeWait.requiredSeconds), deadline: relDeadline(start, d.entryTime, conn.timeWait.requiredSeconds, digits) }));
      }
      for (const r of d.restarts) {
        if (r.frame !== g.frame) continue;
        // The ACK answering a segment refused by PAWS in TIME_WAIT, or the re-ACK of a retransmitted FIN.
        const paws = conn.notes.some((n) => n.kind === 'paws-rejected' && n.answerFrame === r.frame && n.answeredByAck === true);
        notes.push(t(lang, paws ? 'tl.twRestartPaws' : 'tl.twRestart', { side: sideLabel(lang, side), deadline: relDeadline(start, r.time, conn.timeWait.requiredSeconds, digits) }));
      }
    }

    const kind: RowKind = f & RST ? 'rst' : f & SYN ? 'syn' : f & FIN ? 'fin' : g.len > 0 ? 'data' : 'ack';
    rows.push({
      type: 'segment', frame: g.frame, fromClient: g.fromClient,
      time: relTime(start, { sec: g.tsSec, nsec: g.tsNsec }, digits), t: rowT,
      flags: flagText(f), kind, label,
      rel: { seq: relSeq, ack: relAck }, abs: { seq: g.seq, ack: f & ACK ? g.ack : null }, len: g.len,
      client: state.client, server: state.server, clientChanged: changed.client, serverChanged: changed.server,
      retransmission, notes,
    });
  }

  // What comes after the last segment.
  const endNotes: string[] = [];
  for (const side of ['client', 'server'] as const) {
    const list = trans[side];
    while (idx[side] < list.length) {
      const tr = list[idx[side]++];
      state[side] = tr.to;
      endNotes.push(`${t(lang, 'tl.frame')} ${tr.frame}: ${sideLabel(lang, side)} ${tr.from} -> ${tr.to} (${transitionCauseLabel(lang, tr.cause)})`);
    }
  }
  const twDraw: Ladder['timeWait'] = [];
  let span = rows.length ? rows[rows.length - 1].t : 0;
  for (const side of ['client', 'server'] as const) {
    const d = conn.timeWait[side];
    if (!d) continue;
    endNotes.push(timeWaitEnd(side, d, conn, start, digits, lang));
    const last = d.restarts.length ? d.restarts[d.restarts.length - 1].time : d.entryTime;
    const endT = since(d.evidenceTime);
    twDraw.push({ side, enterT: since(d.entryTime), deadlineT: since(last) + conn.timeWait.requiredSeconds, endT, verdict: d.verdict, evidence: d.evidence });
    if (endT > span) span = endT;
  }
  for (const c of conn.caveats) endNotes.push(caveatLabel(lang, c));
  if (segs.length === 0) endNotes.push(t(lang, 'tl.noSegments'));
  // A connection of ICMP errors only (caveat no-segment) has no last segment to tell of.
  if (conn.packets > 0) endNotes.push(t(lang, 'tl.last', { at: relTime(start, parseIso(conn.lastTime), digits), frame: conn.lastFrame, client: conn.endpoints.client.finalState, server: conn.endpoints.server.finalState }));

  const items = opts.data ? [...rows] : fold(rows, lastFrame, lang);
  return { conn, start: conn.firstTime, initial, items, rows, endNotes, final: { ...state }, span, timeWait: twDraw, reuse: reuseNote(conn, opts.previous ?? null, lang), handshakeInfo: handshakeInfo(conn, lang) };
}

/**
 * A frame's flags as Wireshark's Info column brackets them (`Wireshark: [TCP
 * Dup ACK 12#2]`); a fast or spurious retransmission shows only that kind,
 * and window updates are left out. Null when nothing is left.
 */
export function analysisFlagsLabel(lang: Lang, a: AnalysisFrame): string | null {
  const specific = a.flags.includes('fast-retransmission') || a.flags.includes('spurious-retransmission');
  const parts: string[] = [];
  for (const f of a.flags) {
    if (f === 'window-update' || (f === 'retransmission' && specific)) continue;
    parts.push(f === 'duplicate-ack' && a.duplicateAck !== null
      ? t(lang, 'an.duplicate-ack', { of: a.duplicateAck.of, n: a.duplicateAck.number })
      : t(lang, `an.${f}`));
  }
  return parts.length === 0 ? null : t(lang, 'an.tl.flags', { flags: parts.join(' ') });
}

/** The handshake's RTT (tcp.analysis.initial_rtt and its two halves) and the SYN options, as lines; none without a SYN. */
export function handshakeInfo(conn: ConnectionReport, lang: Lang): string[] {
  const a = conn.analysis;
  const out: string[] = [];
  const r = a.handshakeRtt;
  if (r !== null) {
    out.push(r.synToSynAckSeconds !== null && r.synAckToAckSeconds !== null
      ? t(lang, 'an.tl.rtt', { rtt: duration(r.initialSeconds), a: duration(r.synToSynAckSeconds), b: duration(r.synAckToAckSeconds) })
      : t(lang, 'an.tl.rttOnly', { rtt: duration(r.initialSeconds) }));
  }
  const o = a.options;
  if (o.client === null && o.server === null) return out;
  const sep = lang === 'zh' ? '，' : ', ';
  const offered = (s: SynOptionsReport | null, side: Side): string => {
    if (s === null) return t(lang, 'an.opt.notCaptured');
    const p: string[] = [];
    const cut = conn.caveats.some((c) => c.code === 'options-cut' && c.side === side);
    if (s.mss !== null) p.push(t(lang, 'an.opt.mss', { mss: s.mss }));
    if (s.windowScale !== null) p.push(t(lang, 'an.opt.ws', { ws: s.windowScale }));
    if (s.sackPermitted) p.push(t(lang, 'an.opt.sack'));
    if (s.timestamps) p.push(t(lang, 'an.opt.ts'));
    if (cut) p.push(t(lang, p.length === 0 ? 'an.opt.cutAll' : 'an.opt.cut'));
    return p.length === 0 ? t(lang, 'an.opt.none') : p.join(sep);
  };
  const effect: string[] = [];
  if (o.windowScaling !== null) effect.push(o.windowScaling ? t(lang, 'an.opt.effectWs', { c: o.windowScale.client ?? '-', s: o.windowScale.server ?? '-' }) : t(lang, 'an.opt.effectNoWs'));
  // Both SYNs captured but scaling unknown: the snaplen cut their options.
  else if (o.client !== null && o.server !== null) effect.push(t(lang, 'an.opt.effectUnknown'));
  if (o.sackPermitted) effect.push(t(lang, 'an.opt.sack'));
  if (o.timestamps) effect.push(t(lang, 'an.opt.ts'));
  if (o.maxSegmentSize.client !== null || o.maxSegmentSize.server !== null) {
    effect.push(t(lang, 'an.opt.effectMss', { c: o.maxSegmentSize.client ?? '-', s: o.maxSegmentSize.server ?? '-' }));
  }
  out.push(t(lang, 'an.tl.options', { client: offered(o.client, 'client'), server: offered(o.server, 'server'), effect: effect.join(sep) }));
  return out;
}

/**
 * `reuses the 4-tuple of stream 0, whose server was in TIME_WAIT: 594.008 ms
 * after stream 0's last segment (frame 10), 594.002 ms after the server
 * entered TIME_WAIT (frame 9): cut short (2MSL = 240 s)`.
 */
function reuseNote(conn: ConnectionReport, previous: ConnectionReport | null, lang: Lang): string | null {
  const r = conn.reuse;
  if (r === null) return null;
  const base = { prev: r.previousStream, gap: duration(r.gapSeconds), frame: previous?.lastFrame ?? '-' };
  const tw = previous === null || previous.stream !== r.previousStream ? null
    : (['client', 'server'] as const).map((side) => ({ side, d: previous.timeWait[side] })).find((x) => x.d !== null && x.d.evidence === 'reuse' && x.d.evidenceFrame === conn.firstFrame) ?? null;
  if (tw === null || tw.d === null) {
    // A TIME_WAIT that did not take this SYN, ended by the RST of the SYN's sender that this stream holds (Tracker.forOld).
    const rst = previous === null || previous.stream !== r.previousStream ? null
      : (['client', 'server'] as const).map((side) => ({ side, d: previous.timeWait[side] })).find((x) => x.d !== null && x.d.evidence === 'rst-received' &&
        x.d.evidenceFrame !== null && x.d.evidenceFrame > conn.firstFrame && x.d.evidenceFrame <= conn.lastFrame) ?? null;
    if (rst !== null && rst.d !== null) {
      return t(lang, 'tl.reuse.timeWaitRst', {
        ...base, side: sideLabel(lang, rst.side), entry: rst.d.entryFrame, rst: rst.d.evidenceFrame ?? '-', observed: duration(rst.d.observedSeconds),
        verdict: verdictLabel(lang, rst.d.verdict), required: duration(previous?.timeWait.requiredSeconds ?? 0),
      });
    }
    return t(lang, previous === null ? 'tl.reuse.gapOnly' : 'tl.reuse', base);
  }
  return t(lang, 'tl.reuse.timeWait', {
    ...base, side: sideLabel(lang, tw.side), entry: tw.d.entryFrame, observed: duration(tw.d.observedSeconds),
    verdict: verdictLabel(lang, tw.d.verdict), required: duration(previous?.timeWait.requiredSeconds ?? 0),
  });
}

function relDeadline(start: { sec: number; nsec: number }, iso: string, required: number, digits: number): string {
  const at = parseIso(iso);
  const whole = Math.floor(required);
  const ns = Math.round((required - whole) * 1e9);
  let sec = at.sec + whole;
  let nsec = at.nsec + ns;
  if (nsec >= 1e9) { sec++; nsec -= 1e9; }
  return relTime(start, { sec, nsec }, digits);
}

function timeWaitEnd(side: Side, d: TimeWaitDetail, conn: ConnectionReport, start: { sec: number; nsec: number }, digits: number, lang: Lang): string {
  const p = {
    side: sideLabel(lang, side), at: relTime(start, parseIso(d.evidenceTime), digits), observed: duration(d.observedSeconds),
    required: duration(conn.timeWait.requiredSeconds), verdict: verdictLabel(lang, d.verdict), frame: d.evidenceFrame ?? '-',
  };
  switch (d.evidence) {
    case 'capture-end': return t(lang, 'tl.twEnd.capture-end', p);
    case 'expired': return t(lang, 'tl.twEnd.expired', p);
    case 'reuse': return t(lang, 'tl.twEnd.reuse', p);
    case 'rst': return t(lang, 'tl.twEnd.rst', p);
    case 'rst-received': return t(lang, 'tl.twEnd.rst-received', p);
  }
}

/** A row the textbook figure would not draw: plain data or ACK, no state change, no note, no label. */
function foldable(r: LadderRow): boolean {
  return (r.kind === 'data' || r.kind === 'ack') && r.label === null && !r.clientChanged && !r.serverChanged && r.notes.length === 0;
}

function fold(rows: readonly LadderRow[], _last: number, lang: Lang): (LadderRow | LadderFold)[] {
  const out: (LadderRow | LadderFold)[] = [];
  let run: LadderRow[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    if (run.length === 1) {
      out.push(run[0]);
    } else {
      const parts: string[] = [];
      for (const fromClient of [true, false]) {
        const mine = run.filter((r) => r.fromClient === fromClient);
        if (mine.length === 0) continue;
        const data = mine.filter((r) => r.len > 0);
        // Only what there is: `client->server 1 data segment (100 B)`, no `0 ACK-only segments`.
        const what: string[] = [];
        if (data.length > 0) what.push(t(lang, 'tl.foldData', { n: data.length, bytes: data.reduce((n, r) => n + r.len, 0) }));
        if (mine.length > data.length) what.push(t(lang, 'tl.foldAcks', { n: mine.length - data.length }));
        parts.push(t(lang, 'tl.foldDir', {
          from: sideLabel(lang, fromClient ? 'client' : 'server'), to: sideLabel(lang, fromClient ? 'server' : 'client'),
          parts: what.join(lang === 'zh' ? '，' : ', '),
        }));
      }
      out.push({
        type: 'fold', count: run.length, firstFrame: run[0].frame, lastFrame: run[run.length - 1].frame,
        note: t(lang, 'tl.folded', { n: run.length, first: run[0].frame, last: run[run.length - 1].frame, detail: parts.join(t(lang, 'sum.sep')) }),
      });
    }
    run = [];
  };
  for (const r of rows) {
    if (foldable(r)) run.push(r);
    else {
      flush();
      out.push(r);
    }
  }
  flush();
  return out;
}
