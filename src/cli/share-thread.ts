/**
 * `analyze --threads N`: one capture read on N cores. Each of N worker
 * threads reads the whole file and tracks one share of its connections
 * (analyze/share.ts), builds their reports and renders them in the chosen
 * format; this thread numbers the streams and writes the reports in the
 * order of a one-thread run (analyze/merge.ts), as they come. The output
 * is the same, byte for byte, as with one thread.
 *
 * Where the threads cannot follow what one thread would do (a full
 * connection table, timestamps going back, a worker failing), the reports
 * already written stay and the capture is read again in this thread,
 * skipping the reports already written (`ShareResult.fallback`).
 */
import { parentPort, type Worker, workerData } from 'node:worker_threads';
import { decodeCounts, FINISH_STEP } from '../analyze/analyze.ts';
import { type MergeBatch, Merge } from '../analyze/merge.ts';
import { newWorker, sibling } from '../analyze/pool.ts';
import { type Emission, END, Share } from '../analyze/share.ts';
import { filePath } from '../capture/files.ts';
import { CaptureError, type Frame } from '../capture/frame.ts';
import { type CaptureSummary, readFrames } from '../capture/source.ts';
import { csvLine } from '../render/csv.ts';
import { jsonConnectionText, NdjsonWriter } from '../render/json.ts';
import { markdownRow } from '../render/markdown.ts';
import { tableCells, type TableOptions } from '../render/table.ts';
import { zeekLine } from '../render/zeek.ts';
import type { CaptureReport, ConnectionReport } from '../report/types.ts';
import { type CommonOptions, resolveCommon, selector } from './common.ts';

/** What each connection becomes in the worker threads. */
export type ShareFormat = 'ndjson' | 'zeek' | 'csv' | 'json' | 'table' | 'markdown';

export interface ShareRender {
  format: ShareFormat;
  /** For `table`. */
  table?: TableOptions;
}

/** Bits of a report's flags. */
export const KEPT = 1;
export const FAIL_ON = 2;

/** One connection as the worker threads rendered it. */
export interface SharedConnection {
  stream: number;
  /** Shown (--stream, --filter); a connection not shown has no text. */
  kept: boolean;
  /** Matched --fail-on. */
  failOn: boolean;
  /** Its bytes: an NDJSON or Zeek line, a CSV line, a JSON document's text, a Markdown row; for `table` the JSON of [cells, summary fields]. */
  bytes: Uint8Array;
}

/** The fields of a report the table's and Markdown's summary counts (render/rows.ts addToSummary). */
export type SummaryFields = Pick<ConnectionReport, 'close' | 'timeWait'>;

export type ShareResult =
  | { capture: CaptureReport; fallback: null }
  | { capture: null; fallback: { skip: number; reason: string } };

/** Reports a worker keeps rendered before it waits for this thread to write them. */
const MAX_UNACKED = 4;
/** Reports in a batch before it goes, even within a chunk of input. */
const BATCH_MAX = 1024;

interface Task {
  shareThread: true;
  options: CommonOptions;
  share: number;
  shares: number;
  path: string | Uint8Array;
  within: Uint8Array | null;
  name: string;
  render: ShareRender;
}

type ToMain =
  | {
    t: 'batch'; creations: number[]; staleStarts: number[]; staleEnds: number[]; tentatives: number[];
    readFrame: number; hazard: number; pf: number; pp: number; ps: number; answersSeen: number;
    waitingAtEnd: number; batch: MergeBatch | null; bytesRead: number; totalBytes: number;
  }
  | { t: 'asked'; frame: number }
  | { t: 'end'; capture: CaptureReport | null; error: { message: string; frame: number; offset: number } | null };

type ToWorker =
  | { t: 'numbers'; globals: number[] }
  | { t: 'resolved'; list: number[] }
  | { t: 'ack' }
  | { t: 'stop'; frame: number }
  | { t: 'interrupt' }
  | { t: 'cut'; frame: number; reason: string };

/**
 * Read one capture (a regular file) with `threads` worker threads.
 * `onConnection` gets every connection in one-thread order (shown or not).
 */
