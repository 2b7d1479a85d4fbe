/**
 * `tcpscope key`: the answer key an instructor needs for one connection:
 * x, y, u, v, w absolute and relative, with the frame that shows each, the
 * checks ack=u+1 and ack=w+1, who closed actively, each side's state
 * sequence, TIME_WAIT and retransmitted FINs.
 */
import Table from 'cli-table3';
import type { ConnectionReport, SegmentNote, SeqValue, Side, TransitionReport } from '../report/types.ts';
import {
  type Lang, caveatLabel, framesLabel, closeLabel, closerLabel, evidenceLabel, handshakeLabel, noteLabel, resetCauseLabel, sideLabel, t, verdictLabel,
} from './i18n.ts';
import { termText } from './escape/terminal.ts';
import { displayWidth, duration, endpointText, palette, stripAnsi } from './text.ts';
import { fitCells, fitColumns, textWidth, wrapText } from './fit.ts';

export interface KeyOptions {
  lang: Lang;
  color: boolean;
  file: string;
  /** Terminal columns to fit in (the meaning column and long lines wrap); null or absent: the full layout. */
  width?: number | null;
}

/** One line of the key: a symbol with its value and where the capture shows it. */
export interface KeyEntry {
  symbol: 'x' | 'y' | 'u' | 'v' | 'w' | 'u+1' | 'w+1';
  value: SeqValue | null;
  frame: number | null;
  /** For u+1 and w+1: whether the ack number is the symbol + 1. */
  ok: boolean | null;
  inferred: boolean;
}

const M32 = 0x1_0000_0000;

/** The symbols of the textbook figures, read from the report. */
export function keyEntries(c: ConnectionReport): KeyEntry[] {
  const hs = c.handshake;
  const cl = c.close;
  const active: Side | null = cl.activeCloser === 'both' ? cl.firstFinBy : cl.kind === 'reset' ? null : cl.activeCloser;
  const passive: Side | null = active === null ? null : active === 'client' ? 'server' : 'client';
  const plus1 = (a: SeqValue | null, b: SeqValue | null): boolean | null => (a && b ? (a.seq + 1) % M32 === b.seq : null);
  return [
    { symbol: 'x', value: hs.x, frame: hs.synFrames[0]?.frame ?? null, ok: null, inferred: hs.inferred && hs.synFrames.length === 0 },
    { symbol: 'y', value: hs.y, frame: hs.synAckFrames[0]?.frame ?? null, ok: null, inferred: hs.inferred && hs.synAckFrames.length === 0 },
    { symbol: 'u', value: cl.u, frame: active ? cl.finFrames[active][0]?.frame ?? null : null, ok: null, inferred: cl.u !== null && active !== null && cl.finFrames[active].length === 0 },
    { symbol: 'v', value: cl.v, frame: cl.ackOfU?.frame ?? null, ok: null, inferred: false },
    { symbol: 'w', value: cl.w, frame: passive ? cl.finFrames[passive][0]?.frame ?? null : null, ok: null, inferred: cl.w !== null && passive !== null && cl.finFrames[passive].length === 0 },
    { symbol: 'u+1', value: cl.ackOfU?.ack ?? null, frame: cl.ackOfU?.frame ?? null, ok: plus1(cl.u, cl.ackOfU?.ack ?? null), inferred: false },
    { symbol: 'w+1', value: cl.ackOfW?.ack ?? null, frame: cl.ackOfW?.frame ?? null, ok: plus1(cl.w, cl.ackOfW?.ack ?? null), inferred: false },
  ];
}

/** `CLOSED -> LISTEN (2, deduced) -> SYN_RCVD (2)`: the frame of each change, deduced ones said so. */
export function stateSequence(list: readonly TransitionReport[], lang: Lang = 'en'): string {
  if (list.length === 0) return 'CLOSED';
  const parts: string[] = [list[0].from];
  for (const tr of list) parts.push(`${tr.to} (${tr.frame}${tr.inferred ? `${lang === 'zh' ? '，' : ', '}${t(lang, 'key.deduced')}` : ''})`);
  return parts.join(' -> ');
}

const MEANING = { x: 'key.x', y: 'key.y', u: 'key.u', v: 'key.v', w: 'key.w', 'u+1': 'key.ackU', 'w+1': 'key.ackW' } as const;
/** A simultaneous close has no passive side: each FIN crossed the other (RFC 9293 figure 13). */
const MEANING_SIMULTANEOUS = {
  x: 'key.x', y: 'key.y', u: 'key.sim.u', v: 'key.sim.v', w: 'key.sim.w', 'u+1': 'key.sim.ackU', 'w+1': 'key.sim.ackW',
} as const;

