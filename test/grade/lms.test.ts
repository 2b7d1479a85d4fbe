/**
 * `grade -f moodle` and `grade -f canvas`: CSV files in the layouts Moodle's
 * and Canvas's grade imports read (the column mapping is documented in
 * src/grade/lms.ts). Read back here with an RFC 4180 reader, and checked
 * against the rules of the importers as their sources state them: Canvas
 * (GradebookImporter) wants the first cell to contain "Student" and the
 * second "ID", "SIS User ID" then "SIS Login ID" in the third and fourth,
 * "Section" closing the student columns, an optional "Points Possible" row,
 * and finds an assignment by its title; Moodle (gradeimport_csv) maps one
 * column to a user field and the others to grade items or their feedback,
 * and takes a number (or "-") as a grade. The files are read back with the
 * RFC 4180 reader tcpscope reads answers files with (grade/answers.ts), not
 * with the writer's code.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src/grade/answers.ts';
import type { Gradebook } from '../../src/grade/batch.ts';
import { tcpscope } from '../helpers/cli.ts';
import { fixture } from './class.ts';

function classFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-lms-'));
  const sub = join(dir, 'subs');
  mkdirSync(sub);
  copyFileSync(fixture('client-close'), join(sub, 's01.pcap'));
  copyFileSync(fixture('rst-abort'), join(sub, 's02.pcap'));
  copyFileSync(fixture('four-way-close'), join(sub, 'o\'neil, "jr".pcap'));
  copyFileSync(fixture('client-close'), join(sub, '=HYPERLINK(1).pcap'));
  return sub;
}

async function gradebook(dir: string): Promise<Gradebook> {
  const r = await tcpscope(['grade', dir, '--rubric', 'lifecycle-lab', '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Gradebook;
}

describe('gradebook exports for learning platforms', () => {
  it("Moodle: an id column, the score under the rubric's name, one line of feedback; each student's score", async () => {
    const dir = classFolder();
    const gb = await gradebook(dir);
    const r = await tcpscope(['grade', dir, '--rubric', 'lifecycle-lab', '-f', 'moodle']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('\r\n'));
    const rows = parseCsv(r.stdout).filter((row) => row.length > 1 || row[0] !== '');
    assert.deepEqual(rows[0], ['ID number', gb.rubric.title.en, 'Feedback']);
    assert.equal(rows.length, gb.students.length + 1);
    for (const s of gb.students) {
      const id = s.student.startsWith('=') ? `'${s.student}` : s.student;
      const row = rows.find((x) => x[0] === id);
      assert.ok(row, s.student);
      assert.equal(row.length, 3);
      // Moodle's grade: a number (unformat_float) no larger than the item's maximum.
      assert.match(row[1], /^\d+(\.\d+)?$/);
      assert.equal(Number(row[1]), s.score);
      assert.ok(Number(row[1]) <= gb.rubric.max);
      assert.ok(row[2].startsWith(`Score: ${s.score} / ${s.max}`), row[2]);
      for (const c of s.criteria.filter((x) => !x.pass)) {
        const desc = gb.rubric.criteria.find((x) => x.id === c.id)!.description.en;
        assert.ok(row[2].includes(desc), `${s.student}: ${desc}`);
      }
      assert.doesNotMatch(row[2], /[\r\n]/);
    }
    // A name with a comma and quotes stays one cell; a formula is not one.
    assert.ok(r.stdout.includes('"o\'neil, ""jr""",'));
    assert.ok(rows.some((x) => x[0] === "'=HYPERLINK(1)"));
    const zh = await tcpscope(['grade', dir, '--rubric', 'lifecycle-lab', '-f', 'moodle', '--lang', 'zh']);
    assert.match(zh.stdout, /得分：/);
  });

  it("Canvas: the student columns its importer requires, Points Possible, each student's score by SIS id", async () => {
    const dir = classFolder();
    const gb = await gradebook(dir);
    const r = await tcpscope(['grade', dir, '--rubric', 'lifecycle-lab', '-f', 'canvas', '-o', join(dir, '..', 'canvas.csv')]);
    assert.equal(r.code, 0, r.stderr);
    const { readFileSync } = await import('node:fs');
    const rows = parseCsv(readFileSync(join(dir, '..', 'canvas.csv'), 'utf8')).filter((row) => row.length > 1 || row[0] !== '');
    const head = rows[0];
    // GradebookImporter#header?: "Student" then "ID"; SIS User ID and SIS Login ID; the student columns end at "Section".
    assert.ok(head.length > 3 && head[0].includes('Student') && head[1].includes('ID'));
    assert.match(head[2], /SIS\s+User\s+ID/);
    assert.match(head[3], /SIS\s+Login\s+ID/);
    assert.ok(head[4].includes('Section'));
    assert.deepEqual(head.slice(5), [gb.rubric.title.en]);
    assert.ok(rows[1][0].includes('Points Possible'));
    assert.equal(Number(rows[1][5]), gb.rubric.max);
    assert.equal(rows.length, gb.students.length + 2);
    for (const s of gb.students) {
      const id = s.student.startsWith('=') ? `'${s.student}` : s.student;
      const row = rows.find((x) => x[2] === id);
      assert.ok(row, s.student);
      assert.equal(row.length, 6);
      assert.equal(row[3], id);
      assert.equal(row[1], '');
      assert.equal(Number(row[5]), s.score);
    }
  });
});
