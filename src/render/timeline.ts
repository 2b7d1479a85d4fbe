/**
 * `tcpscope timeline`: the ladder diagram in the terminal, drawn as the
 * textbooks draw the handshake and the four waves of the close: the client's
 * lifeline on the left with its state after each segment, the server's on the
 * right, one arrow per segment labelled in textbook notation, the numbers
 * (relative, then absolute as on the wire) under it, and notes.
 */
import type { Ladder, LadderFold, LadderRow } from './ladder.ts';
import { type Lang, t } from './i18n.ts';
import { termText } from './escape/terminal.ts';
import { displayWidth, endpointText, padEnd, padStart, palette, type Palette, stripAnsi } from './text.ts';
import { wrapText } from './fit.ts';
import type { TunnelRef, TunnelReport } from '../report/types.ts';

export interface TimelineOptions {
  lang: Lang;
  color: boolean;
  /** The capture's path, for the title. */
  file: string;
  /** Terminal columns to fit in: the lifelines come closer and notes wrap between them; null or absent: the full layout. */
  width?: number | null;
}

/** Inner width of the space between the two lifelines (full layout, and the most a fitted one takes). */
const W_FULL = 56;
/** The least: the longest arrow label (`SYN+ACK seq=y ack=x+1`) with its dashes and heads. */
const W_MIN = 28;
const STATE_W = 12;
/** The widest state name written right of the server's lifeline (ESTABLISHED). */
const SERVER_STATE_W = 12;

export function renderTimeline(ladder: Ladder, opts: TimelineOptions): string {
  const p = palette(opts.color);
  const { lang } = opts;
  const c = ladder.conn;
  const timeW = Math.max(8, ...ladder.rows.map((r) => r.time.length));
  const frameW = Math.max(5, ...ladder.rows.map((r) => String(r.frame).length));
  const lead = frameW + 2 + timeW + 2; // before the client state column
  const width = opts.width ?? null;
  const W = width === null ? W_FULL : Math.max(W_MIN, Math.min(W_FULL, width - lead - STATE_W - 1 - 2 - SERVER_STATE_W));
  const fit = (line: string, indent = ''): string[] => (width === null ? [line] : wrapStyled(line, width, indent));
  const blankLeft = ' '.repeat(lead + STATE_W + 1);
  const bar = p.dim('│');
  const out: string[] = [];

  out.push(...fit(p.bold(t(lang, 'tl.title', { stream: c.stream, file: termText(opts.file) }))));
  const who = `${t(lang, 'side.client')} ${endpointText(c.client)}  ->  ${t(lang, 'side.server')} ${endpointText(c.server)}`;
  const start = t(lang, 'tl.start', { time: ladder.start });
  const hint = p.dim(t(lang, 'tl.hint', { filter: c.compat.wireshark.filter }));
  if (width === null) out.push(`${who}   ${start}   ${hint}`);
  else out.push(...fit(`${who}   ${start}`, '  '), ...fit(hint, '  '));
  if (c.tunnel !== null) out.push(...fit(tunnelLine(c.tunnel, lang), '  '));
  if (ladder.reuse !== null) out.push(...fit(p.yellow(`* ${ladder.reuse}`), '  '));
  for (const line of ladder.handshakeInfo) out.push(...fit(p.dim(line), '  '));
  out.push('');
  out.push(
    padStart(t(lang, 'tl.frame'), frameW) + '  ' + padEnd(t(lang, 'tl.time'), timeW) + '  ' +
    padStart(p.bold(t(lang, 'side.client')), STATE_W) + ' ' + ' '.repeat(W + 2) + ' ' + p.bold(t(lang, 'side.server')),
  );
  out.push(' '.repeat(lead) + padStart(stateText(ladder.initial.client, true, p), STATE_W) + ' ' + bar + ' '.repeat(W) + bar + ' ' + stateText(ladder.initial.server, true, p));

  const insideOne = (text: string): string => {
    const w = displayWidth(text);
    return w + 2 <= W ? `${blankLeft}${bar}  ${text}${' '.repeat(W - w - 2)}${bar}` : `${blankLeft}${bar}  ${text}`;
  };
  // Fitted: a note wraps between the lifelines (continuation lines indented).
  const inside = (text: string): string => (width === null ? insideOne(text) : wrapStyled(text, W - 3, '  ').map(insideOne).join('\n'));

  for (const item of ladder.items) {
    if (item.type === 'fold') {
      out.push(...foldLines(item, inside, p));
      continue;
    }
    const r = item;
    const left = padStart(String(r.frame), frameW) + '  ' + padEnd(r.time, timeW) + '  ' +
      padStart(r.clientChanged ? stateText(r.client, true, p) : '', STATE_W) + ' ';
    const right = r.serverChanged ? ' ' + stateText(r.server, true, p) : '';
    out.push(left + bar + arrow(r, p, W) + bar + right);
    out.push(inside(p.dim(numbers(r))));
    for (const n of r.notes) out.push(inside(noteStyle(n, r, p)));
  }

  out.push(' '.repeat(lead) + padStart(stateText(ladder.final.client, true, p), STATE_W) + ' ' + p.dim('┴') + ' '.repeat(W) + p.dim('┴') + ' ' + stateText(ladder.final.server, true, p));
  out.push('');
  for (const n of ladder.endNotes) {
    if (width === null) out.push(`  ${p.bold('*')} ${n}`);
    else out.push(...wrapText(n, width - 4, '    ').map((l, i) => (i === 0 ? `  ${p.bold('*')} ${l}` : l)));
  }
  return out.join('\n') + '\n';
}

