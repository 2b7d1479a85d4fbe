/**
 * The queue side of `tcpscope cluster run`: one run of N capture files is
 * two BullMQ flows in a folder of its own in the shared work directory.
 *
 *  1. `scans` <- `scan` of every file: each worker writes the file's scan
 *     (its frame count and 4-tuples) to scan-K; the parent runs when all are
 *     done.
 *  2. `merge` <- `part` of every file: each part is analysed with the scans
 *     of all (so it knows which of its connections cross its edges) and
 *     written to part-K; the merge runs when every part is done and writes
 *     the output the caller then delivers (stdout or -o).
 *
 * A child that fails for good fails its parent at once (failParentOnFailure),
 * the run's remaining jobs are taken off the queue and the failures are
 * reported with the part and the reason. The run's jobs and folder are
 * removed when it ends, however it ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FlowProducer, Job, type JobNode, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { connect } from './connection.ts';
import { type AnalysisOptions, type ClusterFormat, jobLabel, RUN_FOLDER, type MergeJob, type MergeResult, outputPath, type PartJob, type ScanJob, type ScansJob } from './jobs.ts';

export interface RunOptions {
  redis: URL;
  queue: string;
  /** The shared work directory (absolute; every worker reads and writes it at this path). */
  work: string;
  /** The capture files in capture order (absolute; every worker reads them at these paths). */
  files: string[];
  format: ClusterFormat;
  /** The capture name the output shows (as analyze shows the first file of a series: as given). */
  name: string;
  analysis: AnalysisOptions;
  /** Tries of a job that fails with an error (not bad input, which fails at once). */
  attempts: number;
  /** Keep the run's folder (scans, parts, output) instead of removing it. */
  keep: boolean;
  signal?: AbortSignal;
}

export interface RunEvents {
  /** `done` of `total` jobs of a stage finished. */
  progress?: (stage: 'scan' | 'part' | 'merge', done: number, total: number) => void;
  /** No worker has been connected to the queue for a while. */
  noWorkers?: () => void;
  /** Where the merge may differ from one run (the merge's own words). */
  warning?: (message: string) => void;
}

export interface JobFailure {
  /** "part 3 (/data/tap.pcap3)", "the merge". */
  label: string;
  reason: string;
}

/** Jobs of the run failed for good (after their retries). */
export class ClusterJobError extends Error {
  constructor(readonly failures: JobFailure[]) {
    super(failures.map((f) => `${f.label} failed: ${f.reason}`).join('\n'));
    this.name = 'ClusterJobError';
  }
}

/** The run was interrupted (its jobs were taken off the queue). */
export class ClusterAbortError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'ClusterAbortError';
  }
}

/** How long, and how many, jobs the runs could not remove (still running, or the run was killed) stay in Redis. */
const FAILED_KEPT_SECONDS = 7 * 24 * 3600;
const FAILED_KEPT = 1000;

/** How long `cluster run` waits before it says no worker is connected. */
const NO_WORKER_NOTICE_MS = 3000;

/**
 * Run the flows; `deliver` gets the merged output's path while it still
 * exists (the folder goes when the run ends, unless `keep`).
 */
