/**
 * `analyze --format ndjson`: the reports of the connections the tracker
 * lets go of are built and written in batches (analyze/handoff.ts, one batch
 * per chunk of input and per step of the capture's end). Building a report
 * and its JSON costs more than reading, decoding and tracking all the
 * connection's segments; done in bursts it also leaves the tracker's data
 * in the CPU cache (15% faster than one report at a time when connections
 * expire as the capture goes).
 *
 * For a large capture a report thread does the same work on a second core:
 * each batch is built by whichever thread is free, the report thread when it
 * has fewer than MAX_IN_FLIGHT batches to do, else this one. Nobody waits:
 * memory stays bounded by the batches in flight. Bytes are written in batch
 * order, so the lines are the same whichever thread built them.
 */
import { parentPort, type Worker, workerData } from 'node:worker_threads';
import { type HandoffBatch, Handoff, reportsOf } from '../analyze/handoff.ts';
import type { RawConnections } from '../analyze/analyze.ts';
import { newWorker, sibling } from '../analyze/pool.ts';
import { NdjsonWriter } from '../render/json.ts';
import type { Connection } from '../tcp/connection.ts';
import type { ConnectionReport } from '../report/types.ts';
import type { PackedDone } from '../tcp/tracker.ts';
import { type Common, type CommonOptions, resolveCommon, selector } from './common.ts';

/** Batches given to the report thread and not yet back. */
const MAX_IN_FLIGHT = 2;
/** Written output buffers kept to send back to the report thread. */
const MAX_SPARES = 4;
/**
 * Bytes of NDJSON built and waiting for an earlier batch (one the report
 * thread has) beyond which reading waits for it: this thread may build
 * batches faster than the report thread (it gets less of a busy CPU), and
 * each one's lines wait to be written in order (up to 180 MB on the bench
 * capture's end without this bound).
 */
const READY_MAX = 8 << 20;
/**
 * A batch goes as soon as it has this many connections, even within a chunk
 * of input (AnalyzeOptions.pauseWanted): a 1 MB chunk of a SYN flood ends
 * 15 000 connections (evicted from the full table), 33 MB of NDJSON.
 */
const BATCH_MAX = 1024;
/** A batch goes when it has this many connections, or this many ms after the last one. */
const BATCH_MIN = 256;
const BATCH_MS = 50;

interface BatchTask {
  seq: number;
  file: string;
  batch: HandoffBatch;
  /** Buffers of earlier output, written and sent back for reuse. */
  spares: ArrayBuffer[];
}

interface BatchDone {
  seq: number;
  /** The NDJSON bytes of the batch's selected connections, in pieces of about 1 MiB. */
  chunks: Uint8Array[];
  /** The batch's words, sent back for the next batches (report thread only). */
  words?: ArrayBuffer;
  failOnMatched: boolean;
  /** The worker failed on this batch. */
  error?: string;
}

/** NDJSON of a batch's connections that pass --stream/--filter; whether one matched --fail-on. */
function renderBatch(
  task: BatchTask, c: Common, keep: (r: ConnectionReport) => boolean, lines: NdjsonWriter,
): BatchDone {
  const chunks: Uint8Array[] = [];
  let failOnMatched = false;
  reportsOf(task.batch, c.settings, (r) => {
    if (!keep(r)) return;
    lines.line(r, task.file);
    if (lines.size >= 1 << 20) chunks.push(lines.take());
    if (c.failOn?.(r)) failOnMatched = true;
  });
  if (lines.size > 0) chunks.push(lines.take());
  return { seq: task.seq, chunks, failOnMatched };
}

/**
 * Young generation of the report thread (MB; V8's default is 48 on this
 * kind of machine): nothing it builds outlives a report, so a small one
 * costs no time and keeps about 30 MB less (bench capture: peak RSS
 * 249-265 MB with the default, 213-236 with 8).
 */
const REPORT_THREAD_YOUNG_MB = 8;

/**
 * The CLI thread's side: feeds the report thread, shares its work, writes in
 * order. If the report thread fails (it cannot start, or dies), the batches
 * it had are built here from copies and every later one too: the output is
 * the same, only slower.
 */
