/**
 * Grading one submitted file: read and analyse it, grade it, fingerprint it
 * for copy detection, and read the answer key of the graded connection.
 * Never throws for a bad file: an unreadable, empty, truncated or
 * non-capture file comes back with status `unreadable` or `damaged`, score 0
 * and the reader's reason. Runs in a worker thread (worker.ts) or inline.
 *
 * The file is opened once (capture/open.ts: no link followed, a regular
 * file inside the folder given) and everything is read from that one open
 * file: the bytes hashed for copy detection are the bytes analysed, and the
 * file cannot be swapped between the two. A file with more than one name (a
 * hard link) is not read: its other names may be outside the folder, and
 * where the kernel lets anyone link a file they cannot read
 * (fs.protected_hardlinks=0, macOS) a student could link the instructor's
 * reference capture into their folder. A submission is stopped at the
 * limits of FileLimits and graded unreadable with the limit named: one
 * student's file cannot hold the batch or its memory.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { analyzeChunks } from '../analyze/analyze.ts';
import { segmentsOfChunks } from '../analyze/segments.ts';
import { filePath } from '../capture/files.ts';
import { CaptureError } from '../capture/frame.ts';
import { openCapture } from '../capture/open.ts';
import { DEFAULT_MAX_INFLATE_RATIO, handleChunks, type InflateLimits, sizeText } from '../capture/source.ts';
import type { CaptureReport, Settings, WarningReport } from '../report/types.ts';
import { answerKey, gradeCapture } from './evaluate.ts';
import type { FileResult, Fingerprint, GradedConnection, Rubric } from './types.ts';

export interface FileTask {
  /** Index in the batch (results are put back in this order). */
  index: number;
  /** What to open: bytes for a name that is not UTF-8 (a Uint8Array once it has crossed to a worker). */
  path: string | Uint8Array;
  /** Real path of the folder the file was found in (see capture/open.ts). */
  within: Uint8Array | null;
  /** Not to be opened (a link, a FIFO): graded unreadable with this reason. */
  refused: string | null;
  /** The name shown in the gradebook. */
  display: string;
  /** Stream the student's answers are about, if the answers file says (else the graded connection). */
  answerStream: number | null;
  /** Read the graded connection's segments too (FileResult.graded), for its ladder diagram. */
  ladder?: boolean;
}

/** Segments of a graded connection kept for its diagram: a lab's connection has tens. */
export const LADDER_SEGMENTS = 2000;

/** What one submitted file may take before it is stopped and graded unreadable. */
export interface FileLimits {
  /** Bytes of the file (--max-file-size). */
  maxFileSize: number;
  /** Seconds spent reading and analysing it (--max-seconds). */
  maxSeconds: number;
  /** TCP connections in it (--max-connections): each one's report is kept until it is graded. */
  maxConnections: number;
  /** Decompression of a gzip-compressed submission (--max-inflate, --max-inflate-ratio). */
  inflate: InflateLimits;
}

/**
 * A lab's capture is kilobytes to a few megabytes, a few connections, read
 * in well under a second: these leave room for a long capture of a load
 * test and stop what no lab asks for. Every one is an option of `grade`.
 */
export const DEFAULT_FILE_LIMITS: Readonly<FileLimits> = {
  maxFileSize: 256 * 2 ** 20,
  maxSeconds: 60,
  maxConnections: 10_000,
  inflate: { maxBytes: 2 ** 30, maxRatio: DEFAULT_MAX_INFLATE_RATIO },
};

/** Warnings that mean bytes of the capture were lost (cut short, skipped): not the harmless ones. */
export function isDamage(w: WarningReport): boolean {
  return w.skippedBytes > 0 || /ends inside|ends early|not read|skipped/.test(w.message);
}

/** A time to the microsecond, so a pcap (µs) and its pcapng copy (ns) give the same key. */
function micros(iso: string): string {
  return iso.replace(/(\.\d{6})\d*Z$/, '$1Z');
}

export function fingerprint(sha256: string, size: number, cap: CaptureReport | null): Fingerprint {
  const connections: Fingerprint['connections'] = [];
  for (const c of cap?.connections ?? []) {
    const x = c.handshake.x?.seq;
    const y = c.handshake.y?.seq;
    if (x === undefined && y === undefined) continue;
    const isns = `x=${x ?? '?'} y=${y ?? '?'}`;
    connections.push({ key: `${isns} t=${micros(c.firstTime)}`, isns, stream: c.stream });
  }
  return { sha256, size, connections };
}

function empty(task: FileTask, status: FileResult['status'], reason: string, max: number): FileResult {
  return {
    file: task.display, status, reason, damage: [], format: null, frames: 0, tcpSegments: 0, connections: 0,
    score: 0, max, stream: null, criteria: [], key: null, fingerprint: null,
  };
}

/** A per-file limit was reached: the file is graded unreadable with this message. */
class LimitError extends Error {}

