/**
 * The queue layer of the cluster (src/cluster/) on a real Redis started by
 * the test, with workers in this process and a job runner of the test's
 * own: each job writes a file naming what it read, so the merged output
 * shows that every scan ran before every part, each part saw every scan in
 * capture order, and the merge read the parts in capture order. The same
 * flows with the real split commands and workers as processes are
 * cluster.test.ts's.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type JobType, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { parseRedisUrl, reachRedis, RedisUnreachableError, RedisUrlError, shownUrl } from '../../src/cluster/connection.ts';
import { BadInputError, checkJob, type JobRunner, type MergeJob, outputPath, type PartJob, partPath, type ScanJob, scanPath } from '../../src/cluster/jobs.ts';
import { ClusterJobError, runCluster, type RunOptions } from '../../src/cluster/run.ts';
import { ClusterWorker, type WorkerOptions } from '../../src/cluster/worker.ts';
import { redisMissing, startRedis, type TestRedis } from './redis.ts';

const missing = redisMissing();

/** Write a run's file whole; a run folder that is gone is bad input (as in cli/cluster-thread.ts). */
async function put(path: string, text: string): Promise<void> {
  if (!existsSync(dirname(path))) throw new BadInputError(`the run's folder ${dirname(path)} is not there`);
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** A runner whose outputs say what each job read; `hooks` change one job's behaviour. */
class RecordingRunner implements JobRunner {
  calls: string[] = [];
  constructor(private readonly hooks: { part?: (job: PartJob, attempt: number) => Promise<void> | void } = {}) {}

  async scan(job: ScanJob): Promise<void> {
    this.calls.push(`scan ${job.index}`);
    const size = statSync(job.file).size;
    await put(scanPath(job.dir, job.index), `scan ${job.index}: ${size} bytes`);
  }

  async part(job: PartJob): Promise<void> {
    const attempt = this.calls.filter((c) => c === `part ${job.index}`).length;
    this.calls.push(`part ${job.index}`);
    await this.hooks.part?.(job, attempt);
    const scans = await Promise.all(Array.from({ length: job.count }, (_, k) => readFile(scanPath(job.dir, k), 'utf8')));
    await put(partPath(job.dir, job.index), `part ${job.index} (${readFileSync(job.file, 'utf8').trim()}, msl ${job.analysis.msl}) saw [${scans.join('; ')}]`);
  }

  async merge(job: MergeJob): Promise<string[]> {
    this.calls.push('merge');
    const parts = await Promise.all(Array.from({ length: job.count }, (_, k) => readFile(partPath(job.dir, k), 'utf8')));
    await put(outputPath(job.dir, job.format), `${job.format} ${job.name}\n${parts.join('\n')}\n`);
    return [`merged ${parts.length} parts`];
  }
}

function expected(files: string[], contents: string[], msl: number): string {
  const scans = files.map((f, k) => `scan ${k}: ${statSync(f).size} bytes`).join('; ');
  return `csv whole.pcap\n${contents.map((c, k) => `part ${k} (${c}, msl ${msl}) saw [${scans}]`).join('\n')}\n`;
}

describe('cluster queue (BullMQ on Redis)', { skip: missing ?? false }, () => {
  let redis: TestRedis;
  let dir: string;
  let work: string;
  const files: string[] = [];
  const contents = ['alpha', 'bravo bravo', 'charlie', 'delta delta delta', 'echo'];

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-queue-'));
    work = join(dir, 'work');
    mkdirSync(work);
    contents.forEach((c, k) => {
      const f = join(dir, `cap-${k}.pcap`);
      writeFileSync(f, `${c}\n`);
      files.push(f);
    });
  });
  after(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const workerOpts = (queue: string, name: string): WorkerOptions => ({
    redis: parseRedisUrl(redis.url), queue, concurrency: 2, lockDuration: 1500, stalledInterval: 500, maxStalledCount: 2, name, work,
  });
  const runOpts = (queue: string, extra: Partial<RunOptions> = {}): RunOptions => ({
    redis: parseRedisUrl(redis.url), queue, work, files, format: 'csv', name: 'whole.pcap',
    analysis: { os: 'rfc', msl: '7' }, attempts: 3, keep: false, ...extra,
  });
  const warnings: string[] = [];
  async function collect(o: RunOptions): Promise<string> {
    let out = '';
    warnings.length = 0;
    await runCluster(o, async (p) => {
      out = await readFile(p, 'utf8');
    }, { warning: (m) => warnings.push(m) });
    return out;
  }
  /** Jobs of the queue still to run, running or done (failed ones aside: see the failure test). */
  async function leftInRedis(queue: string, states: JobType[] = ['wait', 'active', 'delayed', 'waiting-children', 'completed', 'failed', 'prioritized']): Promise<number> {
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue(queue, { connection: conn });
    const counts = await q.getJobCounts(...states);
    await q.close();
    conn.disconnect();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  it('runs every scan before any part, every part with every scan, and merges the parts in capture order; then leaves nothing behind', async () => {
    const a = new RecordingRunner();
    const b = new RecordingRunner();
    const wa = new ClusterWorker(workerOpts('q1', 'a'), a);
    const wb = new ClusterWorker(workerOpts('q1', 'b'), b);
    await Promise.all([wa.ready(), wb.ready()]);
    try {
      const out = await collect(runOpts('q1'));
      assert.equal(out, expected(files, contents, 7));
      // The merge's warnings reach the run.
      assert.deepEqual(warnings, ['merged 5 parts']);
      const calls = [...a.calls, ...b.calls];
      assert.equal(calls.filter((c) => c.startsWith('scan')).length, files.length);
      assert.equal(calls.filter((c) => c.startsWith('part')).length, files.length);
      assert.equal(calls.filter((c) => c === 'merge').length, 1);
      // The run's folder and jobs are gone.
      assert.deepEqual(readdirSync(work), []);
      assert.equal(await leftInRedis('q1'), 0);
    } finally {
      await Promise.all([wa.close(), wb.close()]);
    }
  });

  it('tries a part again after an error, and the output is the same', async () => {
    const r = new RecordingRunner({
      part: (job, attempt) => {
        if (job.index === 3 && attempt === 0) throw new Error('disk hiccup');
      },
    });
    const w = new ClusterWorker(workerOpts('q2', 'w'), r);
    await w.ready();
    try {
      assert.equal(await collect(runOpts('q2')), expected(files, contents, 7));
      assert.equal(r.calls.filter((c) => c === 'part 3').length, 2);
    } finally {
      await w.close();
    }
  });

  it('reports a part that fails for good with its file and reason, without trying bad input again, and takes the run off the queue', async () => {
    const r = new RecordingRunner({
      part: (job) => {
        if (job.index === 2) throw new BadInputError(`${job.file}: frame 3 at byte 120: not a pcap record`);
      },
    });
    const w = new ClusterWorker(workerOpts('q3', 'w'), r);
    await w.ready();
    try {
      await assert.rejects(collect(runOpts('q3')), (e: unknown) => {
        assert.ok(e instanceof ClusterJobError);
        // The reason loses the file name it starts with: the label has it.
        assert.deepEqual(e.failures, [{ label: `part 2 (${files[2]})`, reason: 'frame 3 at byte 120: not a pcap record' }]);
        assert.equal(e.message, `part 2 (${files[2]}) failed: frame 3 at byte 120: not a pcap record`);
        return true;
      });
      assert.equal(r.calls.filter((c) => c === 'part 2').length, 1);
      assert.equal(r.calls.includes('merge'), false);
      assert.deepEqual(readdirSync(work), []);
    } finally {
      await w.close();
    }
    // Nothing waits or runs: a part still running when the run failed
    // (the worker runs two at once) finds its folder gone and fails too,
    // kept among the failed jobs (BullMQ trims them: removeOnFail).
    assert.equal(await leftInRedis('q3', ['wait', 'active', 'delayed', 'waiting-children', 'completed', 'prioritized']), 0);
    assert.ok(await leftInRedis('q3', ['failed']) <= 1);
  });

  it('fails a job put in the queue by hand that would write outside its --work, without running it', async () => {
    const r = new RecordingRunner();
    const w = new ClusterWorker(workerOpts('q5', 'w'), r);
    await w.ready();
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue('q5', { connection: conn });
    const eventsConn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents('q5', { connection: eventsConn });
    try {
      await events.waitUntilReady();
      const job = await q.add('scan', { file: files[0], index: 0, dir: dir } satisfies ScanJob, { attempts: 3 });
      await assert.rejects(job.waitUntilFinished(events), new RegExp(`^Error: a scan job of a run in ${dir}, not in this worker's --work ${work}`));
      assert.deepEqual(r.calls, []);
      assert.equal((await q.getJob(job.id ?? ''))?.attemptsMade, 1);
    } finally {
      await events.close();
      await q.close();
      conn.disconnect();
      eventsConn.disconnect();
      await w.close();
    }
  });

  it('gives the job of a worker that stopped mid-job (its lock lapsed) to another worker', async () => {
    let hung = 0;
    // Worker a takes part jobs and never finishes them; it is then stopped at once.
    const a = new RecordingRunner({
      part: () => {
        hung++;
        return new Promise<void>(() => {});
      },
    });
    const wa = new ClusterWorker({ ...workerOpts('q4', 'a'), concurrency: 1 }, a);
    await wa.ready();
    let wb: ClusterWorker | null = null;
    const b = new RecordingRunner();
    const run = collect(runOpts('q4'));
    try {
      // Wait until a holds a part, then stop it without letting the part finish.
      while (hung === 0) await new Promise((r) => setTimeout(r, 50));
      await wa.close(true);
      wb = new ClusterWorker(workerOpts('q4', 'b'), b);
      await wb.ready();
      assert.equal(await run, expected(files, contents, 7));
      // b did the part a held (a's count of parts that never ended is 1).
      assert.equal(hung, 1);
      const held = a.calls.find((c) => c.startsWith('part'));
      assert.ok(held !== undefined && b.calls.includes(held), `${held} was run by b too: ${b.calls.join(', ')}`);
    } finally {
      await wb?.close();
    }
  });
});

describe('cluster jobs as they come out of Redis', () => {
  const work = '/srv/work';
  const dir = '/srv/work/tcpscope-run-20261206T225637-0123abcd';
  it('takes what cluster run queues', () => {
    assert.deepEqual(checkJob('scan', { file: '/data/a.pcap', index: 0, dir }, work), { file: '/data/a.pcap', index: 0, dir });
    assert.deepEqual(checkJob('part', { file: '/data/a.pcap', index: 1, count: 2, dir, analysis: { os: 'linux', msl: '30' } }, work),
      { file: '/data/a.pcap', index: 1, count: 2, dir, analysis: { os: 'linux', msl: '30' } });
    assert.deepEqual(checkJob('merge', { count: 2, dir, format: 'csv', name: 'a.pcap' }, work), { count: 2, dir, format: 'csv', name: 'a.pcap' });
  });
  it('refuses a job that would write outside a run folder of this worker\'s --work, or carries anything else', () => {
    const refused: [string, unknown][] = [
      ['scan', { file: '/data/a.pcap', index: 0, dir: '/etc' }],
      ['scan', { file: '/data/a.pcap', index: 0, dir: '/srv/work/../../etc/tcpscope-run-20261206T225637-0123abcd' }],
      ['scan', { file: '/data/a.pcap', index: 0, dir: '/srv/work/tcpscope-run-20261206T225637-0123abcd/sub' }],
      ['scan', { file: '/data/a.pcap', index: 0, dir: '/srv/work/somewhere' }],
      ['scan', { file: 'a.pcap', index: 0, dir }],
      ['scan', { file: '/data/a.pcap', index: -1, dir }],
      ['scan', { file: '/data/a.pcap', index: '0', dir }],
      ['part', { file: '/data/a.pcap', index: 2, count: 2, dir, analysis: { os: 'rfc' } }],
      ['part', { file: '/data/a.pcap', index: 0, count: 2, dir }],
      ['merge', { count: 2, dir, format: 'html', name: 'a' }],
      ['merge', { count: 2, dir, format: 'csv', name: 'a\0b' }],
      ['scan', null],
      ['nonsense', { dir, file: '/data/a.pcap', index: 0 }],
    ];
    for (const [name, data] of refused) {
      assert.throws(() => checkJob(name, data, work), (e: unknown) => e instanceof BadInputError && !e.message.includes('\n'), JSON.stringify(data));
    }
  });
});

describe('cluster connection', { skip: missing ?? false }, () => {
  it('takes redis:// and rediss:// URLs and refuses others in one line', () => {
    assert.equal(parseRedisUrl('redis://127.0.0.1:6379/2').port, '6379');
    assert.equal(parseRedisUrl('rediss://:pw@example.org:6380').protocol, 'rediss:');
    for (const bad of ['http://127.0.0.1:6379', '127.0.0.1:6379', 'localhost', 'redis://', 'redis://host/x', 'unix:///tmp/redis.sock']) {
      assert.throws(() => parseRedisUrl(bad), (e: unknown) => e instanceof RedisUrlError && !e.message.includes('\n'), bad);
    }
    assert.equal(shownUrl(parseRedisUrl('redis://:secret@h:1/0')), 'redis://:***@h:1/0');
  });

  it('says in one line when Redis is not there or the password is wrong', async () => {
    const r = await startRedis(['--requirepass', 'right']);
    try {
      assert.match(await reachRedis(parseRedisUrl(`redis://:right@127.0.0.1:${r.port}`)), /^\d+\./);
      await assert.rejects(reachRedis(parseRedisUrl(`redis://:wrong@127.0.0.1:${r.port}`)), (e: unknown) => e instanceof RedisUnreachableError && /authentication failed/.test(e.message) && !e.message.includes('wrong'));
    } finally {
      await r.stop();
    }
    await assert.rejects(reachRedis(parseRedisUrl(`redis://127.0.0.1:${r.port}`)), (e: unknown) => e instanceof RedisUnreachableError && /connection refused/.test(e.message));
  });
});
