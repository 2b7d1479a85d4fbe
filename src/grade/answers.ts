/**
 * `--answers answers.csv`: what each student claimed, checked against their
 * own capture. One row per student, a header naming the columns (any order,
 * case-insensitive; empty cell = not answered):
 *
 *   student                 the student id (as in the gradebook)
 *   stream                  the connection the answers are about (default: the graded one)
 *   active_closer           client, server, or its address (192.0.2.1 or 192.0.2.1:40000)
 *   passive_closer          idem
 *   x, y, u, v, w           the textbook numbers, absolute or relative (both are accepted)
 *   handshake, close        three-way...; four-way, three-way, simultaneous, reset...
 *   wave1_active ... wave4_passive   the state of the active / passive closer after each wave
 *   time_wait_side          who entered TIME_WAIT: client, server, both, none, or the address
 *   time_wait_seconds       2MSL with the rubric's OS preset (60 for Linux); `60`, `60 s`, `1 min`
 *   time_wait_observed      how long TIME_WAIT was seen to last (1 % or 1 ms tolerance)
 *   fin_retransmissions     how many FIN copies were retransmitted
 */
import { readFile } from 'node:fs/promises';
import type { StateName } from '../report/types.ts';
import { duration } from '../render/text.ts';
import type { AnswerKey, Fact } from './types.ts';

export const ANSWER_FIELDS = [
  'active_closer', 'passive_closer', 'x', 'y', 'u', 'v', 'w', 'handshake', 'close',
  'wave1_active', 'wave1_passive', 'wave2_active', 'wave2_passive', 'wave3_active', 'wave3_passive', 'wave4_active', 'wave4_passive',
  'time_wait_side', 'time_wait_seconds', 'time_wait_observed', 'fin_retransmissions',
] as const;
export type AnswerField = (typeof ANSWER_FIELDS)[number];

const STUDENT_COLUMNS = ['student', 'student_id', 'id'];

export interface AnswerRow {
  student: string;
  stream: number | null;
  /** Row number in the file (1 = header). */
  line: number;
  values: Partial<Record<AnswerField, string>>;
}

export interface AnswerResult {
  field: AnswerField;
  given: string;
  /** The value the capture shows, as text; null if it does not show it. */
  correct: string | null;
  /** true right, false wrong, null the capture does not tell. */
  right: boolean | null;
  /** Where the correct value comes from. */
  why: Fact;
}

export class AnswersError extends Error {}

/** RFC 4180 CSV (comma or semicolon, quotes, CRLF or LF), BOM stripped. */
export function parseCsv(text: string): string[][] {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = !firstLine.includes(',') && firstLine.includes(';') ? ';' : firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === sep) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

