/**
 * The gradebook in its formats: `csv` (raw values, one line per student,
 * for spreadsheets; the same in every language), `json` (the Gradebook
 * document), `table` (cli-table3, for the terminal), `markdown`, and the
 * learning platforms' imports `moodle` and `canvas` (lms.ts), and `html`
 * (gradebook-html.ts: marks, feedback and ladder of each student).
 * Student ids, file names and reasons come from the submissions: each
 * format escapes them with its module of src/render/escape (JSON keeps the
 * raw values, which JSON.stringify escapes).
 */
import Table from 'cli-table3';
import { fitCells, fitColumns, textWidth, wrapCell, wrapText } from '../render/fit.ts';
import { csvCell } from '../render/escape/csv.ts';
import { mdText } from '../render/escape/markdown.ts';
import { termText } from '../render/escape/terminal.ts';
import type { Lang } from '../render/i18n.ts';
import { palette, stripAnsi } from '../render/text.ts';
import { collator } from '../capture/files.ts';
import { ANSWER_FIELDS, type AnswerField } from './answers.ts';
import type { Gradebook, StudentRow } from './batch.ts';
import { gt } from './i18n.ts';
import { renderCanvasCsv, renderMoodleCsv } from './lms.ts';
import { renderGradebookHtml } from './gradebook-html.ts';

import { GRADEBOOK_FORMATS, type GradebookFormat } from './types.ts';

export { GRADEBOOK_FORMATS, type GradebookFormat };

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** The answer fields some student answered, in the canonical order. */
function answeredFields(gb: Gradebook): AnswerField[] {
  const seen = new Set<AnswerField>();
  for (const s of gb.students) for (const a of s.answers ?? []) seen.add(a.field);
  return ANSWER_FIELDS.filter((f) => seen.has(f));
}

function hasAnswers(gb: Gradebook): boolean {
  return gb.students.some((s) => s.answers !== null);
}

function answersCell(s: StudentRow): string {
  if (s.answers === null) return '';
  return `${s.answers.filter((a) => a.right === true).length}/${s.answers.length}`;
}

/** Students sharing the capture (identical bytes or the same connections); `weak`: the same ISNs only. */
function copyStudents(s: StudentRow, weak: boolean): string[] {
  const strong = new Set(s.copies.filter((c) => c.kind !== 'same-isns').flatMap((c) => c.students));
  const list = weak ? s.copies.filter((c) => c.kind === 'same-isns').flatMap((c) => c.students).filter((x) => !strong.has(x)) : [...strong];
  return [...new Set(list)].sort(collator.compare);
}

/** `s09 ~s13`: same capture, and (with ~) the same ISNs only. */
function copiesCell(s: StudentRow): string {
  return [...copyStudents(s, false), ...copyStudents(s, true).map((x) => `~${x}`)].join(' ');
}

