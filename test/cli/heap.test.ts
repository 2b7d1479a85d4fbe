/**
 * The CLI's V8 heap settings (src/cli/heap.ts): threads started after
 * tuneHeap get a small young generation from the start, this thread's stops
 * growing at about 8 MB, and what the user gave node wins. Each case runs in a node process of its own (V8's flags are
 * process-wide).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.ts';

/** Young generation sizes (MB) of a thread started after tuneHeap, and of this thread after garbage that survives. */
function youngSizes(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): { worker: number; main: number } {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { getHeapSpaceStatistics } from 'node:v8';
    import { tuneHeap, stopYoungGrowth } from './src/cli/heap.ts';
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    tuneHeap();
    // Objects that survive a while make V8 grow the young generation.
    let keep = [];
    for (let i = 0; i < 4e6; i++) {
      keep.push({ i, a: [i] });
      if (keep.length > 200000) keep = [];
      if (i % 10000 === 0) stopYoungGrowth();
    }
    const main = young();
    const w = new Worker("Promise.all([import('node:worker_threads'), import('node:v8')]).then(([t, v8]) => " +
      "t.parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576));", { eval: true });
    w.on('message', (worker) => { console.log(JSON.stringify({ worker, main })); void w.terminate(); });
  `;
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { worker: number; main: number };
}

describe('V8 heap settings of the CLI', () => {
  it('a thread started later has a young generation of 4 to 8 MB from the start; this one grows no further than 8', () => {
    const s = youngSizes([]);
    assert.ok(s.worker >= 4 && s.worker <= 8, `a new thread's young generation: ${s.worker} MB`);
    assert.ok(s.main <= 8, `main thread's young generation: ${s.main} MB`);
    // Without tuneHeap it grows to V8's default (32 MB here): see below.
  });

  it('leaves the young generation alone when node was given its size (NODE_OPTIONS or its command line)', () => {
    const env = youngSizes([], { NODE_OPTIONS: '--max-semi-space-size=16' });
    assert.ok(env.main > 8, `main thread's young generation: ${env.main} MB`);
    assert.ok(env.worker < 8, `a new thread's young generation: ${env.worker} MB`);
    const argv = youngSizes(['--max-semi-space-size=16']);
    assert.ok(argv.main > 8, `main thread's young generation: ${argv.main} MB`);
  });
});
