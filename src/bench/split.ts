/**
 * The benchmark's split section: the capture cut into parts (as `editcap
 * -c` would), each part scanned and analysed by `tcpscope part` in its own
 * process, by one worker (one process at a time) and by two (two at a
 * time), then merged; the merged NDJSON must equal `tcpscope analyze
 * -f ndjson` of the whole. Reports each step's wall and CPU time, the
 * speed-up of two workers, the merge's cost, and what N machines would take
 * on paper (each part on its own machine: the slowest scan, the slowest
 * part, the merge; copying files not counted).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { measureArgv, type Run } from './measure.ts';
import { mdTable } from './table.ts';

export interface SplitBenchOptions {
  /** The capture (a classic pcap, as the generator writes). */
  file: string;
  parts: number;
  /** The command that runs tcpscope (node, tsx, main.ts). */
  tcpscope: string[];
  scratch: string;
  /** Wall seconds of `analyze -f ndjson` of the whole in this run, if measured. */
  wholeWallS: number | null;
  log: (m: string) => void;
}

export interface SplitBenchResult {
  lines: string[];
  failures: number;
}

/** Run `argv` (a step of ours: its failure ends the section) with its stdout to `stdoutTo`. */
async function run(argv: string[], stdoutTo: string | null, dir: string): Promise<Run> {
  const r = await measureArgv(argv, dir, stdoutTo === null ? {} : { stdoutTo });
  if (!r.ok) throw new Error(`${argv.slice(-6).join(' ')}: ${r.error ?? 'failed'}`);
  return r;
}

/** Run `jobs` with at most `workers` at a time; the wall time of the whole. */
async function pool(jobs: (() => Promise<Run>)[], workers: number): Promise<{ wallS: number; jobs: Run[] }> {
  const t0 = performance.now();
  const done: Run[] = new Array<Run>(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      done[i] = await jobs[i]();
    }
  }));
  return { wallS: (performance.now() - t0) / 1000, jobs: done };
}

/** Cut a classic pcap into `n` files of about the same number of records. */
function cutPcap(file: string, n: number, dir: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(24);
    readSync(fd, head, 0, 24, 0);
    const magic = head.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    // First pass: the offsets of the records.
    const offsets: number[] = [];
    const rec = Buffer.alloc(16);
    let at = 24;
    for (;;) {
      if (readSync(fd, rec, 0, 16, at) < 16) break;
      offsets.push(at);
      at += 16 + (le ? rec.readUInt32LE(8) : rec.readUInt32BE(8));
    }
    offsets.push(at);
    const records = offsets.length - 1;
    const paths: string[] = [];
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let i = 0; i < n; i++) {
      const a = offsets[Math.floor((records * i) / n)];
      const z = offsets[Math.floor((records * (i + 1)) / n)];
      const p = join(dir, `part${i}.pcap`);
      const out = openSync(p, 'w');
      writeSync(out, head);
      for (let pos = a; pos < z;) {
        const k = readSync(fd, buf, 0, Math.min(buf.length, z - pos), pos);
        writeSync(out, buf, 0, k);
        pos += k;
      }
      closeSync(out);
      paths.push(p);
    }
    return paths;
  } finally {
    closeSync(fd);
  }
}

function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

const sum = (xs: Run[], k: 'cpuS'): number | null => (xs.some((x) => x[k] === null) ? null : xs.reduce((a, x) => a + (x[k] as number), 0));
const max = (xs: Run[]): number => Math.max(...xs.map((x) => x.wallS));
const f2 = (x: number | null): string => (x === null ? '–' : x.toFixed(2));