export function renderKey(c: ConnectionReport, opts: KeyOptions): string {
  const { lang } = opts;
  const p = palette(opts.color);
  const cl = c.close;
  const out: string[] = [];
  out.push(p.bold(t(lang, 'key.title', { stream: c.stream, file: termText(opts.file) })));
  out.push(t(lang, 'key.header', { client: endpointText(c.client), server: endpointText(c.server), hs: handshakeLabel(lang, c.handshake.kind), close: closeLabel(lang, cl.kind) }));
  const active = cl.activeCloser;
  const passive = active === 'client' ? 'server' : active === 'server' ? 'client' : null;
  const simultaneous = active === 'both';
  if (simultaneous) out.push(p.bold(t(lang, 'key.closersBoth')));
  else out.push(p.bold(t(lang, 'key.closers', { active: closerLabel(lang, active), passive: passive ? sideLabel(lang, passive) : t(lang, 'none') })));
  out.push('');
  const first = cl.firstFinBy ?? 'client';
  const sides = { side: sideLabel(lang, first), other: sideLabel(lang, first === 'client' ? 'server' : 'client') };
  const meaning = simultaneous ? MEANING_SIMULTANEOUS : MEANING;

  const head = [t(lang, 'key.symbol'), t(lang, 'key.meaning'), t(lang, 'key.absolute'), t(lang, 'key.relative'), t(lang, 'key.frame'), t(lang, 'key.check')].map((h) => p.bold(h));
  const cells: string[][] = [];
  for (const e of keyEntries(c)) {
    const notSeen = t(lang, 'key.notSeen');
    cells.push([
      p.bold(e.symbol),
      t(lang, meaning[e.symbol], sides),
      e.value ? String(e.value.seq) : notSeen,
      e.value ? String(e.value.relative) : '',
      e.frame === null ? '' : String(e.frame) + (e.inferred ? ` ${t(lang, 'key.inferred')}` : ''),
      e.ok === null ? '' : e.ok ? p.green(t(lang, 'key.ok')) : p.red(t(lang, 'key.differs')),
    ]);
  }
  const width = opts.width ?? null;
  let fitted: { head: string[]; rows: string[][]; widths?: number[] } = { head, rows: cells };
  if (width !== null) {
    // Every column keeps its width but the meaning, which wraps in what is left.
    const cols = head.map((h, i) => {
      const natural = Math.max(textWidth(stripAnsi(h)), ...cells.map((r) => textWidth(stripAnsi(r[i]))));
      return { natural, min: i === 1 ? Math.min(natural, 12) : natural };
    });
    fitted = fitCells(head, cells, fitColumns(cols, width, false));
  }
  const table = new Table({
    head: fitted.head,
    style: opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(fitted.widths ? { colWidths: fitted.widths.map((w) => w + 2) } : {}),
  });
  for (const r of fitted.rows) table.push(r);
  out.push(table.toString());
  out.push('');

  out.push(p.bold(t(lang, 'key.states')));
  out.push(`  ${sideLabel(lang, 'client')}${lang === 'zh' ? '：' : ': '}${stateSequence(c.endpoints.client.transitions, lang)}`);
  out.push(`  ${sideLabel(lang, 'server')}${lang === 'zh' ? '：' : ': '}${stateSequence(c.endpoints.server.transitions, lang)}`);
  out.push('');

  out.push(p.bold(t(lang, 'key.timeWait')));
  const tw = c.timeWait;
  if (tw.verdict === 'none') out.push(`  ${verdictLabel(lang, 'none')}`);
  for (const side of ['client', 'server'] as const) {
    const d = tw[side];
    if (!d) continue;
    out.push(`  ${t(lang, 'key.twLine', {
      side: sideLabel(lang, side), frame: d.entryFrame, required: duration(tw.requiredSeconds), verdict: verdictLabel(lang, d.verdict),
      evidence: evidenceLabel(lang, d.evidence), observed: duration(d.observedSeconds),
    })}`);
  }
  out.push('');
  out.push(p.bold(t(lang, 'key.finRetx')));
  for (const side of ['client', 'server'] as const) {
    const frames = cl.finFrames[side].map((f) => f.frame);
    out.push(`  ${t(lang, 'key.finRetxLine', { side: sideLabel(lang, side), n: cl.finRetransmissions[side], frames: framesLabel(lang, frames) })}`);
  }
  if (cl.halfClose) out.push('', `${p.bold(t(lang, 'key.halfClose'))}: ${t(lang, 'half.cell', { bytes: cl.halfClose.bytes, side: sideLabel(lang, cl.halfClose.side) })}`);
  if (cl.reset) {
    const taken = cl.reset.effective ? '' : ` (${t(lang, 'key.notTaken')})`;
    out.push('', `${p.bold(t(lang, 'key.reset'))}: ${sideLabel(lang, cl.reset.by)}, ${t(lang, 'key.frame')} ${cl.reset.frame}, ${cl.reset.state}${taken}, ` +
      `${resetCauseLabel(lang, cl.reset)}: ${cl.reset.reasoning}`);
  }
  // An ICMP error that aborted a connect or dropped a half-open connection
  // changed a state (the move is inferred: the caveats say so); the other
  // notes changed none.
  const moved = (n: SegmentNote): boolean => n.icmp !== undefined && (n.icmp.effect === 'aborted' || n.icmp.effect === 'dropped');
  const noteLine = (n: SegmentNote): string => `  ${t(lang, 'key.frame')} ${n.frame} (${sideLabel(lang, n.from)}): ${noteLabel(lang, n)}`;
  const icmpMoves = c.notes.filter(moved);
  if (icmpMoves.length > 0) {
    out.push('', p.bold(t(lang, 'key.icmpMoves')));
    for (const n of icmpMoves) out.push(noteLine(n));
  }
  const unchanged = c.notes.filter((n) => !moved(n));
  if (unchanged.length > 0) {
    out.push('', p.bold(t(lang, 'key.notes')));
    for (const n of unchanged) out.push(noteLine(n));
  }
  if (c.caveats.length > 0) {
    out.push('', p.bold(t(lang, 'key.caveats')));
    for (const cv of c.caveats) out.push(`  ${caveatLabel(lang, cv)}`);
  }
  if (width === null) return out.join('\n') + '\n';
  // Fitted: long lines wrap, continuation lines indented under their text.
  return out.flatMap((line) => {
    if (line.includes('│') || line.includes('┌') || line.includes('└') || displayWidth(line) <= width) return [line];
    const lead = /^ */.exec(stripAnsi(line))?.[0] ?? '';
    return wrapText(stripAnsi(line).slice(lead.length), width - lead.length, '  ').map((l) => lead + l);
  }).join('\n') + '\n';
}
