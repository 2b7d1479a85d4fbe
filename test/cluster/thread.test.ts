/**
 * The worker's job runner without a queue: each job in a thread of its own
 * (cluster/thread-runner.ts running cli/cluster-thread.ts), writing the
 * run's files as the part and merge commands do; bad input is told from
 * other errors (the queue tries only the latter again).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sibling } from '../../src/analyze/pool.ts';
import { BadInputError, outputPath } from '../../src/cluster/jobs.ts';
import { ThreadRunner } from '../../src/cluster/thread-runner.ts';
import { capture, tcpscope } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';
import { cutPcap } from './cut.ts';

const entry = sibling(new URL('../../src/cli/cluster-action.ts', import.meta.url).href, 'cluster-thread');

describe('cluster job runner (a thread per job)', () => {
  let dir: string;
  let run: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-thread-'));
    run = join(dir, 'run');
    mkdirSync(run);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scans, analyses and merges the parts into analyze\'s CSV, leaving only the run\'s files', async () => {
    const name = capture('half-close.pcap');
    const parts = cutPcap(resolve(repoRoot, name), [6], dir, 'hc');
    const r = new ThreadRunner(entry);
    for (const [index, file] of parts.entries()) await r.scan({ file, index, dir: run });
    for (const [index, file] of parts.entries()) await r.part({ file, index, count: parts.length, dir: run, analysis: { os: 'linux' } });
    const warnings = await r.merge({ count: parts.length, dir: run, format: 'csv', name });
    assert.deepEqual(warnings, []);
    const whole = await tcpscope(['analyze', '-f', 'csv', '--os', 'linux', name]);
    assert.equal(readFileSync(outputPath(run, 'csv'), 'utf8'), whole.stdout);
    assert.deepEqual(readdirSync(run).sort(), ['output.csv', 'part-0', 'part-1', 'scan-0', 'scan-1']);
  });

  it('tells bad input (not tried again) by a one-line reason', async () => {
    const corrupt = join(dir, 'corrupt.pcap');
    writeFileSync(corrupt, 'not a capture at all, just some words\n');
    const r = new ThreadRunner(entry);
    const bad = join(dir, 'bad-run');
    mkdirSync(bad);
    await assert.rejects(r.scan({ file: corrupt, index: 0, dir: bad }), (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith(`${corrupt}: not a pcap or pcapng file`));
    // No scan, no temporary file left.
    assert.deepEqual(readdirSync(bad), []);
    await assert.rejects(r.scan({ file: join(dir, 'missing.pcap'), index: 9, dir: bad }), (e: unknown) =>
      // (the file is named by cluster run's line: `scan of part 9 (FILE) failed: ...`)
      e instanceof BadInputError && /cannot open/.test(e.message));
  });

  it('refuses a job whose run folder is not there (the run ended, or --work not shared at that path)', async () => {
    const r = new ThreadRunner(entry);
    const gone = join(dir, 'gone');
    await assert.rejects(r.scan({ file: resolve(repoRoot, capture('half-close.pcap')), index: 0, dir: gone }), (e: unknown) =>
      e instanceof BadInputError && e.message === `the run's folder ${gone} is not there: the run has ended, or --work is not shared at that path on this machine`);
  });
});
