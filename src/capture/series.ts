/**
 * A rotation series read as one capture. tcpdump cuts a long capture into
 * files: `-C` by size (`tap.pcap`, `tap.pcap1`, `tap.pcap2`...; with `-W`
 * the numbers are padded, `tap.pcap00`, and wrap around), `-G` by time
 * (`-w 'tap-%Y%m%d-%H%M%S.pcap'`: strftime names, `-C` numbers appended
 * when both are given), `-z gzip` adding `.gz`. Read in time order as one
 * stream of frames, a connection that crosses a file boundary is one
 * connection and frame numbers count across the series (the frame within
 * its file is known from `SeriesFile.firstFrame`).
 *
 * Which files form a series: those of one `-C` numbering (found by name,
 * always), those matching a `-G` pattern given by the user, or all given
 * (`--series`). Their order is the time of each file's first frame (a
 * `-W` ring's numbers do not say it), then the name. Gaps and overlaps are
 * warnings: a file of a `-C` numbering or a `-G` schedule missing, a file
 * starting before the previous one ended.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FilePath } from './files.ts';
import { collator } from './files.ts';
import { CaptureError, type CaptureWarning, type Frame } from './frame.ts';
import { openCapture } from './open.ts';
import { type CaptureSummary, type ReadOptions, readFrames, readFramesFrom } from './source.ts';

/** A file of a series, as given. */
export interface SeriesPart {
  name: string;
  path: FilePath;
  within?: Buffer | null;
}

/** How a series was recognised. */
export type SeriesKind = 'size' | 'time' | 'given';

/** A file of a series once read. */
export interface SeriesFile {
  file: string;
  /** Series frame number of its first frame (its frame k is series frame firstFrame + k - 1); null when it has none. */
  firstFrame: number | null;
  frames: number;
  /** Time of its first and last frame (ISO 8601 from the frames' seconds and nanoseconds), null without frames. */
  firstTime: { sec: number; nsec: number } | null;
  lastTime: { sec: number; nsec: number } | null;
  /** Sub-second digits of its first frame's time. */
  tsDigits: number;
}

/** A group of inputs: one capture, or a series of files read as one. */
export type Grouped<T extends SeriesPart> = { input: T; series: null } | { input: T; series: { kind: SeriesKind; parts: T[] } };

/** `tap.pcap7`, `tap.pcap.gz` -> base `tap.pcap` (+ `.gz`), number 7 (null: the first file, no number). */
export function sizeRotation(name: string): { base: string; n: number | null; digits: number } | null {
  const m = /^(.*\.(?:pcap|pcapng|cap))(\d*)(\.gz)?$/i.exec(name);
  if (m === null) return null;
  return { base: m[1] + (m[3] ?? ''), n: m[2] === '' ? null : Number(m[2]), digits: m[2].length };
}

/** Fields of strftime that tcpdump -G names use, as regular expressions; null: not a time field here. */
const FIELDS: Record<string, string> = {
  Y: '(?<Y>\\d{4})', y: '(?<y>\\d{2})', m: '(?<m>\\d{2})', d: '(?<d>\\d{2})', e: '(?<d>[ \\d]\\d)', H: '(?<H>\\d{2})',
  M: '(?<M>\\d{2})', S: '(?<S>\\d{2})', j: '(?<j>\\d{3})', s: '(?<s>\\d+)', F: '(?<Y>\\d{4})-(?<m>\\d{2})-(?<d>\\d{2})',
  T: '(?<H>\\d{2}):(?<M>\\d{2}):(?<S>\\d{2})', b: '[A-Za-z]{3}', h: '[A-Za-z]{3}', a: '[A-Za-z]{3}', A: '[A-Za-z]+', B: '[A-Za-z]+',
  Z: '[A-Za-z]+', z: '[+-]\\d{4}', '%': '%',
};

/**
 * A `-G` file name pattern (tcpdump's `-w`, strftime) as a matcher: the
 * time a name stands for, in seconds since the epoch read as UTC (for the
 * order and the schedule only; the frames' own times are the capture's),
 * or null when the name does not match. `-C` numbers after it and `.gz`
 * are allowed. Only the base name of the pattern and of the files count.
 */
