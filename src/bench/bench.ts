/**
 * tcpscope benchmark: `npm run bench [-- options]`.
 *
 * Generates (or reuses from the cache in os.tmpdir()) a deterministic pcap of
 * TCP connections, then measures on that one file, in rounds that alternate
 * between the tools, each run in its own child process:
 *
 *   tcpscope read          our reader alone (readFrames)
 *   tcpscope read+decode   readFrames + Decoder.decode into one Segment
 *   tcpscope +track        ... + the Tracker (finished connections dropped)
 *   tcpscope +report       ... + buildReport for each connection
 *   tcpscope +write        ... + NDJSON lines written to /dev/null (all on one thread, in process)
 *   tcpscope analyze       the full analysis (only once src/analyze/analyze.ts exists); large
 *                          captures build their reports on a second core (cli/report-thread.ts)
 *   tcpscope analyze, 1 thread   the same with TCPSCOPE_REPORT_THREAD=off: all on one core
 *   pcap-parser 0.2.1      the npm baseline (event-based)
 *   tcpdump -r F -w /dev/null
 *   tshark -r F -T fields -e tcp.seq > /dev/null
 *   tshark -r F -q -z conv,tcp   (the per-connection table Wireshark users reach for)
 *   tcptrace -n -b F
 *
 * Wall time is measured around the child (so Node/tsx and tshark startup
 * count); CPU time and peak RSS come from /usr/bin/time (or /proc polling
 * when it is missing). The Node children also report the time spent from
 * opening the file to the last frame, which gives the startup-free
 * throughput the decoding target is about. Output: Markdown tables.
 *
 * Options:
 *   --quick              50 000 segments, one round (CI: checks it runs, asserts no timing)
 *   --segments N         size of the capture (default 3 000 000)
 *   --reps N             rounds (default 3; 1 with --quick)
 *   --seed N             generator seed (default 1)
 *   --concurrency N      connections open at a time in the capture (default: the generator's, 2 000 for
 *                        3 000 000 segments); tens of thousands show the cost of many connections at once
 *   --tools a,b,...      only these tools (names: read, decode, analyze, analyze-1t, analyze-rt, analyze-2t, csv-1t, csv-2t,
 *                        pcap-parser, tcpdump, tshark, tshark-conv, tcptrace): analyze is the default (--threads auto),
 *                        -1t all on one thread, -rt one tracking thread and the report thread, -2t --threads 2
 *   --big                also: peak RSS of read+decode, analyze -f csv and -f ndjson (those of --tools) over a ~1 GB
 *                        capture (7 500 000 segments)
 *   --big-segments N     size of that capture (35 000 000: about 5 GB)
 *   --flood N            also: a SYN flood of N half-open connections (bare SYNs, 50 000 a second) through
 *                        analyze and analyze-1t, with the default --max-connections: time and peak RSS
 *   --profile            also: CPU profile of read+decode (node --cpu-prof), top functions by self time
 *   --analyze-cmd CMD    command for the analyze line, {file} replaced by the capture path
 *   --json FILE          also write all measurements as JSON
 *   --split-parts N      the split section: the capture cut into N parts (default 8; 0: skip it), each scanned and
 *                        analysed by `tcpscope part` in its own process by one worker, then by two, then merged
 *                        (`tcpscope merge`), checked against analyze of the whole
 *
 * Live capture (root on Linux, with tcpdump and ip netns; skipped otherwise,
 * saying why): bursts of short connections made as fast as one Node client
 * can (src/bench/load.ts) on the loopback of a private network namespace,
 * captured by tcpdump alone with the arguments tcpscope gives it (its output
 * read and thrown away) and by `tcpscope live` in each format; libpcap's
 * drop counts and the connections reported, per run.
 *   --no-live            skip it
 *   --live-only          only it (no capture file, no file tools)
 *   --live-connections a,b   burst sizes (default 3000,10000; --quick: 3000)
 *   --live-reps N        runs per tool and size (default: --reps)
 *   --netns-prefix P     names of the namespaces made (default $TCPSCOPE_PREFIX or tcpscope-bench; one per run, deleted after)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCapture, positiveInt, synFloodTo, type CaptureMeta, type FloodMeta } from './generate.ts';
import { type LiveTool, type LiveTrial, liveBenchMissing, liveTrial } from './live.ts';
import { DEFAULT_BUFFER_BYTES, DEFAULT_SNAP_LENGTH } from '../live/session.ts';
import { splitSection } from './split.ts';
import { mdTable } from './table.ts';
import { haveTime, measure, type Run, type Tool } from './measure.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const WORKER = join(HERE, 'worker.ts');
const TARGET_SEGMENTS_PER_S = 3_000_000;

// --- options ------------------------------------------------------------------

interface Options {
  quick: boolean;
  segments: number;
  reps: number;
  seed: number;
  concurrency: number | undefined;
  tools: string[] | null;
  big: boolean;
  bigSegments: number;
  profile: boolean;
  flood: number;
  analyzeCmd: string | null;
  json: string | null;
  live: boolean;
  liveOnly: boolean;
  liveConnections: number[];
  liveReps: number;
  netnsPrefix: string;
  splitParts: number;
}

const TOOL_NAMES = ['read', 'decode', 'track', 'report', 'write', 'analyze', 'analyze-1t', 'analyze-rt', 'analyze-2t', 'csv-1t', 'csv-2t', 'pcap-parser', 'tcpdump', 'tshark', 'tshark-conv', 'tcptrace'];

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false, segments: 0, reps: 0, seed: 1, concurrency: undefined, tools: null, big: false, bigSegments: 7_500_000,
    profile: false, flood: 0, analyzeCmd: null, json: null,
    live: true, liveOnly: false, liveConnections: [], liveReps: 0, netnsPrefix: process.env.TCPSCOPE_PREFIX ?? 'tcpscope-bench', splitParts: 8,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--segments': o.segments = positiveInt(a, val()); break;
      case '--reps': o.reps = positiveInt(a, val()); break;
      case '--seed': o.seed = positiveInt(a, val(), true); break;
      case '--concurrency': o.concurrency = positiveInt(a, val()); break;
      case '--tools': {
        o.tools = val().split(',').map((s) => s.trim()).filter((s) => s !== '');
        const bad = o.tools.filter((t) => !TOOL_NAMES.includes(t));
        if (bad.length > 0) throw new Error(`unknown tool ${bad.join(', ')} (known: ${TOOL_NAMES.join(', ')})`);
        break;
      }
      case '--big': o.big = true; break;
      case '--big-segments': o.bigSegments = positiveInt(a, val()); o.big = true; break;
      case '--profile': o.profile = true; break;
      case '--flood': o.flood = positiveInt(a, val()); break;
      case '--analyze-cmd': o.analyzeCmd = val(); break;
      case '--json': o.json = resolve(val()); break;
      case '--no-live': o.live = false; break;
      case '--live-only': o.liveOnly = true; break;
      case '--split-parts': o.splitParts = Number(val()); if (!Number.isInteger(o.splitParts) || o.splitParts < 0) throw new Error('--split-parts: a whole number (0: no split section)'); break;
      case '--live-connections': o.liveConnections = val().split(',').map((x) => positiveInt(a, x.trim())); break;
      case '--live-reps': o.liveReps = positiveInt(a, val()); break;
      case '--netns-prefix': o.netnsPrefix = val(); break;
      case '--help': case '-h':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, '') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (o.segments === 0) o.segments = o.quick ? 50_000 : 3_000_000;
  if (o.reps === 0) o.reps = o.quick ? 1 : 3;
  if (o.liveConnections.length === 0) o.liveConnections = o.quick ? [3000] : [3000, 10000];
  if (o.liveReps === 0) o.liveReps = o.reps;
  return o;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// --- the tools ----------------------------------------------------------------

function nodeWorker(mode: string, noDeprecation = false): (file: string) => string[] {
  return (file) => [process.execPath, ...(noDeprecation ? ['--no-deprecation'] : []), '--import', 'tsx', WORKER, mode, file];
}

/** Newest modification time of the files under `dir` (ms). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const t = statSync(join(e.parentPath, e.name)).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * The full analysis through the CLI: the built one (package.json's bin,
 * dist/src/cli/main.js) when it is at least as new as every source file,
 * else the sources through tsx.
 */
