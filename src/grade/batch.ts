/**
 * `tcpscope grade` without the command line: collect the submissions, grade
 * every file in parallel, keep each student's best file, check answers,
 * find shared captures, and return the gradebook document (the JSON of
 * `--format json`).
 */
import { makeSettings } from '../report/settings.ts';
import type { Settings } from '../report/types.ts';
import { type AnswerResult, type AnswerRow, checkAnswers } from './answers.ts';
import type { SkippedEntry } from '../capture/files.ts';
import { collectSubmissions, idKey, type Per } from './collect.ts';
import { type CopyGroup, type CopyKind, copiesByOwner, findCopies } from './copies.ts';
import type { FileLimits, FileTask } from './file.ts';
import { gradeAll } from './pool.ts';
import type { CriterionResult, FileResult, Rubric, Text } from './types.ts';

export interface StudentRow {
  student: string;
  status: FileResult['status'] | 'missing';
  /** The graded file (the best-scoring one of the student's), null if none. */
  file: string | null;
  /** The student's other files, with their scores. */
  otherFiles: { file: string; score: number; status: FileResult['status'] }[];
  score: number;
  max: number;
  /** Why the score is 0 without grading (unreadable, damaged, no capture). */
  reason: string | null;
  /** Damage found in a capture that was graded anyway (rubric `damaged: grade`). */
  damage: string[];
  format: 'pcap' | 'pcapng' | null;
  frames: number;
  connections: number;
  /** The graded connection (Wireshark's tcp.stream). */
  stream: number | null;
  criteria: CriterionResult[];
  /** Checked answers; null when no answers file was given or it has no row for this student. */
  answers: AnswerResult[] | null;
  /** Other students sharing a capture with this one. */
  copies: { students: string[]; kind: CopyKind }[];
  /** The answer key of the graded connection (for the instructor). */
  key: FileResult['key'];
  /** The graded connection and its segments, with BatchOptions.ladders (the HTML gradebook); absent otherwise. */
  graded?: FileResult['graded'];
  /**
   * Another submission has the same student id (two files or folders whose
   * names give one id): both are graded and kept, and marked so.
   */
  duplicateId: boolean;
}

/** Submissions that resolve to one student id. */
export interface DuplicateId {
  student: string;
  /** Each submission: its folder (--per folder) or its file. */
  submissions: string[];
}

export interface Gradebook {
  tool: { name: 'tcpscope'; version: string };
  rubric: { name: string; title: Text; max: number; criteria: { id: string; points: number; description: Text }[] };
  settings: Settings;
  students: StudentRow[];
  copies: CopyGroup[];
  /** Students of the answers file with no submission. */
  answersWithoutSubmission: string[];
  files: number;
  /** Student ids given by more than one submission (each one's rows have `duplicateId`). */
  duplicateIds: DuplicateId[];
  /** What the folders held and was not read: symbolic links (with their targets), FIFOs, unreadable folders. */
  skipped: SkippedEntry[];
}

export interface BatchOptions {
  per: Per;
  idPattern: RegExp | null;
  jobs?: number;
  answers?: Map<string, AnswerRow> | null;
  version?: string;
  onProgress?: (done: number, total: number) => void;
  /** Limits of each submitted file (default DEFAULT_FILE_LIMITS). */
  limits?: FileLimits;
  /** Keep each student's graded connection and its segments (StudentRow.graded), for the HTML gradebook's diagrams. */
  ladders?: boolean;
}

export function rubricSettings(r: Rubric): Settings {
  return makeSettings(r.msl === null ? { os: r.os } : { os: r.os, msl: r.msl });
}

