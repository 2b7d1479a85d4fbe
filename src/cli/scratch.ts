/**
 * Temporary folders of a run (the JSON spool, the NDJSON of parallel
 * captures, a copy of standard input) are removed by whoever made them when
 * done, and also when the process exits first: a second Ctrl-C leaves
 * through process.exit (cli/interrupt.ts), which runs no `finally`.
 */
import { rmSync } from 'node:fs';

const dirs = new Set<string>();
let hooked = false;

/** Remove `dir` at exit unless `kept` is called first. */
export function removeAtExit(dir: string): void {
  dirs.add(dir);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

/** `dir` was removed (or is no longer ours): nothing to do at exit. */
export function removed(dir: string): void {
  dirs.delete(dir);
}
