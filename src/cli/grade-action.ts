/**
 * `tcpscope grade`: grade a class's captures with a rubric. Its options and
 * help are grade.ts's, which loads this module only when the command runs.
 */
import { AnswersError, loadAnswers } from '../grade/answers.ts';
import { gradeBatch } from '../grade/batch.ts';
import { InputError } from '../grade/collect.ts';
import { writeFeedback } from '../grade/feedback.ts';
import { GRADEBOOK_FORMATS, type GradebookFormat, renderGradebook } from '../grade/gradebook.ts';
import { loadRubric, RubricError } from '../grade/rubric.ts';
import { isLang, langFromEnv } from '../render/i18n.ts';
import { isOsPreset, OS_PRESETS } from '../report/settings.ts';
import { colorWanted, openOutput } from './run.ts';
import { UsageError, version } from './util.ts';

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
  let answers = null;
  if (o.answers !== undefined) {
    try {
      answers = await loadAnswers(o.answers);
    } catch (e) {
      if (e instanceof AnswersError) throw new UsageError(e.message);
      throw e;
    }
  }
  const out = await openOutput(o.output ?? null);
  const progress = !(o.quiet ?? false) && process.stderr.isTTY === true;
  let gb;
  try {
    gb = await gradeBatch(inputs, rubric, {
      per: o.per, idPattern, answers, version: version(),
      ...(jobs !== undefined ? { jobs } : {}),
      ...(progress ? { onProgress: (d: number, t: number) => process.stderr.write(`\r${d}/${t}`) } : {}),
    });
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  } finally {
    if (progress) process.stderr.write('\r\u001b[K');
  }
  const color = colorWanted(o.color, o.output === undefined && process.stdout.isTTY === true);
  out.write(renderGradebook(gb, format, { lang, color }));
  await out.close();
  if (o.feedback !== undefined) {
    const written = await writeFeedback(gb, o.feedback, lang);
    if (!o.quiet) process.stderr.write(`${lang === 'zh' ? '已写入' : 'wrote'} ${written.length} ${lang === 'zh' ? '份评语到' : 'feedback files to'} ${o.feedback}\n`);
  }
  for (const s of gb.answersWithoutSubmission) process.stderr.write(`warning: --answers: student '${s}' has no submission\n`);
}
