// A pool worker (src/analyze/pool.ts protocol) for test/grade/limits.test.ts:
// the task 'stuck' never returns (a loop that never yields); others answer.
import { parentPort, threadId } from 'node:worker_threads';

parentPort.on('message', ({ index, task }) => {
  if (task === 'stuck') for (;;);
  parentPort.postMessage({ index, result: `done ${task} in thread ${threadId === 0 ? 'main' : 'worker'}` });
});
