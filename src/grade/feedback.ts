/**
 * `--feedback DIR`: one text file per student, in `--lang en|zh`, that
 * explains each criterion with what their capture shows (frames, states,
 * times, read from the report), each lost point first and foremost, and
 * each answer with the correct value. Copy matches are in the gradebook
 * only: a student's feedback does not name classmates. What came from the
 * submission (the student id, file names, the answers typed) is escaped for
 * a terminal (escape/terminal.ts): feedback is read with `cat` too. The CLI
 * writes the files (output-file.ts); this module only makes their names and
 * texts.
 */
import { termText } from '../render/escape/terminal.ts';
import type { Lang } from '../render/i18n.ts';
import type { Gradebook, StudentRow } from './batch.ts';
import { idKey } from './collect.ts';
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
  out.push(gt(lang, 'fb.title', { student: termText(s.student), rubric: gb.rubric.title[lang] }));
  out.push(gt(lang, 'fb.score', { score: num(s.score), max: num(s.max) }));
  out.push('');
  if (s.status !== 'graded') {
    const reason = s.status === 'missing'
      ? gt(lang, 'fb.missingReason')
      : gt(lang, s.status === 'damaged' ? 'fb.damagedReason' : 'fb.unreadableReason', { reason: s.reason ?? '' });
    if (s.file && s.format !== null) out.push(gt(lang, 'fb.file', { file: termText(s.file), format: s.format ?? '-', frames: s.frames, connections: s.connections }));
    out.push(gt(lang, 'fb.unreadable', { reason: termText(reason) }));
  } else {
    out.push(gt(lang, 'fb.file', { file: termText(s.file ?? '-'), format: s.format ?? '-', frames: s.frames, connections: s.connections }));
    if (s.damage.length) out.push(gt(lang, 'reason.damagedGraded', { reason: termText(s.damage[0]) }));
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
  if (s.otherFiles.length) out.push('', gt(lang, 'fb.otherFiles', { files: s.otherFiles.map((f) => `${termText(f.file)} (${num(f.score)})`).join(', ') }));
  if (s.answers !== null) {
    out.push('', gt(lang, 'fb.answers', { right: s.answers.filter((a) => a.right === true).length, total: s.answers.length }));
    for (const a of s.answers) {
      const why = factText(lang, a.why);
      const given = termText(a.given);
      if (a.right === true) out.push(`  ${gt(lang, 'fb.answerRight', { field: a.field, given })}`);
      else if (a.right === false) out.push(`  ${gt(lang, 'fb.answerWrong', { field: a.field, given, correct: a.correct ?? '-', why })}`);
      else out.push(`  ${gt(lang, 'fb.answerUnknown', { field: a.field, given, why })}`);
    }
  } else if (gb.students.some((x) => x.answers !== null)) {
    out.push('', gt(lang, 'fb.noAnswers'));
  }
  return out.join('\n') + '\n';
}

/**
 * The stem of a feedback file's name from a student id: one name in the
 * folder, never a path. Separators, controls, DEL, C1, format characters
 * (bidi controls, zero-width spaces), the
 * characters Windows refuses and backslashes (which spell a non-UTF-8 byte,
 * `\xNN`) become `_`; leading dots too (no hidden file, no `..`); a
 * Windows device name (`CON`, `nul`, `COM1`...) gets a leading `_`; at most
 * 200 bytes of UTF-8, so that `-N.txt` still fits NAME_MAX (255).
 */
export function feedbackStem(student: string): string {
  let safe = student.replace(/[\\/:*?"<>|\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\ufffd]/gu, '_').replace(/^\.+/, '_');
  // Windows's device names (`CON.txt` is the console there), whatever the case: not a file of the folder.
  if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]) *(\.|$)/i.test(safe)) safe = `_${safe}`;
  while (Buffer.byteLength(safe) > 200) safe = [...safe].slice(0, -1).join('');
  return safe.trim() === '' ? '_' : safe;
}

/** One feedback file per student: its name (unique in the folder) and text. */
export interface FeedbackFile {
  student: string;
  name: string;
  text: string;
}

/**
 * The feedback files of a gradebook. Names are unique without regard to
 * case or Unicode normalisation (idKey: a case-insensitive file system
 * would merge `Bob.txt` and `bob.txt`, macOS's a composed and a decomposed
 * `josé.txt`): a clash gets -2, -3..., past any name already taken, so no
 * student's file replaces another's (a student id `bob-2` and a second
 * `bob` get different names). `taken`: names in the folder no feedback
 * may have (the gradebook, when -o writes it there: a student id
 * `gradebook` must not replace `gradebook.txt`).
 */
export function feedbackFiles(gb: Gradebook, lang: Lang, taken: readonly string[] = []): FeedbackFile[] {
  const used = new Set<string>(taken.map(idKey));
  return gb.students.map((s) => {
    const stem = feedbackStem(s.student);
    let name = `${stem}.txt`;
    for (let n = 2; used.has(idKey(name)); n++) name = `${stem}-${n}.txt`;
    used.add(idKey(name));
    return { student: s.student, name, text: feedbackText(gb, s, lang) };
  });
}
