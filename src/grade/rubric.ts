/**
 * Reading and validating rubrics. A rubric is a JSON or YAML document
 * (YAML needs the `yaml` package); every mistake is reported with its path,
 * all at once:
 *
 *   criteria[2].check.all[1].close: 'fourway' is not a close kind (expected four-way, three-way, ...)
 *   criteria[0].pionts: unknown field (did you mean 'points'?)
 *
 * Built-in rubrics (src/grade/rubrics) are used by name: `--rubric lifecycle-lab`.
 */
import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { compileFilter } from '../report/filter.ts';
import { isOsPreset, OS_PRESETS } from '../report/settings.ts';
import { CLOSE_KINDS, HANDSHAKE_KINDS, RESET_CAUSES, type StateName } from '../report/types.ts';
import { STATE_NAMES } from '../tcp/state.ts';
import { BUILTIN_RUBRICS } from './rubrics/index.ts';
import type { Check, Criterion, Pick, Role, Rubric, Selection, Text } from './types.ts';

export class RubricError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the rubric:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'RubricError';
  }
}

const HANDSHAKE = HANDSHAKE_KINDS;
const CLOSE = CLOSE_KINDS;
const CLOSERS = ['client', 'server', 'both', 'none'] as const;
const TW_WHO = ['client', 'server', 'active-closer', 'passive-closer', 'both', 'none', 'any'] as const;
const VERDICTS = ['full', 'cut-short', 'inconclusive', 'none'] as const;
const CAUSES = RESET_CAUSES;
const ROLES = ['client', 'server', 'active-closer', 'passive-closer'] as const;
const PICKS = ['best', 'any', 'every'] as const;
const DAMAGED = ['zero', 'grade'] as const;

/** The check keys and what each takes (for messages and for suggestions). */
export const CHECK_KEYS = [
  'all', 'any', 'not', 'handshake', 'close', 'activeCloser', 'timeWait', 'timeWaitVerdict', 'finRetransmissions',
  'synRetransmissions', 'halfClose', 'reset', 'port', 'clientPort', 'serverPort', 'host', 'clientHost', 'serverHost',
  'capturedBetween', 'finalState', 'states', 'reuse', 'closeAcks', 'filter',
] as const;

