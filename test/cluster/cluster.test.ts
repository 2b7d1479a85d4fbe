/**
 * `tcpscope cluster worker` and `tcpscope cluster run` as a user runs them:
 * a redis-server the test starts on loopback, two workers as processes of
 * their own, kernel fixture captures cut into parts at record boundaries.
 * The merged output must be byte for byte `tcpscope analyze` of the whole
 * capture (NDJSON and CSV), also when a worker is killed (SIGKILL) in the
 * middle of a job; a part that cannot be read is reported with its part
 * and reason, exit code 2.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { baseEnv, capture, tcpscope } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';
import { cutPcap } from './cut.ts';
import { redisMissing, startRedis, type TestRedis } from './redis.ts';

const missing = redisMissing();
if (missing !== null) process.stderr.write(`# skipped: ${missing}\n`);

/** A `tcpscope cluster worker` process; its stderr lines as they come. */
class WorkerProcess {
  readonly child: ChildProcess;
  log = '';
  private waiters: { re: RegExp; resolve: () => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(redis: string, queue: string, work: string) {
    this.child = spawn(process.execPath, [
      '--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'cluster', 'worker', '--redis', redis, '--work', work, '--queue', queue,
      '--concurrency', '1', '--lock-duration', '2s', '--stalled-interval', '500ms',
    ], { cwd: repoRoot, env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.log += d.toString();
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(this.log)) return true;
        w.resolve();
        return false;
      });
    });
    this.exited = new Promise((res) => this.child.once('exit', (code, signal) => res({ code, signal })));
  }

  /** Resolves once the log matches `re`; fails if the worker ends first (a test then fails instead of waiting forever). */
  until(re: RegExp): Promise<void> {
    if (re.test(this.log)) return Promise.resolve();
    return new Promise((res, rej) => {
      this.waiters.push({ re, resolve: res });
      void this.exited.then(({ code, signal }) => rej(new Error(`the worker ended (${signal ?? code}) before its log showed ${re}:\n${this.log}`)));
    });
  }

  ready(): Promise<void> {
    return this.until(/worker on queue/);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('tcpscope cluster (workers as processes, Redis on loopback)', { skip: missing ?? false }, () => {
  let redis: TestRedis;
  let dir: string;
  let work: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-cluster-'));
    work = join(dir, 'work');
    mkdirSync(work);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function start(queue: string): WorkerProcess {
    const w = new WorkerProcess(redis.url, queue, work);
    workers.push(w);
    return w;
  }

  const run = (parts: string[], extra: string[], queue = 'tcpscope'): ReturnType<typeof tcpscope> =>
    tcpscope(['cluster', 'run', '--redis', redis.url, '--work', work, '--queue', queue, ...extra, ...parts]);

  // Two connections on one 4-tuple (TIME_WAIT reused), cut inside the first one and between them.
  const reuse = 'timewait-reuse.pcap';
  // Data in both directions, cut during the transfer.
  const transfer = 'data-transfer.pcap';

  describe('two workers', () => {
    before(async () => {
      await Promise.all([start('two').ready(), start('two').ready()]);
    });

    for (const [name, cuts] of [[reuse, [5, 12]], [transfer, [10, 30, 55]]] as const) {
      it(`gives analyze's NDJSON and CSV of ${name} cut into ${cuts.length + 1} parts`, async () => {
        const parts = cutPcap(resolve(repoRoot, capture(name)), [...cuts], dir, name);
        for (const format of ['ndjson', 'csv']) {
          const whole = await tcpscope(['analyze', '-f', format, capture(name)]);
          assert.equal(whole.code, 0, whole.stderr);
          const r = await run(parts, ['-f', format, '--name', capture(name)], 'two');
          assert.equal(r.stderr, '');
          assert.equal(r.code, 0);
          assert.ok(whole.stdout.length > 0);
          assert.equal(r.stdout, whole.stdout, `${format} of ${name}`);
        }
        // The run's folder went with it.
        assert.deepEqual(readdirSync(work), []);
      });
    }

    it('reads the parts in time order and names them as analyze --series does; writes -o', async () => {
      const parts = cutPcap(resolve(repoRoot, capture(reuse)), [4, 8, 15], dir, 'series');
      const given = [parts[2], parts[0], parts[3], parts[1]];
      const out = join(dir, 'conns.csv');
      const r = await run(given, ['-f', 'csv', '-o', out], 'two');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      const series = await tcpscope(['analyze', '-f', 'csv', '--series', ...given]);
      assert.equal(series.code, 0, series.stderr);
      assert.equal(readFileSync(out, 'utf8'), series.stdout);
      assert.match(series.stdout, new RegExp(escape(`${given[0]} … ${given[3]} (4 files)`)));
      // ... and, but for the name, the rows of the whole capture.
      const whole = await tcpscope(['analyze', '-f', 'csv', capture(reuse)]);
      const rows = (csv: string): string[] => csv.trimEnd().split('\r\n').slice(1).map((l) => l.slice(l.indexOf(',', l.indexOf('(4 files)') + 1)));
      const wholeRows = whole.stdout.trimEnd().split('\r\n').slice(1).map((l) => l.slice(capture(reuse).length));
      assert.equal(wholeRows.length, 2);
      assert.deepEqual(rows(series.stdout), wholeRows);
    });

    it('reports a part that is not a capture: its part, file and reason on one line, exit 2, nothing printed', async () => {
      const parts = cutPcap(resolve(repoRoot, capture(transfer)), [40], dir, 'bad');
      const corrupt = join(dir, 'corrupt.pcap');
      writeFileSync(corrupt, Buffer.from('this is not a capture file, only words\n'.repeat(4)));
      const r = await run([parts[0], corrupt, parts[1]], [], 'two');
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      // A file without a frame is read last (analyze --series orders them so): part 2.
      assert.match(lines[0], new RegExp(`^error: scan of part 2 \\(${escape(corrupt)}\\) failed: not a pcap or pcapng file`));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.deepEqual(readdirSync(work), []);
    });
  });

  it('finishes the run, identical, when a worker is killed in the middle of a part', async () => {
    const parts = cutPcap(resolve(repoRoot, capture(transfer)), [20, 45, 70], dir, 'kill');
    const a = start('kill');
    await a.ready();
    // a is the only worker: it takes the jobs one by one. Kill it (SIGKILL:
    // no goodbye, its lock stays in Redis) as soon as it starts part 1.
    const running = run(parts, ['-f', 'ndjson', '--name', capture(transfer)], 'kill');
    await a.until(new RegExp(`part 1 \\(${escape(parts[1])}\\): started`));
    a.child.kill('SIGKILL');
    const ended = await a.exited;
    assert.equal(ended.signal, 'SIGKILL');
    assert.doesNotMatch(a.log, /part 1 [^\n]*: done/);
    // b takes part 1 once a's lock has lapsed, then the rest.
    const b = start('kill');
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    const whole = await tcpscope(['analyze', '-f', 'ndjson', capture(transfer)]);
    assert.equal(r.stdout, whole.stdout);
    assert.match(b.log, new RegExp(`part 1 \\(${escape(parts[1])}\\): done`));
    assert.match(b.log, /the merge: done/);
  });

  it('says when no worker takes the jobs, and takes its jobs off the queue when interrupted (exit 130)', async () => {
    const f = resolve(repoRoot, capture(reuse));
    const child = spawn(process.execPath, [
      '--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'cluster', 'run', '--redis', redis.url, '--work', work, '--queue', 'nobody', f,
    ], { cwd: repoRoot, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const noticed = new Promise<void>((res) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('no worker is taking jobs')) res();
      });
    });
    const ended = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    await noticed;
    assert.equal(err, "no worker is taking jobs from queue 'nobody' yet: start one with tcpscope cluster worker --redis URL --queue nobody\n");
    child.kill('SIGINT');
    assert.equal(await ended, 130);
    assert.deepEqual(readdirSync(work), []);
    // Its scan jobs are gone: a worker started now finds nothing to do.
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue('nobody', { connection: conn });
    const counts = await q.getJobCounts('wait', 'active', 'delayed', 'waiting-children', 'completed', 'failed', 'prioritized');
    await q.close();
    conn.disconnect();
    assert.deepEqual(Object.values(counts).filter((n) => n > 0), []);
  });

  it('refuses a --redis that is not a redis:// URL, and an unreachable Redis, in one line', async () => {
    const f = resolve(repoRoot, capture(reuse));
    const http = await tcpscope(['cluster', 'run', '--redis', 'http://127.0.0.1:6379', '--work', work, f]);
    assert.equal(http.code, 2);
    assert.equal(http.stderr, "error: --redis: expected a redis:// or rediss:// URL, got 'http://127.0.0.1:6379/'\n");
    const worker = await tcpscope(['cluster', 'worker', '--redis', 'localhost:6379', '--work', work]);
    assert.equal(worker.code, 2);
    assert.match(worker.stderr, /^error: --redis: expected a redis:\/\/ or rediss:\/\/ URL[^\n]*\n$/);
    // A port nothing listens on: redis's own, once stopped, is one.
    const other = await startRedis();
    await other.stop();
    const down = await tcpscope(['cluster', 'run', '--redis', other.url, '--work', work, f]);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^error: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused[^\n]*\n$/);
  });

  it('stops a worker with SIGTERM once its jobs are done: exit code 0', async () => {
    const w = start('stop');
    await w.ready();
    w.child.kill('SIGTERM');
    const ended = await w.exited;
    assert.deepEqual(ended, { code: 0, signal: null });
    assert.match(w.log, /stopping: no job running/);
  });
});
