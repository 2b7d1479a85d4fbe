/**
 * Worker thread of `tcpscope analyze` with several captures (run.ts): each
 * task is one capture. With NDJSON the lines (already filtered) go to a
 * temporary file that the main thread copies to the output in the order of
 * the captures; otherwise the CaptureReport comes back whole.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile } from '../analyze/analyze.ts';
import { filePath } from '../capture/files.ts';
import { CaptureError } from '../capture/frame.ts';
import { NdjsonWriter } from '../render/json.ts';
import type { CaptureReport } from '../report/types.ts';
import { type CommonOptions, resolveCommon, selector } from './common.ts';

export interface WorkerTask {
  name: string;
  /** Bytes for a name that is not UTF-8 (a Uint8Array once it has crossed to the worker). */
  path: string | Uint8Array;
  /** See ReadOptions.within. */
  within: Uint8Array | null;
  /** Write NDJSON lines to this file instead of returning the connections. */
  ndjsonTo: string | null;
}

export interface WorkerResult {
  capture: CaptureReport | null;
  /** The capture could not be read (CaptureError's message). */
  captureError: string | null;
  /** Some written connection matched --fail-on. */
  failOnMatched: boolean;
}

/** `signal`: end the read where it is (an interrupt), and answer with what was read. */
export async function analyzeTask(task: WorkerTask, o: CommonOptions, signal?: AbortSignal): Promise<WorkerResult> {
  const c = resolveCommon(o);
  const keep = selector(c);
  let fd: number | null = null;
  let failOnMatched = false;
  try {
    let onConnection: ((r: import('../report/types.ts').ConnectionReport) => void) | undefined;
    const lines = new NdjsonWriter();
    if (task.ndjsonTo !== null) {
      const out = openSync(task.ndjsonTo, 'w');
      fd = out;
      onConnection = (r) => {
        if (!keep(r)) return;
        lines.line(r, task.name);
        if (lines.size >= 1 << 20) writeSync(out, lines.take());
        if (c.failOn?.(r)) failOnMatched = true;
      };
    }
    const capture = await analyzeFile(filePath(task.path), c.settings, onConnection, {
      keepConnections: onConnection === undefined, maxConnections: c.maxConnections, inflate: c.inflate,
      within: task.within === null ? null : Buffer.from(task.within.buffer, task.within.byteOffset, task.within.byteLength),
      ...(signal === undefined ? {} : { signal }),
    });
    capture.file = task.name;
    if (fd !== null && lines.size > 0) writeSync(fd, lines.take());
    return { capture, captureError: null, failOnMatched };
  } catch (e) {
    if (e instanceof CaptureError) return { capture: null, captureError: e.message, failOnMatched };
    throw e;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const port = parentPort;
if (port !== null && (workerData as { analyzeWorker?: boolean } | null)?.analyzeWorker) {
  const { options } = workerData as { options: CommonOptions };
  // The task being read; the pool's interrupt message ends its read.
  let current: AbortController | null = null;
  port.on('message', (m: { index: number; task: WorkerTask } | { interrupt: string }) => {
    if ('interrupt' in m) {
      current?.abort(m.interrupt);
      return;
    }
    const { index, task } = m;
    const ctl = new AbortController();
    current = ctl;
    analyzeTask(task, options, ctl.signal).finally(() => {
      if (current === ctl) current = null;
    }).then(
      (result) => port.postMessage({ index, result }),
      (e: unknown) => port.postMessage({ index, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
