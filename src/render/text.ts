/** Small text helpers shared by the renderers: durations, addresses, times, colour. */
import type { EndpointAddress } from '../report/types.ts';

/** `192.0.2.1:40000`, `[2001:db8::1]:443` (as Wireshark and ss write IPv6 with a port). */
export function endpointText(a: EndpointAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/**
 * A duration for people: `60 s`, `61.742 s`, `619 ms`, `14 µs`, `0 s`.
 * Exact values are in the JSON; this is for the table and notes.
 */
export function duration(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a >= 1) return `${trim(s.toFixed(3))} s`;
  if (a >= 1e-3) return `${trim((s * 1e3).toFixed(3))} ms`;
  if (a >= 1e-6) return `${trim((s * 1e6).toFixed(3))} µs`;
  return `${trim((s * 1e9).toFixed(0))} ns`;
}

function trim(x: string): string {
  return x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x;
}

/** Integer seconds and nanoseconds of an ISO 8601 UTC time of the report (no float on the way). */
export function parseIso(iso: string): { sec: number; nsec: number } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!m) throw new RangeError(`not an ISO time: ${iso}`);
  const sec = Date.parse(`${m[1]}Z`) / 1000;
  const nsec = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  return { sec, nsec };
}

/** Fractional digits of an ISO time of the report (6 for µs captures, 9 for ns). */
export function isoDigits(iso: string): number {
  const m = /\.(\d+)Z$/.exec(iso);
  return m ? m[1].length : 0;
}

/** Seconds from a to b, exact to the nanosecond before the final division. */
export function secondsFrom(a: { sec: number; nsec: number }, b: { sec: number; nsec: number }): number {
  return (b.sec - a.sec) + (b.nsec - a.nsec) / 1e9;
}

/** Seconds from a to b as text with `digits` decimals, computed on integers. */
export function relTime(a: { sec: number; nsec: number }, b: { sec: number; nsec: number }, digits: number): string {
  let ns = BigInt(b.sec - a.sec) * 1_000_000_000n + BigInt(b.nsec - a.nsec);
  const neg = ns < 0n;
  if (neg) ns = -ns;
  const whole = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, Math.max(0, Math.min(9, digits)));
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** ANSI styles; identity functions when colour is off. */
export interface Palette {
  on: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

export function palette(on: boolean): Palette {
  const wrap = (a: number, b: number) => (s: string): string => (on && s !== '' ? `\u001b[${a}m${s}\u001b[${b}m` : s);
  return {
    on,
    bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39),
    yellow: wrap(33, 39), blue: wrap(34, 39), magenta: wrap(35, 39), cyan: wrap(36, 39),
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * Columns a string takes in a terminal: CJK and fullwidth characters take two
 * (so Chinese labels line up), combining marks none, ANSI codes none.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of stripAnsi(s)) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 32) continue;
    if (c >= 0x300 && c <= 0x36f) continue;
    w += isWide(c) ? 2 : 1;
  }
  return w;
}

function isWide(c: number): boolean {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
}

/** Pad on the right to `width` terminal columns. */
export function padEnd(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** Pad on the left to `width` terminal columns. */
export function padStart(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}
