/**
 * What `tcpscope cluster worker` and `tcpscope cluster run` do (their
 * options and help are in cluster.ts). The queue's side is in src/cluster/.
 */
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseRedisUrl, reachRedis, RedisUnreachableError, RedisUrlError } from '../cluster/connection.ts';
import { type AnalysisOptions, CLUSTER_FORMATS, type ClusterFormat } from '../cluster/jobs.ts';
import { ClusterAbortError, ClusterJobError, runCluster } from '../cluster/run.ts';
import { ClusterWorker } from '../cluster/worker.ts';
import { termText } from '../render/escape/terminal.ts';
import { groupInputs, orderSeries } from '../capture/series.ts';
import { resolveCommon } from './common.ts';
import { Interrupt } from './interrupt.ts';
import { OutputFile, writeReason } from './output-file.ts';
import { seriesName } from './series-name.ts';
import { parseDuration, UsageError } from './util.ts';

export interface WorkerCliOptions {
  redis: string;
  work: string;
  queue: string;
  concurrency?: string;
  lockDuration: string;
  stalledInterval: string;
  maxStalled: string;
  quiet?: boolean;
}

export interface RunCliOptions {
  redis: string;
  work: string;
  queue: string;
  format: string;
  output?: string;
  name?: string;
  os?: string;
  msl?: string;
  maxConnections?: string;
  attempts: string;
  keepWork?: boolean;
  quiet?: boolean;
}

function wholeNumber(s: string, flag: string, min: number): number {
  if (!/^\d+$/.test(s.trim()) || Number(s) < min) throw new UsageError(`${flag}: expected a whole number of at least ${min}, got '${s}'`);
  return Number(s);
}

function queueName(s: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(s)) throw new UsageError(`--queue: expected a name of letters, digits, '.', '_' or '-', got '${s}'`);
  return s;
}

/** --redis checked and Redis reached once: a wrong URL, host or password is one line, exit 2. */
async function redisFrom(s: string): Promise<URL> {
  try {
    const url = parseRedisUrl(s);
    await reachRedis(url);
    return url;
  } catch (e) {
    if (e instanceof RedisUrlError || e instanceof RedisUnreachableError) throw new UsageError(e.message);
    throw e;
  }
}

/** The analysis options, checked here (as `part analyze` checks them) before anything is queued. */
function analysisFrom(o: RunCliOptions): AnalysisOptions {
  const c = resolveCommon({ os: o.os, msl: o.msl, maxConnections: o.maxConnections, color: false });
  const a: AnalysisOptions = { os: c.settings.os };
  if (o.msl !== undefined) a.msl = o.msl;
  if (o.maxConnections !== undefined) a.maxConnections = o.maxConnections;
  return a;
}

/** --work: an existing folder this user can write in, absolute. */
async function workDir(s: string): Promise<string> {
  const work = resolve(s);
  const ws = await stat(work).catch(() => null);
  if (!ws?.isDirectory()) throw new UsageError(`--work: ${s} is not a directory`);
  await access(work, constants.W_OK | constants.X_OK).catch(() => {
    throw new UsageError(`--work: cannot write in ${s}`);
  });
  return work;
}

const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function clusterWorkerAction(o: WorkerCliOptions): Promise<void> {
  const concurrency = o.concurrency === undefined ? availableParallelism() : wholeNumber(o.concurrency, '--concurrency', 1);
  const lockDuration = parseDuration(o.lockDuration, '--lock-duration');
  const stalledInterval = parseDuration(o.stalledInterval, '--stalled-interval');
  const maxStalledCount = wholeNumber(o.maxStalled, '--max-stalled', 0);
  const queue = queueName(o.queue);
  const work = await workDir(o.work);
  const redis = await redisFrom(o.redis);
  const { ThreadRunner } = await import('../cluster/thread-runner.ts');
  const { sibling } = await import('../analyze/pool.ts');
  const say = (line: string): void => {
    process.stderr.write(`${stamp()} ${termText(line)}\n`);
  };
  const quiet = o.quiet ?? false;
  const interrupt = new Interrupt();
  const worker = new ClusterWorker(
    { redis, queue, concurrency, lockDuration, stalledInterval, maxStalledCount, name: `tcpscope@${hostname()}:${process.pid}`, work },
    new ThreadRunner(sibling(import.meta.url, 'cluster-thread')),
    {
      started: quiet ? undefined : (label) => say(`${label}: started`),
      done: quiet ? undefined : (label, ms) => say(`${label}: done in ${(ms / 1000).toFixed(2)} s`),
      failed: (label, message, final) => say(`${label}: failed${final ? '' : ' (the queue will try it again)'}: ${message}`),
      redisError: (m) => say(m),
      redisReady: () => say('Redis reachable again'),
    },
  );
  await worker.ready();
  if (!quiet) say(`worker on queue '${queue}' at ${redis.host}, ${concurrency} job${concurrency === 1 ? '' : 's'} at once; Ctrl-C stops it`);
  await new Promise<void>((res) => {
    interrupt.signal.addEventListener('abort', () => res(), { once: true });
  });
  if (!quiet || worker.active > 0) say(`stopping: ${worker.active === 0 ? 'no job running' : `waiting for ${worker.active} running job${worker.active === 1 ? '' : 's'} to finish`} (again to quit at once)`);
  await worker.close();
  // The signal asked the worker to stop, and it did: a normal end.
}

