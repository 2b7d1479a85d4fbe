/**
 * `--feedback DIR`: one text file per student, in `--lang en|zh`, that
 * explains each criterion with what their capture shows (frames, states,
 * times, read from the report), each lost point first and foremost, and
 * each answer with the correct value. Copy matches are in the gradebook
 * only: a student's feedback does not name classmates.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lang } from '../render/i18n.ts';
import type { Gradebook, StudentRow } from './batch.ts';
import { factText, gt } from './i18n.ts';

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** Wrap facts after an indent; one fact per line. */
function evidence(lang: Lang, key: 'fb.evidence' | 'fb.seen', facts: string[]): string[] {
  if (facts.length === 0) return [];
  return [`    ${gt(lang, key, { text: facts[0] })}`, ...facts.slice(1).map((f) => `      ${f}`)];
}

export function feedbackText(gb: Gradebook, s: StudentRow, lang: Lang): string {
  const out: string[] = [];
  out.push(gt(lang, 'fb.title', { student: s.student, rubric: gb.rubric.title[lang] }));
  out.push(gt(lang, 'fb.score', { score: num(s.score), max: num(s.max) }));
  out.push('');
  if (s.status !== 'graded') {
    const reason = s.status === 'missing'
      ? gt(lang, 'fb.missingReason')
      : gt(lang, s.status === 'damaged' ? 'fb.damagedReason' : 'fb.unreadableReason', { reason: s.reason ?? '' });
    if (s.file && s.format !== null) out.push(gt(lang, 'fb.file', { file: s.file, format: s.format ?? '-', frames: s.frames, connections: s.connections }));
    out.push(gt(lang, 'fb.unreadable', { reason }));
  } else {
    out.push(gt(lang, 'fb.file', { file: s.file ?? '-', format: s.format ?? '-', frames: s.frames, connections: s.connections }));
    if (s.damage.length) out.push(gt(lang, 'reason.damagedGraded', { reason: s.damage[0] }));
    if (s.key && s.stream !== null && s.key.stream === s.stream) {
      out.push(gt(lang, 'fb.connection', { stream: s.stream, client: s.key.client, server: s.key.server, filter: `tcp.stream eq ${s.stream}` }));
    } else if (s.stream === null) out.push(gt(lang, 'fb.noConnection'));
    out.push('', gt(lang, 'fb.criteria'));
    const desc = new Map(gb.rubric.criteria.map((c) => [c.id, c.description[lang]]));
    for (const c of s.criteria) {
      const facts = c.facts.map((f) => factText(lang, f));
      if (c.pass) {
        out.push(`  ${gt(lang, 'fb.passed', { desc: desc.get(c.id) ?? c.id, points: num(c.points) })}`);
        out.push(...evidence(lang, 'fb.seen', facts));
      } else {
        out.push(`  ${gt(lang, 'fb.failed', { desc: desc.get(c.id) ?? c.id, points: num(c.points) })}`);
        out.push(...evidence(lang, 'fb.evidence', facts));
      }
    }
  }
  if (s.otherFiles.length) out.push('', gt(lang, 'fb.otherFiles', { files: s.otherFiles.map((f) => `${f.file} (${num(f.score)})`).join(', ') }));
  if (s.answers !== null) {
    out.push('', gt(lang, 'fb.answers', { right: s.answers.filter((a) => a.right === true).length, total: s.answers.length }));
    for (const a of s.answers) {
      const why = factText(lang, a.why);
      if (a.right === true) out.push(`  ${gt(lang, 'fb.answerRight', { field: a.field, given: a.given })}`);
      else if (a.right === false) out.push(`  ${gt(lang, 'fb.answerWrong', { field: a.field, given: a.given, correct: a.correct ?? '-', why })}`);
      else out.push(`  ${gt(lang, 'fb.answerUnknown', { field: a.field, given: a.given, why })}`);
    }
  } else if (gb.students.some((x) => x.answers !== null)) {
    out.push('', gt(lang, 'fb.noAnswers'));
  }
  return out.join('\n') + '\n';
}

/** A file name from a student id: no path separators or control characters. */
export function feedbackFileName(student: string): string {
  const safe = student.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '_');
  return `${safe || '_'}.txt`;
}

/** Write one file per student; returns the paths written. Duplicate ids get -2, -3... */
export async function writeFeedback(gb: Gradebook, dir: string, lang: Lang): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const used = new Map<string, number>();
  const written: string[] = [];
  for (const s of gb.students) {
    let name = feedbackFileName(s.student);
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    if (n > 1) name = name.replace(/\.txt$/, `-${n}.txt`);
    const path = join(dir, name);
    await writeFile(path, feedbackText(gb, s, lang));
    written.push(path);
  }
  return written;
}
