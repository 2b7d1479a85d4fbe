// A pool worker (src/analyze/pool.ts protocol) for test/grade/limits.test.ts:
// the task 'oom' allocates until its heap limit kills the worker; others answer.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ index, task }) => {
  if (task === 'oom') {
    const hold = [];
    for (;;) hold.push(new Array(1 << 16).fill(index));
  }
  parentPort.postMessage({ index, result: `done ${task}` });
});
