/**
 * A student trying to cheat, after issue 19's defences (red-team pass):
 * each attack that got through once, as a regression test. The folder is
 * built here; tcpscope runs as a user runs it (the CLI in a child process)
 * or through gradeBatch.
 *  - ids that differ only in case, Unicode normalisation or an invisible
 *    character are one student to a learning platform and to macOS's file
 *    system: they are duplicates, their feedback files are named apart, and
 *    the Moodle and Canvas imports leave them out (an importer would take
 *    the planted row for the classmate's grade);
 *  - an output (-o, --feedback) named below a folder that a student planted
 *    as a link in the submissions folder is refused before anything is
 *    written: it would have been written wherever the link points; so is
 *    one in a folder there that others may write to (a student's own, or
 *    world-writable without the sticky bit), where a student could replace
 *    the gradebook once written;
 *  - a hard link (a file with several names, one maybe outside the folder)
 *    is graded 0 with the reason, never read;
 *  - Canvas reads any row whose first cell holds "Points Possible" as the
 *    assignment's points: a student of that name is left out of -f canvas;
 *  - the Moodle import's Feedback column is HTML to Moodle (FORMAT_MOODLE):
 *    a link's target quoted in a reason shows as text, not as a link;
 *  - a folder named on the command line that is another user's link (a
 *    student's, in a shared folder, named by `submissions/*`) is not
 *    followed; the instructor's own link is;
 *  - a student id named like the gradebook written into the feedback folder
 *    (`gradebook.pcap`, `-o fb/gradebook.txt --feedback fb`) does not
 *    replace the gradebook with its feedback.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, lchownSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCsv } from '../../src/grade/answers.ts';
import { gradeBatch } from '../../src/grade/batch.ts';
import { idKey } from '../../src/grade/collect.ts';
import { feedbackFiles } from '../../src/grade/feedback.ts';
import { loadRubric } from '../../src/grade/rubric.ts';
import { tcpscope } from '../helpers/cli.ts';
import { fixture } from './class.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-cheat-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A folder of submissions: [file name, fixture scenario]. */
function folder(name: string, files: [string, string][]): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, scenario] of files) copyFileSync(fixture(scenario), join(d, f));
  return d;
}

describe('grade: ids that one importer or file system takes for another', () => {
  const NFC = 'jos\u00e9';
  const NFD = 'jose\u0301';

  it('compares ids without case, normalisation or format characters', () => {
    assert.equal(idKey('Bob'), idKey('bob'));
    assert.equal(idKey(NFC), idKey(NFD));
    assert.equal(idKey('s02\u200b'), idKey('s02'));
    assert.equal(idKey('\uff42\uff4f\uff42'), idKey('bob')); // full-width
    assert.equal(idKey('STRASSE'), idKey('stra\u00dfe'));
    assert.notEqual(idKey('s02'), idKey('s03'));
  });

  it('marks them as duplicates and names their feedback files apart', async () => {
    const cls = folder('fold', [
      ['bob.pcap', 'client-close'], ['Bob.pcap', 'rst-abort'],
      [`${NFC}.pcap`, 'four-way-close'], [`${NFD}.pcap`, 'rst-abort'],
      ['s02.pcap', 'four-way-close'], ['s02\u200b.pcap', 'rst-abort'],
      ['carol.pcap', 'four-way-close'],
    ]);
    const gb = await gradeBatch([cls], await loadRubric('lifecycle-lab'), { per: 'file', idPattern: null, jobs: 1 });
    assert.deepEqual(gb.students.filter((s) => !s.duplicateId).map((s) => s.student), ['carol']);
    assert.deepEqual(gb.duplicateIds.map((d) => d.submissions.length), [2, 2, 2]);
    const names = feedbackFiles(gb, 'en').map((f) => f.name);
    // Unique as macOS (normalisation and case) and Windows (case) compare names.
    assert.equal(new Set(names.map(idKey)).size, names.length, names.join(' '));
  });

  it('leaves duplicated ids out of the Moodle and Canvas imports, and says so', async () => {
    const cls = folder('lms', [['bob.pcap', 'four-way-close'], ['Bob.pcap', 'rst-abort'], ['carol.pcap', 'client-close']]);
    for (const format of ['moodle', 'canvas']) {
      const r = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', format, '-j', '1']);
      assert.equal(r.code, 0, r.stderr);
      const rows = parseCsv(r.stdout).filter((row) => row.length > 1);
      const ids = rows.map((row) => row[format === 'moodle' ? 0 : 2]);
      assert.ok(ids.includes('carol'), r.stdout);
      assert.ok(!ids.some((x) => idKey(x) === 'bob'), `${format}: a row for bob\n${r.stdout}`);
      assert.ok(r.stderr.includes(`warning: student id 'bob' comes from 2 submissions (${cls}/bob.pcap, ${cls}/Bob.pcap): each is graded and marked DUPLICATE in the gradebook; left out of the ${format} import (enter that grade by hand)\n`), r.stderr);
    }
    // The other formats keep both rows, marked.
    const json = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'json', '-j', '1']);
    const gb = JSON.parse(json.stdout) as { students: { student: string; duplicateId: boolean }[] };
    assert.deepEqual(gb.students.map((s) => [s.student, s.duplicateId]), [['bob', true], ['Bob', true], ['carol', false]]);
    assert.deepEqual(readdirSync(cls).sort(), ['Bob.pcap', 'bob.pcap', 'carol.pcap']);
  });
});

