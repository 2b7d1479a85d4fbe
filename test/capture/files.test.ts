/**
 * Folders filled by someone else (capture/files.ts, capture/open.ts): the
 * walk follows no link and opens no FIFO, names that are not UTF-8 still
 * open and are shown with \xNN, and a file found in a folder is opened only
 * if it is a regular file still inside that folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { capturesUnder, nameText, realFolder } from '../../src/capture/files.ts';
import { CaptureError } from '../../src/capture/frame.ts';
import { openCapture } from '../../src/capture/open.ts';
import { readFrames } from '../../src/capture/source.ts';
import { capturesDir } from '../helpers/paths.ts';

let dir = '';
let outside = '';
const good = join(capturesDir, 'four-way-close.pcap');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-walk-'));
  outside = mkdtempSync(join(tmpdir(), 'tcpscope-walk-out-'));
  mkdirSync(join(dir, 'sub'));
  copyFileSync(good, join(dir, 'a.pcap'));
  copyFileSync(good, join(dir, 'sub', 'b.pcap'));
  writeFileSync(Buffer.from([...Buffer.from(`${dir}/bad`), 0xff, ...Buffer.from('.pcap')]), readFileSync(good));
  copyFileSync(good, join(outside, 'x.pcap'));
  symlinkSync(join(outside, 'x.pcap'), join(dir, 'link.pcap'));
  symlinkSync(outside, join(dir, 'outdir'));
  symlinkSync('loop2', join(dir, 'loop1'));
  symlinkSync('loop1', join(dir, 'loop2'));
  symlinkSync('..', join(dir, 'sub', 'up'));
  execFileSync('mkfifo', [join(dir, 'fifo.pcap')]);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('names as bytes', () => {
  it('decodes UTF-8 and writes each byte of an ill-formed sequence as \\xNN', () => {
    assert.equal(nameText(Buffer.from('abc 主 😀')), 'abc 主 😀');
    assert.equal(nameText(Buffer.from([0x61, 0xff, 0x62])), 'a\\xffb');
    // Overlong "/", a UTF-16 surrogate, above U+10FFFF, a sequence cut short.
    assert.equal(nameText(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf');
    assert.equal(nameText(Buffer.from([0xed, 0xa0, 0x80])), '\\xed\\xa0\\x80');
    assert.equal(nameText(Buffer.from([0xf4, 0x90, 0x80, 0x80])), '\\xf4\\x90\\x80\\x80');
    assert.equal(nameText(Buffer.from([0x78, 0xe4, 0xb8])), 'x\\xe4\\xb8');
  });
});

describe('walking a folder', () => {
  it('takes the regular files, skips links (with their targets) and FIFOs, and never loops', async () => {
    const w = await capturesUnder(dir);
    assert.deepEqual(w.files.map((f) => f.name), [`${dir}/a.pcap`, `${dir}/bad\\xff.pcap`, `${dir}/sub/b.pcap`]);
    assert.deepEqual(w.skipped.map((s) => [s.name, s.kind, s.detail]).sort(), [
      [`${dir}/fifo.pcap`, 'special', null],
      [`${dir}/link.pcap`, 'link', join(outside, 'x.pcap')],
      [`${dir}/loop1`, 'link', 'loop2'],
      [`${dir}/loop2`, 'link', 'loop1'],
      [`${dir}/outdir`, 'link', outside],
      [`${dir}/sub/up`, 'link', '..'],
    ]);
  });

  it('opens a name that is not UTF-8 through its bytes', async () => {
    const w = await capturesUnder(dir);
    const bad = w.files.find((f) => f.name.endsWith('bad\\xff.pcap'));
    assert.ok(bad && Buffer.isBuffer(bad.path));
    let n = 0;
    await readFrames(bad.path, () => n++, { within: bad.within });
    assert.ok(n > 0);
  });
});

describe('opening a file found in a folder', () => {
  it('refuses a link put in its place, a FIFO, and a file no longer inside the folder', async () => {
    const within = await realFolder(dir);
    await assert.rejects(openCapture(join(dir, 'link.pcap'), within), (e: unknown) => e instanceof CaptureError && /symbolic link \(not followed\)/.test(e.message));
    await assert.rejects(openCapture(join(dir, 'fifo.pcap'), within), (e: unknown) => e instanceof CaptureError && /not a regular file/.test(e.message));
    // The folder `sub` swapped for a link to elsewhere after the walk: the path opens, outside.
    const moved = join(dir, 'sub-moved');
    renameSync(join(dir, 'sub'), moved);
    mkdirSync(join(outside, 'sub'));
    copyFileSync(good, join(outside, 'sub', 'b.pcap'));
    symlinkSync(join(outside, 'sub'), join(dir, 'sub'));
    try {
      await assert.rejects(openCapture(join(dir, 'sub', 'b.pcap'), within), (e: unknown) => e instanceof CaptureError && /not inside the folder given/.test(e.message));
    } finally {
      rmSync(join(dir, 'sub'));
      renameSync(moved, join(dir, 'sub'));
    }
    const fh = await openCapture(join(dir, 'a.pcap'), within);
    await fh.close();
  });

  it('opens a file the user named as named, through a link', async () => {
    const fh = await openCapture(join(dir, 'link.pcap'), null);
    await fh.close();
  });
});