export async function clusterRunAction(args: string[], o: RunCliOptions): Promise<void> {
  if (!(CLUSTER_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format: expected ${CLUSTER_FORMATS.join(' or ')}, got '${o.format}'`);
  const format = o.format as ClusterFormat;
  const analysis = analysisFrom(o);
  const attempts = wholeNumber(o.attempts, '--attempts', 1);
  const queue = queueName(o.queue);
  for (const a of args) {
    const s = await stat(a).catch((e: unknown) => {
      throw new UsageError(`cannot read ${a}: ${writeReason(e)}`);
    });
    if (!s.isFile()) throw new UsageError(`${a}: not a capture file (cluster run takes the parts as files)`);
  }
  // The parts in the order and under the name analyze gives them when it
  // reads them as one capture (analyze --series, or a tcpdump -C numbering).
  const inputs = args.map((name) => ({ name, path: resolve(name) }));
  const groups = groupInputs(inputs);
  const kind = groups.length === 1 && groups[0].series !== null ? groups[0].series.kind : 'given';
  const files = (await orderSeries(kind, inputs, null)).map((p) => p.part.path);
  const name = o.name ?? seriesName(kind, args, null);
  const work = await workDir(o.work);
  const redis = await redisFrom(o.redis);
  const quiet = o.quiet ?? false;
  const tty = process.stderr.isTTY === true && !quiet;
  const interrupt = new Interrupt();
  let status = '';
  const show = (line: string): void => {
    if (!tty) return;
    process.stderr.write(`\r${line}${' '.repeat(Math.max(0, status.length - line.length))}`);
    status = line;
  };
  const deliver = async (path: string): Promise<void> => {
    if (o.output === undefined) {
      await pipeline(createReadStream(path), process.stdout, { end: false });
      return;
    }
    let f: OutputFile;
    try {
      f = await OutputFile.create(o.output);
    } catch (e) {
      throw new UsageError(`cannot write ${o.output}: ${writeReason(e)}`);
    }
    try {
      await pipeline(createReadStream(path), f.stream, { end: false });
      await f.commit();
    } catch (e) {
      await f.abort();
      throw new UsageError(`cannot write ${o.output}: ${writeReason(e)}`);
    }
  };
  try {
    await runCluster(
      { redis, queue, work, files, format, name, analysis, attempts, keep: o.keepWork ?? false, signal: interrupt.signal },
      deliver,
      {
        progress: (stage, done, total) => show(stage === 'merge' ? 'merged' : `${stage === 'scan' ? 'scans' : 'parts'}: ${done}/${total}`),
        warning: (m) => process.stderr.write(`warning: ${termText(m)}\n`),
        noWorkers: quiet ? undefined : () => {
          if (tty) process.stderr.write('\n');
          process.stderr.write(`no worker is taking jobs from queue '${queue}' yet: start one with tcpscope cluster worker --redis URL${queue === 'tcpscope' ? '' : ` --queue ${queue}`}\n`);
        },
      },
    );
    if (tty) process.stderr.write('\n');
  } catch (e) {
    if (tty && status !== '') process.stderr.write('\n');
    if (e instanceof ClusterJobError) {
      for (const f of e.failures) process.stderr.write(`error: ${termText(`${f.label} failed: ${f.reason}`)}\n`);
      process.exitCode = 2;
      return;
    }
    if (e instanceof ClusterAbortError) {
      process.exitCode = interrupt.exitCode ?? 130;
      return;
    }
    throw e;
  } finally {
    interrupt.dispose();
  }
}
