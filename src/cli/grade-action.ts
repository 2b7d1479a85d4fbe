/**
 * `tcpscope grade`: grade a class's captures with a rubric. Its options and
 * help are grade.ts's, which loads this module only when the command runs.
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve, sep } from 'node:path';
import { AnswersError, loadAnswers } from '../grade/answers.ts';
import { gradeBatch } from '../grade/batch.ts';
import { InputError } from '../grade/collect.ts';
import { feedbackFiles } from '../grade/feedback.ts';
import { DEFAULT_FILE_LIMITS, type FileLimits } from '../grade/file.ts';
import { GRADEBOOK_FORMATS, type GradebookFormat, renderGradebook } from '../grade/gradebook.ts';
import { canvasLeftOut } from '../grade/lms.ts';
import { loadRubric, RubricError } from '../grade/rubric.ts';
import { termText } from '../render/escape/terminal.ts';
import { isLang, langFromEnv } from '../render/i18n.ts';
import { isOsPreset, OS_PRESETS } from '../report/settings.ts';
import { skippedLine } from './skipped.ts';
import { writeFileIn, writeReason } from './output-file.ts';
import { openOutput } from './run.ts';
import { colorWanted } from './common.ts';
import { resolveWidth } from './width.ts';
import { parseRatio, parseSeconds, parseSize, UsageError, version } from './util.ts';

export interface GradeOptions {
  rubric: string;
  per: 'file' | 'folder';
  idPattern?: string;
  format: string;
  feedback?: string;
  lang?: string;
  answers?: string;
  jobs?: string;
  damaged?: 'zero' | 'grade';
  os?: string;
  msl?: string;
  output?: string;
  color: boolean;
  quiet?: boolean;
  maxFileSize?: string;
  maxSeconds?: string;
  maxConnections?: string;
  maxInflate?: string;
  maxInflateRatio?: string;
  width?: string;
  wide?: boolean;
}

/** The per-file limits from the options (DEFAULT_FILE_LIMITS for those not given). */
function fileLimits(o: GradeOptions): FileLimits {
  const d = DEFAULT_FILE_LIMITS;
  let maxConnections = d.maxConnections;
  if (o.maxConnections !== undefined) {
    if (!/^\d+$/.test(o.maxConnections) || Number(o.maxConnections) < 1) throw new UsageError(`--max-connections: expected a positive whole number, got '${o.maxConnections}'`);
    maxConnections = Number(o.maxConnections);
  }
  return {
    maxFileSize: o.maxFileSize === undefined ? d.maxFileSize : parseSize('--max-file-size', o.maxFileSize),
    maxSeconds: o.maxSeconds === undefined ? d.maxSeconds : parseSeconds('--max-seconds', o.maxSeconds),
    maxConnections,
    inflate: {
      maxBytes: o.maxInflate === undefined ? d.inflate.maxBytes : parseSize('--max-inflate', o.maxInflate),
      maxRatio: o.maxInflateRatio === undefined ? d.inflate.maxRatio : parseRatio('--max-inflate-ratio', o.maxInflateRatio),
    },
  };
}

