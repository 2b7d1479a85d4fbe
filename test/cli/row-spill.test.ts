/**
 * `analyze -f csv`, `table` and `markdown` and `merge -f csv` keep rows in memory up to a budget and
 * spill the rest to a temporary file as sorted runs, merged back in stream
 * order at the end (src/cli/row-spill.ts). TCPSCOPE_ROW_BUDGET (tests only)
 * makes the budget tiny so that a small capture spills to many runs: the
 * output must be the bytes of the run that kept everything in memory, and
 * no temporary file may outlive the run, interrupted or not.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { generateTo } from '../../src/bench/generate.ts';
import { RowSpill } from '../../src/cli/row-spill.ts';
import { pcapFile } from '../helpers/build.ts';
import { baseEnv, tcpscope } from '../helpers/cli.ts';
import { capturesDir, repoRoot } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-row-spill-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** About 900 connections, most of them ending before the capture does. */
const gen = join(dir, 'gen.pcap');
generateTo(gen, { segments: 30_000 });

/** A fresh TMPDIR for one run, to see what it leaves there. */
function tmp(name: string): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  return mkdtempSync(join(dir, `${name}-`));
}

const spills = (d: string): string[] => readdirSync(d).filter((f) => f.startsWith('tcpscope-rows-'));

/** A deterministic shuffle (xorshift). */
function shuffled<T>(xs: T[], seed = 7): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** The rows as they are given: each buffer copied before the next is asked for (it is reused). */
function text(parts: Iterable<Uint8Array>): string {
  const copies: Buffer[] = [];
  for (const p of parts) copies.push(Buffer.from(p));
  return Buffer.concat(copies).toString('utf8');
}

