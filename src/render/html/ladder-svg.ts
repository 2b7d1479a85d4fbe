/**
 * One connection's ladder diagram as markup, drawn in the browser when it
 * is opened: an SVG like the textbook figure (time flowing down, slanted
 * arrows, states on both sides, retransmissions dashed, runs of plain data
 * and ACKs folded into one line, TIME_WAIT as a band with its 2MSL
 * deadline), its notes, and the table of its segments.
 *
 * This function's source is embedded in the page (html.ts), so it is
 * self-contained: no imports, no module-level names; `esc` is
 * escape/html.ts's `html`, and every string it writes goes through it.
 */
import type { ConnectionData, PageData, TextRef } from './data.ts';

/** The markup of connection `c`'s diagram (empty when the report has none for it). */
export function ladderHtml(c: ConnectionData, data: PageData, esc: (s: string | number) => string): string {
  const KINDS = ['syn', 'fin', 'rst', 'data', 'ack', 'retx'];
  const G = { width: 1160, cx: 230, sx: 600, top: 64, rowH: 46, foldH: 34, slant: 22, notesX: 720 };
  const text = data.text;
  const S = (i: number): string => data.strings[i];
  const T = (v: TextRef): string => {
    if (typeof v === 'number') return S(v);
    let k = 1;
    return S(v[0] as number).replace(/§/g, () => String(v[k++]));
  };
  const l = c[5];
  if (l === 0) return '';
  const [initial, final, base, digits, lrows, folds, omitted, timeWait, end] = l;
  const stream = c[1];
  const M32 = 4294967296;
  const abs = (b: number, rel: number): number => (b + rel) % M32;
  // Times are whole units of 10^-digits s: written with the capture's precision, no float on the way.
  const time = (units: number): string => {
    if (digits === 0) return String(units);
    const s = String(Math.abs(units)).padStart(digits + 1, '0');
    return `${units < 0 ? '-' : ''}${s.slice(0, -digits)}.${s.slice(-digits)}`;
  };
  const fill = (tpl: string, v: Record<string, string | number>): string => tpl.replace(/\{(\w+)\}/g, (m, k: string) => (k in v ? String(v[k]) : m));
  const client = S(c[2][1] as number);
  const server = S(c[2][2] as number);

  // Each row decoded once: frame, sender, kind, label, numbers, states after it, notes.
  let frame = 0;
  let now = [initial[0], initial[1]];
  const rows = lrows.map(([delta, units, shape]) => {
    const r = data.shapes[shape] as number[];
    frame += delta;
    const fromClient = (r[0] & 1) === 1;
    const kind = KINDS[r[0] >> 1];
    const label = r[1] >= 0 ? S(r[1]) : r[5] > 0 ? `${S(r[2])} ${r[5]} B` : S(r[2]);
    const seq = abs(base[fromClient ? 0 : 1], r[3]);
    const ack = r[4] < 0 ? null : abs(base[fromClient ? 1 : 0], r[4]);
    const rel = `seq=${r[3]}${r[4] < 0 ? '' : ` ack=${r[4]}`}${r[5] > 0 ? ` len=${r[5]}` : ''}`;
    now = [r[6] >= 0 ? r[6] : now[0], r[7] >= 0 ? r[7] : now[1]];
    return {
      frame, time: time(units), seconds: units / 10 ** digits, fromClient, kind, label, rel,
      numbers: `[${S(r[2])}] ${rel}  (abs ${seq}${ack === null ? '' : `/${ack}`})`,
      client: r[6], server: r[7], states: `${S(now[0])} / ${S(now[1])}`, notes: (data.shapes[shape].slice(8) as TextRef[]).map(T),
    };
  });
  const foldText = (f: (typeof folds)[number]): string => {
    const parts: string[] = [];
    // Only what there is: `client->server 1 data segment (100 B)`, no `0 ACK-only segments`.
    const dir = (from: string, to: string, data: number, bytes: number, acks: number): void => {
      const what: string[] = [];
      if (data > 0) what.push(fill(text.foldData[data === 1 ? 0 : 1], { n: data, bytes }));
      if (acks > 0) what.push(fill(text.foldAcks[acks === 1 ? 0 : 1], { n: acks }));
      if (what.length > 0) parts.push(fill(text.foldDir, { from, to, parts: what.join(text.foldSep) }));
    };
    dir(text.client, text.server, f[4], f[5], f[6]);
    dir(text.server, text.client, f[7], f[8], f[9]);
    return fill(text.folded, { n: f[1], first: f[2], last: f[3], detail: parts.join('; ') });
  };

  // Vertical layout: each row and each fold takes a slot, in order.
  const y: number[] = [];
  const foldY: number[] = [];
  let at = G.top;
  let fi = 0;
  for (let i = 0; i <= rows.length; i++) {
    while (fi < folds.length && folds[fi][0] === i) { foldY.push(at); at += G.foldH; fi++; }
    if (i < rows.length) { y.push(at); at += G.rowH; }
  }
  const endY = at + G.slant + 20;
  const height = endY + (timeWait.length ? 70 : 30);
  const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const state = (x: number, yy: number, s: string, client: boolean, extra: string): string =>
    `<text class="state ${extra}${s === 'TIME_WAIT' ? ' st-tw' : ''}" x="${client ? x - 10 : x + 10}" y="${yy}" text-anchor="${client ? 'end' : 'start'}">${esc(s)}</text>`;

  const out: string[] = [];
  out.push(`<svg class="ladder" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${G.width} ${height}" width="${G.width}" height="${height}" role="img" aria-label="${esc(`${text.stream} ${stream}`)}">`);
  out.push('<defs>' + KINDS.map((k) => `<marker id="h-${k}" class="head-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`).join('') + '</defs>');
  out.push(`<text class="who" x="${G.cx}" y="20" text-anchor="middle">${esc(text.client)}</text>`);
  out.push(`<text class="addr" x="${G.cx}" y="36" text-anchor="middle">${esc(client)}</text>`);
  out.push(`<text class="who" x="${G.sx}" y="20" text-anchor="middle">${esc(text.server)}</text>`);
  out.push(`<text class="addr" x="${G.sx}" y="36" text-anchor="middle">${esc(server)}</text>`);
  out.push(`<text class="colhead" x="8" y="${G.top - 12}">${esc(text.frame)} · ${esc(text.time)}</text>`);
  out.push(`<line class="life" x1="${G.cx}" y1="${G.top - 6}" x2="${G.cx}" y2="${endY}"/>`);
  out.push(`<line class="life" x1="${G.sx}" y1="${G.top - 6}" x2="${G.sx}" y2="${endY}"/>`);
  out.push(state(G.cx, G.top - 8, S(initial[0]), true, ''));
  out.push(state(G.sx, G.top - 8, S(initial[1]), false, ''));

  // TIME_WAIT: a band on the lifeline from the row where it was entered to the end of what the capture shows.
  for (const tw of timeWait) {
    const client = tw[0] === 0;
    const i = rows.findIndex((r) => (client ? r.client : r.server) >= 0 && S(client ? r.client : r.server) === 'TIME_WAIT' && r.seconds >= tw[1] - 1e-9);
    const y0 = i >= 0 ? y[i] + G.slant : G.top;
    const x = client ? G.cx : G.sx;
    out.push(`<rect class="tw tw-${esc(S(tw[6]))}" x="${x - 5}" y="${y0}" width="10" height="${endY - y0}"><title>TIME_WAIT</title></rect>`);
    out.push(`<text class="twnote" x="${x + 12}" y="${endY + 16}">TIME_WAIT · 2MSL = ${esc(data.required)} · ${esc(text.deadline)} +${tw[2].toFixed(3)} s</text>`);
    out.push(`<text class="twnote" x="${x + 12}" y="${endY + 32}">${esc(S(tw[4]))} (+${tw[3].toFixed(6)} s) → ${esc(S(tw[5]))}</text>`);
  }

  folds.forEach((f, k) => {
    const y0 = foldY[k];
    const note = foldText(f);
    out.push(`<g class="fold" data-segments="${f[1]}"><title>${esc(note)}</title>`,
      `<rect class="foldband" x="${G.cx}" y="${y0 + 4}" width="${G.sx - G.cx}" height="${G.foldH - 12}"/>`,
      `<text class="foldlabel" x="${(G.cx + G.sx) / 2}" y="${y0 + G.foldH / 2 + 2}" text-anchor="middle">⋮ ${esc(fill(text.foldShort, { n: f[1] }))} ⋮</text>`,
      `<text class="when" x="8" y="${y0 + G.foldH / 2 + 2}">#${f[2]}-${f[3]}</text>`,
      `<text class="note" x="${G.notesX}" y="${y0 + G.foldH / 2 + 2}">${esc(clip(note, 70))}</text></g>`);
  });

  rows.forEach((r, i) => {
    const y1 = y[i];
    const y2 = y1 + G.slant;
    const x1 = r.fromClient ? G.cx : G.sx;
    const x2 = r.fromClient ? G.sx : G.cx;
    const mx = (G.cx + G.sx) / 2;
    const my = (y1 + y2) / 2 - 6;
    const angle = (Math.atan2(y2 - y1, x2 - x1) * 180) / Math.PI;
    const rot = (r.fromClient ? angle : angle - 180).toFixed(2);
    out.push(`<g class="seg k-${r.kind}" data-frame="${r.frame}">`,
      `<title>${esc(`#${r.frame} +${r.time} s  ${r.numbers}${r.notes.length ? `\n${r.notes.join('\n')}` : ''}`)}</title>`,
      `<line class="arrow" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#h-${r.kind})"/>`,
      `<text class="label" x="${mx}" y="${my}" text-anchor="middle" transform="rotate(${rot} ${mx} ${my})">${esc(r.label)}</text>`,
      `<text class="nums" x="${mx}" y="${my + 19}" text-anchor="middle" transform="rotate(${rot} ${mx} ${my + 19})">${esc(r.rel)}</text>`,
      `<text class="when" x="8" y="${y1 + 4}">#${r.frame}  ${esc(r.time)}</text>`);
    // The sender's state where the arrow leaves, the receiver's where it arrives.
    const sender = r.fromClient ? r.client : r.server;
    const receiver = r.fromClient ? r.server : r.client;
    if (sender >= 0) out.push(state(x1, y1 + 4, S(sender), r.fromClient, ''));
    if (receiver >= 0) out.push(state(x2, y2 + 4, S(receiver), !r.fromClient, ''));
    // Up to two notes beside the arrow; all of them are in the tooltip and the segment table.
    r.notes.slice(0, 2).forEach((note, k) => {
      const more = k === 1 && r.notes.length > 2 ? ` (+${r.notes.length - 2})` : '';
      out.push(`<text class="note" x="${G.notesX}" y="${y2 - 8 + k * 14}">${esc(clip(note, 70))}${more}</text>`);
    });
    out.push('</g>');
  });
  out.push(state(G.cx, endY + 2, S(final[0]), true, 'final'));
  out.push(state(G.sx, endY + 2, S(final[1]), false, 'final'));
  out.push('</svg>');

  // The segment table: every row drawn, each fold as one line, in order.
  const lines: string[] = [];
  fi = 0;
  for (let i = 0; i <= rows.length; i++) {
    while (fi < folds.length && folds[fi][0] === i) {
      lines.push(`<tr class="fold"><td>${folds[fi][2]}-${folds[fi][3]}</td><td colspan="6">${esc(foldText(folds[fi]))}</td></tr>`);
      fi++;
    }
    if (i === rows.length) break;
    const r = rows[i];
    lines.push(`<tr${r.kind === 'retx' ? ' class="retx"' : ''}><td>${r.frame}</td><td>${esc(r.time)}</td><td>${r.fromClient ? '→' : '←'}</td>` +
      `<td>${esc(r.label)}</td><td><code>${esc(r.numbers)}</code></td><td>${esc(r.states)}</td><td>${r.notes.map(esc).join('<br>')}</td></tr>`);
  }
  const segments = rows.length + folds.reduce((n, f) => n + f[1], 0) + omitted;
  const hints = [text.scale];
  if (folds.length) hints.push(fill(text.foldHint, { stream }));
  if (omitted > 0) hints.push(fill(text.omitted[omitted === 1 ? 0 : 1], { n: omitted, stream }));
  return `<div class="diagram">${out.join('')}</div>${hints.map((h) => `<p class="hint">${esc(h)}</p>`).join('')}` +
    `<ul class="endnotes">${end.map((k) => `<li>${esc(T(k))}</li>`).join('')}</ul>` +
    `<details><summary>${esc(text.segments)} (${segments})</summary><table class="segments"><thead><tr><th>${esc(text.frame)}</th><th>${esc(text.time)}</th>` +
    `<th>${esc(text.dir)}</th><th>${esc(text.segment)}</th><th>${esc(text.numbers)}</th><th>${esc(text.states)}</th><th>${esc(text.notes)}</th></tr></thead>` +
    `<tbody>${lines.join('')}</tbody></table></details>`;
}