/** A line styled as a whole (wrapCell's rule) wrapped to `width`, later lines indented. */
function wrapStyled(line: string, width: number, indent: string): string[] {
  const m = /^((?:\u001b\[[0-9;]*m)*)([\s\S]*?)((?:\u001b\[[0-9;]*m)*)$/.exec(line);
  const [pre, text, post] = m ? [m[1], stripAnsi(m[2]), m[3]] : ['', stripAnsi(line), ''];
  return wrapText(text, width, indent).map((l) => pre + l + post);
}

function stateText(s: string, changed: boolean, p: Palette): string {
  if (!changed) return '';
  return s === 'TIME_WAIT' ? p.yellow(p.bold(s)) : s === 'ESTABLISHED' ? p.green(s) : p.cyan(s);
}

/** `[FIN+ACK] seq=101 ack=201 len=0  abs 4179830510/1929258996` */
export function numbers(r: LadderRow): string {
  const rel = `seq=${r.rel.seq}${r.rel.ack === null ? '' : ` ack=${r.rel.ack}`}${r.len > 0 ? ` len=${r.len}` : ''}`;
  const abs = `${r.abs.seq}${r.abs.ack === null ? '' : `/${r.abs.ack}`}`;
  return `[${r.flags}] ${rel}  (abs ${abs})`;
}

/** The arrow's text: the textbook label, else the flags and payload length. */
export function arrowLabel(r: LadderRow): string {
  if (r.label !== null) return r.label;
  return r.len > 0 ? `${r.flags} ${r.len} B` : r.flags;
}

function arrow(r: LadderRow, p: Palette, W: number): string {
  const label = ` ${arrowLabel(r)} `;
  const inner = W; // the arrow runs from lifeline to lifeline
  const room = inner - 3 - label.length;
  let s: string;
  if (r.fromClient) s = '──' + label + '─'.repeat(Math.max(1, room)) + '>';
  else s = '<' + '─'.repeat(Math.max(1, room)) + label + '──';
  const colour = r.retransmission ? p.magenta : r.kind === 'syn' ? p.green : r.kind === 'fin' ? p.yellow : r.kind === 'rst' ? p.red : r.kind === 'ack' ? p.dim : (x: string) => x;
  return colour(s);
}

function noteStyle(n: string, r: LadderRow, p: Palette): string {
  const s = `* ${n}`;
  if (r.retransmission) return p.magenta(s);
  if (r.kind === 'rst') return p.red(s);
  return p.yellow(s);
}

function foldLines(f: LadderFold, inside: (s: string) => string, p: Palette): string[] {
  return [inside(p.dim(`⋮ ${f.note}`))];
}

/** The tunnel the connection came in (TunnelReport), as one line. */
function tunnelLine(tunnel: TunnelReport, lang: Lang): string {
  const name = (r: TunnelRef): string => (r.id === null ? r.kind : `${r.kind} ${r.id}`);
  let line = t(lang, 'tl.tunnel', { tunnel: name(tunnel) });
  if (tunnel.reverse !== null) line += t(lang, 'tl.tunnel.reverse', { reverse: name(tunnel.reverse) });
  if (tunnel.ambiguous) line += t(lang, 'tl.tunnel.ambiguous');
  return line;
}