export async function analyzeShared(
  input: { name: string; path: string | Uint8Array; within: Uint8Array | null },
  options: CommonOptions, threads: number, render: ShareRender,
  onConnection: (sc: SharedConnection) => void,
  hooks: {
    signal?: AbortSignal; onProgress?: (read: number, total: number) => void;
    /** After each run of connections given to onConnection. */
    flush?: () => void;
    caughtUp?: (() => Promise<void> | null) | undefined;
  } = {},
): Promise<ShareResult> {
  const c = resolveCommon(options);
  const merge = new Merge(threads, c.maxConnections);
  const workers: Worker[] = [];
  let capture: CaptureReport | null = null;
  let error: CaptureError | null = null;
  const ended: boolean[] = new Array<boolean>(threads).fill(false);
  let lost: string | null = null;
  let stopSent = false;
  let asked: number[] | null = null;
  let writing: Promise<void> | null = null;
  const acks: number[] = new Array<number>(threads).fill(0);

  return new Promise<ShareResult>((resolve, reject) => {
    let settled = false;
    const finish = (r: ShareResult | Error): void => {
      if (settled) return;
      settled = true;
      if (process.env.TCPSCOPE_THREADS_DEBUG === '1') {
        process.stderr.write(`threads: ${merge.emitted} reports, ${merge.staleSeen} stale connections, ${merge.heldBack} expiries held back\n`);
      }
      hooks.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const post = (k: number, m: ToWorker): void => {
      workers[k].postMessage(m);
    };
    const broadcast = (m: ToWorker): void => {
      for (let k = 0; k < workers.length; k++) if (!ended[k]) post(k, m);
    };
    const emit = (b: MergeBatch, i: number): void => {
      const start = i === 0 ? 0 : b.ends[i - 1];
      onConnection({ stream: b.streams[i], kept: (b.flags[i] & KEPT) !== 0, failOn: (b.flags[i] & FAIL_ON) !== 0, bytes: b.bytes.subarray(start, b.ends[i]) });
    };
    const check = (): void => {
      if (settled) return;
      if (lost !== null) {
        finish({ capture: null, fallback: { skip: merge.emitted, reason: lost } });
        return;
      }
      if (writing !== null) return;
      try {
        merge.drain(emit, (k) => {
          acks[k]++;
          if (!ended[k]) post(k, { t: 'ack' });
        });
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      hooks.flush?.();
      if (merge.stopped && !stopSent && merge.stopFrame !== END) {
        stopSent = true;
        broadcast({ t: 'stop', frame: merge.stopFrame });
      }
      // The output's back-pressure: the workers wait for acks meanwhile.
      const wait = hooks.caughtUp?.() ?? null;
      if (wait !== null) {
        writing = wait.then(() => {
          writing = null;
          check();
        });
        return;
      }
      if (!merge.settled) return;
      if (merge.stopped) {
        finish({ capture: null, fallback: { skip: merge.emitted, reason: merge.stopReason } });
        return;
      }
      if (!ended.every(Boolean)) return;
      if (error !== null) finish(error);
      else if (capture !== null) finish({ capture, fallback: null });
      else finish({ capture: null, fallback: { skip: merge.emitted, reason: 'no capture report from the threads' } });
    };
    const answered = (): void => {
      if (asked === null || !asked.every((f) => f >= 0)) return;
      // Every thread goes on to the frame the furthest one had read, and stops there.
      const frame = Math.max(...asked);
      broadcast({ t: 'cut', frame, reason: String(hooks.signal?.reason ?? 'an interrupt') });
      asked = null;
    };
    const onAbort = (): void => {
      asked = ended.map((e) => (e ? 0 : -1));
      broadcast({ t: 'interrupt' });
      answered();
    };
    for (let k = 0; k < threads; k++) {
      const task: Task = { shareThread: true, options, share: k, shares: threads, path: input.path, within: input.within, name: input.name, render };
      let w: Worker;
      try {
        w = newWorker(sibling(import.meta.url, 'share-thread'), task);
      } catch (e) {
        lost = e instanceof Error ? e.message : String(e);
        break;
      }
      workers.push(w);
      w.on('message', (m: ToMain) => {
        if (settled) return;
        if (m.t === 'batch') {
          merge.read(k, m.readFrame, m.creations, m.staleStarts, m.staleEnds, m.tentatives);
          if (m.hazard !== Infinity) merge.stopAt(m.hazard, 'timestamps going back, or a segment for a connection held back');
          if (m.batch !== null) merge.add(k, m.batch);
          merge.progress(k, m.pf, m.pp, m.ps, m.waitingAtEnd, m.answersSeen);
          const nums = merge.number();
          for (let j = 0; j < nums.length; j++) if (nums[j].length > 0 && !ended[j]) post(j, { t: 'numbers', globals: nums[j] });
          const answers = merge.resolve();
          for (let j = 0; j < answers.length; j++) if (answers[j].length > 0 && !ended[j]) post(j, { t: 'resolved', list: answers[j] });
          if (k === 0 && m.bytesRead > 0) hooks.onProgress?.(m.bytesRead, m.totalBytes);
        } else if (m.t === 'asked') {
          if (asked === null) return;
          asked[k] = m.frame;
          answered();
        } else {
          ended[k] = true;
          if (asked !== null && asked[k] < 0) {
            asked[k] = 0;
            answered();
          }
          if (k === 0) capture = m.capture;
          if (m.error !== null && error === null) error = new CaptureError(m.error.message, m.error.frame, m.error.offset);
        }
        check();
      });
      w.on('error', (e) => {
        if (lost === null) lost = e.message;
        check();
      });
      w.on('exit', (code) => {
        if (!ended[k] && lost === null) lost = `a thread exited with code ${code}`;
        check();
      });
    }
    if (hooks.signal !== undefined) {
      if (hooks.signal.aborted) onAbort();
      else hooks.signal.addEventListener('abort', onAbort, { once: true });
    }
    check();
  });
}

// ------------------------------ a worker thread ------------------------------

/** The reports rendered since the last batch was sent. */
class BatchWriter {
  private keys: number[] = [];
  private streams: number[] = [];
  private flags: number[] = [];
  private ends: number[] = [];
  /** NDJSON lines are written by the NdjsonWriter, other texts into `buf`. */
  readonly lines = new NdjsonWriter();
  private buf = Buffer.allocUnsafe(1 << 16);
  private n = 0;

  get count(): number {
    return this.streams.length;
  }

  add(e: Emission, stream: number, flags: number): void {
    this.keys.push(e.frame, e.phase, e.sub);
    this.streams.push(stream);
    this.flags.push(flags);
  }

  text(s: string): void {
    const room = this.n + 3 * s.length;
    if (room > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(room, this.buf.length * 2));
      b.set(this.buf.subarray(0, this.n));
      this.buf = b;
    }
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  /** The report last added is written. */
  close(): void {
    this.ends.push(this.lines.size + this.n);
  }

  /** The batch so far, in buffers of its own (to be transferred); null if empty. */
  take(): MergeBatch | null {
    const count = this.streams.length;
    if (count === 0) return null;
    // A copy the size of the batch (a Buffer's slice() would share its memory), to be transferred.
    let bytes: Uint8Array;
    if (this.lines.size > 0) {
      const taken = this.lines.take();
      bytes = new Uint8Array(taken.length);
      bytes.set(taken);
      this.lines.recycle(taken);
    } else {
      bytes = new Uint8Array(this.n);
      bytes.set(this.buf.subarray(0, this.n));
      this.n = 0;
    }
    const b: MergeBatch = {
      keys: Float64Array.from(this.keys), streams: Float64Array.from(this.streams), flags: Uint8Array.from(this.flags),
      ends: Uint32Array.from(this.ends), bytes, count,
    };
    this.keys = [];
    this.streams = [];
    this.flags = [];
    this.ends = [];
    return b;
  }
}

async function runShare(task: Task, port: NonNullable<typeof parentPort>): Promise<void> {
  const c = resolveCommon(task.options);
  const keep = selector(c);
  const share = new Share(c.settings, task.share, task.shares, c.maxConnections);
  const out = new BatchWriter();
  const render = task.render;
  share.onReady = (e) => {
    const r = e.report as ConnectionReport;
    const kept = keep(r);
    out.add(e, r.stream, (kept ? KEPT : 0) | (c.failOn?.(r) ? FAIL_ON : 0));
    if (kept) {
      if (render.format === 'ndjson') out.lines.line(r, task.name);
      else out.text(textOf(r, render, task.name));
    }
    out.close();
  };

  const t0 = performance.now();
  let waited = 0;
  let acked = 0;
  let sent = 0;
  /** Answers to tentative emissions received (the merge bounds their keys until the share has them). */
  let answersSeen = 0;
  let stopKind: 'stop' | 'cut' | null = null;
  let cutReason = '';
  let beyondOffset = -1;
  /** An interrupt came: answer with the last frame read at the next pause, then wait for the cut. */
  let frozen = false;
  let awaitingCut = false;
  let readDone = false;
  let bytesRead = 0;
  let totalBytes = 0;
  let numberWaiter: (() => void) | null = null;
  let gate: (() => void) | null = null;
  const ctl = new AbortController();

  const unacked = (): boolean => sent - acked >= MAX_UNACKED;
  const waitGate = (): Promise<void> => new Promise<void>((resolve) => {
    const at = performance.now();
    gate = () => {
      waited += performance.now() - at;
      resolve();
    };
  });
  const openGate = (): void => {
    if (gate !== null && !unacked() && !awaitingCut) {
      const g = gate;
      gate = null;
      g();
    }
  };
  const send = (final = false): void => {
    share.drain();
    const batch = out.take();
    const [pf, pp, ps] = final ? [Infinity, Infinity, Infinity] : share.lowestKey();
    const m: ToMain = {
      t: 'batch', ...share.take(), readFrame: readDone ? Infinity : share.lastFrame, hazard: share.hazard,
      pf, pp, ps, answersSeen, waitingAtEnd: share.waitingAtEnd, batch, bytesRead, totalBytes,
    };
    if (batch !== null) sent++;
    port.postMessage(m, batch === null ? [] : [batch.keys.buffer, batch.streams.buffer, batch.flags.buffer, batch.ends.buffer, batch.bytes.buffer].map((b) => b as ArrayBuffer));
  };
  const answer = (): void => {
    port.postMessage({ t: 'asked', frame: share.lastFrame } satisfies ToMain);
  };

  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'numbers':
      case 'resolved':
        if (m.t === 'numbers') share.numbered(m.globals);
        else {
          const l = m.list;
          for (let i = 0; i < l.length; i += 4) share.resolved(l[i], l[i + 1], l[i + 2], l[i + 3]);
          answersSeen++;
          share.drain();
        }
        if (numberWaiter !== null && share.allNumbered && share.tentative === 0 && share.waiting === 0) {
          const w = numberWaiter;
          numberWaiter = null;
          w();
        } else if (readDone) send();
        break;
      case 'ack':
        acked++;
        openGate();
        break;
      case 'stop':
        if (m.frame < share.stopAfter) share.stopAfter = m.frame;
        stopKind ??= 'stop';
        break;
      case 'interrupt':
        // Between frames (waiting, or done reading): answer now; else at the next frame.
        if (readDone) answer();
        else if (gate !== null) {
          send();
          answer();
          awaitingCut = true;
        } else frozen = true;
        break;
      case 'cut':
        if (m.frame < share.stopAfter) share.stopAfter = m.frame;
        stopKind ??= 'cut';
        cutReason = m.reason;
        awaitingCut = false;
        openGate();
        break;
    }
  });

  const frameHandler = share.onFrame;
  const onFrame = (f: Frame): void => {
    if (f.number > share.stopAfter) {
      if (beyondOffset < 0) beyondOffset = f.fileOffset;
      return;
    }
    frameHandler(f);
  };
  const pause = (): Promise<void> | null => {
    if (share.hazard !== Infinity && share.hazard < share.stopAfter) {
      share.stopAfter = share.hazard;
      stopKind ??= 'stop';
    }
    if (beyondOffset >= 0 && !ctl.signal.aborted) ctl.abort(stopKind === 'cut' ? cutReason : 'stop');
    send();
    if (frozen) {
      frozen = false;
      answer();
      awaitingCut = true;
    }
    if (unacked() || awaitingCut) return waitGate();
    return new Promise<void>((resolve) => setImmediate(resolve));
  };

  let summary: CaptureSummary | null = null;
  let error: { message: string; frame: number; offset: number } | null = null;
  try {
    summary = await readFrames(filePath(task.path), onFrame, {
      pause, pauseWanted: () => frozen || out.count >= BATCH_MAX,
      within: task.within === null ? null : Buffer.from(task.within.buffer, task.within.byteOffset, task.within.byteLength),
      inflate: c.inflate, signal: ctl.signal,
      onProgress: (n, total) => {
        bytesRead = n;
        totalBytes = total;
      },
    });
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = { message: e.message, frame: e.frame, offset: e.offset };
  }
  readDone = true;
  if (frozen) {
    frozen = false;
    answer();
  }
  send();
  // Every connection needs its stream number, every expired one its frame, before the end of the capture.
  if (!share.allNumbered || share.tentative > 0 || share.waiting > 0) {
    await new Promise<void>((resolve) => {
      numberWaiter = resolve;
    });
  }
  if (error !== null || stopKind === 'stop' || summary === null) {
    send(true);
    port.postMessage({ t: 'end', capture: null, error } satisfies ToMain);
    return;
  }
  const tRead = performance.now();
  share.startFinish();
  send();
  const tracker = share.tracker;
  for (;;) {
    const left = tracker.finishSome(FINISH_STEP);
    share.finishStep(left === 0);
    if (left === 0) break;
    send();
    if (unacked()) await waitGate();
  }
  send(true);
  if (process.env.TCPSCOPE_THREADS_DEBUG === '1') {
    process.stderr.write(`threads: thread ${task.share}: read ${(tRead - t0).toFixed(0)} ms (waiting ${waited.toFixed(0)}), end ${(performance.now() - tRead).toFixed(0)} ms\n`);
  }
  const cut = stopKind === 'cut' ? { frame: share.stopAfter, offset: beyondOffset, reason: cutReason } : null;
  port.postMessage({ t: 'end', capture: task.share === 0 ? captureOf(task.name, share, summary, cut) : null, error: null } satisfies ToMain);
}

