/**
 * Worker thread of `tcpscope analyze` with several captures (run.ts): each
 * task is one capture. With NDJSON the lines (already filtered) go to a
 * temporary file that the main thread copies to the output in the order of
 * the captures; so does the capture's part of a table, Markdown or CSV
 * output (its rows in stream order, through a RowSpill of its own), with
 * the counts of its summary, and its connections' JSON (through a JsonSpool
 * of its own); otherwise the CaptureReport comes back whole.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFile } from '../analyze/analyze.ts';
import { filePath } from '../capture/files.ts';
import { CaptureError } from '../capture/frame.ts';
import { NdjsonWriter } from '../render/json.ts';
import type { Summary } from '../render/rows.ts';
import type { TableOptions } from '../render/table.ts';
import type { CaptureReport, ConnectionReport } from '../report/types.ts';
import { type CommonOptions, resolveCommon, selector } from './common.ts';
import type { JsonSpool } from './json-spool.ts';
import { cellRows, RowSpill } from './row-spill.ts';

export interface WorkerTask {
  name: string;
  /** Bytes for a name that is not UTF-8 (a Uint8Array once it has crossed to the worker). */
  path: string | Uint8Array;
  /** See ReadOptions.within. */
  within: Uint8Array | null;
  /** Write NDJSON lines to this file instead of returning the connections. */
  ndjsonTo: string | null;
  /** Write the capture's part of a table, Markdown or CSV output to this file instead of returning the connections. */
  rowsTo: RowsTask | null;
  /** Write the capture's connections as the JSON document has them between its array's brackets to this file instead of returning them. */
  jsonTo: string | null;
}

/** Where and how a worker writes its capture's part of a table, Markdown or CSV output. */
export interface RowsTask {
  path: string;
  format: 'table' | 'markdown' | 'csv';
  table: TableOptions;
}

export interface WorkerResult {
  capture: CaptureReport | null;
  /** The capture could not be read (CaptureError's message). */
  captureError: string | null;
  /** Some written connection matched --fail-on. */
  failOnMatched: boolean;
  /** With rowsTo: the counts of the connections written, for the summary under a table or Markdown. */
  summary?: Summary;
  /** With jsonTo: the connections written. */
  jsonCount?: number;
}

/** `signal`: end the read where it is (an interrupt), and answer with what was read. */
export async function analyzeTask(task: WorkerTask, o: CommonOptions, signal?: AbortSignal): Promise<WorkerResult> {
  const c = resolveCommon(o);
  const keep = selector(c);
  let fd: number | null = null;
  let spill: RowSpill | null = null;
  let spool: JsonSpool | null = null;
  let jsonCount: (() => number) | undefined;
  let failOnMatched = false;
  try {
    let onConnection: ((r: ConnectionReport) => void) | undefined;
    let rows: ((capture: CaptureReport) => Summary) | undefined;
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
    } else if (task.jsonTo !== null) {
      const { JsonSpool } = await import('./json-spool.ts');
      fd = openSync(task.jsonTo, 'w');
      const out = fd;
      const kept = (spool = new JsonSpool());
      onConnection = (r) => {
        if (!keep(r)) return;
        kept.add(0, r);
        if (c.failOn?.(r)) failOnMatched = true;
      };
      jsonCount = () => {
        for (const piece of kept.texts(0)) writeSync(out, piece);
        return kept.count(0);
      };
    } else if (task.rowsTo !== null) {
      const { path, format, table } = task.rowsTo;
      const [{ csvLine }, { markdownCaptureParts, markdownRow }, { addToSummary, emptySummary }, { TableMeasure, tableCaptureParts, tableCells }] = await Promise.all([
        import('../render/csv.ts'), import('../render/markdown.ts'), import('../render/rows.ts'), import('../render/table.ts'),
      ]);
      fd = openSync(path, 'w');
      const out = fd;
      const kept = (spill = new RowSpill());
      const summary = emptySummary();
      const measure = new TableMeasure(table);
      let count = 0;
      onConnection = (r) => {
        if (!keep(r)) return;
        addToSummary(summary, r);
        count++;
        if (format === 'csv') kept.add(0, r.stream, csvLine(r, task.name));
        else if (format === 'markdown') kept.add(0, r.stream, markdownRow(r, c.lang));
        else {
          const cells = tableCells(r, table);
          measure.add(cells);
          kept.add(0, r.stream, JSON.stringify(cells));
        }
        if (c.failOn?.(r)) failOnMatched = true;
      };
      rows = (capture) => {
        if (format === 'csv') for (const part of kept.rows(0)) writeSync(out, part);
        else {
          const parts = format === 'markdown'
            ? markdownCaptureParts({ capture, count, rows: kept.texts(0) }, { lang: c.lang })
            : tableCaptureParts({ capture, measure, rows: cellRows(kept.texts(0)) }, table);
          for (const part of parts) writeSync(out, part);
        }
        return summary;
      };
    }
    const capture = await analyzeFile(filePath(task.path), c.settings, onConnection, {
      keepConnections: onConnection === undefined, maxConnections: c.maxConnections, inflate: c.inflate,
      within: task.within === null ? null : Buffer.from(task.within.buffer, task.within.byteOffset, task.within.byteLength),
      ...(signal === undefined ? {} : { signal }),
    });
    capture.file = task.name;
    if (fd !== null && lines.size > 0) writeSync(fd, lines.take());
    const summary = rows?.(capture);
    const written = jsonCount?.();
    return { capture, captureError: null, failOnMatched, ...(summary === undefined ? {} : { summary }), ...(written === undefined ? {} : { jsonCount: written }) };
  } catch (e) {
    if (e instanceof CaptureError) return { capture: null, captureError: e.message, failOnMatched };
    throw e;
  } finally {
    spill?.close();
    spool?.close();
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