export async function splitSection(o: SplitBenchOptions): Promise<SplitBenchResult> {
  const dir = join(o.scratch, 'split');
  const lines: string[] = [];
  let failures = 0;
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const parts = cutPcap(o.file, o.parts, dir);
    const scans = parts.map((p) => `${p}.scan`);
    const outs = parts.map((p) => `${p}.part`);
    const ts = o.tcpscope;
    const scanJobs = parts.map((p, i) => () => run([...ts, 'part', 'scan', p, '-o', scans[i]], null, dir));
    const partJobs = parts.map((p, i) => () => run([...ts, 'part', 'analyze', p, '--index', String(i), '--scans', ...scans, '-o', outs[i]], null, dir));
    const merged = join(dir, 'merged.ndjson');
    const rows: string[][] = [];
    const figures: { workers: number; scan: { wallS: number; jobs: Run[] }; part: { wallS: number; jobs: Run[] }; merge: Run }[] = [];
    for (const workers of [1, 2]) {
      o.log(`split: ${o.parts} parts, ${workers} worker${workers > 1 ? 's' : ''}: scan ...`);
      const scan = await pool(scanJobs, workers);
      o.log(`split: ${workers} worker${workers > 1 ? 's' : ''}: part analyze ...`);
      const part = await pool(partJobs, workers);
      o.log('split: merge ...');
      const merge = await run([...ts, 'merge', '--name', o.file, ...outs], merged, dir);
      figures.push({ workers, scan, part, merge });
      const total = scan.wallS + part.wallS + merge.wallS;
      rows.push([`${workers}`, f2(scan.wallS), f2(sum(scan.jobs, 'cpuS')), f2(part.wallS), f2(sum(part.jobs, 'cpuS')),
        f2(merge.wallS), f2(merge.cpuS), merge.rssMb === null ? '–' : merge.rssMb.toFixed(0), f2(total)]);
    }
    const whole = join(dir, 'whole.ndjson');
    o.log('split: analyze -f ndjson of the whole, to compare ...');
    const wholeRun = await run([...ts, 'analyze', '-q', '-f', 'ndjson', o.file], whole, dir);
    const same = md5(whole) === md5(merged);
    if (!same) failures++;
    const [one, two] = figures;
    const t1 = one.scan.wallS + one.part.wallS + one.merge.wallS;
    const t2 = two.scan.wallS + two.part.wallS + two.merge.wallS;
    const wholeS = o.wholeWallS ?? wholeRun.wallS;
    const paper = (n: number): number => {
      // Parts shared out to n machines, the slowest machine's share of scans and parts, then the merge.
      const per = Math.ceil(o.parts / n);
      const scanEach = max(one.scan.jobs);
      const partEach = max(one.part.jobs);
      return per * scanEach + per * partEach + one.merge.wallS;
    };
    lines.push('', `Split and merge: the capture cut into ${o.parts} parts, \`tcpscope part scan\` and \`part analyze\` of each in its own process, then \`tcpscope merge\` (wall and CPU seconds of each step, all parts):`, '');
    lines.push(mdTable(['Workers', 'Scan wall', 'Scan CPU', 'Parts wall', 'Parts CPU', 'Merge wall', 'Merge CPU', 'Merge RSS MB', 'Total wall'], rows,
      [true, true, true, true, true, true, true, true, true]));
    lines.push('', `Merged NDJSON ${same ? 'identical to' : 'DIFFERENT from'} \`analyze -f ndjson\` of the whole (md5). ` +
      `Two workers: ${(t1 / t2).toFixed(2)}× the speed of one; the merge is ${((100 * one.merge.wallS) / t1).toFixed(0)}% of one worker's total ` +
      `and ${(one.merge.wallS / wholeS).toFixed(2)}× the time of one \`analyze\` of the whole (${wholeS.toFixed(2)} s). ` +
      `On paper, each part on its own machine (slowest scan ${max(one.scan.jobs).toFixed(2)} s + slowest part ${max(one.part.jobs).toFixed(2)} s + merge ${one.merge.wallS.toFixed(2)} s, ` +
      `files already where they are read): ${o.parts} machines ${paper(o.parts).toFixed(1)} s, 10 machines ${paper(10).toFixed(1)} s, ` +
      `4 machines ${paper(4).toFixed(1)} s, against ${wholeS.toFixed(1)} s for one analyze.`);
  } catch (e) {
    failures++;
    lines.push('', `Split and merge: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lines, failures };
}
