/**
 * Runs each job in a worker thread of its own, started from `entry` (a
 * module that reads `workerData` = { kind, job }, does the job and answers
 * with one ThreadAnswer). The analysis is CPU work that would hold this
 * thread's event loop for seconds: here it cannot delay the renewal of the
 * job's lock in Redis, so a busy worker is never taken for a dead one. A
 * thread that crashes (out of memory, say) fails its job, which the queue
 * tries again; stop() ends every thread at once.
 */
import type { Worker } from 'node:worker_threads';
import { newWorker } from '../analyze/pool.ts';
import { BadInputError, type JobName, type JobRunner, type MergeJob, type PartJob, type ScanJob } from './jobs.ts';

/** What the thread answers. `bad`: the job's input is at fault (not worth another try). */
export type ThreadAnswer = { ok: true; warnings?: string[] } | { ok: false; error: string; bad: boolean };

/** What the thread is given. */
export interface ThreadJob {
  kind: JobName;
  job: ScanJob | PartJob | MergeJob;
}

export class ThreadRunner implements JobRunner {
  private readonly live = new Set<Worker>();

  constructor(private readonly entry: URL) {}

  async scan(job: ScanJob): Promise<void> {
    await this.run({ kind: 'scan', job });
  }

  async part(job: PartJob): Promise<void> {
    await this.run({ kind: 'part', job });
  }

  merge(job: MergeJob): Promise<string[]> {
    return this.run({ kind: 'merge', job });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.live].map((w) => w.terminate()));
  }

  private run(data: ThreadJob): Promise<string[]> {
    const w = newWorker(this.entry, data);
    this.live.add(w);
    return new Promise<string[]>((resolve, reject) => {
      let answered = false;
      w.once('message', (m: ThreadAnswer) => {
        answered = true;
        if (m.ok) resolve(m.warnings ?? []);
        else reject(m.bad ? new BadInputError(m.error) : new Error(m.error));
        void w.terminate();
      });
      w.once('error', (e: Error) => {
        if (answered) return;
        answered = true;
        reject(new Error(`the job's thread failed: ${e.message}`));
      });
      w.once('exit', (code) => {
        this.live.delete(w);
        if (answered) return;
        answered = true;
        reject(new Error(`the job's thread ended without an answer (exit code ${code})`));
      });
    });
  }
}
