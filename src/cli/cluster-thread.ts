/**
 * A worker thread of `tcpscope cluster worker` (cluster/thread-runner.ts):
 * runs one job as the commands `part scan`, `part analyze` and `merge` run
 * it (split-action.ts), and answers once. Each job writes its file under a
 * name of its own in the run's folder, renamed onto the job's file when
 * complete: a worker that lost its job (taken for dead, the job given to
 * another) and still finishes it never leaves half a file where a reader
 * looks, and two copies of a job both leave a whole one.
 */
import { randomBytes } from 'node:crypto';
import { rename, stat, unlink } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureError } from '../capture/frame.ts';
import { type MergeJob, outputPath, type PartJob, partPath, type ScanJob, scanPath } from '../cluster/jobs.ts';
import type { ThreadAnswer, ThreadJob } from '../cluster/thread-runner.ts';
import { mergeTo, partAnalyzeAction, partScanAction } from './split-action.ts';
import { UsageError } from './util.ts';

async function whole<T>(out: string, write: (temp: string) => Promise<T>): Promise<T> {
  const temp = `${out}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    const r = await write(temp);
    await rename(temp, out);
    return r;
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

async function run(t: ThreadJob): Promise<string[]> {
  // A job of a run that has ended (interrupted, or failed elsewhere) or a
  // work directory not shared at this path: nothing to try again.
  const dir = (t.job as { dir: string }).dir;
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new UsageError(`the run's folder ${dir} is not there: the run has ended, or --work is not shared at that path on this machine`);
  }
  if (t.kind === 'scan') {
    const j = t.job as ScanJob;
    await whole(scanPath(j.dir, j.index), (temp) => partScanAction(j.file, { output: temp }));
    return [];
  }
  if (t.kind === 'part') {
    const j = t.job as PartJob;
    const scans = Array.from({ length: j.count }, (_, k) => scanPath(j.dir, k));
    await whole(partPath(j.dir, j.index), (temp) => partAnalyzeAction(j.file, { ...j.analysis, index: String(j.index), scans, output: temp }));
    return [];
  }
  if (t.kind === 'merge') {
    const j = t.job as MergeJob;
    const parts = Array.from({ length: j.count }, (_, k) => partPath(j.dir, k));
    return whole(outputPath(j.dir, j.format), (temp) => mergeTo(parts, { format: j.format, name: j.name, output: temp, quiet: true }));
  }
  throw new UsageError(`unknown job '${t.kind}'`);
}

const port = parentPort;
if (port) {
  run(workerData as ThreadJob).then(
    (warnings) => port.postMessage({ ok: true, warnings } satisfies ThreadAnswer),
    (e: unknown) => {
      const error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      // The input is at fault: the same job would fail the same way anywhere.
      const bad = e instanceof UsageError || e instanceof CaptureError;
      port.postMessage({ ok: false, error, bad } satisfies ThreadAnswer);
    },
  );
}