export function timePattern(pattern: string): (name: string) => number | null {
  let re = '';
  const p = basename(pattern);
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '%' && i + 1 < p.length) {
      const f = FIELDS[p[++i]];
      if (f === undefined) throw new Error(`--series-pattern: %${p[i]} is not supported (use %Y %m %d %H %M %S %j %s %y %F %T...)`);
      re += f;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // a name uses each field once: the names of repeated groups are made unique
  const seen = new Map<string, number>();
  re = re.replace(/\(\?<(\w)>/g, (_m, k: string) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? `(?<${k}>` : `(?:`;
  });
  const matcher = new RegExp(`^${re}(\\d*)(\\.gz)?$`);
  return (name) => {
    const m = matcher.exec(basename(name));
    if (m === null) return null;
    const g = m.groups ?? {};
    if (g.s !== undefined) return Number(g.s);
    const year = g.Y !== undefined ? Number(g.Y) : g.y !== undefined ? 2000 + Number(g.y) : 1970;
    const day0 = g.j !== undefined ? Date.UTC(year, 0, 1) / 1000 + (Number(g.j) - 1) * 86400 : Date.UTC(year, Number(g.m ?? 1) - 1, Number(g.d ?? 1)) / 1000;
    return day0 + Number(g.H ?? 0) * 3600 + Number(g.M ?? 0) * 60 + Number(g.S ?? 0);
  };
}

/**
 * Inputs grouped into captures: with `all`, every file is one series; else
 * the files of one `-C` numbering (two or more, one of them numbered) are
 * one, and with `pattern` the files whose names match it are one. A group
 * stands where its first file was given; each file is in one group.
 */
export function groupInputs<T extends SeriesPart>(inputs: readonly T[], opts: { all?: boolean; pattern?: string | null } = {}): Grouped<T>[] {
  if (opts.all === true && inputs.length > 0) return [{ input: inputs[0], series: { kind: 'given', parts: [...inputs] } }];
  const groupOf = new Map<number, { kind: SeriesKind; members: number[] }>();
  const matches = opts.pattern ? timePattern(opts.pattern) : null;
  if (matches !== null) {
    const members = inputs.flatMap((f, i) => (f.name !== '-' && matches(f.name) !== null ? [i] : []));
    if (members.length > 0) {
      const g = { kind: 'time' as const, members };
      for (const i of members) groupOf.set(i, g);
    }
  }
  const bySize = new Map<string, number[]>();
  inputs.forEach((f, i) => {
    if (groupOf.has(i) || f.name === '-') return;
    const r = sizeRotation(f.name);
    if (r === null) return;
    const list = bySize.get(r.base);
    if (list) list.push(i);
    else bySize.set(r.base, [i]);
  });
  for (const members of bySize.values()) {
    if (members.length < 2 || members.every((i) => sizeRotation(inputs[i].name)?.n === null)) continue;
    const g = { kind: 'size' as const, members };
    for (const i of members) groupOf.set(i, g);
  }
  const out: Grouped<T>[] = [];
  const done = new Set<object>();
  inputs.forEach((f, i) => {
    const g = groupOf.get(i);
    if (g === undefined) out.push({ input: f, series: null });
    else if (!done.has(g)) {
      done.add(g);
      out.push({ input: f, series: { kind: g.kind, parts: g.members.map((k) => inputs[k]) } });
    }
  });
  return out;
}

/** What a series' name says of its place: the -C number, the -G time, or nothing (name order). */
function nameRank(kind: SeriesKind, name: string, pattern: string | null): number {
  if (kind === 'size') return sizeRotation(name)?.n ?? -1;
  if (kind === 'time' && pattern !== null) return timePattern(pattern)(name) ?? 0;
  return 0;
}

/** Bytes read to find a capture's first frame (gzip included); more only when it lies beyond. */
const PROBE_BYTES = 256 * 1024;

/**
 * Time of a capture's first frame, or null when it has none, is not a
 * regular file (a FIFO can be read only once: by the read proper), or
 * cannot be read (the read proper reports why). Reads PROBE_BYTES, not
 * the file.
 */