const TOP_KEYS = ['name', 'title', 'os', 'msl', 'damaged', 'connection', 'criteria'] as const;
const CRITERION_KEYS = ['id', 'points', 'description', 'connection', 'check'] as const;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string '${v}'`;
  return `${typeof v} ${String(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

function suggest(word: string, choices: readonly string[]): string {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of choices) {
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== null && bestD <= (word.length >= 4 ? 2 : 1) && bestD < word.length ? ` (did you mean '${best}'?)` : '';
}

class Validator {
  readonly problems: string[] = [];

  fail(path: string, msg: string): void {
    this.problems.push(`${path || '(top)'}: ${msg}`);
  }

  fields(path: string, o: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(join(path, k), `unknown field${suggest(k, allowed)}; expected ${allowed.join(', ')}`);
    }
  }

  string(path: string, v: unknown): string | null {
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.fail(path, `expected a non-empty string, got ${typeOf(v)}`);
    return null;
  }

  text(path: string, v: unknown): Text | null {
    if (typeof v === 'string' && v.trim() !== '') return { en: v, zh: v };
    if (isObject(v)) {
      this.fields(path, v, ['en', 'zh']);
      const en = v.en === undefined ? undefined : this.string(join(path, 'en'), v.en);
      const zh = v.zh === undefined ? undefined : this.string(join(path, 'zh'), v.zh);
      if (en === undefined && zh === undefined) {
        this.fail(path, 'expected en and/or zh');
        return null;
      }
      if (en === null || zh === null) return null;
      return { en: en ?? zh ?? '', zh: zh ?? en ?? '' };
    }
    this.fail(path, `expected a string or {en, zh}, got ${typeOf(v)}`);
    return null;
  }

  /** One value or a list of values, each from `choices`. */
  oneOrMore<T extends string>(path: string, v: unknown, choices: readonly T[], what: string): T[] | null {
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) {
      this.fail(path, `expected ${what} or a list of them, got an empty list`);
      return null;
    }
    const out: T[] = [];
    let ok = true;
    list.forEach((x, i) => {
      const p = Array.isArray(v) ? `${path}[${i}]` : path;
      if (typeof x === 'string' && (choices as readonly string[]).includes(x)) out.push(x as T);
      else {
        ok = false;
        this.fail(p, typeof x === 'string'
          ? `'${x}' is not ${what}${suggest(x, choices)}; expected one of ${choices.join(', ')}`
          : `expected ${what} (${choices.join(', ')}), got ${typeOf(x)}`);
      }
    });
    return ok ? out : null;
  }

  ports(path: string, v: unknown): number[] | null {
    const list = Array.isArray(v) ? v : [v];
    let ok = list.length > 0;
    if (!ok) this.fail(path, 'expected a port or a list of ports, got an empty list');
    list.forEach((x, i) => {
      if (!(typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535)) {
        ok = false;
        this.fail(Array.isArray(v) ? `${path}[${i}]` : path, `expected a port number 0-65535, got ${typeOf(x)}`);
      }
    });
    return ok ? (list as number[]) : null;
  }

  hosts(path: string, v: unknown): string[] | null {
    const list = Array.isArray(v) ? v : [v];
    let ok = list.length > 0;
    if (!ok) this.fail(path, 'expected an address or a list of addresses, got an empty list');
    list.forEach((x, i) => {
      const p = Array.isArray(v) ? `${path}[${i}]` : path;
      if (typeof x !== 'string' || !hostPattern(x)) {
        ok = false;
        this.fail(p, `expected an IPv4 or IPv6 address or prefix (192.0.2.1, 10.0.0.0/8, 2001:db8::/32), got ${typeOf(x)}`);
      }
    });
    return ok ? (list as string[]) : null;
  }

  range(path: string, o: Record<string, unknown>, extra: readonly string[]): { min?: number; max?: number } | null {
    let ok = true;
    const out: { min?: number; max?: number } = {};
    for (const k of ['min', 'max'] as const) {
      if (o[k] === undefined) continue;
      const x = o[k];
      if (typeof x === 'number' && Number.isInteger(x) && x >= 0) out[k] = x;
      else {
        ok = false;
        this.fail(join(path, k), `expected a whole number >= 0, got ${typeOf(x)}`);
      }
    }
    this.fields(path, o, ['min', 'max', ...extra]);
    if (out.min === undefined && out.max === undefined) {
      ok = false;
      this.fail(path, 'expected min and/or max');
    }
    return ok ? out : null;
  }

  time(path: string, v: unknown): string | null {
    if (typeof v === 'string' && parseTime(v) !== null) return v;
    if (v instanceof Date) return v.toISOString();
    this.fail(path, `expected a date or time (2025-03-14, 2025-03-14T09:00:00+08:00), got ${typeOf(v)}`);
    return null;
  }

  selection(path: string, v: unknown, dflt: Selection): Selection | null {
    if (v === undefined) return dflt;
    if (typeof v === 'string') {
      const p = this.oneOrMore(path, v, PICKS, 'a connection choice');
      return p ? { pick: p[0], filter: null } : null;
    }
    if (isObject(v)) {
      this.fields(path, v, ['pick', 'filter']);
      let pick: Pick = 'best';
      if (v.pick !== undefined) {
        const p = this.oneOrMore(join(path, 'pick'), v.pick, PICKS, 'a connection choice');
        if (!p || Array.isArray(v.pick)) {
          if (p) this.fail(join(path, 'pick'), 'expected one of best, any, every, not a list');
          return null;
        }
        pick = p[0];
      }
      let filter: string | null = null;
      if (v.filter !== undefined) {
        filter = this.filter(join(path, 'filter'), v.filter);
        if (filter === null) return null;
      }
      return { pick, filter };
    }
    this.fail(path, `expected best, any, every or {filter, pick}, got ${typeOf(v)}`);
    return null;
  }

  filter(path: string, v: unknown): string | null {
    const s = this.string(path, v);
    if (s === null) return null;
    try {
      compileFilter(s);
      return s;
    } catch (e) {
      this.fail(path, `bad filter expression: ${(e as Error).message}`);
      return null;
    }
  }

  states(path: string, v: unknown): StateName[] | null {
    const norm = (x: unknown): unknown => (typeof x === 'string' ? x.toUpperCase().replace(/-/g, '_') : x);
    return this.oneOrMore(path, Array.isArray(v) ? v.map(norm) : norm(v), STATE_NAMES, 'a state name');
  }

  check(path: string, v: unknown): Check | null {
    if (!isObject(v)) {
      this.fail(path, `expected a check (an object with one of ${CHECK_KEYS.join(', ')}), got ${typeOf(v)}`);
      return null;
    }
    const keys = Object.keys(v);
    if (keys.length !== 1) {
      this.fail(path, keys.length === 0
        ? `empty check; expected one of ${CHECK_KEYS.join(', ')}`
        : `a check has exactly one key, got ${keys.join(', ')} (combine them with all: [...])`);
      return null;
    }
    const k = keys[0];
    const p = join(path, k);
    const x = v[k];
    switch (k) {
      case 'all':
      case 'any': {
        if (!Array.isArray(x) || x.length === 0) {
          this.fail(p, `expected a non-empty list of checks, got ${typeOf(x)}`);
          return null;
        }
        const subs = x.map((c, i) => this.check(`${p}[${i}]`, c));
        if (subs.some((s) => s === null)) return null;
        return k === 'all' ? { all: subs as Check[] } : { any: subs as Check[] };
      }
      case 'not': {
        const sub = this.check(p, x);
        return sub ? { not: sub } : null;
      }
      case 'handshake': {
        const l = this.oneOrMore(p, x, HANDSHAKE, 'a handshake kind');
        return l ? { handshake: l } : null;
      }
      case 'close': {
        const l = this.oneOrMore(p, x, CLOSE, 'a close kind');
        return l ? { close: l } : null;
      }
      case 'activeCloser': {
        const l = this.oneOrMore(p, x, CLOSERS, 'an active closer');
        return l ? { activeCloser: l } : null;
      }
      case 'timeWait': {
        const l = this.oneOrMore(p, x, TW_WHO, 'a TIME_WAIT endpoint');
        return l ? { timeWait: l } : null;
      }
      case 'timeWaitVerdict': {
        const l = this.oneOrMore(p, x, VERDICTS, 'a TIME_WAIT verdict');
        return l ? { timeWaitVerdict: l } : null;
      }
      case 'finRetransmissions':
      case 'synRetransmissions': {
        if (!isObject(x)) {
          this.fail(p, `expected {min, max, side}, got ${typeOf(x)}`);
          return null;
        }
        const r = this.range(p, x, ['side']);
        let side: string | undefined;
        if (x.side !== undefined) {
          const l = this.oneOrMore(join(p, 'side'), x.side, k === 'finRetransmissions' ? ROLES : (['client', 'server'] as const), 'a side');
          if (!l) return null;
          side = l[0];
        }
        if (!r) return null;
        const out = side === undefined ? r : { ...r, side };
        return (k === 'finRetransmissions' ? { finRetransmissions: out } : { synRetransmissions: out }) as Check;
      }
      case 'halfClose': {
        if (typeof x === 'boolean') return { halfClose: x };
        const l = this.oneOrMore(p, x, ROLES, 'a side');
        if (l && Array.isArray(x)) {
          this.fail(p, 'expected true, false or one side, not a list');
          return null;
        }
        return l ? { halfClose: l[0] } : null;
      }
      case 'reset': {
        if (typeof x === 'boolean') return { reset: x };
        const l = this.oneOrMore(p, x, CAUSES, 'a reset cause (or true/false)');
        return l ? { reset: l } : null;
      }
      case 'port':
      case 'clientPort':
      case 'serverPort': {
        const l = this.ports(p, x);
        return l ? ({ [k]: l } as Check) : null;
      }
      case 'host':
      case 'clientHost':
      case 'serverHost': {
        const l = this.hosts(p, x);
        return l ? ({ [k]: l } as Check) : null;
      }
      case 'capturedBetween': {
        if (!isObject(x)) {
          this.fail(p, `expected {from, to}, got ${typeOf(x)}`);
          return null;
        }
        this.fields(p, x, ['from', 'to']);
        const from = x.from === undefined ? null : this.time(join(p, 'from'), x.from);
        const to = x.to === undefined ? null : this.time(join(p, 'to'), x.to);
        if (x.from === undefined && x.to === undefined) {
          this.fail(p, 'expected from and/or to');
          return null;
        }
        if ((x.from !== undefined && from === null) || (x.to !== undefined && to === null)) return null;
        if (from !== null && to !== null && (parseTime(from) ?? 0) > (parseTime(to) ?? 0)) {
          this.fail(p, `from (${from}) is after to (${to})`);
          return null;
        }
        return { capturedBetween: { from, to } };
      }
      case 'finalState': {
        if (!isObject(x)) {
          this.fail(p, `expected {client, server, active-closer, passive-closer: STATE or [STATE...]}, got ${typeOf(x)}`);
          return null;
        }
        this.fields(p, x, ROLES);
        const out: Partial<Record<Role, StateName[]>> = {};
        let ok = Object.keys(x).length > 0;
        if (!ok) this.fail(p, 'expected at least one of client, server, active-closer, passive-closer');
        for (const r of ROLES) {
          if (x[r] === undefined) continue;
          const l = this.states(join(p, r), x[r]);
          if (l) out[r] = l;
          else ok = false;
        }
        return ok ? { finalState: out } : null;
      }
      case 'states': {
        if (!isObject(x)) {
          this.fail(p, `expected {side, sequence}, got ${typeOf(x)}`);
          return null;
        }
        this.fields(p, x, ['side', 'sequence']);
        const side = this.oneOrMore(join(p, 'side'), x.side, ROLES, 'a side');
        if (!Array.isArray(x.sequence) || x.sequence.length === 0) {
          this.fail(join(p, 'sequence'), `expected a non-empty list of state names, got ${typeOf(x.sequence)}`);
          return null;
        }
        const seq = this.states(join(p, 'sequence'), x.sequence);
        return side && seq ? { states: { side: side[0], sequence: seq } } : null;
      }
      case 'reuse':
      case 'closeAcks': {
        if (typeof x !== 'boolean') {
          this.fail(p, `expected true or false, got ${typeOf(x)}`);
          return null;
        }
        return (k === 'reuse' ? { reuse: x } : { closeAcks: x });
      }
      case 'filter': {
        const f = this.filter(p, x);
        return f === null ? null : { filter: f };
      }
      default:
        this.fail(p, `unknown check${suggest(k, CHECK_KEYS)}; expected one of ${CHECK_KEYS.join(', ')}`);
        return null;
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** `192.0.2.1`, `10.0.0.0/8`, `2001:db8::/32`. */
function hostPattern(s: string): boolean {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (len === undefined) return true;
  if (!/^\d+$/.test(len)) return false;
  return Number(len) <= (v === 4 ? 32 : 128);
}

/** A BlockList matching the given addresses and prefixes. */
export function hostMatcher(hosts: readonly string[]): (ip: string) => boolean {
  const bl = new BlockList();
  for (const h of hosts) {
    const [addr, len] = h.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (len === undefined) bl.addAddress(addr, type);
    else bl.addSubnet(addr, Number(len), type);
  }
  return (ip) => {
    const v = isIP(ip);
    return v !== 0 && bl.check(ip, v === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Milliseconds since the epoch of a rubric date or time: `2025-03-14` (the
 * whole day, UTC: `from` is its start), `2025-03-14T09:00`, with `Z` or an
 * offset. Null if not a time.
 */
export function parseTime(s: string): number | null {
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(s)) return null;
  let iso = s.replace(' ', 'T');
  if (/^\d{4}-\d\d-\d\d$/.test(iso)) iso += 'T00:00:00Z';
  else if (!/(Z|[+-]\d\d:?\d\d)$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** `to` given as a bare date means the end of that day. */
export function parseTimeEnd(s: string): number | null {
  const ms = parseTime(s);
  if (ms === null) return null;
  return /^\d{4}-\d\d-\d\d$/.test(s) ? ms + 86_400_000 : ms;
}

/** Validate a parsed rubric document. Throws RubricError listing every mistake. */
export function parseRubric(doc: unknown, source = 'rubric'): Rubric {
  const v = new Validator();
  if (!isObject(doc)) {
    throw new RubricError(source, [`(top): expected an object with ${TOP_KEYS.join(', ')}, got ${typeOf(doc)}`]);
  }
  v.fields('', doc, TOP_KEYS);
  const name = doc.name === undefined ? source : v.string('name', doc.name) ?? source;
  const title = doc.title === undefined ? { en: name, zh: name } : v.text('title', doc.title) ?? { en: name, zh: name };
  let os = 'linux' as Rubric['os'];
  if (doc.os !== undefined) {
    if (typeof doc.os === 'string' && isOsPreset(doc.os)) os = doc.os;
    else v.fail('os', `expected one of ${OS_PRESETS.join(', ')}, got ${typeOf(doc.os)}`);
  }
  let msl: number | null = null;
  if (doc.msl !== undefined) {
    if (typeof doc.msl === 'number' && doc.msl > 0 && Number.isFinite(doc.msl)) msl = doc.msl;
    else v.fail('msl', `expected a positive number of seconds, got ${typeOf(doc.msl)}`);
  }
  let damaged: Rubric['damaged'] = 'zero';
  if (doc.damaged !== undefined) damaged = v.oneOrMore('damaged', doc.damaged, DAMAGED, 'a damage policy')?.[0] ?? 'zero';
  const dflt = v.selection('connection', doc.connection, { pick: 'best', filter: null }) ?? { pick: 'best', filter: null };
  const criteria: Criterion[] = [];
  if (!Array.isArray(doc.criteria) || doc.criteria.length === 0) {
    v.fail('criteria', `expected a non-empty list of criteria, got ${doc.criteria === undefined ? 'nothing' : typeOf(doc.criteria)}`);
  } else {
    const seen = new Map<string, number>();
    doc.criteria.forEach((c, i) => {
      const p = `criteria[${i}]`;
      if (!isObject(c)) {
        v.fail(p, `expected a criterion {${CRITERION_KEYS.join(', ')}}, got ${typeOf(c)}`);
        return;
      }
      v.fields(p, c, CRITERION_KEYS);
      const id = v.string(`${p}.id`, c.id);
      if (id !== null) {
        if (!/^[A-Za-z0-9_.-]+$/.test(id)) v.fail(`${p}.id`, `'${id}': use letters, digits, '-', '_' and '.' only (it is a column name)`);
        const prev = seen.get(id);
        if (prev !== undefined) v.fail(`${p}.id`, `'${id}' is already the id of criteria[${prev}]`);
        else seen.set(id, i);
      }
      let points: number | null = null;
      if (typeof c.points === 'number' && Number.isFinite(c.points) && c.points >= 0) points = c.points;
      else v.fail(`${p}.points`, `expected a number >= 0, got ${c.points === undefined ? 'nothing' : typeOf(c.points)}`);
      const description = c.description === undefined ? (v.fail(`${p}.description`, 'missing (the text students see, {en, zh})'), null) : v.text(`${p}.description`, c.description);
      const select = v.selection(`${p}.connection`, c.connection, dflt);
      const check = c.check === undefined ? (v.fail(`${p}.check`, 'missing'), null) : v.check(`${p}.check`, c.check);
      if (id !== null && points !== null && description && select && check) criteria.push({ id, points, description, select, check });
    });
  }
  if (v.problems.length) throw new RubricError(source, v.problems);
  return { name, title, os, msl, damaged, criteria };
}

interface YamlModule {
  parse(src: string, opts?: object): unknown;
}

/** Parse rubric text: JSON, or YAML when `yaml` says so (needs the yaml package). */
export async function parseRubricText(text: string, source: string, yaml: boolean): Promise<Rubric> {
  let doc: unknown;
  if (!yaml) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new RubricError(source, [`not valid JSON: ${(e as Error).message}`]);
    }
  } else {
    let mod: YamlModule;
    try {
      const name = 'yaml';
      mod = (await import(name)) as YamlModule;
    } catch {
      throw new RubricError(source, ["YAML rubrics need the 'yaml' package (npm install yaml); JSON rubrics work without it"]);
    }
    try {
      doc = mod.parse(text, { prettyErrors: true });
    } catch (e) {
      throw new RubricError(source, [`not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
    }
  }
  return parseRubric(doc, source);
}

/** A built-in rubric by name, or a .json/.yaml/.yml file. */
export async function loadRubric(nameOrPath: string): Promise<Rubric> {
  if (Object.hasOwn(BUILTIN_RUBRICS, nameOrPath)) return parseRubric(BUILTIN_RUBRICS[nameOrPath], nameOrPath);
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const names = Object.keys(BUILTIN_RUBRICS).join(', ');
    throw new RubricError(nameOrPath, [code === 'ENOENT'
      ? `no such file, and not a built-in rubric (built-in: ${names})`
      : `cannot read: ${code ?? (e as Error).message}`]);
  }
  const yaml = /\.ya?ml$/i.test(nameOrPath) || (!/\.json$/i.test(nameOrPath) && !/^\s*[{[]/.test(text));
  return parseRubricText(text, nameOrPath, yaml);
}
