/**
 * Grading one submitted file: read and analyse it, grade it, fingerprint it
 * for copy detection, and read the answer key of the graded connection.
 * Never throws for a bad file: an unreadable, empty, truncated or
 * non-capture file comes back with status `unreadable` or `damaged`, score 0
 * and the reader's reason. Runs in a worker thread (worker.ts) or inline.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { analyzeFile } from '../analyze/analyze.ts';
import { CaptureError } from '../capture/frame.ts';
import type { CaptureReport, Settings, WarningReport } from '../report/types.ts';
import { answerKey, gradeCapture } from './evaluate.ts';
import type { FileResult, Fingerprint, Rubric } from './types.ts';

export interface FileTask {
  /** Index in the batch (results are put back in this order). */
  index: number;
  path: string;
  /** The name shown in the gradebook. */
  display: string;
  /** Stream the student's answers are about, if the answers file says (else the graded connection). */
  answerStream: number | null;
}

/** Warnings that mean bytes of the capture were lost (cut short, skipped): not the harmless ones. */
export function isDamage(w: WarningReport): boolean {
  return w.skippedBytes > 0 || /ends inside|ends early|not read|skipped/.test(w.message);
}

/** A time to the microsecond, so a pcap (µs) and its pcapng copy (ns) give the same key. */
function micros(iso: string): string {
  return iso.replace(/(\.\d{6})\d*Z$/, '$1Z');
}

export function fingerprint(bytes: Uint8Array, cap: CaptureReport | null): Fingerprint {
  const connections: Fingerprint['connections'] = [];
  for (const c of cap?.connections ?? []) {
    const x = c.handshake.x?.seq;
    const y = c.handshake.y?.seq;
    if (x === undefined && y === undefined) continue;
    const isns = `x=${x ?? '?'} y=${y ?? '?'}`;
    connections.push({ key: `${isns} t=${micros(c.firstTime)}`, isns, stream: c.stream });
  }
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, connections };
}

function empty(task: FileTask, status: FileResult['status'], reason: string, max: number): FileResult {
  return {
    file: task.display, status, reason, damage: [], format: null, frames: 0, tcpSegments: 0, connections: 0,
    score: 0, max, stream: null, criteria: [], key: null, fingerprint: null,
  };
}

export async function gradeFile(task: FileTask, rubric: Rubric, settings: Settings): Promise<FileResult> {
  const max = Math.round(rubric.criteria.reduce((s, c) => s + c.points, 0) * 1000) / 1000;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(task.path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return empty(task, 'unreadable', code === 'EISDIR' ? 'is a directory' : code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message, max);
  }
  if (bytes.length === 0) return empty(task, 'unreadable', 'empty file (0 bytes)', max);
  let cap: CaptureReport;
  try {
    cap = await analyzeFile(task.path, settings);
  } catch (e) {
    if (e instanceof CaptureError) {
      const r = empty(task, 'unreadable', e.message, max);
      r.fingerprint = fingerprint(bytes, null);
      return r;
    }
    throw e;
  }
  const damage = cap.warnings.filter(isDamage).map((w) => w.message);
  const fp = fingerprint(bytes, cap);
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
  return {
    ...base, status: 'graded', reason: null, score: g.score, max: g.max, stream: g.stream, criteria: g.criteria,
    key: keyConn ? answerKey(keyConn, settings) : null,
  };
}
