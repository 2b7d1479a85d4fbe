/**
 * One student's file cannot hold the batch (grade/file.ts, analyze/pool.ts):
 * each per-file limit grades the file unreadable with the limit named, a
 * worker that runs out of heap fails only its task; feedback file names are
 * one per student whatever the ids; ids given by several submissions are
 * kept, marked, and told apart in copy detection.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPool } from '../../src/analyze/pool.ts';
import { gradeBatch, rubricSettings } from '../../src/grade/batch.ts';
import { feedbackFiles, feedbackStem } from '../../src/grade/feedback.ts';
import { DEFAULT_FILE_LIMITS, type FileLimits, type FileTask, gradeFile } from '../../src/grade/file.ts';
import { loadRubric } from '../../src/grade/rubric.ts';
import { capturesDir } from '../helpers/paths.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-limits-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const task = (name: string): FileTask => ({ index: 0, path: join(capturesDir, name), within: null, refused: null, display: name, answerStream: null });
const limits = (o: Partial<FileLimits>): FileLimits => ({ ...DEFAULT_FILE_LIMITS, ...o });

describe('grade: per-file limits', () => {
  it('a file larger than --max-file-size is not read', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    const r = await gradeFile(task('four-way-close.pcap'), rubric, rubricSettings(rubric), limits({ maxFileSize: 100 }));
    assert.equal(r.status, 'unreadable');
    assert.match(r.reason ?? '', /^the file is [\d.]+ (B|KiB), more than --max-file-size 100 B; not read$/);
  });

  it('reading past --max-seconds is stopped (a limit of 0 s: already past at the first chunk)', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    const r = await gradeFile(task('four-way-close.pcap'), rubric, rubricSettings(rubric), limits({ maxSeconds: 0 }));
    assert.deepEqual([r.status, r.reason, r.score], ['unreadable', 'reading took more than 0 s (--max-seconds); stopped', 0]);
  });

  it('more TCP connections than --max-connections is stopped', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    const r = await gradeFile(task('timewait-reuse.pcap'), rubric, rubricSettings(rubric), limits({ maxConnections: 1 }));
    assert.deepEqual([r.status, r.reason], ['unreadable', 'more than 1 TCP connections (--max-connections); not read further']);
  });

  it('a refused file (a link, a FIFO) is never opened', async () => {
    const rubric = await loadRubric('lifecycle-lab');
    const r = await gradeFile({ ...task('four-way-close.pcap'), refused: 'a symbolic link to /etc/passwd: not followed' }, rubric, rubricSettings(rubric));
    assert.deepEqual([r.status, r.reason, r.frames, r.fingerprint], ['unreadable', 'a symbolic link to /etc/passwd: not followed', 0, null]);
  });

  it('a worker that runs out of heap fails its task alone; the others are done in workers', async () => {
    const entry = new URL('../helpers/oom-worker.mjs', import.meta.url);
    const results = await runPool(
      ['a', 'oom', 'b', 'c', 'd'], entry, null,
      () => Promise.reject(new Error('ran in this thread')),
      (t, message) => `failed ${t}: ${message}`,
      { jobs: 2, resourceLimits: { maxOldGenerationSizeMb: 16 } },
    );
    assert.deepEqual(results.map((r) => r.replace(/: .*/, ':')), ['done a', 'failed oom:', 'done b', 'done c', 'done d']);
    assert.match(results[1], /out of memory/i);
  });

  it('with one job, tasks still run in a worker when asked (workersAlways): its heap limit holds', async () => {
    const entry = new URL('../helpers/oom-worker.mjs', import.meta.url);
    const results = await runPool(
      ['a', 'oom', 'b'], entry, null,
      () => Promise.reject(new Error('ran in this thread')),
      (t, message) => `failed ${t}: ${message}`,
      { jobs: 1, workersAlways: true, resourceLimits: { maxOldGenerationSizeMb: 16 } },
    );
    assert.deepEqual(results.map((r) => r.replace(/: .*/, ':')), ['done a', 'failed oom:', 'done b']);
  });

  it('a task stuck past taskTimeoutMs fails alone, its worker stopped; the others are done', async () => {
    const entry = new URL('../helpers/stuck-worker.mjs', import.meta.url);
    for (const jobs of [1, 2]) {
      const results = await runPool(
        ['a', 'stuck', 'b', 'c'], entry, null,
        () => Promise.reject(new Error('ran in this thread')),
        (t, message) => `failed ${t}: ${message}`,
        { jobs, workersAlways: true, taskTimeoutMs: 2000 },
      );
      assert.deepEqual(results, [
        'done a in thread worker', 'failed stuck: still running after 2 s: its worker was stopped',
        'done b in thread worker', 'done c in thread worker',
      ]);
    }
  });
});

describe('grade: feedback names and duplicate ids', () => {
  it('makes a feedback name of one folder entry: no separator, no leading dot, no control, at most 200 bytes', () => {
    assert.equal(feedbackStem('../../etc/passwd'), '__.._etc_passwd');
    assert.equal(feedbackStem('.bashrc'), '_bashrc');
    assert.equal(feedbackStem('a\u001b[2J\u202eb\\xff'), 'a_[2J_b_xff');
    assert.equal(feedbackStem(''), '_');
    // Windows's device names, which would be the console or nothing there, not a file.
    for (const d of ['CON', 'nul', 'Com1', 'LPT9', 'aux.lab3', 'prn ']) assert.equal(feedbackStem(d), `_${d}`);
    assert.equal(feedbackStem('console'), 'console');
    assert.ok(Buffer.byteLength(feedbackStem('é'.repeat(300))) <= 200);
  });

  it('keeps both submissions of one id, marks them, tells them apart as copies, and names every feedback file apart', async () => {
    const cls = join(dir, 'class');
    mkdirSync(cls);
    const put = (fixture: string, name: string): void => copyFileSync(join(capturesDir, fixture), join(cls, name));
    put('four-way-close.pcap', 'dup.pcap');
    put('four-way-close.pcap', 'dup.cap'); // the same bytes under the same id
    put('client-close.pcap', 'dup-2.pcap');
    put('server-close.pcap', 'Bob.pcap');
    put('half-close.pcap', 'bob.pcap');
    const rubric = await loadRubric('lifecycle-lab');
    const gb = await gradeBatch([cls], rubric, { per: 'file', idPattern: null, jobs: 1 });
    // `Bob` and `bob` are one student to a learning platform (and a case-insensitive file system).
    assert.deepEqual(gb.students.map((s) => [s.student, s.duplicateId]), [
      ['bob', true], ['Bob', true], ['dup', true], ['dup', true], ['dup-2', false],
    ]);
    assert.deepEqual(gb.duplicateIds, [
      { student: 'bob', submissions: [`${cls}/bob.pcap`, `${cls}/Bob.pcap`] },
      { student: 'dup', submissions: [`${cls}/dup.cap`, `${cls}/dup.pcap`] },
    ]);
    // Two submissions of one id with the same bytes are a copy like any other.
    assert.deepEqual(gb.copies.map((g) => [g.kind, g.students]), [['identical', ['dup', 'dup']]]);
    assert.deepEqual(gb.students.filter((s) => s.student === 'dup').map((s) => s.copies), [
      [{ students: ['dup'], kind: 'identical' }], [{ students: ['dup'], kind: 'identical' }],
    ]);
    assert.deepEqual(feedbackFiles(gb, 'en').map((f) => f.name), ['bob.txt', 'Bob-2.txt', 'dup.txt', 'dup-2.txt', 'dup-2-2.txt']);
  });
});