describe('RowSpill', () => {
  it('gives each capture\'s rows in stream order, ties in the order they came, across many runs', () => {
    // Three captures interleaved; streams repeated (ties), rows longer than a
    // read buffer and an output buffer, and text that is not ASCII.
    const rows: { capture: number; stream: number; row: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      const capture = i % 3;
      const stream = (i * 7919) % 1000;
      const long = i % 997 === 0 ? 'x'.repeat((1 << 20) + 5000) : '';
      rows.push({ capture, stream, row: `${capture},${stream},${i},é中${long}\r\n` });
    }
    const order = shuffled(rows);
    const prev = process.env.TMPDIR;
    const t = tmp('unit');
    process.env.TMPDIR = t;
    const spill = new RowSpill(5000);
    try {
      for (const r of order) spill.add(r.capture, r.stream, r.row);
      assert.ok(spill.runs > 20, `${spill.runs} runs`);
      const folder = spill.folder;
      assert.ok(folder !== null && existsSync(folder) && folder.startsWith(t), 'runs are in a folder of TMPDIR');
      const expected = (capture: number): string[] => order.filter((r) => r.capture === capture).sort((a, b) => a.stream - b.stream).map((r) => r.row);
      for (const capture of [2, 0]) assert.equal(text(spill.rows(capture)), expected(capture).join(''), `capture ${capture}`);
      // Row by row (the table's and Markdown's rows), from the runs and from memory.
      assert.deepEqual([...spill.texts(1)], expected(1), 'capture 1, row by row');
      assert.equal(text(spill.rows(3)), '', 'a capture without rows');
      assert.deepEqual([...spill.texts(4)], [], 'a capture without rows, row by row');
    } finally {
      spill.close();
      if (prev === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = prev;
    }
    assert.deepEqual(spills(t), [], 'the folder is gone');
  });

  it('never touches the disk when the rows fit in the budget', () => {
    const spill = new RowSpill(1 << 20);
    try {
      for (const s of [5, 3, 9, 1]) spill.add(0, s, `${s}\r\n`);
      assert.equal(spill.folder, null);
      assert.equal(text(spill.rows(0)), '1\r\n3\r\n5\r\n9\r\n');
      for (const s of [5, 3, 9, 1]) spill.add(1, s, `${s}`);
      assert.deepEqual([...spill.texts(1)], ['1', '3', '5', '9']);
      assert.equal(spill.runs, 0);
    } finally {
      spill.close();
    }
  });

  it('its folder goes at exit when the process leaves without closing it (a second Ctrl-C)', () => {
    const t = tmp('exit');
    const url = pathToFileURL(resolve(repoRoot, 'src/cli/row-spill.ts')).href;
    const script = `import { RowSpill } from ${JSON.stringify(url)};
      const s = new RowSpill(100);
      for (let i = 0; i < 50; i++) s.add(0, 50 - i, 'row ' + i + '\\r\\n');
      if (s.runs < 10 || s.folder === null) throw new Error('did not spill');
      console.log(s.folder);
      process.exit(130);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: baseEnv({ TMPDIR: t }), encoding: 'utf8' });
    assert.equal(r.status, 130, r.stderr);
    assert.ok(r.stdout.startsWith(join(t, 'tcpscope-rows-')), r.stdout);
    assert.deepEqual(spills(t), [], 'the folder is gone');
  });
});

describe('analyze -f csv, table and markdown over the budget', () => {
  const fixtures = readdirSync(capturesDir).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => join(capturesDir, f));

  for (const [what, args] of [
    ['a generated capture', [gen]],
    ['a generated capture read by two threads', ['--threads', '2', gen]],
    ['every fixture at once, and the generated capture', [...fixtures, gen]],
    ['a filtered view', ['--filter', 'closed-by server', gen]],
  ] as const) {
    for (const [format, more, env] of [
      ['csv', [], {}],
      ['table', [], {}],
      ['table', ['--lang', 'zh', '--width', '90'], { FORCE_COLOR: '1' }],
      ['table', ['--columns', 'stream,client,time-wait,notes'], {}],
      ['markdown', [], {}],
    ] as const) {
      const how = [format, ...more, ...Object.keys(env)].join(' ');
      it(`spills and writes the bytes of the run that kept every row: ${what}, ${how}`, async () => {
        const whole = await tcpscope(['analyze', '-f', format, ...more, ...args], { env });
        assert.equal(whole.code, 0, whole.stderr);
        // More than 4000 / 64 rows: the tiny budget below is passed many times (row-spill.ts counts 64 bytes a row beyond its text).
        assert.ok(whole.stdout.split('\n').length > 300, `${whole.stdout.split('\n').length} lines`);
        const t = tmp('cli');
        const small = await tcpscope(['analyze', '-f', format, ...more, ...args], { env: { ...env, TCPSCOPE_ROW_BUDGET: '4000', TMPDIR: t } });
        assert.equal(small.code, 0, small.stderr);
        assert.equal(small.stderr, whole.stderr);
        assert.ok(small.stdout === whole.stdout, `${what}, ${how}: the output differs`);
        assert.deepEqual(spills(t), [], 'no temporary file left');
      });
    }
  }

  it('merge -f csv of parts spills and gives analyze\'s CSV', async () => {
    const r = spawnSync('editcap', ['-c', '10000', gen, join(dir, 'cut.pcap')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(dir).filter((n) => n.startsWith('cut_')).sort().map((n) => join(dir, n));
    assert.ok(files.length >= 3, `${files.length} parts`);
    const scans = files.map((f) => `${f}.scan`);
    const parts = files.map((f) => `${f}.part`);
    for (let i = 0; i < files.length; i++) assert.equal((await tcpscope(['part', 'scan', files[i], '-o', scans[i]])).code, 0);
    for (let i = 0; i < files.length; i++) {
      const a = await tcpscope(['part', 'analyze', files[i], '--index', String(i), '--scans', ...scans, '-o', parts[i]]);
      assert.equal(a.code, 0, a.stderr);
    }
    const whole = await tcpscope(['analyze', '-q', '-f', 'csv', gen]);
    const t = tmp('merge');
    const merged = await tcpscope(['merge', '-f', 'csv', '--name', gen, ...parts], { env: { TCPSCOPE_ROW_BUDGET: '4000', TMPDIR: t } });
    assert.equal(merged.code, 0, merged.stderr);
    assert.ok(merged.stdout === whole.stdout, 'merge: the CSV differs');
    assert.deepEqual(spills(t), [], 'no temporary file left');
  });

  it('Ctrl-C while reading: every row is written in stream order, the temporary file goes', { skip: process.platform === 'win32' }, async () => {
    // The capture, then 4 MiB of ARP frames (as interrupt.test.ts): once their
    // write is done every TCP frame has been read; the producer stays, so the
    // read ends only by the signal, and the rows (spilled) are written then.
    const bytes = readFileSync(gen);
    let last = 0;
    for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) last = bytes.readUInt32LE(at);
    const arp = Buffer.alloc(42);
    arp.fill(0xff, 0, 6);
    arp.set([2, 0, 0, 0, 0, 1], 6);
    arp.writeUInt16BE(0x0806, 12);
    const filler = pcapFile(Array.from({ length: Math.ceil((4 << 20) / 58) }, () => ({ sec: last, frac: 0, data: arp }))).subarray(24);
    const whole = await tcpscope(['analyze', '-q', '-f', 'csv', gen]);
    const t = tmp('int');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'analyze', '-f', 'csv', '-'], {
      cwd: repoRoot, env: baseEnv({ TMPDIR: t, TCPSCOPE_ROW_BUDGET: '4000' }), stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.stdin.on('error', () => undefined);
    const closed = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    try {
      await new Promise<void>((res) => {
        child.stdin.write(bytes);
        child.stdin.write(filler, () => res());
      });
      child.kill('SIGINT');
      assert.equal(await closed, 130, stderr);
    } finally {
      child.kill('SIGKILL');
      child.stdin.destroy();
    }
    assert.match(stderr, /^interrupted \(SIGINT\)/m);
    // The rows of the whole capture (its file named `-`), in stream order.
    const rows = (csv: string): string[] => csv.split('\r\n').slice(1).map((l) => l.replace(/^[^,]*,/, ''));
    assert.ok(rows(stdout).length > 100);
    assert.deepEqual(rows(stdout), rows(whole.stdout));
    assert.deepEqual(spills(t), [], 'the temporary file is gone');
  });
});