export function parseAnswers(text: string, source: string): Map<string, AnswerRow> {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new AnswersError(`${source}: empty answers file`);
  const header = rows[0].map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const studentCol = header.findIndex((h) => STUDENT_COLUMNS.includes(h));
  if (studentCol < 0) throw new AnswersError(`${source}: no student column (expected one named ${STUDENT_COLUMNS.join(' or ')})`);
  const problems: string[] = [];
  header.forEach((h, i) => {
    if (i === studentCol || h === 'stream' || h === '' || (ANSWER_FIELDS as readonly string[]).includes(h)) return;
    problems.push(`column ${i + 1} '${rows[0][i]}': unknown; expected student, stream, ${ANSWER_FIELDS.join(', ')}`);
  });
  const out = new Map<string, AnswerRow>();
  rows.slice(1).forEach((r, k) => {
    const line = k + 2;
    const student = (r[studentCol] ?? '').trim();
    if (!student) {
      problems.push(`line ${line}: no student id`);
      return;
    }
    if (out.has(student)) {
      problems.push(`line ${line}: student '${student}' already answered on line ${out.get(student)?.line}`);
      return;
    }
    const values: AnswerRow['values'] = {};
    let stream: number | null = null;
    header.forEach((h, i) => {
      const v = (r[i] ?? '').trim();
      if (v === '' || i === studentCol) return;
      if (h === 'stream') {
        if (/^\d+$/.test(v)) stream = Number(v);
        else problems.push(`line ${line}: stream '${v}' is not a stream number`);
      } else if ((ANSWER_FIELDS as readonly string[]).includes(h)) values[h as AnswerField] = v;
    });
    out.set(student, { student, stream, line, values });
  });
  if (problems.length) throw new AnswersError(`${source}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return out;
}

export async function loadAnswers(path: string): Promise<Map<string, AnswerRow>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AnswersError(`--answers: cannot read ${path}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  return parseAnswers(text, path);
}

function normState(s: string): string {
  return s.toUpperCase().replace(/[\s_-]+/g, '');
}

/** A number of seconds from `60`, `60s`, `60 s`, `1 min`, `500 ms`, `2 minutes`. */
export function parseSeconds(s: string): number | null {
  const m = /^([0-9]*\.?[0-9]+)\s*(s|sec|secs|seconds?|ms|milliseconds?|min|mins|minutes?|秒|分钟|毫秒)?$/i.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const u = (m[2] ?? 's').toLowerCase();
  if (u === 'ms' || u.startsWith('milli') || u === '毫秒') return n / 1000;
  if (u.startsWith('min') || u === '分钟') return n * 60;
  return n;
}

function parseSeq(s: string): number | null {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  return null;
}

/** `192.0.2.1:40000`, `[2001:db8::1]:443`, `192.0.2.1`, `2001:db8::1`. */
function splitAddress(s: string): { ip: string; port: number | null } {
  const t = s.trim();
  const v6 = /^\[(.+)\]:(\d+)$/.exec(t);
  if (v6) return { ip: v6[1].toLowerCase(), port: Number(v6[2]) };
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(t);
  if (v4) return { ip: v4[1], port: Number(v4[2]) };
  return { ip: t.toLowerCase(), port: null };
}

/** Does the answer name this side: `client`, `server`, 客户端, 服务器, or its address (with or without port)? */
function namesSide(given: string, side: 'client' | 'server' | 'both' | null, address: string | null): boolean {
  const g = given.trim().toLowerCase();
  if (side === null) return g === 'none' || g === '-' || g === '无';
  if (g === side || (side === 'client' && g === '客户端') || (side === 'server' && g === '服务器') || (side === 'both' && g === '双方')) return true;
  if (address === null) return false;
  const a = splitAddress(given);
  const b = splitAddress(address);
  return a.ip === b.ip && (a.port === null || a.port === b.port);
}

const fact = (key: string, params: Record<string, string | number> = {}): Fact => ({ key, params });
const WAVE: Record<string, { n: number; role: 'active' | 'passive' }> = {};
for (let n = 1; n <= 4; n++) {
  WAVE[`wave${n}_active`] = { n, role: 'active' };
  WAVE[`wave${n}_passive`] = { n, role: 'passive' };
}

/** Check one student's answers against the key of their graded connection. */
export function checkAnswers(row: AnswerRow, key: AnswerKey | null, settings: { os: string; msl: number }): AnswerResult[] {
  const out: AnswerResult[] = [];
  for (const field of ANSWER_FIELDS) {
    const given = row.values[field];
    if (given === undefined) continue;
    const res = (correct: string | null, right: boolean | null, why: Fact): void => {
      out.push({ field, given, correct, right, why });
    };
    if (key === null) {
      res(null, null, fact('why.notInCapture'));
      continue;
    }
    switch (field) {
      case 'active_closer':
      case 'passive_closer': {
        const active = field === 'active_closer';
        // A simultaneous close has two active closers and no passive one.
        const side = key.activeCloser === null || key.activeCloser === 'both'
          ? (active ? key.activeCloser : null)
          : active ? key.activeCloser : key.activeCloser === 'client' ? 'server' : 'client';
        const addr = active ? key.activeCloserAddress : key.passiveCloserAddress;
        const correct = side === null ? 'none' : addr ? `${side} ${addr}` : side;
        const frame = key.u?.frame;
        res(correct, namesSide(given, side, addr), frame != null ? fact('why.closerFrame', { frame }) : fact('why.stream', { stream: key.stream }));
        break;
      }
      case 'x':
      case 'y':
      case 'u':
      case 'v':
      case 'w': {
        const k = key[field];
        if (k === null) {
          res(null, null, fact('why.notInCapture'));
          break;
        }
        const n = parseSeq(given);
        const correct = `${k.seq} (relative ${k.relative})`;
        res(correct, n !== null && (n === k.seq || n === k.relative), k.frame !== null ? fact('why.frame', { frame: k.frame }) : fact('why.stream', { stream: key.stream }));
        break;
      }
      case 'handshake':
      case 'close': {
        const v = key[field];
        res(v, given.trim().toLowerCase().replace(/[\s_]+/g, '-') === v, fact('why.stream', { stream: key.stream }));
        break;
      }
      case 'time_wait_side': {
        const s = key.timeWaitSide;
        const correct = s === null ? 'none' : key.timeWaitAddress ? `${s} ${key.timeWaitAddress}` : s;
        res(correct, namesSide(given, s, key.timeWaitAddress), fact('why.stream', { stream: key.stream }));
        break;
      }
      case 'time_wait_seconds': {
        const n = parseSeconds(given);
        const tw = key.timeWaitSeconds;
        res(`${tw} s`, n !== null && Math.abs(n - tw) <= tw * 0.01, fact('why.tw', { os: settings.os, msl: settings.msl }));
        break;
      }
      case 'time_wait_observed': {
        const obs = key.timeWaitObservedSeconds;
        if (obs === null) {
          res(null, null, fact('why.notInCapture'));
          break;
        }
        const n = parseSeconds(given);
        res(duration(obs), n !== null && Math.abs(n - obs) <= Math.max(obs * 0.01, 0.001), fact('why.stream', { stream: key.stream }));
        break;
      }
      case 'fin_retransmissions': {
        const n = /^\d+$/.test(given.trim()) ? Number(given.trim()) : null;
        res(String(key.finRetransmissions), n === key.finRetransmissions, fact('why.stream', { stream: key.stream }));
        break;
      }
      default: {
        const w = WAVE[field];
        const wave = key.waves[w.n - 1];
        if (!wave) {
          res(null, null, fact('why.notInCapture'));
          break;
        }
        const state: StateName = wave[w.role];
        res(state, normState(given) === normState(state), fact('why.wave', { n: w.n, frame: wave.frame }));
      }
    }
  }
  return out;
}
