/**
 * One measurement of the benchmark: a command run in a child process, its
 * wall time, and its CPU time and peak RSS from /usr/bin/time (or /proc
 * polling when it is missing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerResult } from './worker.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Run {
  ok: boolean;
  error?: string;
  wallS: number;
  cpuS: number | null;
  rssMb: number | null;
  worker?: WorkerResult;
}

export interface Tool {
  name: string;
  label: string;
  argv: (file: string) => string[];
  /** Node child printing a WorkerResult line on stdout (otherwise stdout goes to /dev/null). */
  worker: boolean;
  /** One of ours: a failure fails the benchmark. */
  ours: boolean;
}

const TIME = '/usr/bin/time';
export const haveTime = existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
const CLK_TCK = 100;

/** Peak RSS and CPU of a running process from /proc, for when /usr/bin/time is missing. */
function pollProc(pid: number, acc: { rssKb: number; cpuTicks: number }): void {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    if (m) acc.rssKb = Math.max(acc.rssKb, Number(m[1]));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    acc.cpuTicks = Math.max(acc.cpuTicks, Number(fields[11]) + Number(fields[12]));
  } catch {
    // gone already
  }
}

/** Run `tool` on `file` once (`extraNodeArgs` go to a Node child before its script). */
export function measure(tool: Tool, file: string, scratch: string, extraNodeArgs: string[] = []): Promise<Run> {
  let argv = tool.argv(file);
  if (extraNodeArgs.length > 0 && argv[0] === process.execPath) argv = [argv[0], ...extraNodeArgs, ...argv.slice(1)];
  return measureArgv(argv, scratch, { worker: tool.worker });
}

let measured = 0;

/**
 * Run `argv` once: wall time, and CPU time and peak RSS from /usr/bin/time
 * (or /proc polling). `worker`: a Node child printing a WorkerResult line on
 * stdout; else stdout goes to `stdoutTo` (default /dev/null). Several may
 * run at once.
 */
export function measureArgv(argv: string[], scratch: string, opts: { worker?: boolean; stdoutTo?: string } = {}): Promise<Run> {
  const worker = opts.worker === true;
  const timeOut = join(scratch, `time-${process.pid}-${++measured}.out`);
  const full = haveTime ? [TIME, '-o', timeOut, '-f', '%U %S %M', ...argv] : argv;
  const devnull = worker ? 'pipe' : openSync(opts.stdoutTo ?? '/dev/null', 'w');
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { cwd: ROOT, stdio: ['ignore', devnull, 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
    const acc = { rssKb: 0, cpuTicks: 0 };
    const poll = haveTime ? null : setInterval(() => pollProc(child.pid ?? 0, acc), 20);
    let wallS = 0;
    let code: number | null = null;
    let failed: Error | null = null;
    child.on('error', (e) => { failed = e; });
    child.on('exit', (c) => {
      wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      code = c;
      if (poll) clearInterval(poll);
    });
    child.on('close', () => {
      if (typeof devnull === 'number') closeSync(devnull);
      const run: Run = { ok: code === 0 && failed === null, wallS, cpuS: null, rssMb: null };
      if (haveTime && existsSync(timeOut)) {
        const lines = readFileSync(timeOut, 'utf8').trim().split('\n');
        const [u, s, m] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        if (Number.isFinite(u) && Number.isFinite(s) && Number.isFinite(m)) {
          run.cpuS = u + s;
          run.rssMb = m / 1024;
        }
        rmSync(timeOut, { force: true });
      } else if (acc.rssKb > 0) {
        run.cpuS = acc.cpuTicks / CLK_TCK;
        run.rssMb = acc.rssKb / 1024;
      }
      if (worker && run.ok) {
        try {
          const w = JSON.parse(stdout.trim().split('\n').pop() ?? '') as WorkerResult;
          run.worker = w;
          if (run.cpuS === null) run.cpuS = (w.userMs + w.sysMs) / 1000;
          if (run.rssMb === null) run.rssMb = w.maxRssKb / 1024;
        } catch {
          run.ok = false;
          run.error = `no result line from the worker: ${stdout.slice(0, 200)}`;
        }
      }
      if (!run.ok && run.error === undefined) {
        const msg = failed !== null ? (failed as Error).message : `exit ${code}`;
        run.error = `${msg}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      }
      done(run);
    });
  });
}
