/**
 * Grading many files in parallel across CPU cores with worker threads
 * (the pool of src/analyze/pool.ts; the worker is worker.ts/worker.js here).
 */
import { type PoolOptions, runPool, sibling } from '../analyze/pool.ts';
import type { Settings } from '../report/types.ts';
import { DEFAULT_FILE_LIMITS, type FileLimits, gradeFile, type FileTask } from './file.ts';
import type { FileResult, Rubric } from './types.ts';

export type { PoolOptions };

function failed(task: FileTask, rubric: Rubric, message: string): FileResult {
  return {
    file: task.display, status: 'unreadable', reason: message, damage: [], format: null, frames: 0,
    tcpSegments: 0, connections: 0, score: 0, max: rubric.criteria.reduce((s, c) => s + c.points, 0), stream: null,
    criteria: [], key: null, fingerprint: null,
  };
}

/**
 * Heap of a grading worker (MB): a backstop behind FileLimits. A file that
 * still makes its worker run out fails alone (unreadable, "internal error:
 * ... out of memory") and a new worker takes the rest; with -j N the batch
 * holds at most N such heaps. Files are graded in a worker with -j 1 too
 * (workersAlways): in this thread a file of a million SYN copies took
 * gigabytes with no limit, and one such file could end the whole batch.
 */
const WORKER_HEAP_MB = 512;

/**
 * Seconds past --max-seconds after which a file still being graded is
 * failed and its worker stopped. --max-seconds is checked between chunks of
 * input; this stops a file that never gets back to a check (a loop in one
 * chunk), and the rest of grading, which is not timed.
 */
const STUCK_AFTER_S = 30;

export async function gradeAll(
  tasks: readonly FileTask[], rubric: Rubric, settings: Settings, opts: PoolOptions = {}, limits: FileLimits = DEFAULT_FILE_LIMITS,
): Promise<FileResult[]> {
  return runPool(
    tasks, sibling(import.meta.url, 'worker'), { rubric, settings, limits },
    (task) => gradeFile(task, rubric, settings, limits),
    (task, message) => failed(task, rubric, `internal error: ${message}`),
    {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      workersAlways: true,
      taskTimeoutMs: (limits.maxSeconds + STUCK_AFTER_S) * 1000,
      ...opts,
    },
  );
}