describe('grade: outputs named through a link a student planted', () => {
  it('refuses -o and --feedback below a link inside the submissions folder; writes nothing where it points', async () => {
    const cls = folder('through', [['alice.pcap', 'four-way-close']]);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(cls, 'out'));
    symlinkSync(elsewhere, join(cls, 'fb'));
    const o = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'csv', '-o', join(cls, 'out', 'grades.csv'), '-j', '1']);
    assert.equal(o.code, 2);
    assert.ok(o.stderr.includes(`error: --output: ${cls}/out is a symbolic link inside the submissions folder (a student's?): give a path without it\n`), o.stderr);
    const f = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'csv', '--feedback', join(cls, 'fb', 'x'), '-j', '1']);
    assert.equal(f.code, 2);
    assert.ok(f.stderr.includes(`error: --feedback: ${cls}/fb is a symbolic link inside the submissions folder (a student's?): give a path without it\n`), f.stderr);
    assert.deepEqual(readdirSync(elsewhere), []);
    // A real folder there, and a link of the user's own outside the submissions on the way, are fine.
    const mine = join(dir, 'mine');
    symlinkSync(cls, mine);
    const ok = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'csv', '-o', join(mine, 'grades.csv'), '--feedback', join(cls, 'feedback', 'lab3'), '-j', '1']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(cls, 'grades.csv')) && existsSync(join(cls, 'feedback', 'lab3', 'alice.txt')));
  });

  it('refuses -o and --feedback in a folder of the submissions that others may write to', async (t) => {
    const cls = folder('writable', [['alice.pcap', 'four-way-close']]);
    mkdirSync(join(cls, 'shared'));
    chmodSync(join(cls, 'shared'), 0o777);
    mkdirSync(join(cls, 'sticky'));
    chmodSync(join(cls, 'sticky'), 0o1777);
    const grade = (...args: string[]) => tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'csv', '-j', '1', ...args]);
    const o = await grade('-o', join(cls, 'shared', 'grades.csv'));
    assert.equal(o.code, 2);
    assert.ok(o.stderr.includes(`error: --output: ${cls}/shared is inside the submissions folder and other users may write to it (they could replace what is written there): write outside it, or to a folder only you can write\n`), o.stderr);
    const f = await grade('--feedback', join(cls, 'shared', 'fb'));
    assert.equal(f.code, 2);
    assert.ok(f.stderr.includes(`error: --feedback: ${cls}/shared is inside the submissions folder and other users may write to it`), f.stderr);
    assert.deepEqual(readdirSync(join(cls, 'shared')), []);
    // Sticky (as /tmp): others cannot rename or remove what is not theirs.
    assert.equal((await grade('-o', join(cls, 'sticky', 'grades.csv'))).code, 0);
    if (process.getuid?.() !== 0) {
      t.diagnostic('not root: a folder of another user cannot be made here');
      return;
    }
    // A student's own folder.
    mkdirSync(join(cls, 'mallory'));
    chownSync(join(cls, 'mallory'), 65534, 65534);
    const m = await grade('-o', join(cls, 'mallory', 'grades.csv'));
    assert.equal(m.code, 2);
    assert.ok(m.stderr.includes(`error: --output: ${cls}/mallory is inside the submissions folder and other users may write to it`), m.stderr);
  });
});

describe('grade: a hard link', () => {
  it('is graded 0 with the reason, not read (its other name may be outside the folder)', async () => {
    const cls = folder('hard', [['alice.pcap', 'four-way-close']]);
    const reference = join(dir, 'reference.pcap');
    copyFileSync(fixture('four-way-close'), reference);
    linkSync(reference, join(cls, 'mallory.pcap'));
    const gb = await gradeBatch([cls], await loadRubric('lifecycle-lab'), { per: 'file', idPattern: null, jobs: 1 });
    assert.deepEqual(gb.students.map((s) => [s.student, s.status, s.score, s.reason]), [
      ['alice', 'graded', 10, null],
      ['mallory', 'unreadable', 0, 'a file with 2 names (a hard link: the other names may be outside the folder): not read'],
    ]);
    // Not hashed either: no copy found with alice (the same bytes).
    assert.deepEqual(gb.copies, []);
  });
});

