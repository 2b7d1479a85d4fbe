/**
 * The queue side of `tcpscope cluster worker`: takes the jobs of every run
 * from the queue and hands them to a JobRunner. A job whose worker dies
 * (killed, machine gone) keeps its lock only `lockDuration`: the stalled-job
 * check of any worker then puts it back in the queue for another one, up to
 * `maxStalledCount` times. A job that throws is retried by the queue as its
 * run asked (attempts), except a BadInputError, which fails at once.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { connect, reason, shownUrl } from './connection.ts';
import { BadInputError, checkJob, jobLabel, type JobRunner, type MergeJob, type MergeResult, type PartJob, type ScanJob } from './jobs.ts';

export interface WorkerOptions {
  redis: URL;
  queue: string;
  /** Jobs run at once by this worker. */
  concurrency: number;
  /** How long a job's lock lasts without renewal (ms); a dead worker's job waits this long (plus a check) before another takes it. */
  lockDuration: number;
  /** How often this worker looks for stalled jobs (ms). */
  stalledInterval: number;
  /** How many times a job may stall (its worker dying) before it fails. */
  maxStalledCount: number;
  /** The worker's name in Redis (CLIENT LIST, the jobs it took). */
  name: string;
  /** The shared work directory (absolute): jobs of runs elsewhere are refused. */
  work: string;
}

export interface WorkerEvents {
  /** A job started, ended well, or failed (an attempt: `final` when the queue gives up on it). */
  started?: (label: string) => void;
  done?: (label: string, ms: number) => void;
  failed?: (label: string, message: string, final: boolean) => void;
  /** Redis trouble, once per kind until it is solved. */
  redisError?: (message: string) => void;
  redisReady?: () => void;
}

export class ClusterWorker {
  private readonly worker: Worker;
  private readonly conn: Redis;
  private closing: Promise<void> | null = null;
  private running = 0;

  private readonly work: string;

  constructor(opts: WorkerOptions, private readonly runner: JobRunner, private readonly events: WorkerEvents = {}) {
    this.work = opts.work;
    this.conn = connect(opts.redis);
    let lastError: string | null = null;
    const onError = (e: Error): void => {
      const m = reason(e);
      if (m === lastError) return;
      lastError = m;
      events.redisError?.(`Redis at ${shownUrl(opts.redis)}: ${m}`);
    };
    this.conn.on('error', onError);
    this.conn.on('ready', () => {
      if (lastError !== null) events.redisReady?.();
      lastError = null;
    });
    this.worker = new Worker(opts.queue, (job) => this.process(job), {
      connection: this.conn,
      name: opts.name,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDuration,
      stalledInterval: opts.stalledInterval,
      maxStalledCount: opts.maxStalledCount,
      autorun: true,
    });
    this.worker.on('error', onError);
    this.worker.on('failed', (job, err) => {
      // A parent failed by its child's failure: the child's line said it.
      if (!job || (job.name !== 'scan' && job.name !== 'part' && /^child .* failed$/.test(err.message))) return;
      const attempts = job.opts.attempts ?? 1;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= attempts || job.finishedOn !== undefined;
      events.failed?.(jobLabel(job.name, job.data), err.message, final);
    });
  }

  /** Resolves once connected to Redis and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  private async process(job: Job): Promise<unknown> {
    // The barrier after the scans does nothing: not worth a line.
    if (job.name === 'scans') return null;
    const label = jobLabel(job.name, job.data);
    const t0 = performance.now();
    this.events.started?.(label);
    this.running++;
    let result: MergeResult | null = null;
    try {
      const data = checkJob(job.name, job.data, this.work);
      switch (job.name) {
        case 'scan': await this.runner.scan(data as ScanJob); break;
        case 'part': await this.runner.part(data as PartJob); break;
        case 'merge': result = { warnings: await this.runner.merge(data as MergeJob) }; break;
        default: throw new BadInputError(`unknown job '${job.name}' (a newer tcpscope's queue?)`);
      }
    } catch (e) {
      if (e instanceof BadInputError) throw new UnrecoverableError(e.message);
      throw e instanceof Error ? new Error(e.message) : new Error(String(e));
    } finally {
      this.running--;
    }
    this.events.done?.(label, performance.now() - t0);
    return result;
  }

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /**
   * Stop taking jobs. Without `now`, the jobs running finish first; with
   * it, they are stopped and left to the queue (their locks lapse and
   * another worker takes them).
   */
  close(now = false): Promise<void> {
    if (now) {
      const stopping = this.runner.stop?.() ?? Promise.resolve();
      return stopping.then(() => this.worker.close(true)).then(() => this.conn.disconnect());
    }
    this.closing ??= this.worker.close(false).then(() => this.conn.quit()).then(() => undefined, () => undefined);
    return this.closing;
  }
}
