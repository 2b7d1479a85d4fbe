/**
 * Grading many files in parallel across CPU cores with worker threads. Each
 * worker takes the next file as soon as it is done with one; the results are
 * returned in the order of the tasks whatever order they finish in.
 *
 * The worker is worker.js next to this module when running compiled (dist/),
 * worker.ts when running from the sources, started then with tsx's loader.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Settings } from '../report/types.ts';
import { gradeFile, type FileTask } from './file.ts';
import type { FileResult, Rubric } from './types.ts';

export interface PoolOptions {
  /** Worker threads (default: the number of CPUs); 1 grades in this thread. */
  jobs?: number;
  /** Called as each file is done (in completion order), e.g. for a progress count. */
  onResult?: (done: number, total: number) => void;
}

function failed(task: FileTask, rubric: Rubric, message: string): FileResult {
  return {
    file: task.display, status: 'unreadable', reason: `internal error: ${message}`, damage: [], format: null, frames: 0,
    tcpSegments: 0, connections: 0, score: 0, max: rubric.criteria.reduce((s, c) => s + c.points, 0), stream: null,
    criteria: [], key: null, fingerprint: null,
  };
}

/**
 * A new grading worker. From dist/: worker.js. From the sources: worker.ts
 * loaded through tsx's API (Node 20 does not apply the parent's `--import
 * tsx` hooks to a worker's entry, so the entry is a small bootstrap).
 */
function newWorker(workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  if (!ts) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData });
}

export async function gradeAll(tasks: readonly FileTask[], rubric: Rubric, settings: Settings, opts: PoolOptions = {}): Promise<FileResult[]> {
  const results: FileResult[] = new Array(tasks.length);
  let done = 0;
  const finish = (i: number, r: FileResult): void => {
    results[i] = r;
    done++;
    opts.onResult?.(done, tasks.length);
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), tasks.length));
  if (jobs <= 1) {
    for (let i = 0; i < tasks.length; i++) {
      try {
        finish(i, await gradeFile(tasks[i], rubric, settings));
      } catch (e) {
        finish(i, failed(tasks[i], rubric, e instanceof Error ? e.message : String(e)));
      }
    }
    return results;
  }

  let next = 0;
  // Files left to this thread: when a worker cannot start at all (no results from it), the rest is graded here.
  const inline: number[] = [];
  let broken = false;
  await new Promise<void>((resolve) => {
    let running = 0;
    const start = (): void => {
      if (next >= tasks.length || broken) {
        if (running === 0) resolve();
        return;
      }
      running++;
      const w = newWorker({ rubric, settings });
      let current: number | null = null;
      let answered = 0;
      const feed = (): void => {
        if (next >= tasks.length) {
          current = null;
          void w.terminate();
          return;
        }
        current = next++;
        w.postMessage(tasks[current]);
      };
      w.on('message', (m: { index: number; result?: FileResult; error?: string }) => {
        answered++;
        finish(m.index, m.result ?? failed(tasks[m.index], rubric, m.error ?? 'unknown'));
        feed();
      });
      // A crashed worker loses only its current file; a new one takes over the rest.
      w.on('error', (e) => {
        if (answered === 0) {
          broken = true;
          if (current !== null) inline.push(current);
        } else if (current !== null) finish(current, failed(tasks[current], rubric, e.message));
        current = null;
      });
      w.on('exit', () => {
        running--;
        if (next < tasks.length && !broken) start();
        else if (running === 0) resolve();
      });
      feed();
    };
    for (let i = 0; i < jobs; i++) start();
  });
  while (next < tasks.length) inline.push(next++);
  for (const i of inline.sort((a, b) => a - b)) {
    try {
      finish(i, await gradeFile(tasks[i], rubric, settings));
    } catch (e) {
      finish(i, failed(tasks[i], rubric, e instanceof Error ? e.message : String(e)));
    }
  }
  return results;
}
