/** Text forms of times and addresses used in reports. */

/**
 * ISO 8601 UTC time with `digits` fractional digits, from integer seconds
 * and nanoseconds (no float on the way: a float cannot hold nanoseconds of
 * an epoch time).
 */
export function isoTime(sec: number, nsec: number, digits: number): string {
  // A report names the same few moments several times (a frame's time in a
  // transition, a copy, a TIME_WAIT entry): recently made texts are reused.
  const k = (nsec ^ Math.imul(sec | 0, 0x9e3779b1) ^ digits) & (TIME_CACHE - 1);
  if (timeSec[k] === sec && timeNsec[k] === nsec && timeDigits[k] === digits) return timeText[k];
  // A capture's times fall in few seconds: build the date part once per second.
  const s = sec & (SECOND_CACHE - 1);
  const base = baseSec[s] === sec ? baseText[s] : secondText(sec);
  const n = digits < 0 ? 0 : digits > 9 ? 9 : digits;
  const text = n === 0 ? base + 'Z' : `${base}.${fraction(nsec, n)}Z`;
  timeSec[k] = sec;
  timeNsec[k] = nsec;
  timeDigits[k] = digits;
  timeText[k] = text;
  return text;
}

const TIME_CACHE = 1024;
const timeSec = new Float64Array(TIME_CACHE).fill(NaN);
const timeNsec = new Float64Array(TIME_CACHE).fill(NaN);
const timeDigits = new Float64Array(TIME_CACHE).fill(NaN);
const timeText: string[] = new Array<string>(TIME_CACHE).fill('');

/**
 * Date parts by second, direct-mapped: a report names the seconds of several
 * connections open at once (one cached second flipped back and forth
 * between neighbours, 50 MB of garbage on the benchmark capture).
 */
const SECOND_CACHE = 64;
const baseSec = new Float64Array(SECOND_CACHE).fill(NaN);
const baseText: string[] = new Array<string>(SECOND_CACHE).fill('');

/** Nanoseconds as `n` digits (leading zeros kept, truncated, not rounded). */
function fraction(nsec: number, n: number): string {
  let s = String(nsec);
  if (s.length < 9) s = '000000000'.slice(s.length) + s;
  return s.length === n ? s : s.slice(0, n);
}

function secondText(sec: number): string {
  const days = Math.floor(sec / 86400);
  let rem = sec - days * 86400;
  const hh = Math.floor(rem / 3600);
  rem -= hh * 3600;
  const mm = Math.floor(rem / 60);
  const ss = rem - mm * 60;
  const [y, mo, d] = civilFromDays(days);
  // ISO 8601 expanded years (sign and 6 digits) outside 0000-9999: some
  // captures carry garbage timestamps far beyond what Date can show.
  const year = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  const text = `${year}-${p2(mo)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(ss)}`;
  const s = sec & (SECOND_CACHE - 1);
  baseSec[s] = sec;
  baseText[s] = text;
  return text;
}

function p2(x: number): string {
  return x < 10 ? `0${x}` : String(x);
}

/** Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's days_from_civil inverse). */
function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

const IP_CACHE = 1024;
const ipAddr = new Uint32Array(IP_CACHE);
const ipTextOf: string[] = new Array<string>(IP_CACHE).fill('');

/** IPv4 dotted quad from word 0, or IPv6 text (RFC 5952) from the four words. */
export function ipText(version: 4 | 6, w: Uint32Array): string {
  if (version === 4) {
    // Direct-mapped by address: servers, and clients with several connections, come back.
    const a = w[0];
    const k = (Math.imul(a, 0x9e3779b1) >>> 22) & (IP_CACHE - 1);
    if (ipAddr[k] === a && ipTextOf[k] !== '') return ipTextOf[k];
    const text = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    ipAddr[k] = a;
    ipTextOf[k] = text;
    return text;
  }
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i] >>> 16, w[i] & 0xffff);
  // Longest run of zero groups (length >= 2) becomes "::" (RFC 5952 4.2).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped ::ffff:a.b.c.d
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) {
    const a = w[3];
    return `::ffff:${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const hex = (x: number): string => x.toString(16);
  if (best < 0) return g.map(hex).join(':');
  return g.slice(0, best).map(hex).join(':') + '::' + g.slice(best + bestLen).map(hex).join(':');
}
