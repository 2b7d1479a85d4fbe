/**
 * Live capture under load: a burst of short connections (load.ts) on the
 * loopback of a private network namespace, captured by `tcpscope live` or by
 * tcpdump alone with the arguments tcpscope gives it, its output read and
 * thrown away. Each trial gets a namespace of its own (no TIME_WAIT sockets
 * left from the one before), made and deleted with `ip netns`: root only,
 * Linux only. Used by bench.ts (drop counts and rates beside tcpdump alone)
 * and by test/live/load.test.ts.
 *
 * What a trial reports is libpcap's (received by the filter, dropped by the
 * kernel; on lo both copies of each packet count) and what tcpscope printed
 * (connections reported, drops warned about), next to what the load made.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tcpdumpArgs, tcpdumpPath } from '../live/tcpdump.ts';
import { DEFAULT_BUFFER_BYTES, DEFAULT_SNAP_LENGTH } from '../live/session.ts';
import type { LoadResult } from './load.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

/** What captures the burst: tcpdump alone, or `tcpscope live` in one of its formats. */
export type LiveTool = 'tcpdump' | 'table' | 'ndjson' | 'json';

export interface LiveTrialOptions {
  /** Name of the namespace to make (and delete) for this trial. */
  netns: string;
  tool: LiveTool;
  connections: number;
  /** Connections in flight at once (load.ts; default 64). */
  concurrency?: number;
  /** Kernel buffer of both captures, MiB (default tcpscope's, 256): a small one shows whose reader keeps up. */
  bufferMiB?: number;
  /** More `tcpscope live` arguments. */
  extraArgs?: string[];
  /** How to run tcpscope: argv before `live` (default: node with tsx on src/cli/main.ts). */
  tcpscope?: string[];
}

export interface LiveTrial {
  tool: LiveTool;
  connections: number;
  /** Connections the load completed, and how long it took (s). */
  completed: number;
  loadSeconds: number;
  /** libpcap's counters (null if the capture gave none). */
  received: number | null;
  dropped: number | null;
  /** Frames the capture delivered (tcpdump: written; tcpscope: analysed). */
  frames: number | null;
  /** Connections tcpscope reported (null for tcpdump). */
  reported: number | null;
  /** Completed connections whose client port tcpscope never reported (ndjson only; else null). */
  missing: number[] | null;
  /** tcpscope warned about drops on stderr. */
  dropsWarned: boolean;
  /** The run failed: why. */
  error: string | null;
}

