/**
 * Options every command shares: their commander values, their checks, and
 * what they resolve to (settings, language, selection, limits).
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_INFLATE_LIMITS, type InflateLimits } from '../capture/source.ts';
import { isOsPreset, makeSettings, OS_PRESETS } from '../report/settings.ts';
import type { Settings } from '../report/types.ts';
import { isLang, type Lang, langFromEnv } from '../render/i18n.ts';
import { parseFilter, type Predicate } from './filter.ts';
import { parseRatio, parseSize, UsageError } from './util.ts';
import { resolveWidth } from './width.ts';

/** Options every command takes (commander's parsed values). */
export interface CommonOptions {
  msl?: string;
  os?: string;
  stream?: string;
  filter?: string;
  failOn?: string;
  lang?: string;
  color: boolean;
  quiet?: boolean;
  output?: string;
  maxConnections?: string;
  jobs?: string;
  maxInflate?: string;
  maxInflateRatio?: string;
  /** --width N, --wide (cli/width.ts). */
  width?: string;
  wide?: boolean;
}

/**
 * Default --max-connections: connections linger 2MSL after they close, and
 * the table must not grow with the file. Measured: 93 000 lingering
 * connections peak at 222 MB (one thread, NDJSON), about 2 KB each with the
 * tracker's and V8's overhead; the analysis's goal of 150 MB would take
 * about half this many (see README, Performance).
 */
export const DEFAULT_MAX_CONNECTIONS = 100_000;

export interface Common {
  settings: Settings;
  lang: Lang;
  stream: number | null;
  filter: Predicate | null;
  failOn: Predicate | null;
  quiet: boolean;
  output: string | null;
  /** Colour on stdout: a terminal, no --output, no --no-color, no NO_COLOR. */
  color: boolean;
  /** stderr is a terminal and --quiet is off: progress bar allowed. */
  progress: boolean;
  maxConnections: number;
  /** Worker threads for several captures (--jobs; default: the number of CPUs). */
  jobs: number;
  /** --max-inflate, --max-inflate-ratio. */
  inflate: InflateLimits;
  /** Terminal columns the human output is fitted to; null: the full layout (cli/width.ts). */
  width: number | null;
  /** The options as given, for worker threads to resolve again. */
  options: CommonOptions;
}

export function resolveCommon(o: CommonOptions): Common {
  let msl: number | undefined;
  if (o.msl !== undefined) {
    msl = Number(o.msl);
    if (!(msl > 0) || !Number.isFinite(msl)) throw new UsageError(`--msl: expected a positive number of seconds, got '${o.msl}'`);
  }
  const os = o.os ?? 'rfc';
  if (!isOsPreset(os)) throw new UsageError(`--os: expected one of ${OS_PRESETS.join(', ')}, got '${o.os}'`);
  let stream: number | null = null;
  if (o.stream !== undefined) {
    if (!/^\d+$/.test(o.stream)) throw new UsageError(`--stream: expected a stream number (Wireshark's tcp.stream), got '${o.stream}'`);
    stream = Number(o.stream);
  }
  const lang = o.lang ?? langFromEnv();
  if (!isLang(lang)) throw new UsageError(`--lang: expected en or zh, got '${o.lang}'`);
  const output = o.output ?? null;
  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  if (o.maxConnections !== undefined) {
    if (!/^\d+$/.test(o.maxConnections) || Number(o.maxConnections) < 1) throw new UsageError(`--max-connections: expected a positive whole number, got '${o.maxConnections}'`);
    maxConnections = Number(o.maxConnections);
  }
  let jobs = availableParallelism();
  if (o.jobs !== undefined) {
    if (!/^\d+$/.test(o.jobs) || Number(o.jobs) < 1) throw new UsageError(`--jobs: expected a whole number >= 1, got '${o.jobs}'`);
    jobs = Number(o.jobs);
  }
  const inflate: InflateLimits = {
    maxBytes: o.maxInflate === undefined ? DEFAULT_INFLATE_LIMITS.maxBytes : parseSize('--max-inflate', o.maxInflate),
    maxRatio: o.maxInflateRatio === undefined ? DEFAULT_INFLATE_LIMITS.maxRatio : parseRatio('--max-inflate-ratio', o.maxInflateRatio),
  };
  return {
    maxConnections,
    jobs,
    inflate,
    options: { ...o },
    width: resolveWidth(o, output !== null),
    settings: makeSettings(msl === undefined ? { os } : { os, msl }),
    lang, stream,
    filter: o.filter !== undefined ? parseFilter(o.filter, '--filter') : null,
    failOn: o.failOn !== undefined ? parseFilter(o.failOn, '--fail-on') : null,
    quiet: o.quiet ?? false,
    output,
    color: colorWanted(o.color, output === null && process.stdout.isTTY === true),
    progress: !(o.quiet ?? false) && process.stderr.isTTY === true,
  };
}

/** Colour only on a terminal; `--no-color` and a non-empty NO_COLOR turn it off; FORCE_COLOR (not 0) turns it on. */
export function colorWanted(flag: boolean, tty: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return tty;
}

/** A connection is shown when it is the --stream asked for and matches --filter. */
export function selector(c: Common): Predicate {
  const { stream, filter } = c;
  return (r) => (stream === null || r.stream === stream) && (filter === null || filter(r));
}
