/**
 * `npm run fuzz -- [--seconds N] [--seed S] [--only NAME]`: runs the
 * hostile-input properties of src/fuzz/props.ts (and the state-machine
 * ones, when they exist) with random seeds for N seconds (default 60), in a
 * worker thread watched for hangs. A failing input is saved as a capture
 * file in fixtures/regressions/ (NAME-HASH.bin, with NAME-HASH.json saying
 * what failed, the seed and the original fixture), where
 * test/fuzz/regressions.test.ts replays it on every `npm test`.
 *
 * Exit code: 0 when nothing failed, 1 when something was saved.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { FRONT_PROPERTIES, ROOT } from './props.ts';

/** An input the worker is running, shared with the watchdog: [0] heartbeat, [1] length, then bytes. */
const SHARED_BYTES = 4 * 1024 * 1024;
/** A single input running longer than this is a hang. */
const HANG_MS = 15000;

interface Options {
  seconds: number;
  seed: number;
  only: string | null;
}

interface Found {
  property: string;
  seed: number;
  error: string;
  input: Uint8Array;
  meta: Record<string, unknown>;
}

type Message =
  | { type: 'found'; found: Found }
  | { type: 'progress'; property: string; runs: number }
  | { type: 'done' };

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 60, seed: (Math.random() * 2 ** 31) | 0, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--seconds' && v !== undefined) { o.seconds = Number(v); i++; }
    else if (a === '--seed' && v !== undefined) { o.seed = Number(v) | 0; i++; }
    else if (a === '--only' && v !== undefined) { o.only = v; i++; }
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run fuzz -- [--seconds N] [--seed S] [--only PROPERTY]\n');
      process.exit(0);
    } else {
      process.stderr.write(`fuzz: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  if (!Number.isFinite(o.seconds) || o.seconds <= 0) o.seconds = 60;
  return o;
}

/** Everything the runner can run: name and a property builder taking the input recorder. */
export interface Runnable {
  name: string;
  property(onInput: (input: Uint8Array, meta: Record<string, unknown>) => void): fc.IProperty<unknown[]>;
}

async function runnables(): Promise<Runnable[]> {
  const list: Runnable[] = FRONT_PROPERTIES.map((p) => ({ name: p.name, property: (f) => p.property(f) as fc.IProperty<unknown[]> }));
  try {
    // The state machine's properties, once src/tcp is there (see props-tcp.ts).
    const m = (await import('./props-tcp.ts')) as { TCP_PROPERTIES?: Runnable[] };
    list.push(...(m.TCP_PROPERTIES ?? []));
  } catch {
    // Not there yet.
  }
  return list;
}

async function worker(o: Options, shared: Int32Array, bytes: Uint8Array): Promise<void> {
  const port = parentPort!;
  const all = (await runnables()).filter((r) => o.only === null || r.name === o.only);
  const deadline = Date.now() + o.seconds * 1000;
  let round = 0;
  while (Date.now() < deadline) {
    for (const r of all) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const seed = (o.seed + round * 7919 + all.indexOf(r) * 104729) | 0;
      let last: { input: Uint8Array; meta: Record<string, unknown> } | null = null;
      const record = (input: Uint8Array, meta: Record<string, unknown>): void => {
        last = { input, meta };
        const n = Math.min(input.length, SHARED_BYTES);
        bytes.set(input.subarray(0, n));
        Atomics.store(shared, 1, n);
        Atomics.add(shared, 0, 1);
      };
      const d = fc.check(r.property(record), {
        seed, numRuns: 1000, endOnFailure: true,
        plugins: [fc.interruptAfterTimeLimit(Math.min(left, 20000))],
      } as fc.Parameters<unknown[]>);
      port.postMessage({ type: 'progress', property: r.name, runs: d.numRuns } satisfies Message);
      const got = last as { input: Uint8Array; meta: Record<string, unknown> } | null;
      if (d.failed && got !== null) {
        const err = d.errorInstance instanceof Error ? `${d.errorInstance.name}: ${d.errorInstance.message}\n${d.errorInstance.stack ?? ''}` : String(d.errorInstance);
        port.postMessage({ type: 'found', found: { property: r.name, seed, error: err.slice(0, 4000), input: got.input, meta: got.meta } } satisfies Message);
      }
    }
    round++;
  }
  port.postMessage({ type: 'done' } satisfies Message);
}

function save(found: Found): string {
  const dir = join(ROOT, 'fixtures', 'regressions');
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(found.input).digest('hex').slice(0, 12);
  const name = `${found.property}-${hash}`;
  writeFileSync(join(dir, `${name}.bin`), found.input);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({
    property: found.property, seed: found.seed, found: new Date().toISOString(),
    error: found.error.split('\n').slice(0, 6).join('\n'), ...found.meta,
  }, null, 2)}\n`);
  return name;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  process.stdout.write(`fuzz: ${o.seconds} s, seed ${o.seed}${o.only ? `, only ${o.only}` : ''}\n`);
  const sab = new SharedArrayBuffer(8 + SHARED_BYTES);
  const shared = new Int32Array(sab, 0, 2);
  // A worker does not inherit tsx's loader: it registers it, then imports this file.
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;
  const w = new Worker(boot, { eval: true, workerData: { o, sab } });
  const runs = new Map<string, number>();
  const signatures = new Map<string, number>();
  const saved: string[] = [];
  let lastBeat = -1;
  let lastChange = Date.now();
  let finished = false;
  const done = new Promise<void>((resolve) => {
    w.on('message', (m: Message) => {
      if (m.type === 'progress') runs.set(m.property, (runs.get(m.property) ?? 0) + m.runs);
      else if (m.type === 'found') {
        // One saved input per kind of failure (numbers aside): the same bug
        // found again under another seed is only counted.
        const signature = `${m.found.property}: ${m.found.error.split('\n')[0].replace(/\d+/g, '#')}`;
        const seen = signatures.get(signature) ?? 0;
        signatures.set(signature, seen + 1);
        if (seen > 0) return;
        const name = save({ ...m.found, input: new Uint8Array(m.found.input) });
        saved.push(name);
        process.stdout.write(`FAILED ${m.found.property}: ${m.found.error.split('\n')[0]}\n  saved fixtures/regressions/${name}.bin\n`);
      } else if (m.type === 'done') {
        finished = true;
        resolve();
      }
    });
    w.on('error', (e) => {
      process.stdout.write(`FAILED: the fuzz worker died: ${e instanceof Error ? e.stack : String(e)}\n`);
      const n = Atomics.load(shared, 1);
      if (Atomics.load(shared, 0) > 0) saved.push(save({ property: 'crash', seed: o.seed, error: String(e), input: new Uint8Array(sab, 8, n).slice(), meta: {} }));
      else saved.push('(worker failed to start)');
      resolve();
    });
    w.on('exit', () => resolve());
  });
  const watchdog = setInterval(() => {
    const beat = Atomics.load(shared, 0);
    if (beat !== lastBeat) {
      lastBeat = beat;
      lastChange = Date.now();
    } else if (!finished && Date.now() - lastChange > HANG_MS) {
      const n = Atomics.load(shared, 1);
      const name = save({ property: 'hang', seed: o.seed, error: `no progress for ${HANG_MS} ms on this input`, input: new Uint8Array(sab, 8, n).slice(), meta: {} });
      saved.push(name);
      process.stdout.write(`FAILED: hang; input saved as fixtures/regressions/${name}.bin\n`);
      void w.terminate();
    }
  }, 1000);
  await done;
  clearInterval(watchdog);
  await w.terminate();
  let total = 0;
  for (const [name, n] of runs) {
    total += n;
    process.stdout.write(`  ${name}: ${n} inputs\n`);
  }
  for (const [sig, n] of signatures) process.stdout.write(`  found ${n}x: ${sig}\n`);
  process.stdout.write(`fuzz: ${total} inputs, ${saved.length} failure${saved.length === 1 ? '' : 's'} saved\n`);
  process.exitCode = saved.length ? 1 : 0;
}

if (isMainThread) {
  await main();
} else {
  const { o, sab } = workerData as { o: Options; sab: SharedArrayBuffer };
  await worker(o, new Int32Array(sab, 0, 2), new Uint8Array(sab, 8, SHARED_BYTES));
}
