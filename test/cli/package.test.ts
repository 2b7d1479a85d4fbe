/**
 * tcpscope as a library, as a user gets it: `npm pack` (which builds dist
 * with its type declarations through the prepare script), the tarball
 * installed into a separate folder, and `import('tcpscope')` there by the
 * package's name: the streamed connections are the JSON contract's
 * objects (the same as `analyze --format ndjson`), the whole-capture
 * report is `--format json`'s, and a TypeScript user's code type-checks
 * against the declarations. npm installs the dependencies from its cache
 * when it can (CI has just run npm ci).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir, repoRoot } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-package-'));
const user = join(dir, 'user');
const env = { ...process.env, PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

describe('the package, imported by its name', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(() => {
    run('npm', ['pack', '--pack-destination', dir, '--silent'], repoRoot);
    const tarball = readdirSync(dir).find((f) => /^tcpscope-.*\.tgz$/.test(f));
    assert.ok(tarball, 'npm pack made no tarball');
    mkdirSync(user);
    writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'a-grader', private: true, type: 'module' }));
    run('npm', ['install', join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts', '--silent'], user);
  });

  it('streams the connections of a capture as the JSON contract objects', async () => {
    const cap = join(capturesDir, 'timewait-reuse.pcap');
    writeFileSync(join(user, 'stream.mjs'), `
      const { connections } = await import('tcpscope');
      const out = [];
      for await (const c of connections(process.argv[2], { os: 'linux' })) out.push(c);
      console.log(JSON.stringify(out));
    `);
    const got = JSON.parse(run('node', ['stream.mjs', cap], user)) as { stream: number }[];
    const cli = await tcpscope(['analyze', '--os', 'linux', '--format', 'ndjson', cap]);
    const want = cli.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { stream: number; file?: string });
    assert.deepEqual(got.sort((a, b) => a.stream - b.stream), want.map(({ file: _, ...c }) => c).sort((a, b) => a.stream - b.stream));
  });

  it('filters, stops reading when the loop breaks, gives the whole report, and rejects a non-capture with a CaptureError', () => {
    writeFileSync(join(user, 'more.mjs'), `
      import { analyzeCapture, connections, CaptureError, compileFilter } from 'tcpscope';
      import { createReadStream } from 'node:fs';
      const [cap, notCap] = process.argv.slice(2);
      const filtered = [];
      for await (const c of connections(cap, { os: 'linux', filter: 'closed-by server' })) filtered.push(c.stream);
      let first = null;
      for await (const c of connections(createReadStream(cap))) { first = c.stream; break; }
      const report = await analyzeCapture(cap, { msl: 30 });
      let error = null;
      try { for await (const _ of connections(notCap)) {} } catch (e) { error = { capture: e instanceof CaptureError, message: e.message }; }
      console.log(JSON.stringify({ filtered, first, streams: report.connections.map((c) => c.stream), tw: report.connections[0].timeWait.requiredSeconds,
        predicate: compileFilter('stream 1')(report.connections[1]), error }));
    `);
    const r = JSON.parse(run('node', ['more.mjs', join(capturesDir, 'timewait-reuse.pcap'), join(repoRoot, 'package.json')], user)) as Record<string, unknown>;
    assert.deepEqual(r.filtered, [0]);
    assert.equal(typeof r.first, 'number');
    assert.deepEqual(r.streams, [0, 1]);
    assert.equal(r.tw, 60);
    assert.equal(r.predicate, true);
    assert.deepEqual(r.error, { capture: true, message: 'not a pcap or pcapng file (starts with 0x7b0a2020)' });
  });

  it("type-checks a TypeScript user's code against the declarations", () => {
    writeFileSync(join(user, 'grader.ts'), `
      import { connections, type ConnectionReport, type TimeWaitVerdict } from 'tcpscope';
      export async function verdicts(file: string): Promise<Map<number, TimeWaitVerdict>> {
        const out = new Map<number, TimeWaitVerdict>();
        for await (const c of connections(file, { os: 'linux', filter: 'closed-by client' })) out.set(c.stream, c.timeWait.verdict);
        return out;
      }
      export const closer = (c: ConnectionReport): string => c.close.activeCloser ?? 'none';
    `);
    writeFileSync(join(user, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [] }, files: ['grader.ts'],
    }));
    run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', '.'], user);
    // A misuse is caught: a verdict that does not exist.
    writeFileSync(join(user, 'grader.ts'), `import type { TimeWaitVerdict } from 'tcpscope';\nexport const v: TimeWaitVerdict = 'maybe';\n`);
    assert.throws(() => run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', '.'], user), (e: { stdout?: string }) => /TS2322/.test(e.stdout ?? ''));
    const pkg = JSON.parse(readFileSync(join(user, 'node_modules/tcpscope/package.json'), 'utf8')) as { exports: Record<string, { types: string }> };
    assert.equal(pkg.exports['.'].types, './dist/src/index.d.ts');
  });
});
