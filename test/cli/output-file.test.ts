/**
 * Output files (cli/output-file.ts): written beside the name and renamed
 * onto it, so a link planted under the name is replaced, never written
 * through; the mode of a file of ours replaced is kept (not that of a file
 * someone else planted, nor set-id bits); a failed or abandoned write
 * leaves the old file and no temporary file.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OutputFile, writeFileIn } from '../../src/cli/output-file.ts';
import { capture, tcpscope } from '../helpers/cli.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-out-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const temps = (d: string): string[] => readdirSync(d).filter((n) => n.includes('.tcpscope-'));

describe('output files', () => {
  it('replace a symbolic link under their name and leave its target alone', async () => {
    const d = join(dir, 'link');
    mkdirSync(d);
    writeFileSync(join(d, 'target'), 'keep me\n');
    symlinkSync(join(d, 'target'), join(d, 'out.txt'));
    await writeFileIn(d, 'out.txt', 'new\n');
    assert.ok(lstatSync(join(d, 'out.txt')).isFile());
    assert.equal(readFileSync(join(d, 'out.txt'), 'utf8'), 'new\n');
    assert.equal(readFileSync(join(d, 'target'), 'utf8'), 'keep me\n');
    assert.deepEqual(temps(d), []);
  });

  it('keep the mode of the regular file they replace', async () => {
    const d = join(dir, 'mode');
    mkdirSync(d);
    writeFileSync(join(d, 'grades.csv'), 'old\n');
    chmodSync(join(d, 'grades.csv'), 0o600);
    await writeFileIn(d, 'grades.csv', 'new\n');
    assert.equal(statSync(join(d, 'grades.csv')).mode & 0o777, 0o600);
  });

  it("do not take the mode of a file someone else planted under their name, nor any set-id bit", async (t) => {
    const d = join(dir, 'planted');
    mkdirSync(d);
    // Ours, with set-id bits: the permissions are kept, the set-id bits are not.
    writeFileSync(join(d, 'mine.csv'), 'old\n');
    chmodSync(join(d, 'mine.csv'), 0o6640);
    await writeFileIn(d, 'mine.csv', 'new\n');
    assert.equal(statSync(join(d, 'mine.csv')).mode & 0o7777, 0o640);
    // A student's grades.csv, world-writable, in a shared folder: the gradebook is not theirs to write.
    if (process.getuid?.() !== 0) {
      t.diagnostic('not root: a file of another user cannot be made here');
      return;
    }
    writeFileSync(join(d, 'grades.csv'), 'planted\n');
    chmodSync(join(d, 'grades.csv'), 0o6777);
    chownSync(join(d, 'grades.csv'), 65534, 65534);
    const umask = process.umask();
    await writeFileIn(d, 'grades.csv', 'new\n');
    const st = statSync(join(d, 'grades.csv'));
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o7777, 0o666 & ~umask);
  });

  it('change nothing until committed, and nothing when abandoned', async () => {
    const d = join(dir, 'abort');
    mkdirSync(d);
    writeFileSync(join(d, 'r.json'), 'old\n');
    const f = await OutputFile.create(join(d, 'r.json'));
    f.stream.write('half');
    assert.equal(readFileSync(join(d, 'r.json'), 'utf8'), 'old\n');
    assert.equal(temps(d).length, 1);
    await f.abort();
    assert.equal(readFileSync(join(d, 'r.json'), 'utf8'), 'old\n');
    assert.deepEqual(temps(d), []);
  });

  it('analyze -o and grade -o write over a planted link, not through it', async () => {
    const d = join(dir, 'cli');
    mkdirSync(d);
    writeFileSync(join(d, 'victim'), 'victim\n');
    symlinkSync(join(d, 'victim'), join(d, 'conns.csv'));
    symlinkSync(join(d, 'victim'), join(d, 'grades.csv'));
    const a = await tcpscope(['analyze', '-f', 'csv', '-o', join(d, 'conns.csv'), capture('four-way-close.pcap')]);
    assert.equal(a.code, 0, a.stderr);
    const g = await tcpscope(['grade', capture('four-way-close.pcap'), '-r', 'lifecycle-lab', '-f', 'csv', '-o', join(d, 'grades.csv'), '-j', '1']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(readFileSync(join(d, 'victim'), 'utf8'), 'victim\n');
    assert.ok(lstatSync(join(d, 'conns.csv')).isFile());
    assert.match(readFileSync(join(d, 'conns.csv'), 'utf8'), /^file,stream,/);
    assert.match(readFileSync(join(d, 'grades.csv'), 'utf8'), /^student,file,/);
    assert.deepEqual(temps(d), []);
  });

  it('--feedback naming a symbolic link is refused: the folder must be named as itself', async () => {
    const d = join(dir, 'fb');
    mkdirSync(join(d, 'elsewhere'), { recursive: true });
    symlinkSync(join(d, 'elsewhere'), join(d, 'feedback'));
    const r = await tcpscope(['grade', capture('four-way-close.pcap'), '-r', 'lifecycle-lab', '--feedback', join(d, 'feedback'), '-j', '1', '-q']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`error: --feedback: ${join(d, 'feedback')} is a symbolic link: give the folder itself\n$`));
    assert.deepEqual(readdirSync(join(d, 'elsewhere')), []);
  });

  it('-o naming a folder or a missing folder is a usage error before anything is read', async () => {
    const r = await tcpscope(['analyze', '-o', dir, capture('four-way-close.pcap')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `error: --output: cannot write ${dir}: is a directory\n`);
    const m = await tcpscope(['analyze', '-o', join(dir, 'no', 'such', 'x.csv'), capture('four-way-close.pcap')]);
    assert.equal(m.code, 2);
    assert.equal(m.stderr, `error: --output: cannot write ${join(dir, 'no', 'such', 'x.csv')}: no such directory\n`);
  });
});
