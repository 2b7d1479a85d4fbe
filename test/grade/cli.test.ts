/**
 * The `grade` command through commander: options, output file, feedback
 * folder, usage errors.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerGradeCommand } from '../../src/cli/grade.ts';
import { UsageError } from '../../src/cli/util.ts';
import { fixture } from './class.ts';

let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-grade-cli-'));
  mkdirSync(join(dir, 'class'));
  copyFileSync(fixture('four-way-close'), join(dir, 'class', 'alice.pcap'));
  copyFileSync(fixture('rst-abort'), join(dir, 'class', 'bob.pcap'));
  writeFileSync(join(dir, 'class', 'carol.pcap'), 'not a capture');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerGradeCommand(program);
  await program.parseAsync(['node', 'tcpscope', 'grade', ...args]);
}

describe('tcpscope grade', () => {
  it('writes the gradebook and the feedback files', async () => {
    const out = join(dir, 'grades.csv');
    const fb = join(dir, 'feedback');
    await run(join(dir, 'class'), '--rubric', 'lifecycle-lab', '--format', 'csv', '-o', out, '--feedback', fb, '--lang', 'zh', '-q', '-j', '2');
    const csv = readFileSync(out, 'utf8').split('\r\n');
    assert.equal(csv.length, 5);
    assert.match(csv[1], /^alice,.*alice\.pcap,10,10,graded,0,pass,pass,pass,pass,pass,pass,pass,,,$/);
    assert.match(csv[2], /^bob,.*,2,10,graded,0,pass,fail,fail,fail,fail,fail,fail,,,$/);
    assert.match(csv[3], /^carol,.*,0,10,unreadable,,,,,,,,,,,not a pcap or pcapng file \(starts with 0x6e6f7420\)$/);
    assert.deepEqual(readdirSync(fb).sort(), ['alice.txt', 'bob.txt', 'carol.txt']);
    assert.ok(readFileSync(join(fb, 'bob.txt'), 'utf8').startsWith('bob 的评语：'));
  });

  it('reads a rubric file and overrides its TIME_WAIT preset', async () => {
    const r = join(dir, 'r.json');
    writeFileSync(r, JSON.stringify({ name: 'mine', criteria: [{ id: 'tw', points: 1, description: 'TIME_WAIT', check: { timeWait: 'active-closer' } }] }));
    const out = join(dir, 'g.json');
    await run(join(dir, 'class', 'alice.pcap'), '--rubric', r, '--format', 'json', '-o', out, '--os', 'macos', '-q');
    const g = JSON.parse(readFileSync(out, 'utf8')) as { settings: { timeWaitSeconds: number }; students: { score: number }[] };
    assert.equal(g.settings.timeWaitSeconds, 30);
    assert.equal(g.students[0].score, 1);
  });

  it('says what is wrong in one usage error', async () => {
    const r = join(dir, 'bad.json');
    writeFileSync(r, JSON.stringify({ criteria: [{ id: 'x', points: -1, description: 'x', check: { close: 'fourway' } }] }));
    await assert.rejects(run(dir, '--rubric', r), (e: unknown) => e instanceof UsageError && e.message.includes('2 problems') && e.message.includes('criteria[0].points'));
    await assert.rejects(run(join(dir, 'nope'), '--rubric', 'lifecycle-lab'), (e: unknown) => e instanceof UsageError && /no such file or folder/.test(e.message));
    await assert.rejects(run(dir, '--rubric', 'lifecycle-lab', '--id-pattern', '('), UsageError);
    await assert.rejects(run(dir, '--rubric', 'lifecycle-lab', '--answers', join(dir, 'none.csv')), (e: unknown) => e instanceof UsageError && /cannot read/.test(e.message));
  });
});
