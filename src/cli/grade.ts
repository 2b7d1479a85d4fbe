/**
 * The grade command's options and help; its action (grade-action.ts) and
 * everything grading needs are loaded only when it runs.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { GRADEBOOK_FORMATS } from '../grade/types.ts';
import { BUILTIN_RUBRICS } from '../grade/rubrics/index.ts';
import type { GradeOptions } from './grade-action.ts';

export function registerGradeCommand(program: Command): void {
  program.command('grade')
    .summary("grade a class's captures with a rubric: gradebook, feedback, copies, answers")
    .description('Grade lab submissions: every capture under the folders given (.pcap, .pcapng, .cap, .gz), one student per file or per sub-folder, graded in parallel against a rubric. Prints a gradebook (score, max, pass/fail per criterion, answers, shared captures); --feedback writes one file per student explaining every lost point with the frames and states of their capture. Unreadable, empty, truncated or non-capture files get 0 and the reason, and never stop the batch. Nothing in the folders is trusted: symbolic links are not followed (reported, graded 0), each file is stopped at the --max-* limits, names are escaped in every format, and two submissions with one student id are both kept and marked DUPLICATE (see SECURITY.md).')
    .argument('<paths...>', 'capture files and folders of submissions')
    .requiredOption('-r, --rubric <name|file>', `built-in rubric (${Object.keys(BUILTIN_RUBRICS).join(', ')}) or a rubric file (.json, .yaml)`)
    .addOption(new Option('--per <unit>', 'one student per capture file, or per sub-folder of each folder given').choices(['file', 'folder']).default('file'))
    .option('--id-pattern <regex>', "student id from the file (or folder) name: the first group of REGEX, e.g. '^(\\d{8})' (default: the name without extensions)")
    .addOption(new Option('-f, --format <format>', 'gradebook format: table, csv, json, markdown, html (one page: each student\'s marks, feedback and ladder diagram), moodle or canvas (their CSV grade imports; README "Gradebook exports")').choices([...GRADEBOOK_FORMATS]).default('table'))
    .option('--feedback <dir>', 'write one feedback file per student into DIR')
    .addOption(new Option('--lang <lang>', 'language of the table, markdown and feedback (default: from LANG)').choices(['en', 'zh']))
    .option('--answers <csv>', "check each student's answers (x, y, u, v, w, active closer, states after each wave, TIME_WAIT...) against their capture")
    .option('-j, --jobs <n>', `worker threads (default: the number of CPUs, here ${availableParallelism()})`)
    .addOption(new Option('--damaged <policy>', 'truncated or damaged captures: zero (0 and the reason) or grade what can be read (default: the rubric\'s, zero)').choices(['zero', 'grade']))
    .option('--os <preset>', "TIME_WAIT preset, overrides the rubric's (rfc, linux, freebsd, macos, windows)")
    .option('--msl <seconds>', "Maximum Segment Lifetime, overrides the rubric's")
    .option('-o, --output <file>', 'write the gradebook to FILE instead of standard output (written beside it, then renamed onto it: never through a link)')
    .option('--max-file-size <size>', 'a submitted file larger than this is not read, graded unreadable (default 256M; K, M, G are powers of 1024)')
    .option('--max-seconds <s>', 'a submitted file still being read after this many seconds is stopped, graded unreadable (default 60)')
    .option('--max-connections <n>', 'a submitted file with more TCP connections is stopped, graded unreadable (default 10000)')
    .option('--max-inflate <size>', 'a gzip-compressed file that decompresses to more is stopped, graded unreadable (default 1G)')
    .option('--max-inflate-ratio <n>', 'a gzip-compressed file that decompresses to more than N times its size (past 64 MiB) is stopped, graded unreadable (default 1000)')
    .option('--width <N>', 'fit the table to N terminal columns (default: the terminal\'s width; a pipe or file gets the full layout unless COLUMNS is set)')
    .option('--wide', 'the full table, every column, however wide the terminal')
    .option('--no-color', 'no colour')
    .option('-q, --quiet', 'no progress count or messages')
    .addHelpText('after', `
Examples:
  tcpscope grade submissions/ --rubric lifecycle-lab
  tcpscope grade submissions/ --rubric lifecycle-lab --format csv -o grades.csv --feedback feedback/
  tcpscope grade submissions/ --per folder --rubric my-rubric.yaml --feedback out/ --lang zh
  tcpscope grade submissions/ --rubric timewait-lab --answers answers.csv --id-pattern '^(s\\d+)'
  tcpscope grade alice.pcapng bob.pcap --rubric lifecycle-lab --format markdown
  tcpscope grade submissions/ --rubric lifecycle-lab -f html -o class.html
  tcpscope grade submissions/ --rubric lifecycle-lab -f moodle -o moodle.csv   (Grades > Import > CSV file)
  tcpscope grade submissions/ --rubric lifecycle-lab -f canvas -o canvas.csv   (Grades > Import)

Rubric format: see README, "Grading a class". Answers CSV columns: student, stream,
active_closer, passive_closer, x, y, u, v, w, handshake, close, wave1_active ...
wave4_passive, time_wait_side, time_wait_seconds, time_wait_observed, fin_retransmissions.

Exit codes: 0 done (whatever the scores), 1 internal error, 2 bad usage, rubric or answers file.`)
    .action(async (inputs: string[], o: GradeOptions) => (await import('./grade-action.ts')).gradeAction(inputs, o));
}