export async function gradeAction(inputs: string[], o: GradeOptions): Promise<void> {
  const lang = o.lang ?? langFromEnv();
  if (!isLang(lang)) throw new UsageError(`--lang: expected en or zh, got '${o.lang}'`);
  const format = o.format as GradebookFormat;
  if (!(GRADEBOOK_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${GRADEBOOK_FORMATS.join(', ')}, got '${o.format}'`);
  let idPattern: RegExp | null = null;
  if (o.idPattern !== undefined) {
    try {
      idPattern = new RegExp(o.idPattern);
    } catch (e) {
      throw new UsageError(`--id-pattern: ${(e as Error).message}`);
    }
  }
  let jobs: number | undefined;
  if (o.jobs !== undefined) {
    if (!/^\d+$/.test(o.jobs) || Number(o.jobs) < 1) throw new UsageError(`--jobs: expected a whole number >= 1, got '${o.jobs}'`);
    jobs = Number(o.jobs);
  }
  let rubric;
  try {
    rubric = await loadRubric(o.rubric);
  } catch (e) {
    if (e instanceof RubricError) throw new UsageError(e.message);
    throw e;
  }
  if (o.damaged) rubric.damaged = o.damaged;
  if (o.os !== undefined) {
    if (!isOsPreset(o.os)) throw new UsageError(`--os: expected one of ${OS_PRESETS.join(', ')}, got '${o.os}'`);
    rubric.os = o.os;
  }
  if (o.msl !== undefined) {
    const msl = Number(o.msl);
    if (!(msl > 0) || !Number.isFinite(msl)) throw new UsageError(`--msl: expected a positive number of seconds, got '${o.msl}'`);
    rubric.msl = msl;
  }
  const limits = fileLimits(o);
  let answers = null;
  if (o.answers !== undefined) {
    try {
      answers = await loadAnswers(o.answers);
    } catch (e) {
      if (e instanceof AnswersError) throw new UsageError(e.message);
      throw e;
    }
  }
  const roots = await submissionFolders(inputs);
  if (o.output !== undefined) {
    const why = await unsafeWay(dirname(resolve(o.output)), roots);
    if (why !== null) throw new UsageError(`--output: ${why}`);
  }
  const feedback = o.feedback === undefined ? null : await feedbackFolder(o.feedback, roots);
  const out = await openOutput(o.output ?? null);
  const progress = !(o.quiet ?? false) && process.stderr.isTTY === true;
  let gb;
  try {
    gb = await gradeBatch(inputs, rubric, {
      per: o.per, idPattern, answers, version: version(), limits, ladders: format === 'html',
      ...(jobs !== undefined ? { jobs } : {}),
      ...(progress ? { onProgress: (d: number, t: number) => process.stderr.write(`\r${d}/${t}`) } : {}),
    });
  } catch (e) {
    await out.abort();
    if (e instanceof InputError) throw new UsageError(termText(e.message));
    throw e;
  } finally {
    if (progress) process.stderr.write('\r\u001b[K');
  }
  // Before the gradebook, so that it is the last thing on a terminal.
  for (const s of gb.skipped) process.stderr.write(skippedLine(s) + '\n');
  for (const d of gb.duplicateIds) {
    const left = format === 'moodle' || format === 'canvas' ? `; left out of the ${format} import (enter that grade by hand)` : '';
    process.stderr.write(`warning: student id '${termText(d.student)}' comes from ${d.submissions.length} submissions (${d.submissions.map(termText).join(', ')}): each is graded and marked DUPLICATE in the gradebook${left}\n`);
  }
  if (format === 'canvas') {
    for (const s of canvasLeftOut(gb)) {
      process.stderr.write(`warning: student id '${termText(s.student)}' would be read by Canvas as its Points Possible row: left out of the canvas import (enter that grade by hand)\n`);
    }
  }
  const color = colorWanted(o.color, o.output === undefined && process.stdout.isTTY === true);
  out.write(renderGradebook(gb, format, { lang, color, width: resolveWidth(o, o.output !== undefined) }));
  await out.close();
  if (feedback !== null) {
    // The gradebook, if it went to the feedback folder: no student's feedback may take its name.
    const taken = o.output !== undefined && await realpath(dirname(resolve(o.output))).catch(() => null) === feedback ? [basename(o.output)] : [];
    const written = await writeFeedbackFiles(gb, feedback, lang, taken);
    if (!o.quiet) process.stderr.write(`${lang === 'zh' ? '已写入' : 'wrote'} ${written} ${lang === 'zh' ? '份评语到' : 'feedback files to'} ${termText(o.feedback ?? '')}\n`);
  }
  for (const s of gb.answersWithoutSubmission) process.stderr.write(`warning: --answers: student '${termText(s)}' has no submission\n`);
}

/** Real paths of the folders among the inputs (where students put things). */
async function submissionFolders(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const i of inputs) {
    try {
      if ((await stat(i)).isDirectory()) out.push(await realpath(i));
    } catch {
      // not there: gradeBatch says so
    }
  }
  return out;
}

/**
 * What is wrong with the way to an output `path` (absolute; each folder from
 * the root down, `path` included) where it passes through one of the
 * submission folders `roots` (real paths), or null:
 *  - a symbolic link there is a student's: `-o submissions/out/grades.csv`,
 *    with `out` a link planted there, would be written wherever it points;
 *  - a folder there that other users may write to (one of theirs, or
 *    writable by group or others without the sticky bit): a student could
 *    rename the output away once written and put their own in its place.
 * Links and folders elsewhere on the way are the user's own. Parts not made
 * yet are not links (mkdir makes them the user's).
 */
async function unsafeWay(path: string, roots: readonly string[]): Promise<string | null> {
  if (roots.length === 0) return null;
  const inside = (x: string | null): boolean => x !== null && roots.some((r) => x === r || x.startsWith(r.endsWith(sep) ? r : r + sep));
  const uid = process.getuid?.();
  const parts = path.split(sep).filter((x) => x !== '');
  for (let n = 1; n <= parts.length; n++) {
    const p = sep + parts.slice(0, n).join(sep);
    const st = await lstat(p).catch(() => null);
    if (st === null) return null;
    if (st.isSymbolicLink()) {
      if (inside(await realpath(dirname(p)).catch(() => null))) return `${termText(p)} is a symbolic link inside the submissions folder (a student's?): give a path without it`;
      continue;
    }
    const writable = uid !== undefined && ((st.uid !== uid && st.uid !== 0) || ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0));
    if (st.isDirectory() && writable && inside(await realpath(p).catch(() => null))) {
      return `${termText(p)} is inside the submissions folder and other users may write to it (they could replace what is written there): write outside it, or to a folder only you can write`;
    }
  }
  return null;
}