export class ReportThread implements RawConnections {
  private worker: Worker | null;
  private readonly keep: (r: ConnectionReport) => boolean;
  /** Lines of the batches built here. */
  private readonly lines = new NdjsonWriter();
  /** Written buffers of the report thread's, to send back with the next batch. */
  private spares: ArrayBuffer[] = [];
  private handoff: Handoff;
  private file = '';
  private nextSeq = 0;
  private written = 0;
  /** Batches the report thread has, with copies of their words in case it fails. */
  private readonly inFlight = new Map<number, BatchTask>();
  private readonly ready = new Map<number, { d: BatchDone; here: boolean }>();
  /** Bytes of the batches in `ready`, and what waits for them to be written (pause). */
  private readyBytes = 0;
  private drained: (() => void) | null = null;
  private failOnMatched = false;
  private failure: Error | null = null;
  /** When the last batch was sent (performance.now()), and the timer that sends a batch left waiting. */
  private sentAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private ending: { resolve: (failOnMatched: boolean) => void; reject: (e: Error) => void } | null = null;
  /** Why the report thread was given up (null while it works). */
  lostThread: string | null = null;
  /** Batches built here and by the report thread. */
  builtHere = 0;
  builtThere = 0;
  /** builtHere when pause last let the event loop turn. */
  private builtAtTurn = 0;

  /**
   * `write` writes bytes and calls `written` once they are no longer needed;
   * `caughtUp` is the output's back-pressure (see Output.caughtUp); without
   * `thread` every batch is built in this thread.
   */
  constructor(
    private readonly c: Common,
    private readonly write: (bytes: Uint8Array, written: () => void) => void,
    private readonly caughtUp: () => Promise<void> | null = () => null,
    thread = true,
  ) {
    this.keep = selector(c);
    this.handoff = new Handoff(c.settings);
    let w: Worker | null = null;
    try {
      if (thread) {
        w = newWorker(sibling(import.meta.url, 'report-thread'), { reportThread: true, options: c.options }, {
          maxYoungGenerationSizeMb: REPORT_THREAD_YOUNG_MB,
        });
      }
    } catch (e) {
      this.lostThread = e instanceof Error ? e.message : String(e);
    }
    this.worker = w;
    if (w === null) return;
    w.on('message', (m: BatchDone) => {
      if (this.worker !== w) return;
      if (m.error !== undefined) {
        this.loseThread(m.error);
        return;
      }
      const copy = this.inFlight.get(m.seq);
      this.inFlight.delete(m.seq);
      if (copy !== undefined) this.handoff.recycle(copy.batch.words);
      if (m.words !== undefined) this.handoff.recycle(new Int32Array(m.words));
      this.builtThere++;
      this.done(m, false);
    });
    w.on('error', (e) => this.loseThread(e.message));
    w.on('exit', (code) => {
      // Only close() ends it on purpose (and lets go of it first).
      if (this.worker === w) this.loseThread(`exited with code ${code}`);
    });
  }

  /** The next connections belong to this capture (its name goes in each line's `file`). */
  begin(name: string): void {
    this.file = name;
    this.failOnMatched = false;
  }

  connection(conn: Connection): void {
    this.handoff.add(conn);
  }

  packed(p: PackedDone): void {
    this.handoff.addPacked(p);
  }