/** The rest of the file, from `from`, into the hash (reading may have stopped before the end). */
async function hashRest(fh: FileHandle, from: number, hash: ReturnType<typeof createHash>): Promise<number> {
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = from;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return pos;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

/**
 * The graded connection's report and segments, read again from the same
 * open file, under the same limits; null when there is none or the second
 * reading fails (the grade stands without its diagram).
 */
async function gradedConnection(fh: FileHandle, task: FileTask, cap: CaptureReport, stream: number | null, limits: FileLimits, deadline: number): Promise<GradedConnection | null> {
  const report = stream === null ? undefined : cap.connections.find((c) => c.stream === stream);
  if (report === undefined) return null;
  try {
    const segs = await segmentsOfChunks(handleChunks(fh, { size: 0 }), task.display, [report], {
      inflate: limits.inflate, maxPerConnection: LADDER_SEGMENTS,
      onProgress: () => {
        if (performance.now() > deadline) throw new LimitError(`reading took more than ${limits.maxSeconds} s (--max-seconds); stopped`);
      },
    });
    return { report, segments: segs.get(report.stream) ?? [] };
  } catch (e) {
    if (e instanceof CaptureError || e instanceof LimitError) return null;
    throw e;
  }
}

export async function gradeFile(task: FileTask, rubric: Rubric, settings: Settings, limits: FileLimits = DEFAULT_FILE_LIMITS): Promise<FileResult> {
  const max = Math.round(rubric.criteria.reduce((s, c) => s + c.points, 0) * 1000) / 1000;
  if (task.refused !== null) return empty(task, 'unreadable', task.refused, max);
  let fh: FileHandle;
  try {
    fh = await openCapture(filePath(task.path), task.within === null ? null : Buffer.from(task.within.buffer, task.within.byteOffset, task.within.byteLength));
  } catch (e) {
    if (e instanceof CaptureError) return empty(task, 'unreadable', e.message, max);
    throw e;
  }
  try {
    const st = await fh.stat();
    const size = st.size;
    if (st.nlink > 1) {
      return empty(task, 'unreadable', `a file with ${st.nlink} names (a hard link: the other names may be outside the folder): not read`, max);
    }
    if (size === 0) return empty(task, 'unreadable', 'empty file (0 bytes)', max);
    if (size > limits.maxFileSize) {
      return empty(task, 'unreadable', `the file is ${sizeText(size)}, more than --max-file-size ${sizeText(limits.maxFileSize)}; not read`, max);
    }
    const hash = createHash('sha256');
    let hashed = 0;
    async function* tapped(): AsyncGenerator<Uint8Array> {
      for await (const chunk of handleChunks(fh, { size: 0 })) {
        hash.update(chunk);
        hashed += chunk.length;
        yield chunk;
      }
    }
    const deadline = performance.now() + limits.maxSeconds * 1000;
    let connections = 0;
    let cap: CaptureReport;
    try {
      cap = await analyzeChunks(tapped(), task.display, settings, () => {
        if (++connections > limits.maxConnections) {
          throw new LimitError(`more than ${limits.maxConnections} TCP connections (--max-connections); not read further`);
        }
      }, {
        maxConnections: limits.maxConnections,
        inflate: limits.inflate,
        // Between chunks of input (a few MB, or 256 KB decompressed).
        onProgress: () => {
          if (performance.now() > deadline) throw new LimitError(`reading took more than ${limits.maxSeconds} s (--max-seconds); stopped`);
        },
      });
    } catch (e) {
      if (e instanceof CaptureError || e instanceof LimitError) return empty(task, 'unreadable', e.message, max);
      throw e;
    }
    if (hashed < size) hashed = await hashRest(fh, hashed, hash);
    const fp = fingerprint(hash.digest('hex'), hashed, cap);
    const damage = cap.warnings.filter(isDamage).map((w) => w.message);
    const base = {
      file: task.display, damage, format: cap.format, frames: cap.frames, tcpSegments: cap.tcpSegments,
      connections: cap.connections.length, fingerprint: fp,
    };
    if (damage.length > 0 && rubric.damaged === 'zero') {
      return { ...base, status: 'damaged', reason: damage[0], score: 0, max, stream: null, criteria: [], key: null };
    }
    const g = gradeCapture(rubric, cap);
    const keyStream = task.answerStream ?? g.stream;
    const keyConn = keyStream === null ? undefined : cap.connections.find((c) => c.stream === keyStream);
    const result: FileResult = {
      ...base, status: 'graded', reason: null, score: g.score, max: g.max, stream: g.stream, criteria: g.criteria,
      key: keyConn ? answerKey(keyConn, settings) : null,
    };
    if (task.ladder) result.graded = await gradedConnection(fh, task, cap, g.stream, limits, deadline);
    return result;
  } finally {
    await fh.close();
  }
}
