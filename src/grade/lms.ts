/**
 * The gradebook as the CSV files learning platforms import
 * (`grade -f moodle`, `grade -f canvas`). Cells are escaped by
 * render/escape/csv.ts (quotes doubled, formulas neutralised with a
 * leading `'`, controls shown escaped); lines end in CRLF, UTF-8 without a
 * byte-order mark, comma-separated (both platforms' default).
 *
 * Moodle (Grades > Import > CSV file; grade/import/csv): one row per
 * student, the first row names the columns. On the import page choose
 * "Map from: ID number" and the Moodle user field the ids are (Map to:
 * idnumber, username or email), then map "<rubric>" to the grade item (or
 * "new grade item", which takes the column's name) and "Feedback" to
 * "Feedback for <that item>".
 *
 *   ID number   the student id (from the file or folder name, --id-pattern)
 *   <rubric>    the score (points, at most the rubric's total: set the item's maximum grade to it)
 *   Feedback    one line: the score, and each criterion failed with its points and description,
 *               HTML-escaped: Moodle stores imported feedback as FORMAT_MOODLE and shows it
 *               as HTML (cleaned), to the student and in the grader report; a reason quoting
 *               a name or a link's target (`<a href=...>`, which a student chose) must show
 *               as text, not as a link or markup
 *
 * Canvas (Grades > Import; Canvas's GradebookImporter): the first row's
 * columns are Student, ID, SIS User ID, SIS Login ID, Section, then one per
 * assignment; a second row "Points Possible" gives each assignment's
 * points. Canvas finds each student by ID (its own user id, left empty
 * here), else SIS User ID, else SIS Login ID, else the name, and an
 * assignment by "Title (id)" or its title, else creates it.
 *
 *   Student       the student id (Canvas shows it until the row is matched)
 *   ID            empty: tcpscope does not know Canvas's user ids
 *   SIS User ID   the student id
 *   SIS Login ID  the student id
 *   Section       empty
 *   <rubric>      the score; "Points Possible": the rubric's total
 *
 * Canvas's CSV import takes scores only, not comments: use --feedback
 * files for the explanations.
 *
 * A student id given by several submissions (StudentRow.duplicateId) is
 * left out of both: an importer takes one of its rows, or the last, and a
 * student who named a file after a classmate would choose the classmate's
 * grade. The CLI warns; the instructor enters that grade by hand.
 */
import { csvCell, type CsvValue } from '../render/escape/csv.ts';
import { htmlText } from '../render/escape/html.ts';
import type { Lang } from '../render/i18n.ts';
import type { Gradebook, StudentRow } from './batch.ts';
import { gt } from './i18n.ts';

function num(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function lines(rows: CsvValue[][]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The grade item's (assignment's) name: the rubric's English title. */
function itemName(gb: Gradebook): string {
  return gb.rubric.title.en;
}

/** The feedback in one line: the score, then what was lost and why (or why nothing was graded). */
export function feedbackLine(gb: Gradebook, s: StudentRow, lang: Lang): string {
  const parts = [gt(lang, 'fb.score', { score: num(s.score), max: num(s.max) })];
  if (s.status !== 'graded') {
    parts.push(s.status === 'missing' ? gt(lang, 'fb.missingReason') : gt(lang, s.status === 'damaged' ? 'fb.damagedReason' : 'fb.unreadableReason', { reason: s.reason ?? '' }));
  } else {
    const desc = new Map(gb.rubric.criteria.map((c) => [c.id, c.description[lang]]));
    for (const c of s.criteria) if (!c.pass) parts.push(gt(lang, 'fb.failed', { desc: desc.get(c.id) ?? c.id, points: num(c.points) }));
  }
  return parts.join(lang === 'zh' ? '；' : '; ');
}

/** The rows a platform imports: not those of a duplicated id, nor (Canvas) those canvasLeftOut names. */
function imported(gb: Gradebook, canvas = false): StudentRow[] {
  const out = canvas ? new Set(canvasLeftOut(gb)) : null;
  return gb.students.filter((s) => !s.duplicateId && !(out?.has(s) ?? false));
}

/**
 * Rows Canvas would not read as a student's: its importer takes any row
 * whose first cell matches /Points Possible/ as the row of each
 * assignment's points (the last such row wins), so a student id holding
 * those words would set the assignment's points, and every student's
 * percentage, to that student's score. Left out of `-f canvas`, with a
 * warning (case and spacing ignored here, to be safe).
 */
export function canvasLeftOut(gb: Gradebook): StudentRow[] {
  return gb.students.filter((s) => /points\s*possible/i.test(s.student));
}

export function renderMoodleCsv(gb: Gradebook, lang: Lang): string {
  return lines([
    ['ID number', itemName(gb), 'Feedback'],
    ...imported(gb).map((s) => [s.student, num(s.score), htmlText(feedbackLine(gb, s, lang))]),
  ]);
}

export function renderCanvasCsv(gb: Gradebook): string {
  return lines([
    ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', itemName(gb)],
    ['Points Possible', null, null, null, null, num(gb.rubric.max)],
    ...imported(gb, true).map((s) => [s.student, null, s.student, s.student, null, num(s.score)]),
  ]);
}
