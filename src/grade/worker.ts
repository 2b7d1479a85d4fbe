/**
 * Worker thread of `tcpscope grade`: grades the files the pool sends it, one
 * message per file, and answers each with its FileResult. Started by pool.ts
 * as worker.js from dist/, or as worker.ts through tsx when running from the
 * sources (tests).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Settings } from '../report/types.ts';
import { type FileLimits, gradeFile, type FileTask } from './file.ts';
import type { Rubric } from './types.ts';

const { rubric, settings, limits } = workerData as { rubric: Rubric; settings: Settings; limits: FileLimits };
const port = parentPort;
if (port === null) throw new Error('grade worker: not in a worker thread');
port.on('message', ({ index, task }: { index: number; task: FileTask }) => {
  gradeFile(task, rubric, settings, limits).then(
    (result) => port.postMessage({ index, result }),
    (e: unknown) => port.postMessage({ index, error: e instanceof Error ? e.message : String(e) }),
  );
});