describe('grade -f moodle: the Feedback column', () => {
  it('is HTML-escaped: markup a student put in a name or a link target shows as text', async () => {
    const cls = folder('moodle-html', [['alice.pcap', 'four-way-close']]);
    symlinkSync('<a href="https://evil.example/regrade">log in again</a>&amp;', join(cls, 'mallory.pcap'));
    const r = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'moodle', '-j', '1']);
    assert.equal(r.code, 0, r.stderr);
    const row = parseCsv(r.stdout).find((x) => x[0] === 'mallory');
    assert.ok(row, r.stdout);
    assert.equal(row[2], 'Score: 0 / 10; the file could not be read as a capture (a symbolic link to ' +
      '&lt;a href=&quot;https://evil.example/regrade&quot;&gt;log in again&lt;/a&gt;&amp;amp;: not followed)');
    assert.doesNotMatch(r.stdout, /<a /);
  });
});

describe('grade --feedback beside the gradebook', () => {
  it("gives no student's feedback the gradebook's name", async () => {
    const cls = folder('gb-name', [['alice.pcap', 'four-way-close'], ['Gradebook.pcap', 'rst-abort']]);
    const fb = join(dir, 'gb-name-out');
    const r = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'markdown', '-o', join(fb, 'gradebook.txt'), '--feedback', fb, '-j', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(fb).sort(), ['Gradebook-2.txt', 'alice.txt', 'gradebook.txt']);
    assert.match(readFileSync(join(fb, 'gradebook.txt'), 'utf8'), /^## Gradebook: /);
    assert.match(readFileSync(join(fb, 'Gradebook-2.txt'), 'utf8'), /^Feedback for Gradebook: /);
  });
});

describe('grade submissions/*: a folder link among the names', () => {
  it("follows the user's own link to a folder, not another user's", async (t) => {
    if (process.getuid?.() !== 0) {
      t.diagnostic('not root: a link of another user cannot be made here');
      return;
    }
    const cls = folder('glob', [['alice.pcap', 'four-way-close']]);
    const prof = folder('prof-answers', [['solution.pcap', 'four-way-close']]);
    symlinkSync(prof, join(cls, 'eve'));
    lchownSync(join(cls, 'eve'), 65534, 65534);
    const r = await tcpscope(['grade', join(cls, 'alice.pcap'), join(cls, 'eve'), '--rubric', 'lifecycle-lab', '-f', 'json', '-j', '1']);
    assert.equal(r.code, 0, r.stderr);
    const gb = JSON.parse(r.stdout) as { students: { student: string }[] };
    assert.deepEqual(gb.students.map((s) => s.student), ['alice']);
    assert.ok(r.stderr.includes(`warning: ${cls}/eve: symbolic link to ${prof} (another user's link): not followed\n`), r.stderr);
    // The same link, the user's own: the folder is read.
    lchownSync(join(cls, 'eve'), 0, 0);
    const own = await tcpscope(['grade', join(cls, 'eve'), '--rubric', 'lifecycle-lab', '-f', 'json', '-j', '1']);
    assert.deepEqual((JSON.parse(own.stdout) as { students: { student: string }[] }).students.map((s) => s.student), ['solution']);
  });
});

describe('grade -f canvas: a student named like its Points Possible row', () => {
  it('is left out, with a warning: Canvas would take their score for the points of the assignment', async () => {
    const cls = folder('canvas-pp', [['alice.pcap', 'four-way-close'], ['Points Possible.pcap', 'rst-abort'], ['x Points Possible x.pcap', 'rst-abort']]);
    const r = await tcpscope(['grade', cls, '--rubric', 'lifecycle-lab', '-f', 'canvas', '-j', '1']);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseCsv(r.stdout).filter((row) => row.length > 1);
    // Canvas's test: row[0] =~ /Points Possible/ (GradebookImporter#check_for_non_student_row).
    assert.deepEqual(rows.filter((row) => /Points Possible/.test(row[0])).map((row) => row[5]), ['10']);
    assert.deepEqual(rows.slice(2).map((row) => row[2]), ['alice']);
    for (const id of ['Points Possible', 'x Points Possible x']) {
      assert.ok(r.stderr.includes(`warning: student id '${id}' would be read by Canvas as its Points Possible row: left out of the canvas import (enter that grade by hand)\n`), r.stderr);
    }
  });
});
