/**
 * Fitting text to a terminal's width: wrapping (Chinese characters take two
 * columns and may break anywhere, other words break at spaces), abbreviating
 * addresses, and choosing table column widths. Pure: the width is given by
 * the caller (cli/width.ts decides it); null everywhere means "the full,
 * stable layout", which pipes and files get.
 */
import { displayWidth, stripAnsi } from './text.ts';

/** A styled cell: the escapes that open it, its plain text, the escapes that close it. */
function splitStyle(s: string): { pre: string; text: string; post: string } {
  const m = /^((?:\u001b\[[0-9;]*m)*)([\s\S]*?)((?:\u001b\[[0-9;]*m)*)$/.exec(s);
  if (!m) return { pre: '', text: s, post: '' };
  return { pre: m[1], text: stripAnsi(m[2]), post: m[3] };
}

function isWideChar(ch: string): boolean {
  return displayWidth(ch) === 2;
}

/** Break points: runs of spaces separate words; each wide (CJK) character is a word of its own, with the punctuation around it. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  const push = (): void => {
    if (cur !== '') out.push(cur);
    cur = '';
  };
  for (const ch of line) {
    if (ch === ' ') {
      push();
      out.push(' ');
    } else if (OPENING.includes(ch)) {
      push();
      cur = ch;
    } else if (CLOSING.includes(ch)) {
      // A closing mark stays with what it closes.
      if (cur === '' && out.length > 0 && out[out.length - 1] !== ' ') out[out.length - 1] += ch;
      else cur += ch;
      if (isWideChar(ch)) push();
    } else if (isWideChar(ch)) {
      if (cur !== '' && !OPENING.includes(cur[cur.length - 1])) push();
      cur += ch;
      push();
    } else {
      cur += ch;
    }
  }
  push();
  // `12 µs`, `240 s`, `100 B` stay on one line.
  for (let i = out.length - 1; i >= 2; i--) {
    if (out[i - 1] === ' ' && UNITS.has(out[i].replace(/[,;:)），；：]+$/, '')) && /\d$/.test(out[i - 2])) out.splice(i - 2, 3, `${out[i - 2]} ${out[i]}`);
  }
  return out;
}

const UNITS = new Set(['s', 'ms', 'µs', 'ns', 'B', 'KB', 'MB', 'GB', 'KiB', 'MiB', 'GiB']);

const OPENING = '（【《“‘';
const CLOSING = '，。；：、）】》”’,.;:)';

/**
 * Plain text wrapped to `width` columns: at spaces and between Chinese
 * characters, a word wider than the width cut. Existing line breaks are
 * kept. `indent` starts every line after the first (and counts in its width).
 */
export function wrapText(s: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  const indentW = displayWidth(indent);
  for (const para of s.split('\n')) {
    let cur = '';
    let curW = 0;
    let pendingSpace = false;
    const room = (): number => Math.max(2, width - (lines.length > 0 ? indentW : 0));
    const flush = (): void => {
      lines.push((lines.length > 0 ? indent : '') + cur);
      cur = '';
      curW = 0;
      pendingSpace = false;
    };
    const add = (word: string, w: number): void => {
      const gap = pendingSpace && cur !== '' ? 1 : 0;
      if (cur !== '' && curW + gap + w > room()) flush();
      else if (gap) {
        cur += ' ';
        curW++;
      }
      pendingSpace = false;
      cur += word;
      curW += w;
    };
    for (const tk of tokens(para)) {
      if (tk === ' ') {
        pendingSpace = true;
        continue;
      }
      const tw = displayWidth(tk);
      if (tw <= room()) {
        add(tk, tw);
        continue;
      }
      // Wider than a line: cut, filling the current line first.
      let first = true;
      for (const ch of tk) {
        const cw = displayWidth(ch);
        if (first) {
          add(ch, cw);
          first = false;
        } else if (curW + cw > room()) {
          flush();
          cur = ch;
          curW = cw;
        } else {
          cur += ch;
          curW += cw;
        }
      }
    }
    flush();
  }
  return lines;
}

/** A table cell (possibly coloured as a whole, possibly of several lines) wrapped to `width`, each line styled as the cell was. */
export function wrapCell(s: string, width: number): string {
  const { pre, text, post } = splitStyle(s);
  return text.split('\n').flatMap((l) => wrapText(l, width)).map((l) => (pre + l + post)).join('\n');
}

/**
 * `[2001:db8:85a3::8a2e:370:7334]:443` in `width` columns: the start and the
 * end of the address with `…` between, the port whole (what tells two
 * connections of one host apart). IPv4 endpoints (at most 21 columns) and
 * any that fit are unchanged.
 */
export function abbreviateEndpoint(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  const m = /^(\[?)(.*?)(\]?:\d+)$/.exec(s);
  if (!m) return s;
  const [, open, ip, tail] = m;
  const room = width - open.length - tail.length - 1;
  if (room < 4) return s;
  const head = Math.ceil(room / 2);
  return `${open}${ip.slice(0, head)}…${ip.slice(ip.length - (room - head))}${tail}`;
}

/** The widest line of a text, in columns. */
export function textWidth(s: string): number {
  let w = 0;
  for (const line of s.split('\n')) w = Math.max(w, displayWidth(line));
  return w;
}

/** The widest unbreakable piece of a text (what it cannot be narrower than without cutting words). */
export function longestWord(s: string): number {
  let w = 0;
  for (const line of stripAnsi(s).split('\n')) for (const tk of tokens(line)) if (tk !== ' ') w = Math.max(w, displayWidth(tk));
  return w;
}

/** A column to fit: the width it wants and the least it can take. */
export interface FitColumn {
  natural: number;
  min: number;
}

/** Columns a cli-table3 table takes for content widths `widths`: a border before each column and after the last, a space each side of each cell. */
export function tableWidth(widths: readonly number[]): number {
  return widths.reduce((n, w) => n + w + 3, 1);
}

/**
 * Content widths for columns given in priority order (most important
 * first), to fit a table in `width` terminal columns. Columns are kept while
 * their least widths fit (when `drop`; else all are kept); the room left
 * goes to the kept columns toward their natural widths, first to those that
 * gain a line the most from it (in priority order). Returns, for each
 * column, its width or null when dropped.
 */
export function fitColumns(cols: readonly FitColumn[], width: number, drop = true): (number | null)[] {
  const out: (number | null)[] = cols.map(() => null);
  let used = 1;
  for (let i = 0; i < cols.length; i++) {
    const need = cols[i].min + 3;
    if (i > 0 && drop && used + need > width) continue;
    out[i] = cols[i].min;
    used += need;
  }
  let room = width - used;
  // Grow toward natural widths, the columns that need least first (an
  // address a few columns short is then shown whole), ties in priority order.
  const order = cols.map((_, i) => i).filter((i) => out[i] !== null)
    .sort((a, b) => (cols[a].natural - (out[a] as number)) - (cols[b].natural - (out[b] as number)) || a - b);
  for (const i of order) {
    if (room <= 0) break;
    const w = out[i] as number;
    const grow = Math.min(room, cols[i].natural - w);
    if (grow > 0) {
      out[i] = w + grow;
      room -= grow;
    }
  }
  return out;
}

/**
 * A table's head and rows (cells as the full layout has them) fitted to
 * content widths `widths` (null: column left out): every cell wrapped, and
 * `shorten(i, cell, width)` given first a chance to abbreviate a cell
 * (addresses) instead.
 */
export function fitCells(
  head: readonly string[], rows: readonly (readonly string[])[], widths: readonly (number | null)[],
  shorten: (i: number, cell: string, width: number) => string = (_i, c) => c,
): { head: string[]; rows: string[][]; widths: number[] } {
  const keep = widths.flatMap((w, i) => (w === null ? [] : [i]));
  const cell = (i: number, s: string): string => wrapCell(shorten(i, s, widths[i] as number), widths[i] as number);
  return {
    head: keep.map((i) => cell(i, head[i])),
    rows: rows.map((r) => keep.map((i) => cell(i, r[i]))),
    widths: keep.map((i) => widths[i] as number),
  };
}