/** Why live trials cannot run here, or null. */
export function liveBenchMissing(): string | null {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, capture)';
  if (tcpdumpPath() === null) return 'needs tcpdump on the PATH';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return "needs iproute2's ip netns";
  return null;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr ?? '').trim() || `exit ${r.status}`}`);
}

/** A namespace with lo up, for `fn`; deleted after, whatever happens. */
export async function withNetns<T>(name: string, fn: () => Promise<T>): Promise<T> {
  ip(['netns', 'add', name]);
  try {
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return await fn();
  } finally {
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
}

/** tcpscope from the sources (tsx), or dist/ when built and asked for. */
export function tcpscopeArgv(): string[] {
  return [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
}

interface Running {
  child: ChildProcess;
  out: string;
  err: string;
  closed: Promise<number | null>;
}

/** `ip netns exec NS argv...`, collecting stdout (unless `discard`) and stderr. */
function inNetns(ns: string, argv: string[], discard = false): Running {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Running = { child, out: '', err: '', closed: Promise.resolve(null) };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { if (!discard) r.out += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { r.err += s; });
  r.closed = new Promise((done) => child.on('close', (code) => done(code)));
  return r;
}

async function until(cond: () => boolean, r: Running, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) throw new Error(`${what} ended before it was ready: ${r.err.trim().slice(-500)}`);
    if (Date.now() - t0 > ms) throw new Error(`${what} not ready after ${ms / 1000} s`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** One burst, captured by one tool, in a namespace of its own. */
export async function liveTrial(o: LiveTrialOptions): Promise<LiveTrial> {
  const trial: LiveTrial = {
    tool: o.tool, connections: o.connections, completed: 0, loadSeconds: 0, received: null, dropped: null,
    frames: null, reported: null, missing: null, dropsWarned: false, error: null,
  };
  try {
    await withNetns(o.netns, async () => {
      const port = 20000 + Math.floor(Math.random() * 10000);
      const filter = `tcp port ${port}`;
      let cap: Running;
      if (o.tool === 'tcpdump') {
        const bin = tcpdumpPath() as string;
        const bufferBytes = o.bufferMiB !== undefined ? o.bufferMiB * 1024 * 1024 : DEFAULT_BUFFER_BYTES;
        cap = inNetns(o.netns, [bin, ...tcpdumpArgs({ iface: 'lo', filter, bufferBytes, snapLength: DEFAULT_SNAP_LENGTH })], true);
        await until(() => /listening on [^\n]*\n/.test(cap.err), cap, 'tcpdump');
      } else {
        const argv = [...(o.tcpscope ?? tcpscopeArgv()), 'live', '-i', 'lo', '--filter', filter, '--no-kernel', '-f', o.tool,
          ...(o.bufferMiB !== undefined ? ['--buffer-size', String(o.bufferMiB)] : []), ...(o.extraArgs ?? [])];
        cap = inNetns(o.netns, argv);
        await until(() => /Ctrl-C stops|"type":"started"/.test(cap.out + cap.err), cap, 'tcpscope live');
      }
      const load = inNetns(o.netns, [process.execPath, '--import', 'tsx', join(HERE, 'load.ts'), '--connections', String(o.connections), '--concurrency', String(o.concurrency ?? 64), '--port', String(port)]);
      const code = await load.closed;
      if (code !== 0) throw new Error(`load: exit ${code}: ${load.err.trim().slice(-300)}`);
      const res = JSON.parse(load.out) as LoadResult;
      trial.completed = res.completed;
      trial.loadSeconds = res.seconds;
      // What the kernel took in before the stop is the capture's (tcpscope reads its backlog first).
      cap.child.kill('SIGINT');
      const timer = setTimeout(() => cap.child.kill('SIGKILL'), 120_000);
      await cap.closed;
      clearTimeout(timer);
      readResults(o.tool, cap, res, trial);
    });
  } catch (e) {
    trial.error = e instanceof Error ? e.message : String(e);
  }
  return trial;
}

function readResults(tool: LiveTool, cap: Running, load: LoadResult, trial: LiveTrial): void {
  const num = (re: RegExp, text: string): number | null => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  trial.dropsWarned = /libpcap dropped \d+ packet/.test(cap.err);
  switch (tool) {
    case 'tcpdump':
      trial.frames = num(/(\d+) packets? captured/, cap.err);
      trial.received = num(/(\d+) packets? received by filter/, cap.err);
      trial.dropped = num(/(\d+) packets? dropped by kernel/, cap.err);
      break;
    case 'ndjson': {
      type Summary = { capture: { frames: number; connections: unknown[] }; stats: { received: number; dropped: number } | null };
      const ports = new Set<number>();
      const summaries: Summary[] = [];
      for (const line of cap.out.split('\n')) {
        if (line === '') continue;
        const e = JSON.parse(line) as { type: string; client?: { port: number } };
        if (e.type === 'opened' && e.client) ports.add(e.client.port);
        if (e.type === 'summary') summaries.push(e as unknown as Summary);
      }
      const summary = summaries[0];
      if (summary === undefined) throw new Error(`no summary: ${cap.err.trim().slice(-300)}`);
      trial.frames = summary.capture.frames;
      trial.reported = summary.capture.connections.length;
      trial.received = summary.stats?.received ?? null;
      trial.dropped = summary.stats?.dropped ?? null;
      trial.missing = load.clientPorts.filter((p) => !ports.has(p));
      break;
    }
    case 'table': {
      const m = /stopped \([^)]*\) after (\d+) frames?; libpcap: (\d+) received by the filter, (\d+) dropped/.exec(cap.out);
      if (m === null) throw new Error(`no stopped line: ${cap.err.trim().slice(-300)}`);
      trial.frames = Number(m[1]);
      trial.received = Number(m[2]);
      trial.dropped = Number(m[3]);
      trial.reported = cap.out.split('\n').filter((l) => / opened: client /.test(l)).length;
      break;
    }
    case 'json': {
      const doc = JSON.parse(cap.out) as { captures: { frames: number; connections: unknown[] }[]; live: { stats: { received: number; dropped: number } | null } };
      trial.frames = doc.captures[0].frames;
      trial.reported = doc.captures[0].connections.length;
      trial.received = doc.live.stats?.received ?? null;
      trial.dropped = doc.live.stats?.dropped ?? null;
      break;
    }
  }
}

/** Does dist/ hold a build of tcpscope? */
export function builtTcpscope(): string[] | null {
  const built = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  return existsSync(built) ? [process.execPath, built] : null;
}
