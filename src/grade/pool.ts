/**
 * Grading many files in parallel across CPU cores with worker threads
 * (the pool of src/analyze/pool.ts; the worker is worker.ts/worker.js here).
 */
import { type PoolOptions, runPool, sibling } from '../analyze/pool.ts';
import type { Settings } from '../report/types.ts';
import { gradeFile, type FileTask } from './file.ts';
import type { FileResult, Rubric } from './types.ts';

export type { PoolOptions };

function failed(task: FileTask, rubric: Rubric, message: string): FileResult {
  return {
    file: task.display, status: 'unreadable', reason: message, damage: [], format: null, frames: 0,
    tcpSegments: 0, connections: 0, score: 0, max: rubric.criteria.reduce((s, c) => s + c.points, 0), stream: null,
    criteria: [], key: null, fingerprint: null,
  };
}

export async function gradeAll(tasks: readonly FileTask[], rubric: Rubric, settings: Settings, opts: PoolOptions = {}): Promise<FileResult[]> {
  return runPool(
    tasks, sibling(import.meta.url, 'worker'), { rubric, settings },
    (task) => gradeFile(task, rubric, settings),
    (task, message) => failed(task, rubric, `internal error: ${message}`),
    opts,
  );
}