  /**
   * For AnalyzeOptions.pause: the pending connections make a batch. Never
   * waits for the report thread, but lets the event loop turn when batches
   * are out, so that the ones done come back (reading itself may go on for
   * long with nothing but microtasks between its chunks); waits for the
   * output when much is waiting to be written.
   */
  readonly pause = (): Promise<void> | null => {
    // Small batches (a pipe's 64 KB chunks) cost more than they save: wait
    // for BATCH_MIN connections, or BATCH_MS to have passed (a live capture's
    // lines still come out at once).
    const now = performance.now();
    if (this.handoff.pending >= BATCH_MIN || now - this.sentAt >= BATCH_MS) this.send();
    else if (this.handoff.pending > 0 && this.timer === null) {
      // Input may pause for long (a quiet live capture): the lines go out anyway.
      this.timer = setTimeout(() => {
        this.timer = null;
        this.send();
      }, BATCH_MS);
      this.timer.unref();
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    const output = this.caughtUp();
    if (output !== null) return output;
    if (this.readyBytes > READY_MAX && this.failure === null) return new Promise<void>((resolve) => (this.drained = resolve));
    // Let the event loop turn when batches are out, or when one was built
    // here: its buffers come back (Output.write's callbacks) only then, and
    // a chunk of input may go on for thousands of batches (pauseWanted).
    const turn = this.inFlight.size > 0 || this.builtHere !== this.builtAtTurn;
    this.builtAtTurn = this.builtHere;
    return turn ? new Promise<void>((resolve) => setImmediate(resolve)) : null;
  };

  /** For AnalyzeOptions.pauseWanted: a full batch is waiting. */
  readonly pauseWanted = (): boolean => this.handoff.pending >= BATCH_MAX;

  /** The capture is done: resolves once every line of it is written; says whether one matched --fail-on. */
  end(): Promise<boolean> {
    this.send();
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<boolean>((resolve, reject) => {
      this.ending = { resolve, reject };
      this.flushWritten();
    });
  }

  /** The report thread (null once given up). */
  get thread(): Worker | null {
    return this.worker;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  private send(): void {
    this.sentAt = performance.now();
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.handoff.take();
    if (batch === null) return;
    const task: BatchTask = { seq: this.nextSeq++, file: this.file, batch, spares: [] };
    const w = this.worker;
    if (w !== null && this.inFlight.size < MAX_IN_FLIGHT) {
      // The words go over (transferred); a copy stays in case the thread fails.
      const copy: BatchTask = { ...task, batch: { ...batch, words: this.handoff.copy(batch) } };
      task.spares = this.spares;
      this.spares = [];
      this.inFlight.set(task.seq, copy);
      w.postMessage(task, [batch.words.buffer as ArrayBuffer, ...task.spares]);
      return;
    }
    // The report thread is busy (or gone): build this batch here.
    this.buildHere(task);
  }

  private buildHere(task: BatchTask): void {
    this.builtHere++;
    let d: BatchDone;
    try {
      d = renderBatch(task, this.c, this.keep, this.lines);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.handoff.recycle(task.batch.words);
    this.done(d, true);
  }

  /** Give up the report thread: what it had is built here. */
  private loseThread(why: string): void {
    if (this.worker === null) return;
    const w = this.worker;
    this.worker = null;
    this.lostThread = why;
    void w.terminate();
    const tasks = [...this.inFlight.values()].sort((a, b) => a.seq - b.seq);
    this.inFlight.clear();
    for (const t of tasks) this.buildHere(t);
  }

  /** A written buffer of the report thread's goes back with the next batch (a few; the rest are let go of). */
  private spare(bytes: Uint8Array): void {
    if (this.spares.length < MAX_SPARES) this.spares.push(bytes.buffer as ArrayBuffer);
  }

  private done(d: BatchDone, here: boolean): void {
    this.ready.set(d.seq, { d, here });
    for (const bytes of d.chunks) this.readyBytes += bytes.length;
    this.flushWritten();
  }

  /** Write every batch whose turn it is; settle `end` when all are written. */
  private flushWritten(): void {
    for (let r = this.ready.get(this.written); r !== undefined; r = this.ready.get(this.written)) {
      this.ready.delete(this.written);
      this.written++;
      const { d, here } = r;
      for (const bytes of d.chunks) {
        // Once written, a buffer is used again by whichever thread made it.
        this.readyBytes -= bytes.length;
        this.write(bytes, here ? () => this.lines.recycle(bytes) : () => this.spare(bytes));
      }
      if (d.failOnMatched) this.failOnMatched = true;
    }
    if (this.readyBytes <= READY_MAX) this.wake();
    const e = this.ending;
    if (e !== null && this.written === this.nextSeq) {
      this.ending = null;
      e.resolve(this.failOnMatched);
    }
  }

  /** Reading goes on (it waited in pause for the batches ready to be written). */
  private wake(): void {
    const w = this.drained;
    this.drained = null;
    w?.();
  }

  /** Building a batch failed here too: the analysis stops with this error (at the next pause or end). */
  private fail(e: Error): void {
    if (this.failure === null) this.failure = e;
    this.wake();
    const end = this.ending;
    this.ending = null;
    end?.reject(e);
  }
}

// ------------------------------ the report thread ------------------------------

const port = parentPort;
if (port !== null && (workerData as { reportThread?: boolean } | null)?.reportThread) {
  const { options } = workerData as { options: CommonOptions };
  const c = resolveCommon(options);
  const keep = selector(c);
  const lines = new NdjsonWriter();
  port.on('message', (task: BatchTask) => {
    let d: BatchDone;
    try {
      for (const b of task.spares) lines.recycle(new Uint8Array(b));
      d = renderBatch(task, c, keep, lines);
    } catch (e) {
      port.postMessage({ seq: task.seq, chunks: [], failOnMatched: false, error: e instanceof Error ? e.message : String(e) } satisfies BatchDone);
      return;
    }
    // The chunks and the batch's words go over (transferred), to be used again there.
    d.words = task.batch.words.buffer as ArrayBuffer;
    port.postMessage(d, [...d.chunks.map((b) => b.buffer as ArrayBuffer), d.words]);
  });
}