export async function firstFrameTime(part: SeriesPart, opts: Pick<ReadOptions, 'inflate'> = {}): Promise<{ sec: number; nsec: number } | null> {
  try {
    if (part.path === '-' || !(await stat(part.path)).isFile()) return null;
  } catch {
    return null;
  }
  let t: { sec: number; nsec: number } | null = null;
  const stop = new AbortController();
  const onFrame = (f: Frame): void => {
    if (t !== null) return;
    t = { sec: f.tsSec, nsec: f.tsNsec };
    stop.abort('first frame');
  };
  let whole = false;
  try {
    const fh = await openCapture(part.path, part.within ?? null);
    let head: Uint8Array;
    try {
      const buf = Buffer.allocUnsafe(PROBE_BYTES);
      const { bytesRead } = await fh.read(buf, 0, PROBE_BYTES, 0);
      head = buf.subarray(0, bytesRead);
      whole = bytesRead < PROBE_BYTES;
    } finally {
      await fh.close();
    }
    await readFramesFrom((async function* () {
      yield head;
    })(), part.name, onFrame, { ...opts, signal: stop.signal });
    if (t !== null || whole) return t;
    // the first frame lies beyond the probe (a pcapng with large blocks before it): read on
    await readFrames(part.path, onFrame, { ...opts, within: part.within ?? null, signal: stop.signal });
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
  }
  return t;
}

const before = (a: { sec: number; nsec: number }, b: { sec: number; nsec: number }): boolean => a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
const seconds = (a: { sec: number; nsec: number }, b: { sec: number; nsec: number }): number => (b.sec - a.sec) + (b.nsec - a.nsec) / 1e9;

/**
 * The parts in the order they are read: by the time of their first frame,
 * then by what their names say (number, time, name); files without a frame
 * come last.
 */
export async function orderSeries<T extends SeriesPart>(
  kind: SeriesKind, parts: readonly T[], pattern: string | null, opts: Pick<ReadOptions, 'inflate'> = {},
): Promise<{ part: T; first: { sec: number; nsec: number } | null }[]> {
  const timed = [];
  for (const part of parts) timed.push({ part, first: await firstFrameTime(part, opts), rank: nameRank(kind, part.name, pattern) });
  timed.sort((a, b) => {
    if (a.first === null || b.first === null) return (a.first === null ? 1 : 0) - (b.first === null ? 1 : 0) || a.rank - b.rank || collator.compare(a.part.name, b.part.name);
    if (before(a.first, b.first)) return -1;
    if (before(b.first, a.first)) return 1;
    return a.rank - b.rank || collator.compare(a.part.name, b.part.name);
  });
  return timed.map(({ part, first }) => ({ part, first }));
}

/** Files a name schedule says are missing: -C numbers not given, -G times with no file. */
export function missingFromNames(kind: SeriesKind, names: readonly string[], pattern: string | null): string[] {
  if (kind === 'size') {
    const rs = names.map(sizeRotation).filter((r) => r !== null);
    if (rs.length === 0) return [];
    const base = rs[0].base;
    const digits = Math.max(...rs.map((r) => r.digits));
    const have = new Set(rs.map((r) => r.n ?? 0));
    const max = Math.max(...have);
    // tcpdump's unpadded numbering starts at the bare name (0), then 1, 2...; padded (-W) at 0...0
    const gz = base.endsWith('.gz');
    const stem = gz ? base.slice(0, -3) : base;
    const out: string[] = [];
    for (let n = 0; n <= max; n++) {
      if (have.has(n)) continue;
      const num = digits > 0 && rs.some((r) => r.n === null) ? (n === 0 ? '' : String(n)) : String(n).padStart(digits, '0');
      out.push(stem + num + (gz ? '.gz' : ''));
    }
    return out;
  }
  if (kind === 'time' && pattern !== null) {
    const at = timePattern(pattern);
    const times = [...new Set(names.map((n) => at(n)).filter((t) => t !== null))].sort((a, b) => a - b);
    if (times.length < 3) return [];
    // the schedule: the most common step between consecutive names
    const steps = new Map<number, number>();
    for (let i = 1; i < times.length; i++) steps.set(times[i] - times[i - 1], (steps.get(times[i] - times[i - 1]) ?? 0) + 1);
    const step = [...steps].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    if (step <= 0) return [];
    const out: string[] = [];
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      if (gap >= 2 * step) {
        out.push(`${Math.round(gap / step - 1)} interval(s) of ${step} s without a file between ${new Date(times[i - 1] * 1000).toISOString()} and ` +
          `${new Date(times[i] * 1000).toISOString()} (by the names: files missing, or nothing captured then, as tcpdump -G opens a file only for a packet)`);
      }
    }
    return out;
  }
  return [];
}