export async function gradeBatch(inputs: readonly string[], rubric: Rubric, opts: BatchOptions): Promise<Gradebook> {
  const settings = rubricSettings(rubric);
  const { submissions: subs, skipped } = await collectSubmissions(inputs, { per: opts.per, idPattern: opts.idPattern });
  const tasks: FileTask[] = [];
  const owner: number[] = [];
  subs.forEach((s, si) => {
    const stream = opts.answers?.get(s.student)?.stream ?? null;
    for (const f of s.files) {
      tasks.push({ index: tasks.length, path: f.path, within: f.within, refused: f.refused, display: f.display, answerStream: stream, ladder: opts.ladders ?? false });
      owner.push(si);
    }
  });
  const results = await gradeAll(
    tasks, rubric, settings,
    { ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}), ...(opts.onProgress ? { onResult: opts.onProgress } : {}) },
    opts.limits,
  );
  const max = Math.round(rubric.criteria.reduce((s, c) => s + c.points, 0) * 1000) / 1000;

  const perStudent: FileResult[][] = subs.map(() => []);
  results.forEach((r, i) => perStudent[owner[i]].push(r));

  const copyGroups = findCopies(results.flatMap((r, i) => (r.fingerprint && r.status !== 'unreadable'
    ? [{ student: subs[owner[i]].student, owner: owner[i], file: r.file, fingerprint: r.fingerprint }] : [])));
  const copies = copiesByOwner(copyGroups);

  // One id, several submissions: a student who named a file after a
  // classmate must not pass for them unseen, nor hide their own. Ids are
  // compared as a learning platform or a file system may match them
  // (idKey): `Bob` and `bob`, a composed and a decomposed `josé`, `s02`
  // and `s02` with a zero-width space are one id.
  const byId = new Map<string, number[]>();
  subs.forEach((s, si) => byId.set(idKey(s.student), [...(byId.get(idKey(s.student)) ?? []), si]));
  const duplicateIds: DuplicateId[] = [...byId.values()].filter((list) => list.length > 1).map((list) => ({
    student: subs[list[0]].student, submissions: list.map((si) => subs[si].folder ?? subs[si].files[0]?.display ?? '?'),
  }));
  const duplicated = new Set(duplicateIds.flatMap((d) => byId.get(idKey(d.student)) ?? []));

  const students: StudentRow[] = subs.map((s, si) => {
    const rs = perStudent[si];
    const answerRow = opts.answers?.get(s.student) ?? null;
    if (rs.length === 0) {
      return {
        student: s.student, status: 'missing', file: null, otherFiles: [], score: 0, max, reason: 'no capture file in the folder',
        damage: [], format: null, frames: 0, connections: 0, stream: null, criteria: [],
        answers: answerRow ? checkAnswers(answerRow, null, settings) : null, copies: copies.get(si) ?? [], key: null,
        duplicateId: duplicated.has(si),
      };
    }
    // Best file: highest score, then graded over damaged over unreadable, then the first in order.
    const order = { graded: 0, damaged: 1, unreadable: 2 } as const;
    const best = rs.reduce((a, b) => (b.score > a.score || (b.score === a.score && order[b.status] < order[a.status]) ? b : a));
    return {
      student: s.student, status: best.status, file: best.file,
      otherFiles: rs.filter((r) => r !== best).map((r) => ({ file: r.file, score: r.score, status: r.status })),
      score: best.score, max, reason: best.reason, damage: best.status === 'graded' ? best.damage : [],
      format: best.format, frames: best.frames, connections: best.connections, stream: best.stream, criteria: best.criteria,
      answers: answerRow ? checkAnswers(answerRow, best.key, settings) : null,
      copies: copies.get(si) ?? [], key: best.key, duplicateId: duplicated.has(si),
      ...(opts.ladders ? { graded: best.graded ?? null } : {}),
    };
  });
  const known = new Set(subs.map((s) => s.student));
  return {
    tool: { name: 'tcpscope', version: opts.version ?? '0.0.0' },
    rubric: { name: rubric.name, title: rubric.title, max, criteria: rubric.criteria.map((c) => ({ id: c.id, points: c.points, description: c.description })) },
    settings,
    students,
    copies: copyGroups.map((g) => g.group),
    answersWithoutSubmission: [...(opts.answers?.keys() ?? [])].filter((k) => !known.has(k)).sort(),
    files: tasks.length,
    duplicateIds,
    skipped,
  };
}
