/**
 * `analyze --format ndjson` builds the reports of large captures in a second
 * thread (src/cli/report-thread.ts). Whatever thread builds a batch, and even
 * when the report thread dies, the output must be the single-thread path's,
 * byte for byte, with the same exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ReportThread } from '../../src/cli/report-thread.ts';
import { analyzeAll } from '../../src/cli/run.ts';
import { resolveCommon } from '../../src/cli/common.ts';
import { ndjsonLine } from '../../src/render/json.ts';
import { baseEnv, tcpscope } from '../helpers/cli.ts';
import { capturesDir, corpusDir, haveCorpus, repoRoot } from '../helpers/paths.ts';
import { generateTo, synFloodTo } from '../../src/bench/generate.ts';
import { Pipeline } from '../../src/analyze/analyze.ts';
import { readFramesFrom } from '../../src/capture/source.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { spawn } from 'node:child_process';

const captures = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f));
const fixtures = captures(capturesDir);
const all = [...fixtures, ...(haveCorpus ? captures(corpusDir) : [])];

async function both(args: string[]): Promise<void> {
  const on = await tcpscope(args, { env: { TCPSCOPE_REPORT_THREAD: 'on' } });
  const off = await tcpscope(args, { env: { TCPSCOPE_REPORT_THREAD: 'off' } });
  assert.equal(on.stdout, off.stdout, args.join(' '));
  assert.equal(on.stderr, off.stderr, args.join(' '));
  assert.equal(on.code, off.code, args.join(' '));
}

describe('analyze --format ndjson through the report thread', () => {
  it('writes what the single thread writes, for all fixture and corpus captures at once', async () => {
    await both(['analyze', '--format', 'ndjson', '-j', '1', ...all]);
    await both(['analyze', '--format', 'ndjson', '-j', '1', '--msl', '1', ...all]);
  });

  it('same selection and exit codes with --filter, --stream and --fail-on', async () => {
    await both(['analyze', '--format', 'ndjson', '-j', '1', '--filter', 'closed-by server', ...fixtures]);
    await both(['analyze', '--format', 'ndjson', '-j', '1', '--fail-on', 'verdict cut-short', ...fixtures]);
    await both(['analyze', '--format', 'ndjson', '--stream', '1', join(capturesDir, 'timewait-reuse.pcap')]);
    // An unreadable capture among readable ones: exit 2, the others written.
    await both(['analyze', '--format', 'ndjson', '-j', '1', join(capturesDir, 'lost-fin.pcap'), join(capturesDir, 'lost-fin.expected.json')]);
  });

  it('writes the same file with --output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-rt-'));
    try {
      const on = join(dir, 'on.ndjson');
      const off = join(dir, 'off.ndjson');
      const args = ['analyze', '--format', 'ndjson', '-j', '1', '--msl', '1', ...all];
      assert.equal((await tcpscope([...args, '--output', on], { env: { TCPSCOPE_REPORT_THREAD: 'on' } })).code, 0);
      assert.equal((await tcpscope([...args, '--output', off], { env: { TCPSCOPE_REPORT_THREAD: 'off' } })).code, 0);
      assert.ok(statSync(off).size > 0);
      assert.ok(readFileSync(on).equals(readFileSync(off)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the lines of finished connections while its input pauses (a live pipe)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-rt-'));
    try {
      const gen = join(dir, 'gen.pcap');
      generateTo(gen, { segments: 50_000, seed: 9 });
      const bytes = readFileSync(gen);
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'analyze', '--format', 'ndjson', '--msl', '0.01', '-'], {
        cwd: repoRoot, env: baseEnv(), stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      // Half the capture, in small writes as tcpdump -U makes them; then nothing for a while.
      const half = bytes.length >> 1;
      for (let i = 0; i < half; i += 8192) child.stdin.write(bytes.subarray(i, Math.min(half, i + 8192)));
      // Every connection the tracker lets go of within that half must come out without more input.
      let expected = 0;
      const p = new Pipeline(makeSettings({ msl: 0.01 }), () => expected++, { keepConnections: false });
      await readFramesFrom((async function* () {
        yield bytes.subarray(0, half);
      })(), 'half', p.onFrame);
      const deadline = Date.now() + 15_000;
      while (out.split('\n').length - 1 < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const early = out.split('\n').length - 1;
      child.stdin.end(bytes.subarray(half));
      const code = await new Promise<number | null>((done) => child.on('exit', done));
      assert.equal(code, 0);
      assert.ok(expected > 100);
      assert.equal(early, expected, 'lines written before the input went on');
      assert.ok(out.split('\n').length - 1 > early);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a SYN flood evicting within one chunk of input: batches of bounded size, the same lines', async () => {
    // 20 000 SYNs from as many sources (1.4 MB: one chunk of input) into a
    // table of 300: nearly every SYN evicts one connection, and the lines go
    // out in batches within the chunk instead of all at its end.
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-flood-'));
    try {
      const file = join(dir, 'flood.pcap');
      synFloodTo(file, { syns: 20_000 });
      const c = resolveCommon({ color: false, quiet: true, maxConnections: '300' });
      const expected: string[] = [];
      await analyzeAll([file], c, (r, f) => expected.push(ndjsonLine(r, f)));
      assert.equal(expected.length, 20_000);
      for (const thread of [false, true]) {
        const out: Buffer[] = [];
        const reports = new ReportThread(c, (bytes, written) => {
          out.push(Buffer.from(bytes));
          written();
        }, () => null, thread);
        const run = await analyzeAll([file], c, undefined, reports);
        await reports.close();
        assert.equal(run.captures[0].connectionTable?.evicted, 20_000 - 300);
        // Without batches within the chunk there would be 2 or 3.
        assert.ok(reports.builtHere + reports.builtThere >= 15, `${reports.builtHere} + ${reports.builtThere} batches`);
        assert.equal(Buffer.concat(out).toString('utf8'), expected.join(''), `report thread ${thread}`);
      }
      await both(['analyze', '--format', 'ndjson', '--max-connections', '300', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds everything in this thread when the report thread dies, with the same lines', async () => {
    const c = resolveCommon({ color: false, quiet: true, msl: '1' });
    const expected: string[] = [];
    await analyzeAll(all, c, (r, file) => expected.push(ndjsonLine(r, file)));

    const out: Buffer[] = [];
    /** A report thread that is killed at the start of a capture once it has built a batch. */
    class Dying extends ReportThread {
      killed = false;
      override begin(name: string): void {
        super.begin(name);
        if (!this.killed && this.builtThere > 0) {
          this.killed = true;
          void this.thread?.terminate();
        }
      }
    }
    const reports = new Dying(c, (bytes, written) => {
      out.push(Buffer.from(bytes));
      written();
    });
    const run = await analyzeAll(all, c, undefined, reports);
    await reports.close();
    assert.equal(run.failed, false);
    assert.ok(reports.killed, 'the report thread never built a batch');
    assert.match(reports.lostThread ?? '', /exited/);
    assert.ok(reports.builtHere > 0);
    assert.equal(Buffer.concat(out).toString('utf8'), expected.join(''));
  });
});