/** What readSeries read: a summary as of one capture, each file's place, and the warnings about the series itself. */
export interface SeriesSummary {
  summary: CaptureSummary;
  files: SeriesFile[];
}

/**
 * Read the parts (in the order given: orderSeries) as one capture: `onFrame`
 * gets every frame with its number counted across the series. Each part's
 * warnings come with the series frame number, its byte offset in that file
 * and its name in the message; a part that cannot be read at all stops the
 * series with a CaptureError naming it. `missing` (what missingFromNames
 * found, said as warnings) and overlaps in time between consecutive files
 * are warnings too. `files` is
 * filled as the parts are read (a file is there from before its first
 * frame: locateFrame can be asked while reading).
 */
export async function readSeries(
  parts: readonly SeriesPart[], onFrame: (f: Frame) => void, opts: ReadOptions = {}, missing: readonly string[] = [],
  files: SeriesFile[] = [],
): Promise<SeriesSummary> {
  let base = 0;
  const warnings: CaptureWarning[] = [];
  const linkTypes: number[] = [];
  let format: CaptureSummary['format'] | null = null;
  let compression: CaptureSummary['compression'] = null;
  let tsDigits = 0;
  let bytes = 0;
  let prev: SeriesFile | null = null;
  for (const note of missing) warnings.push({ frame: 1, offset: 0, skippedBytes: 0, message: `series: ${note}` });
  for (const part of parts) {
    if (opts.signal?.aborted) break;
    const offset = base;
    // in `files` before its first frame: locateFrame finds frames of the file being read
    const file: SeriesFile = { file: part.name, firstFrame: null, frames: 0, firstTime: null, lastTime: null, tsDigits: 6 };
    files.push(file);
    let lastSec = 0;
    let lastNsec = 0;
    const each = (f: Frame): void => {
      if (file.firstFrame === null) {
        file.firstFrame = offset + 1;
        file.firstTime = { sec: f.tsSec, nsec: f.tsNsec };
        file.tsDigits = f.tsDigits;
      }
      file.frames++;
      lastSec = f.tsSec;
      lastNsec = f.tsNsec;
      f.number += offset;
      onFrame(f);
    };
    let s: CaptureSummary;
    try {
      s = await readFrames(part.path, each, { ...opts, within: part.within ?? null });
    } catch (e) {
      if (e instanceof CaptureError) throw new CaptureError(`${part.name}: ${e.message}`, e.frame + offset, e.offset);
      throw e;
    }
    if (file.frames > 0) file.lastTime = { sec: lastSec, nsec: lastNsec };
    if (prev !== null && prev.lastTime !== null && file.firstTime !== null && before(file.firstTime, prev.lastTime)) {
      warnings.push({
        frame: offset + 1, offset: 0, skippedBytes: 0,
        message: `series: ${part.name} starts ${seconds(file.firstTime, prev.lastTime).toFixed(6)} s before ${prev.file} ends (the files overlap; frames are read file after file)`,
      });
    }
    for (const w of s.warnings) warnings.push({ ...w, frame: w.frame + offset, message: `${part.name} frame ${w.frame}: ${w.message}` });
    format ??= s.format;
    compression ??= s.compression;
    tsDigits = Math.max(tsDigits, s.tsDigits);
    bytes += s.bytes;
    for (const l of s.linkTypes) if (!linkTypes.includes(l)) linkTypes.push(l);
    if (file.frames > 0) prev = file;
    base += file.frames;
  }
  return {
    summary: { file: parts[0]?.name ?? '', format: format ?? 'pcap', compression, tsDigits, frames: base, bytes, linkTypes, warnings },
    files,
  };
}

/** Where a series frame is: its file and its frame within that file (`files` in the order read). */
export function locateFrame(files: readonly SeriesFile[], frame: number): { file: string; frame: number } | null {
  let lo = 0;
  let hi = files.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = files[mid];
    // a file without frames sits where the count stood when it was read
    const first = f.firstFrame ?? firstAfter(files, mid);
    if (frame < first) hi = mid - 1;
    else if (frame >= first + f.frames) lo = mid + 1;
    else return { file: f.file, frame: frame - first + 1 };
  }
  return null;
}

function firstAfter(files: readonly SeriesFile[], i: number): number {
  for (let k = i - 1; k >= 0; k--) {
    const f = files[k];
    if (f.firstFrame !== null) return f.firstFrame + f.frames;
  }
  return 1;
}