export function renderGradebookCsv(gb: Gradebook): string {
  const fields = answeredFields(gb);
  const answers = hasAnswers(gb);
  const head = ['student', 'file', 'score', 'max', 'status', 'stream', ...gb.rubric.criteria.map((c) => c.id)];
  if (answers) head.push('answers_right', 'answers_total', ...fields.map((f) => `answer_${f}`));
  const duplicates = gb.duplicateIds.length > 0;
  head.push('same_capture_as', 'same_isns_as');
  if (duplicates) head.push('duplicate_id');
  head.push('reason');
  const lines = [head.map(csvCell).join(',')];
  for (const s of gb.students) {
    const byId = new Map(s.criteria.map((c) => [c.id, c]));
    const row: (string | number | null)[] = [
      s.student, s.file, num(s.score), num(s.max), s.status, s.stream,
      ...gb.rubric.criteria.map((c) => {
        const r = byId.get(c.id);
        return r ? (r.pass ? 'pass' : 'fail') : null;
      }),
    ];
    if (answers) {
      const a = s.answers;
      row.push(a ? a.filter((x) => x.right === true).length : null, a ? a.length : null);
      for (const f of fields) {
        const x = a?.find((y) => y.field === f);
        row.push(x ? (x.right === true ? 'right' : x.right === false ? 'wrong' : 'unknown') : null);
      }
    }
    row.push(copyStudents(s, false).join(' ') || null, copyStudents(s, true).join(' ') || null);
    if (duplicates) row.push(s.duplicateId ? 'yes' : null);
    row.push(s.reason ?? (s.damage.length ? s.damage[0] : null));
    lines.push(row.map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function renderGradebookJson(gb: Gradebook): string {
  return JSON.stringify(gb, null, 2) + '\n';
}

function noteOf(s: StudentRow, lang: Lang): string {
  const note = reasonNote(s, lang);
  if (!s.duplicateId) return note;
  return note === '' ? gt(lang, 'gb.duplicate') : `${gt(lang, 'gb.duplicate')}; ${note}`;
}

function reasonNote(s: StudentRow, lang: Lang): string {
  if (s.status === 'missing') return gt(lang, 'reason.missing');
  if (s.status === 'unreadable') return gt(lang, 'reason.unreadable', { reason: s.reason ?? '' });
  if (s.status === 'damaged') return gt(lang, 'reason.damaged', { reason: s.reason ?? '' });
  if (s.damage.length) return gt(lang, 'reason.damagedGraded', { reason: s.damage[0] });
  return '';
}

interface Grid {
  head: string[];
  rows: string[][];
  /** Right-aligned columns. */
  right: Set<number>;
}

function grid(gb: Gradebook, lang: Lang, mark: { pass: string; fail: string }): Grid {
  const answers = hasAnswers(gb);
  const anyCopies = gb.students.some((s) => s.copies.length > 0);
  const head = [gt(lang, 'gb.student'), gt(lang, 'gb.file'), gt(lang, 'gb.score'), ...gb.rubric.criteria.map((c) => `${c.id} (${num(c.points)})`)];
  if (answers) head.push(gt(lang, 'gb.answers'));
  if (anyCopies) head.push(gt(lang, 'gb.copies'));
  head.push(gt(lang, 'gb.note'));
  // Cells from the submissions are escaped here for the terminal; the
  // markdown renderer escapes every cell again (termText changes nothing twice).
  const rows = gb.students.map((s) => {
    const byId = new Map(s.criteria.map((c) => [c.id, c]));
    const r = [
      termText(s.student), termText(s.file ?? '-'), `${num(s.score)}/${num(s.max)}`,
      ...gb.rubric.criteria.map((c) => {
        const x = byId.get(c.id);
        return x ? (x.pass ? mark.pass : mark.fail) : '-';
      }),
    ];
    if (answers) r.push(answersCell(s) || '-');
    if (anyCopies) r.push(termText(copiesCell(s)) || '-');
    r.push(termText(noteOf(s, lang)));
    return r;
  });
  return { head, rows, right: new Set([2]) };
}

function summary(gb: Gradebook, lang: Lang): string[] {
  const scores = gb.students.map((s) => s.score).sort((a, b) => a - b);
  const n = scores.length;
  const mean = n ? scores.reduce((a, b) => a + b, 0) / n : 0;
  const median = n === 0 ? 0 : n % 2 ? scores[(n - 1) / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2;
  const out = [gt(lang, 'gb.stats', {
    mean: mean.toFixed(2), max: num(gb.rubric.max), median: num(median),
    zero: scores.filter((x) => x === 0).length,
    broken: gb.students.filter((s) => s.status !== 'graded').length,
  })];
  return out;
}

/** One line per group of students sharing a capture; names and files escaped for the terminal. */
function copyLines(gb: Gradebook, lang: Lang): string[] {
  if (gb.copies.length === 0) return [gt(lang, 'gb.noCopies')];
  return gb.copies.map((g) => termText(gt(lang, 'gb.copyLine', {
    students: g.students.join(', '),
    how: gt(lang, `copy.${g.kind}`, { files: g.files.join(', '), detail: g.detail }),
  })));
}

/**
 * The gradebook for the terminal. `width` (cli/width.ts) fits it: criteria
 * are numbered columns with a legend under the table, the file shown by its
 * name, notes wrapped, and the columns least needed (file, answers, shared
 * captures, which the lines under the table list too) left out when they do
 * not fit. Without it, the full layout.
 */
export function renderGradebookTable(gb: Gradebook, opts: { lang: Lang; color: boolean; width?: number | null }): string {
  const p = palette(opts.color);
  const g = grid(gb, opts.lang, { pass: p.green('✓'), fail: p.red('✗') });
  const width = opts.width ?? null;
  let head = g.head.map((h) => p.bold(h));
  let rows = g.rows;
  let right = g.head.map((_, i) => g.right.has(i));
  let colWidths: number[] | undefined;
  const legend: string[] = [];
  if (width !== null) {
    const nCrit = gb.rubric.criteria.length;
    const first = 3;
    const critCols = new Set(Array.from({ length: nCrit }, (_, k) => first + k));
    const fileCol = 1;
    // Criteria by number, their names and points in a legend.
    head = g.head.map((h, i) => p.bold(critCols.has(i) ? String(i - first + 1) : h));
    rows = g.rows.map((r) => r.map((c, i) => (i === fileCol ? basename(c) : c)));
    legend.push(...wrapText(gb.rubric.criteria.map((c, k) => `${k + 1} ${c.id} (${num(c.points)})`).join(', '), width));
    const last = g.head.length - 1;
    const priority = [0, 2, ...critCols, last, ...Array.from({ length: last - first - nCrit }, (_, k) => first + nCrit + k), fileCol];
    const cols = priority.map((i) => {
      const natural = Math.max(textWidth(stripAnsi(head[i])), ...rows.map((r) => textWidth(stripAnsi(r[i]))));
      return { natural, min: Math.min(natural, i === last ? 16 : i === fileCol ? 12 : 10) };
    });
    const fitted = fitColumns(cols, width);
    const widths: (number | null)[] = g.head.map((_, i) => fitted[priority.indexOf(i)]);
    const cells = fitCells(head, rows, widths);
    right = right.filter((_, i) => widths[i] !== null);
    head = cells.head;
    rows = cells.rows;
    colWidths = cells.widths.map((w) => w + 2);
  }
  const table = new Table({
    head,
    style: opts.color ? { head: [], border: ['grey'] } : { head: [], border: [] },
    colAligns: right.map((r) => (r ? 'right' : 'left')),
    wordWrap: false,
    ...(colWidths ? { colWidths } : {}),
  });
  for (const r of rows) table.push(r);
  const fit = (l: string): string[] => (width === null ? [l] : wrapCell(l, width).split('\n'));
  const out = [
    ...fit(p.bold(gt(opts.lang, 'gb.title', { rubric: gb.rubric.title[opts.lang], n: gb.students.length, files: gb.files }))),
    table.toString(),
    ...legend,
    ...summary(gb, opts.lang).flatMap(fit),
    '',
    p.bold(gt(opts.lang, 'gb.copyTitle')),
    ...copyLines(gb, opts.lang).map((l) => (gb.copies.length ? p.yellow(l) : l)).flatMap(fit),
  ];
  return out.join('\n') + '\n';
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

export function renderGradebookMarkdown(gb: Gradebook, opts: { lang: Lang }): string {
  const g = grid(gb, opts.lang, { pass: '✓', fail: '✗' });
  const out = [
    `## ${mdText(gt(opts.lang, 'gb.title', { rubric: gb.rubric.title[opts.lang], n: gb.students.length, files: gb.files }))}`,
    '',
    `| ${g.head.map(mdText).join(' | ')} |`,
    `|${g.head.map((_, i) => (g.right.has(i) ? '---:' : '---')).join('|')}|`,
    ...g.rows.map((r) => `| ${r.map(mdText).join(' | ')} |`),
    '',
    ...summary(gb, opts.lang).map((l) => `- ${l}`),
    '',
    `### ${gt(opts.lang, 'gb.copyTitle')}`,
    '',
    ...copyLines(gb, opts.lang).map((l) => (gb.copies.length ? `- ${mdText(l)}` : l)),
  ];
  return out.join('\n') + '\n';
}

export function renderGradebook(gb: Gradebook, format: GradebookFormat, opts: { lang: Lang; color: boolean; width?: number | null }): string {
  switch (format) {
    case 'csv': return renderGradebookCsv(gb);
    case 'json': return renderGradebookJson(gb);
    case 'markdown': return renderGradebookMarkdown(gb, opts);
    case 'table': return renderGradebookTable(gb, opts);
    case 'moodle': return renderMoodleCsv(gb, opts.lang);
    case 'canvas': return renderCanvasCsv(gb);
    case 'html': return renderGradebookHtml(gb, opts.lang);
  }
}
