/**
 * Work spread over CPU cores with worker threads, one file per task: each
 * worker takes the next task as soon as it is done with one; results come
 * back in the order of the tasks whatever order they finish in. Used by
 * `tcpscope grade` and by `tcpscope analyze` of several captures.
 *
 * The worker is a module answering each task message with
 * `{ index, result }` or `{ index, error }`. From dist/ it is a .js file;
 * from the sources a .ts file loaded through tsx's API (Node 20 does not
 * apply the parent's `--import tsx` hooks to a worker's entry, so the entry
 * is a small bootstrap).
 */
import { availableParallelism } from 'node:os';
import { type ResourceLimits, Worker } from 'node:worker_threads';

export interface PoolOptions<R = unknown> {
  /** Worker threads (default: the number of CPUs); 1 runs every task in this thread. */
  jobs?: number;
  /** Called as each task is done (in completion order), e.g. for a progress count. */
  onResult?: (done: number, total: number) => void;
  /**
   * Called with each task's result in the order of the tasks, as soon as it
   * and every task before it are done (e.g. to write output as it comes).
   */
  onInOrder?: (index: number, result: R) => void;
  /**
   * Once aborted no task starts, and each worker busy with one gets the
   * message `{ interrupt: reason }` (its module decides what to do, e.g. end
   * the read and answer with what it has). Tasks never started have no
   * result (their slots stay empty, and onInOrder stops before them).
   */
  signal?: AbortSignal;
  /** Limits of each worker's heap: a task that needs more fails alone (its worker is replaced). */
  resourceLimits?: ResourceLimits;
  /**
   * Run tasks in a worker thread even with one job (default: one job runs
   * in this thread), so that resourceLimits and taskTimeoutMs hold there too.
   */
  workersAlways?: boolean;
  /**
   * A task still running this long after it was sent fails (`failed`, with
   * the time) and its worker is stopped and replaced: a task stuck in a
   * loop cannot hold the batch. Tasks run in this thread have no such limit.
   */
  taskTimeoutMs?: number;
}

/** A worker thread running the module `entry` (.js from dist/, .ts through tsx from the sources). */
export function newWorker(entry: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const limits = resourceLimits === undefined ? {} : { resourceLimits };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, ...limits });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData, ...limits });
}

/** The module `name` (without extension) next to `moduleUrl`, as .ts from the sources or .js from dist/. */
export function sibling(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}

/**
 * Run `tasks` in worker threads started from `entry` with `workerData`.
 * `inline` runs a task in this thread (one job, or when no worker can start
 * at all); `failed` makes the result of a task whose worker crashed or threw.
 */
export async function runPool<T, R>(
  tasks: readonly T[], entry: URL, workerData: unknown,
  inline: (task: T, index: number) => Promise<R>, failed: (task: T, message: string) => R,
  opts: PoolOptions<R> = {},
): Promise<R[]> {
  const results: R[] = new Array(tasks.length);
  let done = 0;
  const finished: boolean[] = new Array<boolean>(tasks.length).fill(false);
  let inOrder = 0;
  const finish = (i: number, r: R): void => {
    results[i] = r;
    finished[i] = true;
    done++;
    opts.onResult?.(done, tasks.length);
    for (; inOrder < tasks.length && finished[inOrder]; inOrder++) opts.onInOrder?.(inOrder, results[inOrder]);
  };
  const runInline = async (i: number): Promise<void> => {
    try {
      finish(i, await inline(tasks[i], i));
    } catch (e) {
      finish(i, failed(tasks[i], e instanceof Error ? e.message : String(e)));
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), tasks.length));
  const stopped = (): boolean => opts.signal?.aborted === true;
  if (jobs <= 1 && opts.workersAlways !== true) {
    for (let i = 0; i < tasks.length && !stopped(); i++) await runInline(i);
    return results;
  }

  let next = 0;
  // Tasks left to this thread: when a worker cannot start at all (no results from it), the rest runs here.
  const inlineLeft: number[] = [];
  let broken = false;
  const busy = new Set<Worker>();
  const onAbort = (): void => {
    for (const w of busy) w.postMessage({ interrupt: String(opts.signal?.reason) });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  await new Promise<void>((resolve) => {
    let running = 0;
    const start = (): void => {
      if (next >= tasks.length || broken) {
        if (running === 0) resolve();
        return;
      }
      running++;
      const w = newWorker(entry, workerData, opts.resourceLimits);
      let current: number | null = null;
      let answered = 0;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const stopTimer = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
      };
      const feed = (): void => {
        stopTimer();
        if (next >= tasks.length || stopped()) {
          current = null;
          busy.delete(w);
          void w.terminate();
          return;
        }
        const i = next++;
        current = i;
        busy.add(w);
        w.postMessage({ index: i, task: tasks[i] });
        const limit = opts.taskTimeoutMs;
        if (limit !== undefined) {
          timer = setTimeout(() => {
            timer = null;
            if (current !== i) return;
            // Stuck: this task fails, the worker goes, and its exit starts a new one for the rest.
            current = null;
            busy.delete(w);
            finish(i, failed(tasks[i], `still running after ${limit / 1000} s: its worker was stopped`));
            void w.terminate();
          }, limit);
        }
      };
      w.on('message', (m: { index: number; result?: R; error?: string }) => {
        if (m.index !== current) return; // the answer of a task already failed as stuck
        answered++;
        finish(m.index, m.error === undefined ? m.result as R : failed(tasks[m.index], m.error));
        feed();
      });
      // A crashed worker loses only its current task; a new one takes over the rest.
      // A worker that fails before its first answer could not start at all,
      // unless it ran out of its heap: then its task is what failed (an
      // input that takes more memory than allowed must not move every other
      // task into this thread, without limits).
      w.on('error', (e) => {
        stopTimer();
        if (answered === 0 && (e as { code?: string }).code !== 'ERR_WORKER_OUT_OF_MEMORY') {
          broken = true;
          if (current !== null) inlineLeft.push(current);
        } else if (current !== null) finish(current, failed(tasks[current], e.message));
        current = null;
      });
      w.on('exit', () => {
        stopTimer();
        running--;
        busy.delete(w);
        if (next < tasks.length && !broken && !stopped()) start();
        else if (running === 0) resolve();
      });
      feed();
    };
    for (let i = 0; i < jobs; i++) start();
  });
  opts.signal?.removeEventListener('abort', onAbort);
  while (next < tasks.length && !stopped()) inlineLeft.push(next++);
  for (const i of inlineLeft.sort((a, b) => a - b)) await runInline(i);
  return results;
}
