import { readFileSync } from 'node:fs';

/** A mistake in how tcpscope was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

let cachedVersion: string | undefined;

/** The package version, read from package.json next to src/ or dist/src/. */
export function version(): string {
  if (cachedVersion) return cachedVersion;
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tcpscope' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // try the next location
    }
  }
  return (cachedVersion = '0.0.0');
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };

/** A size option: `512M`, `16G`, `1.5GiB`, `4096` (bytes); units are powers of 1024. */
export function parseSize(flag: string, s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) throw new UsageError(`${flag}: expected a size like 512M, 16G or 1048576 (bytes), got '${s}'`);
  return Math.floor(Number(m[1]) * unit);
}

/** A ratio option: a number of at least 1. */
export function parseRatio(flag: string, s: string): number {
  const v = Number(s);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(s) || !(v >= 1)) throw new UsageError(`${flag}: expected a number of at least 1, got '${s}'`);
  return v;
}

/** Seconds, more than 0: `30`, `2.5`. */
export function parseSeconds(flag: string, s: string): number {
  const v = Number(s);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(s) || !(v > 0)) throw new UsageError(`${flag}: expected a number of seconds more than 0, got '${s}'`);
  return v;
}

/** `30s`, `2m`, `1h`, `500ms`, `1.5` (seconds) -> milliseconds. */
export function parseDuration(s: string, flag = '--duration'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration like 30s, 2m, 1h or 500ms, got '${s}'`);
  const v = Number(m[1]) * ({ ms: 1, s: 1000, m: 60000, h: 3600000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']);
  if (!(v > 0)) throw new UsageError(`${flag}: must be more than 0, got '${s}'`);
  return v;
}