function analyzeTool(o: Options): Tool | string {
  if (o.analyzeCmd !== null) {
    const cmd = o.analyzeCmd;
    return {
      name: 'analyze', label: 'tcpscope analyze (--analyze-cmd)', worker: false, ours: true,
      argv: (f) => ['sh', '-c', cmd.split('{file}').join(`'${f.replace(/'/g, `'\\''`)}'`)],
    };
  }
  if (!existsSync(join(ROOT, 'src', 'analyze', 'analyze.ts'))) return 'src/analyze/analyze.ts does not exist yet';
  const args = ['analyze', '--format', 'ndjson', '--quiet'];
  const built = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src'))) {
    return {
      name: 'analyze', label: 'tcpscope analyze -f ndjson', worker: false, ours: true,
      argv: (f) => [process.execPath, built, ...args, f],
    };
  }
  const main = join(ROOT, 'src', 'cli', 'main.ts');
  if (!existsSync(main)) return 'src/cli/main.ts does not exist yet';
  return {
    name: 'analyze', label: 'tcpscope analyze -f ndjson (tsx)', worker: false, ours: true,
    argv: (f) => [process.execPath, '--import', 'tsx', main, ...args, f],
  };
}

function allTools(o: Options): { tools: Tool[]; skipped: string[] } {
  const skipped: string[] = [];
  const tools: Tool[] = [
    { name: 'read', label: 'tcpscope reader', argv: nodeWorker('read'), worker: true, ours: true },
    { name: 'decode', label: 'tcpscope reader+decoder', argv: nodeWorker('decode'), worker: true, ours: true },
    // One stage more each: their differences are the per-stage figures (STAGES).
    { name: 'track', label: 'tcpscope +track', argv: nodeWorker('track'), worker: true, ours: true },
    { name: 'report', label: 'tcpscope +report', argv: nodeWorker('report'), worker: true, ours: true },
    { name: 'write', label: 'tcpscope +write (ndjson)', argv: nodeWorker('ndjson'), worker: true, ours: true },
  ];
  const an = analyzeTool(o);
  if (typeof an === 'string') skipped.push(`tcpscope analyze: ${an}`);
  else {
    tools.push(an);
    // The same all on one core (no report thread, no --threads): the goal's "one core" figure.
    if (o.analyzeCmd === null) {
      /** The analyze command line with other options before the file, and another format. */
      const variant = (f: string, extra: string[], format = 'ndjson'): string[] => {
        const a = an.argv(f).map((x) => (x === 'ndjson' ? format : x));
        return [...a.slice(0, -1), ...extra, f];
      };
      tools.push({
        ...an, name: 'analyze-1t', label: `${an.label}, 1 thread`,
        argv: (f) => ['env', 'TCPSCOPE_REPORT_THREAD=off', ...variant(f, ['--threads', '1'])],
      });
      tools.push({ ...an, name: 'analyze-rt', label: `${an.label} --threads 1 (report thread)`, argv: (f) => ['env', 'TCPSCOPE_REPORT_THREAD=on', ...variant(f, ['--threads', '1'])] });
      tools.push({ ...an, name: 'analyze-2t', label: `${an.label} --threads 2`, argv: (f) => variant(f, ['--threads', '2']) });
      const csv = an.label.replace('ndjson', 'csv');
      tools.push({ ...an, name: 'csv-1t', label: `${csv} --threads 1`, argv: (f) => variant(f, ['--threads', '1'], 'csv') });
      tools.push({ ...an, name: 'csv-2t', label: `${csv} --threads 2`, argv: (f) => variant(f, ['--threads', '2'], 'csv') });
    }
  }
  tools.push({ name: 'pcap-parser', label: 'pcap-parser 0.2.1', argv: nodeWorker('pcap-parser', true), worker: true, ours: false });
  const external: Tool[] = [
    { name: 'tcpdump', label: 'tcpdump -r F -w /dev/null', argv: (f) => ['tcpdump', '-r', f, '-w', '/dev/null'], worker: false, ours: false },
    { name: 'tshark', label: 'tshark -T fields -e tcp.seq', argv: (f) => ['tshark', '-r', f, '-T', 'fields', '-e', 'tcp.seq'], worker: false, ours: false },
    { name: 'tshark-conv', label: 'tshark -q -z conv,tcp', argv: (f) => ['tshark', '-r', f, '-q', '-z', 'conv,tcp'], worker: false, ours: false },
    { name: 'tcptrace', label: 'tcptrace -n -b', argv: (f) => ['tcptrace', '-n', '-b', f], worker: false, ours: false },
  ];
  for (const t of external) {
    const cmd = t.argv('')[0];
    if (which(cmd)) tools.push(t);
    else skipped.push(`${t.label}: not installed`);
  }
  const chosen = o.tools;
  if (chosen === null) return { tools, skipped };
  // read+decode is the reference of the ratio column: always measured.
  return { tools: tools.filter((t) => chosen.includes(t.name) || t.name === 'decode'), skipped };
}

/** Microseconds some task spent waiting for a CPU (Linux PSI), or null. */
function cpuPressureUs(): number | null {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// --- statistics and output ------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianOrNull(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : median(v);
}

function fmt(x: number | null, digits: number): string {
  return x === null ? '–' : x.toFixed(digits);
}

function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)} k`;
  return x.toFixed(0);
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return null;
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => /version|\d+\.\d+/i.test(l) && !/Running as user/.test(l));
  return out?.trim().replace(/\.$/, '') ?? null;
}

function environment(tools: Tool[]): string[] {
  const c = cpus();
  const lines = [
    `- Machine: ${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${osType()} ${release()}`,
    `- Node ${process.version}; peak RSS and CPU from ${haveTime ? '/usr/bin/time' : '/proc polling (approximate)'}`,
  ];
  const names = new Set(tools.map((t) => t.name));
  const v: string[] = [];
  if (names.has('tcpdump')) v.push(firstLine('tcpdump', ['--version']) ?? 'tcpdump');
  if (names.has('tshark') || names.has('tshark-conv')) v.push(firstLine('tshark', ['--version']) ?? 'tshark');
  if (names.has('tcptrace')) v.push((firstLine('tcptrace', ['-v']) ?? 'tcptrace').replace(/^Version:\s*/, ''));
  if (v.length > 0) lines.push(`- ${v.join('; ')}`);
  return lines;
}

function describeFile(m: CaptureMeta): string {
  return `${(m.bytes / 1e6).toFixed(0)} MB classic pcap, ${m.segments.toLocaleString('en-US')} TCP segments, ` +
    `${m.connections.toLocaleString('en-US')} connections (up to ${m.maxOpen} open at once, ${m.durationSec.toFixed(0)} s of traffic; ` +
    `${m.threeWayCloses} FIN/FIN+ACK/ACK, ${m.fourWayCloses} four-way, ${m.rstConnections} RST; ` +
    `${m.dataRetransmissions} data and ${m.finRetransmissions} FIN retransmissions), seed ${m.seed}`;
}

interface ToolResult {
  tool: Tool;
  runs: Run[];
}

// --- CPU profile summary ---------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Self time per function from a .cpuprofile, counting only the samples from
 * the first one in our reader on: what comes before is Node + tsx startup.
 */
function summarizeProfile(path: string, top: number): { startupMs: number; lines: string[] } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  let startup = 0;
  let started = false;
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]);
    const dt = prof.timeDeltas[i] ?? 0;
    if (n === undefined) continue;
    const f = n.callFrame;
    if (!started && f.url.includes('/src/capture/') && f.functionName !== '') started = true;
    if (!started) {
      startup += dt;
      continue;
    }
    // Under tsx the positions are those of the transformed code: name and file only.
    const where = f.url === '' ? '' : ` ${f.url.replace(`file://${ROOT}/`, '')}`;
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    startupMs: startup / 1000,
    lines: rows.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(5)} ms  ${k}`),
  };
}

// --- main ---------------------------------------------------------------------

// --- live capture under load --------------------------------------------------

interface LiveSection {
  lines: string[];
  failures: number;
  trials: LiveTrial[];
}

/**
 * Bursts of `connections` on a namespace's loopback, each captured by every
 * tool in turn (the order turning each round). A run of ours fails the
 * benchmark if it errs, or if a connection the load completed is missing
 * while no drop was reported (drops that happen are measured, not failures).
 */
async function liveSection(o: Options, log: (m: string) => void): Promise<LiveSection> {
  const why = liveBenchMissing();
  if (why !== null) return { lines: ['', `Live capture: not measured (${why}).`], failures: 0, trials: [] };
  const tools: LiveTool[] = ['tcpdump', 'table', 'ndjson', 'json'];
  const label: Record<LiveTool, string> = {
    tcpdump: 'tcpdump alone (same arguments), output read and discarded', table: 'tcpscope live (table: a line per event)',
    ndjson: 'tcpscope live --format ndjson', json: 'tcpscope live --format json (summary only)',
  };
  const load0 = loadavg()[0];
  const trials: LiveTrial[] = [];
  let failures = 0;
  let k = 0;
  for (const n of o.liveConnections) {
    for (let r = 0; r < o.liveReps; r++) {
      for (let i = 0; i < tools.length; i++) {
        const tool = tools[(i + r) % tools.length];
        log(`live, ${n} connections, round ${r + 1}/${o.liveReps}: ${label[tool]} ...`);
        const t = await liveTrial({ netns: `${o.netnsPrefix}-${process.pid}-${k++}`, tool, connections: n });
        trials.push(t);
        if (t.error !== null) {
          log(`  FAILED: ${t.error}`);
          if (tool !== 'tcpdump') failures++;
          continue;
        }
        log(`  load ${t.loadSeconds.toFixed(2)} s; libpcap: ${t.received} received, ${t.dropped} dropped; ${t.reported ?? '-'} connections reported of ${t.completed}`);
        const lost = t.missing !== null ? t.missing.length > 0 : t.reported !== null && t.reported < t.completed;
        if (tool !== 'tcpdump' && lost && !(t.dropped !== null && t.dropped > 0)) {
          log(`  WRONG: connections missing with no drop reported${t.missing ? ` (client ports ${t.missing.slice(0, 10).join(', ')})` : ''}`);
          failures++;
        }
      }
    }
  }
  const lines = ['', `### Live capture under load (${o.liveReps} run${o.liveReps > 1 ? 's' : ''} per tool and size)`, ''];
  lines.push(`Bursts of short connections (handshake, one byte each way, client closes: 10 packets) made as fast as one Node client can, ` +
    `64 at a time, on the loopback of a private network namespace (src/bench/load.ts); capture filter \`tcp port P\`, default buffer ` +
    `(${DEFAULT_BUFFER_BYTES >> 20} MiB) and snapshot length (${DEFAULT_SNAP_LENGTH} bytes). libpcap counts both copies of a loopback packet, ` +
    `so received = 2 x packets. Load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end; the load generator, ` +
    'the capture and tcpscope share the machine\'s cores, so a capture that takes more CPU also slows the burst.', '');
  const range = (xs: number[], f: (x: number) => string): string => {
    if (xs.length === 0) return '–';
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
  };
  const rows: string[][] = [];
  for (const n of o.liveConnections) {
    for (const tool of tools) {
      const ok = trials.filter((t) => t.connections === n && t.tool === tool && t.error === null);
      if (ok.length === 0) {
        rows.push([String(n), label[tool], 'failed', '', '', '', '']);
        continue;
      }
      const pct = ok.filter((t) => t.received !== null && t.dropped !== null && t.received > 0).map((t) => (100 * (t.dropped as number)) / (t.received as number));
      rows.push([
        n.toLocaleString('en-US'), label[tool],
        median(ok.map((t) => t.loadSeconds)).toFixed(2),
        rate(median(ok.map((t) => (t.frames ?? 0) / t.loadSeconds))),
        ok.map((t) => t.dropped ?? '–').join(', '),
        range(pct, (x) => `${x.toFixed(1)}%`),
        tool === 'tcpdump' ? '–' : ok.map((t) => `${t.reported}/${t.completed}`).join(', '),
      ]);
    }
  }
  lines.push(mdTable(['Connections', 'Capture', 'Burst s (median)', 'Packets/s (median)', 'libpcap dropped (each run)', 'Drop %', 'Connections reported (each run)'],
    rows, [true, false, true, true, true, true, false]));
  return { lines, failures, trials };
}

