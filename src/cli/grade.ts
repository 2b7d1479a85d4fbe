/**
 * `tcpscope grade`: grade a class's captures with a rubric. Registered by
 * commands.ts through `registerGradeCommand(program)`.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { AnswersError, loadAnswers } from '../grade/answers.ts';
import { gradeBatch } from '../grade/batch.ts';
import { InputError } from '../grade/collect.ts';
import { writeFeedback } from '../grade/feedback.ts';
import { GRADEBOOK_FORMATS, type GradebookFormat, renderGradebook } from '../grade/gradebook.ts';
import { loadRubric, RubricError } from '../grade/rubric.ts';
import { BUILTIN_RUBRICS } from '../grade/rubrics/index.ts';
import { isLang, langFromEnv } from '../render/i18n.ts';
import { isOsPreset, OS_PRESETS } from '../report/settings.ts';
import { colorWanted, openOutput } from './run.ts';
import { UsageError, version } from './util.ts';

interface GradeOptions {
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

async function gradeAction(inputs: string[], o: GradeOptions): Promise<void> {
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

export function registerGradeCommand(program: Command): void {
  program.command('grade')
    .summary("grade a class's captures with a rubric: gradebook, feedback, copies, answers")
    .description('Grade lab submissions: every capture under the folders given (.pcap, .pcapng, .cap, .gz), one student per file or per sub-folder, graded in parallel against a rubric. Prints a gradebook (score, max, pass/fail per criterion, answers, shared captures); --feedback writes one file per student explaining every lost point with the frames and states of their capture. Unreadable, empty, truncated or non-capture files get 0 and the reason, and never stop the batch.')
    .argument('<paths...>', 'capture files and folders of submissions')
    .requiredOption('-r, --rubric <name|file>', `built-in rubric (${Object.keys(BUILTIN_RUBRICS).join(', ')}) or a rubric file (.json, .yaml)`)
    .addOption(new Option('--per <unit>', 'one student per capture file, or per sub-folder of each folder given').choices(['file', 'folder']).default('file'))
    .option('--id-pattern <regex>', "student id from the file (or folder) name: the first group of REGEX, e.g. '^(\\d{8})' (default: the name without extensions)")
    .addOption(new Option('-f, --format <format>', 'gradebook format').choices([...GRADEBOOK_FORMATS]).default('table'))
    .option('--feedback <dir>', 'write one feedback file per student into DIR')
    .addOption(new Option('--lang <lang>', 'language of the table, markdown and feedback (default: from LANG)').choices(['en', 'zh']))
    .option('--answers <csv>', "check each student's answers (x, y, u, v, w, active closer, states after each wave, TIME_WAIT...) against their capture")
    .option('-j, --jobs <n>', `worker threads (default: the number of CPUs, here ${availableParallelism()})`)
    .addOption(new Option('--damaged <policy>', 'truncated or damaged captures: zero (0 and the reason) or grade what can be read (default: the rubric\'s, zero)').choices(['zero', 'grade']))
    .option('--os <preset>', "TIME_WAIT preset, overrides the rubric's (rfc, linux, freebsd, macos, windows)")
    .option('--msl <seconds>', "Maximum Segment Lifetime, overrides the rubric's")
    .option('-o, --output <file>', 'write the gradebook to FILE instead of standard output')
    .option('--no-color', 'no colour')
    .option('-q, --quiet', 'no progress count or messages')
    .addHelpText('after', `
Examples:
  tcpscope grade submissions/ --rubric lifecycle-lab
  tcpscope grade submissions/ --rubric lifecycle-lab --format csv -o grades.csv --feedback feedback/
  tcpscope grade submissions/ --per folder --rubric my-rubric.yaml --feedback out/ --lang zh
  tcpscope grade submissions/ --rubric timewait-lab --answers answers.csv --id-pattern '^(s\\d+)'
  tcpscope grade alice.pcapng bob.pcap --rubric lifecycle-lab --format markdown

Rubric format: see README, "Grading a class". Answers CSV columns: student, stream,
active_closer, passive_closer, x, y, u, v, w, handshake, close, wave1_active ...
wave4_passive, time_wait_side, time_wait_seconds, time_wait_observed, fin_retransmissions.

Exit codes: 0 done (whatever the scores), 1 internal error, 2 bad usage, rubric or answers file.`)
    .action(gradeAction);
}