/**
 * The --feedback folder, made if missing, as its real path: checked before
 * grading (a usage error then, not after the gradebook), and resolved once,
 * so that every file goes to the folder as it was when grading began. A
 * link there may be a student's (`--feedback submissions/feedback`): the
 * folder must be named as itself.
 */
async function feedbackFolder(dir: string, roots: readonly string[]): Promise<string> {
  if ((await lstat(dir).catch(() => null))?.isSymbolicLink()) {
    throw new UsageError(`--feedback: ${termText(dir)} is a symbolic link: give the folder itself`);
  }
  const why = await unsafeWay(resolve(dir), roots);
  if (why !== null) throw new UsageError(`--feedback: ${why}`);
  try {
    await mkdir(dir, { recursive: true });
    return await realpath(dir);
  } catch (e) {
    throw new UsageError(`--feedback: cannot write to ${termText(dir)}: ${writeReason(e)}`);
  }
}

/**
 * One feedback file per student in `real` (feedbackFolder's), each written
 * beside its name and renamed into place (output-file.ts): a link or a file
 * a student put in the folder under a feedback file's name is replaced,
 * never written through. A file that cannot be written is a warning; the
 * others are still written. Returns how many were.
 */
async function writeFeedbackFiles(gb: Awaited<ReturnType<typeof gradeBatch>>, real: string, lang: 'en' | 'zh', taken: readonly string[]): Promise<number> {
  let written = 0;
  for (const f of feedbackFiles(gb, lang, taken)) {
    try {
      await writeFileIn(real, f.name, f.text);
      written++;
    } catch (e) {
      process.stderr.write(`warning: --feedback: cannot write ${termText(f.name)} for '${termText(f.student)}': ${writeReason(e)}\n`);
    }
  }
  return written;
}