/** The pipeline's stages, each with the tool that runs it and every stage before (worker.ts modes). */
const STAGES: readonly [stage: string, tool: string][] = [
  ['read', 'read'], ['decode', 'decode'], ['track', 'track'], ['report', 'report'], ['write (ndjson)', 'write'],
];

/** Rows of the per-stage table: a stage's in-process time is its tool's less that of the tool before (empty unless all were measured). */
function stageRows(medians: readonly { res: ToolResult; ok: boolean; inProc: number | null; inProcCpu: number | null }[], segments: number): string[][] {
  const rows: string[][] = [];
  let prevWall = 0;
  let prevCpu = 0;
  for (const [stage, tool] of STAGES) {
    const m = medians.find((x) => x.res.tool.name === tool);
    if (m === undefined || !m.ok || m.inProc === null || m.inProcCpu === null) return [];
    const wall = m.inProc - prevWall;
    const cpu = m.inProcCpu - prevCpu;
    rows.push([stage, wall.toFixed(3), cpu.toFixed(3), (wall * 1e9 / segments).toFixed(0), (cpu * 1e9 / segments).toFixed(0)]);
    prevWall = m.inProc;
    prevCpu = m.inProcCpu;
  }
  return rows;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  if (o.liveOnly) {
    const live = await liveSection(o, log);
    process.stdout.write(`${live.lines.join('\n').trimStart()}\n`);
    if (o.json !== null) writeFileSync(o.json, JSON.stringify({ options: o, live: live.trials }, null, 2) + '\n');
    if (live.failures > 0) process.stderr.write(`bench: ${live.failures} failed or wrong run(s) of tcpscope's own code\n`);
    return live.failures > 0 ? 1 : 0;
  }
  const meta = ensureCapture({ segments: o.segments, seed: o.seed, ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }) }, log);
  const { tools, skipped } = allTools(o);
  const scratch = mkdtempSync(join(tmpdir(), 'tcpscope-bench-run-'));
  let failures = 0;
  try {
    // Warm the page cache so the first tool does not pay for the disk.
    spawnSync('cat', [meta.path], { stdio: ['ignore', 'ignore', 'ignore'] });
    const startup: number[] = [];
    const load0 = loadavg()[0];
    const psi0 = cpuPressureUs();
    const t0 = performance.now();
    const results: ToolResult[] = tools.map((tool) => ({ tool, runs: [] }));
    const noop: Tool = { name: 'noop', label: 'node + tsx startup', argv: nodeWorker('noop'), worker: true, ours: true };
    for (let r = 0; r < o.reps; r++) {
      const s = await measure(noop, meta.path, scratch);
      if (s.ok) startup.push(s.wallS);
      // Alternate: every round runs every tool once, starting one further along.
      for (let k = 0; k < results.length; k++) {
        const res = results[(k + r) % results.length];
        log(`round ${r + 1}/${o.reps}: ${res.tool.label} ...`);
        const run = await measure(res.tool, meta.path, scratch);
        if (!run.ok) log(`  FAILED: ${run.error}`);
        else log(`  ${run.wallS.toFixed(2)} s wall, ${fmt(run.cpuS, 2)} s CPU, ${fmt(run.rssMb, 0)} MB peak RSS`);
        res.runs.push(run);
      }
    }

    const psi1 = cpuPressureUs();
    const contention = psi0 !== null && psi1 !== null ? (psi1 - psi0) / 1000 / (performance.now() - t0) : null;

    // Correctness of our own lines: every frame of the file is a TCP segment.
    for (const res of results) {
      for (const run of res.runs) {
        if (!run.ok) {
          if (res.tool.ours) failures++;
          continue;
        }
        const w = run.worker;
        if (w !== undefined && (w.frames !== meta.segments || w.segments !== meta.segments)) {
          log(`${res.tool.label}: read ${w.frames} frames / ${w.segments} segments, the file has ${meta.segments}`);
          failures++;
        }
      }
    }

    const medians = results.map((res) => {
      const ok = res.runs.filter((x) => x.ok);
      return {
        res,
        ok: ok.length > 0,
        wall: ok.length > 0 ? median(ok.map((x) => x.wallS)) : NaN,
        cpu: medianOrNull(ok.map((x) => x.cpuS)),
        rss: medianOrNull(ok.map((x) => x.rssMb)),
        inProc: ok.length > 0 && ok[0].worker !== undefined ? median(ok.map((x) => (x.worker?.ms ?? 0) / 1000)) : null,
        inProcCpu: ok.length > 0 && ok[0].worker !== undefined ? median(ok.map((x) => (x.worker?.cpuMs ?? 0) / 1000)) : null,
      };
    });
    const ref = medians.find((m) => m.res.tool.name === 'decode');
    const refWall = ref?.ok ? ref.wall : NaN;
    const an = medians.find((m) => m.res.tool.name === 'analyze');
    const anWall = an?.ok ? an.wall : NaN;

    const out: string[] = [];
    out.push(`### Benchmark (${o.quick ? 'quick, ' : ''}${o.reps} round${o.reps > 1 ? 's' : ''}, medians)`, '');
    out.push(`- Capture: ${describeFile(meta)}`);
    out.push(...environment(tools));
    out.push(`- Load average ${load0.toFixed(2)} at the start${contention !== null ? `; CPU contention during the run (PSI, some task waiting for a CPU): ${(100 * contention).toFixed(0)}% of the time` : ''}`);
    out.push('');
    out.push(mdTable(
      ['Tool', 'Wall s', 'CPU s', 'Peak RSS MB', 'Segments/s', 'MB/s', 'Time vs reader+decoder', 'Time vs analyze'],
      medians.map((m) => m.ok
        ? [m.res.tool.label, m.wall.toFixed(2), fmt(m.cpu, 2), fmt(m.rss, 0), rate(meta.segments / m.wall), (meta.bytes / 1e6 / m.wall).toFixed(0),
          `${(m.wall / refWall).toFixed(2)}×`, Number.isFinite(anWall) ? `${(m.wall / anWall).toFixed(2)}×` : '–']
        : [m.res.tool.label, 'failed', '', '', '', '', '', '']),
      [false, true, true, true, true, true, true, true],
    ));
    out.push('');
    out.push('Wall time includes process startup (Node + tsx ' +
      `${startup.length > 0 ? `≈ ${median(startup).toFixed(2)} s` : 'n/a'}); every frame is a TCP segment, so for the tools that do not decode TCP segments/s = frames/s. ` +
      '"Time vs ...": wall time relative to tcpscope reader+decoder, and to the full analysis (`tcpscope analyze --format ndjson`; ' +
      'above 1× the tool is that many times slower). MB = 10^6 bytes of pcap file.');
    if (an?.ok && !o.quick) {
      // The goals of the lean-engine issue, each compared in this run: CSV against tcptrace -n -b
      // (like output) and tcpdump, NDJSON against tcptrace, peak RSS, tracking's CPU a segment.
      const find = (name: string): (typeof medians)[number] | null => medians.find((x) => x.res.tool.name === name && x.ok) ?? null;
      const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
      const csv = find('csv-1t');
      const tcptrace = find('tcptrace');
      const tcpdump = find('tcpdump');
      const goals: string[] = [];
      if (csv !== null && tcptrace !== null) goals.push(`analyze -f csv ${(tcptrace.wall / csv.wall).toFixed(2)}× as fast as tcptrace -n -b (goal ≥ 3×: ${verdict(tcptrace.wall / csv.wall >= 3)})`);
      else goals.push('analyze -f csv against tcptrace: not measured (--tools csv-1t,tcptrace)');
      if (csv !== null && tcpdump !== null) goals.push(`analyze -f csv ${(csv.wall / tcpdump.wall).toFixed(2)}× the time of tcpdump -r F -w /dev/null (goal ≤ 2.5×: ${verdict(csv.wall / tcpdump.wall <= 2.5)})`);
      if (tcptrace !== null) goals.push(`analyze -f ndjson ${(tcptrace.wall / an.wall).toFixed(2)}× as fast as tcptrace -n -b (goal ≥ 2×: ${verdict(tcptrace.wall / an.wall >= 2)})`);
      const rssOk = an.rss !== null && an.rss < 150 && (csv === null || (csv.rss !== null && csv.rss < 150));
      goals.push(`peak RSS ndjson ${fmt(an.rss, 0)} MB${csv !== null ? `, csv ${fmt(csv.rss, 0)} MB` : ''} (goal < 150: ${verdict(rssOk)})`);
      const track = find('track');
      const decode = find('decode');
      if (track?.inProcCpu != null && decode?.inProcCpu != null) {
        const ns = ((track.inProcCpu - decode.inProcCpu) / meta.segments) * 1e9;
        goals.push(`tracking ${ns.toFixed(0)} CPU ns a segment (goal ≤ 150: ${verdict(ns <= 150)})`);
      }
      out.push('', `Goals: ${goals.join('; ')}.`);
    }
    const inproc = medians.filter((m) => m.ok && m.inProc !== null);
    if (inproc.length > 0) {
      out.push('', 'In-process (file opened to last frame; startup excluded):', '');
      out.push(mdTable(
        ['Node code', 'Seconds', 'CPU s', 'Segments/s', 'Segments per CPU s', 'MB/s'],
        inproc.map((m) => [m.res.tool.label, (m.inProc as number).toFixed(3), fmt(m.inProcCpu, 3), rate(meta.segments / (m.inProc as number)),
          m.inProcCpu ? rate(meta.segments / m.inProcCpu) : '–', (meta.bytes / 1e6 / (m.inProc as number)).toFixed(0)]),
        [false, true, true, true, true, true],
      ));
      if (o.quick) {
        out.push('', 'Decoding target not judged in --quick mode (too small a file for the JIT to warm up).');
      } else if (ref?.ok && ref.inProc !== null) {
        const sps = meta.segments / ref.inProc;
        const perCpu = ref.inProcCpu ? meta.segments / ref.inProcCpu : null;
        out.push('', `Decoding target (≥ ${rate(TARGET_SEGMENTS_PER_S)} TCP segments/s on one core): ${rate(sps)} segments/s wall` +
          `${perCpu !== null ? `, ${rate(perCpu)} per CPU second` : ''} — ${sps >= TARGET_SEGMENTS_PER_S ? 'met' : 'NOT met'}.`);
      }
    }
    const stages = stageRows(medians, meta.segments);
    if (stages.length > 0) {
      out.push('', 'Per stage (in process, one thread; each the difference between a tool and the one doing one stage less):', '');
      out.push(mdTable(['Stage', 'Seconds', 'CPU s', 'ns per segment', 'CPU ns per segment'], stages, [false, true, true, true, true]));
    }
    if (skipped.length > 0) out.push('', `Not measured: ${skipped.join('; ')}.`);

    let big: { meta: CaptureMeta; results: { tool: string; runs: Run[] }[] } | null = null;
    if (o.big) {
      const bigMeta = ensureCapture({ segments: o.bigSegments, seed: o.seed }, log);
      spawnSync('cat', [bigMeta.path], { stdio: ['ignore', 'ignore', 'ignore'] });
      // Reading and decoding alone, then the whole analysis (CSV and NDJSON on one thread), if they were measured above.
      const bigTools = ['decode', 'csv-1t', 'analyze']
        .map((name) => tools.find((t) => t.name === name && medians.some((m) => m.res.tool.name === name)))
        .filter((t): t is Tool => t !== undefined);
      big = { meta: bigMeta, results: [] };
      const rows: string[][] = [];
      for (const t of bigTools) {
        const runs: Run[] = [];
        for (let r = 0; r < o.reps; r++) {
          log(`big file, round ${r + 1}/${o.reps}: ${t.label} ...`);
          const run = await measure(t, bigMeta.path, scratch);
          if (run.ok) log(`  ${run.wallS.toFixed(2)} s wall, ${fmt(run.cpuS, 2)} s CPU, ${fmt(run.rssMb, 0)} MB peak RSS`);
          if (!run.ok) {
            log(`  FAILED: ${run.error}`);
            failures++;
          } else if (run.worker != null && run.worker.segments !== bigMeta.segments) {
            log(`  read ${run.worker.segments} segments, the file has ${bigMeta.segments}`);
            failures++;
          }
          runs.push(run);
        }
        big.results.push({ tool: t.name, runs });
        const ok = runs.filter((x) => x.ok);
        const small = medians.find((m) => m.res.tool.name === t.name && m.ok);
        if (ok.length === 0 || small === undefined) continue;
        rows.push(
          [t.label, `${(meta.bytes / 1e6).toFixed(0)} MB`, meta.segments.toLocaleString('en-US'), small.wall.toFixed(2), fmt(small.rss, 0)],
          [t.label, `${(bigMeta.bytes / 1e6).toFixed(0)} MB`, bigMeta.segments.toLocaleString('en-US'), median(ok.map((x) => x.wallS)).toFixed(2),
            fmt(medianOrNull(ok.map((x) => x.rssMb)), 0)],
        );
      }
      if (rows.length > 0) {
        out.push('', 'Memory does not grow with the file (medians):', '');
        out.push(mdTable(['Tool', 'Capture', 'Segments', 'Wall s', 'Peak RSS MB'], rows, [false, true, true, true, true]));
      }
    }

    let flood: { meta: FloodMeta; results: { tool: string; runs: Run[] }[] } | null = null;
    if (o.flood > 0) {
      const floodMeta = synFloodTo(join(scratch, 'flood.pcap'), { syns: o.flood, seed: o.seed });
      log(`SYN flood: ${floodMeta.syns} SYNs, ${(floodMeta.bytes / 1e6).toFixed(0)} MB`);
      flood = { meta: floodMeta, results: [] };
      const rows: string[][] = [];
      for (const t of tools.filter((x) => x.name === 'analyze' || x.name === 'analyze-1t')) {
        const runs: Run[] = [];
        for (let r = 0; r < o.reps; r++) {
          log(`SYN flood, round ${r + 1}/${o.reps}: ${t.label} ...`);
          const run = await measure(t, floodMeta.path, scratch);
          if (run.ok) log(`  ${run.wallS.toFixed(2)} s wall, ${fmt(run.cpuS, 2)} s CPU, ${fmt(run.rssMb, 0)} MB peak RSS`);
          else {
            log(`  FAILED: ${run.error}`);
            failures++;
          }
          runs.push(run);
        }
        flood.results.push({ tool: t.name, runs });
        const ok = runs.filter((x) => x.ok);
        if (ok.length === 0) continue;
        const wall = median(ok.map((x) => x.wallS));
        rows.push([t.label, wall.toFixed(2), fmt(medianOrNull(ok.map((x) => x.cpuS)), 2), fmt(medianOrNull(ok.map((x) => x.rssMb)), 0), rate(floodMeta.syns / wall)]);
      }
      if (rows.length > 0) {
        out.push('', `SYN flood: ${floodMeta.syns.toLocaleString('en-US')} bare SYNs from distinct sources (${(floodMeta.bytes / 1e6).toFixed(0)} MB, ` +
          `${floodMeta.durationSec.toFixed(1)} s of capture), every one a half-open connection, with the default --max-connections (medians):`, '');
        out.push(mdTable(['Tool', 'Wall s', 'CPU s', 'Peak RSS MB', 'Connections/s'], rows, [false, true, true, true, true]));
      }
    }

    if (o.profile) {
      const profDir = join(scratch, 'prof');
      const decode = tools.find((t) => t.name === 'decode') as Tool;
      log('profiling tcpscope reader+decoder (node --cpu-prof) ...');
      const run = await measure(decode, meta.path, scratch, ['--cpu-prof', '--cpu-prof-dir', profDir]);
      const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
      if (run.ok && files.length > 0) {
        const keep = join(tmpdir(), 'tcpscope-bench', 'decode.cpuprofile');
        writeFileSync(keep, readFileSync(join(profDir, files[0])));
        const sum = summarizeProfile(keep, 15);
        out.push('', `CPU profile of tcpscope reader+decoder, self time after startup (${sum.startupMs.toFixed(0)} ms of startup left out), top 15; full profile: ${keep}`, '', '```');
        out.push(...sum.lines);
        out.push('```');
      } else {
        log(`  profiling failed: ${run.error ?? 'no profile written'}`);
      }
    }

    if (o.splitParts > 0) {
      const main = join(ROOT, 'src', 'cli', 'main.ts');
      const split = await splitSection({
        file: meta.path, parts: o.splitParts, tcpscope: [process.execPath, '--import', 'tsx', main], scratch,
        wholeWallS: an?.ok ? an.wall : null, log,
      });
      out.push(...split.lines);
      failures += split.failures;
    }

    let live: LiveSection | null = null;
    if (o.live) {
      live = await liveSection(o, log);
      out.push(...live.lines);
      failures += live.failures;
    }

    process.stdout.write(`${out.join('\n')}\n`);
    if (o.json !== null) {
      writeFileSync(o.json, JSON.stringify({
        options: o, capture: meta, startup,
        results: results.map((r) => ({ tool: r.tool.name, label: r.tool.label, runs: r.runs })),
        big, flood, live: live?.trials ?? null,
      }, null, 2) + '\n');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failures > 0) {
    process.stderr.write(`bench: ${failures} failed or wrong run(s) of tcpscope's own code\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