export async function runCluster(o: RunOptions, deliver: (path: string) => Promise<void>, events: RunEvents = {}): Promise<void> {
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(4).toString('hex')}`;
  const dir = join(o.work, `tcpscope-run-${id}`);
  if (!RUN_FOLDER.test(basename(dir))) throw new Error(`bad run folder name ${dir}`);
  await mkdir(dir, { recursive: false });
  const conns: Redis[] = [];
  const conn = (): Redis => {
    const c = connect(o.redis);
    c.on('error', () => undefined);
    conns.push(c);
    return c;
  };
  const queue = new Queue(o.queue, { connection: conn() });
  const flows = new FlowProducer({ connection: conn() });
  const queueEvents = new QueueEvents(o.queue, { connection: conn() });
  queueEvents.on('error', () => undefined);
  queue.on('error', () => undefined);
  flows.on('error', () => undefined);
  const added: JobNode[] = [];
  const watch = new Watch(queueEvents, events);
  const stopNotice = noticeIdleQueue(queue, events, o.signal);
  try {
    await queueEvents.waitUntilReady();
    const child: JobsOptions = {
      attempts: o.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      failParentOnFailure: true,
      // Nothing reads a child's result: its file is the result. A failed
      // one is read for its reason, then removed with the run.
      removeOnComplete: true,
      removeOnFail: { age: FAILED_KEPT_SECONDS, count: FAILED_KEPT },
    };
    // The run removes its parents when it ends; these bound what a killed run leaves.
    const kept = { age: FAILED_KEPT_SECONDS, count: FAILED_KEPT };
    const parent: JobsOptions = { attempts: o.attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: kept, removeOnFail: kept };
    const n = o.files.length;

    const scans = await flows.add({
      name: 'scans', queueName: o.queue, data: { count: n } satisfies ScansJob, opts: parent,
      children: o.files.map((file, index) => ({
        name: 'scan', queueName: o.queue, data: { file, index, dir } satisfies ScanJob, opts: child,
      })),
    });
    added.push(scans);
    watch.stage('scan', scans, n);
    await waitFlow(scans, queue, queueEvents, o.signal);

    const merge = await flows.add({
      name: 'merge', queueName: o.queue,
      data: { count: n, dir, format: o.format, name: o.name } satisfies MergeJob,
      opts: parent,
      children: o.files.map((file, index) => ({
        name: 'part', queueName: o.queue,
        data: { file, index, count: n, dir, analysis: o.analysis } satisfies PartJob,
        opts: child,
      })),
    });
    added.push(merge);
    watch.stage('part', merge, n);
    const result = (await waitFlow(merge, queue, queueEvents, o.signal)) as MergeResult | null;
    events.progress?.('merge', 1, 1);
    for (const w of result?.warnings ?? []) events.warning?.(w);
    await deliver(outputPath(dir, o.format));
  } finally {
    stopNotice();
    for (const node of added) await removeFlow(queue, node);
    await Promise.allSettled([queueEvents.close(), flows.close(), queue.close()]);
    for (const c of conns) c.disconnect();
    if (!o.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** The ids of a flow's children. */
function childIds(node: JobNode): string[] {
  return (node.children ?? []).map((c) => c.job.id).filter((x): x is string => x !== undefined);
}

/** Wait for a flow's parent; its failure becomes the failures of its children (or its own). */
async function waitFlow(node: JobNode, queue: Queue, queueEvents: QueueEvents, signal?: AbortSignal): Promise<unknown> {
  try {
    return await untilAborted(node.job.waitUntilFinished(queueEvents), signal);
  } catch (e) {
    if (e instanceof ClusterAbortError) throw e;
    const failures: JobFailure[] = [];
    for (const cid of childIds(node)) {
      const j = await Job.fromId(queue, cid);
      if (j && (await j.getState()) === 'failed') failures.push({ label: jobLabel(j.name, j.data), reason: withoutFile(oneLine(j.failedReason), j.data) });
    }
    if (failures.length === 0) failures.push({ label: jobLabel(node.job.name, node.job.data), reason: oneLine(e instanceof Error ? e.message : String(e)) });
    throw new ClusterJobError(failures);
  }
}

/** The reason without the file name it may start with: the label names the file already. */
function withoutFile(reason: string, data: unknown): string {
  const file = (data as { file?: unknown } | null)?.file;
  return typeof file === 'string' && reason.startsWith(`${file}: `) ? reason.slice(file.length + 2) : reason;
}

function oneLine(s: string | undefined): string {
  return (s ?? 'no reason given').split('\n')[0];
}

function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new ClusterAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ClusterAbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

/**
 * Take a flow off the queue: the children that are not running, then the
 * parent. A child still running (locked by a worker, when another failed)
 * cannot be removed: it ends on its own and goes then (removeOnComplete),
 * or stays among the failed jobs for a week (removeOnFail).
 */
async function removeFlow(queue: Queue, node: JobNode): Promise<void> {
  for (const jid of childIds(node)) await queue.remove(jid).catch(() => 0);
  if (node.job.id !== undefined) await queue.remove(node.job.id, { removeChildren: false }).catch(() => 0);
}

/** Counts the jobs of the current stage as the queue reports them done. */
class Watch {
  private ids = new Set<string>();
  private done = 0;
  private total = 0;
  private name: 'scan' | 'part' = 'scan';

  constructor(queueEvents: QueueEvents, private readonly events: RunEvents) {
    queueEvents.on('completed', ({ jobId }) => {
      if (!this.ids.delete(jobId)) return;
      this.done++;
      this.events.progress?.(this.name, this.done, this.total);
    });
  }

  stage(name: 'scan' | 'part', node: JobNode, total: number): void {
    this.name = name;
    this.ids = new Set(childIds(node));
    this.done = 0;
    this.total = total;
    this.events.progress?.(name, 0, total);
  }
}

/** Tell once if no worker is connected to the queue a while after the run started. */
function noticeIdleQueue(queue: Queue, events: RunEvents, signal?: AbortSignal): () => void {
  if (!events.noWorkers) return () => undefined;
  const timer = setTimeout(() => {
    queue.getWorkersCount().then((count) => {
      if (count === 0 && !signal?.aborted) events.noWorkers?.();
    }, () => undefined);
  }, NO_WORKER_NOTICE_MS);
  timer.unref();
  return () => clearTimeout(timer);
}
