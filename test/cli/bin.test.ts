/**
 * The installed command: `npm run prepare` builds dist/src/cli/main.js (the
 * package's bin), and it runs the README's example from another directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir, repoRoot } from '../helpers/paths.ts';

describe('the built bin', () => {
  before(() => {
    // What `npm install` runs (package.json's prepare script), with node_modules/.bin on the PATH as npm puts it.
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { prepare: string } };
    execFileSync('sh', ['-c', pkg.scripts.prepare], {
      cwd: repoRoot, stdio: 'pipe', env: { ...process.env, PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
    });
  });

  it('is the package bin, with a node shebang, executable as npx runs it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: { tcpscope: string }; version: string };
    assert.equal(pkg.bin.tcpscope, 'dist/src/cli/main.js');
    const bin = join(repoRoot, pkg.bin.tcpscope);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    // npx runs the file itself (a clean clone once said "Permission denied").
    assert.equal(execFileSync(bin, ['--version'], { cwd: tmpdir(), encoding: 'utf8' }).trim(), pkg.version);
  });

  it('runs analyze, timeline and key; --version; exit 2 on a bad file', async () => {
    const cap = join(capturesDir, 'client-close.pcap');
    const a = await tcpscope(['analyze', cap], { bin: true, cwd: tmpdir() });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /192\.0\.2\.1:40000/);
    const t = await tcpscope(['timeline', cap], { bin: true, cwd: tmpdir() });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /FIN\+ACK seq=w ack=u\+1/);
    const k = await tcpscope(['key', cap], { bin: true, cwd: tmpdir() });
    assert.equal(k.code, 0, k.stderr);
    const v = await tcpscope(['--version'], { bin: true, cwd: tmpdir() });
    assert.equal(v.stdout.trim(), (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const bad = await tcpscope(['analyze', join(capturesDir, 'client-close.expected.json')], { bin: true, cwd: tmpdir() });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split('\n').length, 2);
  });
});