/** The capture's report without its connections (each share reads every frame: any share's is the capture's). */
function captureOf(name: string, share: Share, summary: CaptureSummary, cut: { frame: number; offset: number; reason: string } | null): CaptureReport {
  let frames = summary.frames;
  let warnings = summary.warnings.map((w) => ({ frame: w.frame, offset: w.offset, message: w.message, skippedBytes: w.skippedBytes }));
  if (cut !== null && cut.offset >= 0) {
    // The read went past the frame where every thread stopped: the capture ends there.
    frames = cut.frame;
    warnings = warnings.filter((w) => w.frame <= cut.frame && !w.message.startsWith('cut short by '));
    warnings.push({ frame: cut.frame + 1, offset: cut.offset, skippedBytes: 0, message: `cut short by ${cut.reason}: nothing from here on was read` });
  }
  return {
    file: name,
    format: summary.format,
    linkTypes: summary.linkTypes,
    frames,
    tcpSegments: share.decoder.stats.tcp,
    decode: decodeCounts(share.decoder.stats),
    warnings,
    connections: [],
  };
}

function textOf(r: ConnectionReport, render: ShareRender, file: string): string {
  switch (render.format) {
    case 'zeek': return zeekLine(r, file);
    case 'csv': return csvLine(r, file);
    case 'json': return jsonConnectionText(r);
    case 'markdown': return JSON.stringify([markdownRow(r, (render.table as TableOptions).lang), summaryFields(r)]);
    case 'table': return JSON.stringify([tableCells(r, render.table as TableOptions), summaryFields(r)]);
    case 'ndjson': return '';
  }
}

function summaryFields(r: ConnectionReport): SummaryFields {
  return { close: r.close, timeWait: r.timeWait };
}

const port = parentPort;
if (port !== null && (workerData as { shareThread?: boolean } | null)?.shareThread) {
  runShare(workerData as Task, port).catch((e: unknown) => {
    // Not the capture's fault: the main thread reads it again itself.
    throw e;
  });
}
