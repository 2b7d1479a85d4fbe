/**
 * `tcpscope part scan`, `part analyze` and `merge` as a user runs them: a
 * capture cut with editcap (pcap and pcapng), each part scanned and
 * analysed by its own process, merged: the output of `tcpscope analyze` of
 * the whole, and of the parts read as a series. Bad input: one line, exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { capture, tcpscope } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-split-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** editcap -c N: the capture in files of N frames, in order. */
function editcapCut(src: string, frames: number, stem: string): string[] {
  const ext = src.endsWith('.pcapng') ? 'pcapng' : 'pcap';
  const r = spawnSync('editcap', ['-c', String(frames), src, join(dir, `${stem}.${ext}`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readdirSync(dir).filter((n) => n.startsWith(`${stem}_`) && n.endsWith(`.${ext}`)).sort().map((n) => join(dir, n));
}

async function ok(args: string[]): Promise<string> {
  const r = await tcpscope(args);
  assert.equal(r.code, 0, `tcpscope ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Scan, analyse (each in its own process), and return the part files. */
async function parts(files: string[], extra: string[] = []): Promise<string[]> {
  const scans = files.map((f) => `${f}.scan`);
  await Promise.all(files.map((f, i) => ok(['part', 'scan', f, '-o', scans[i]])));
  const out = files.map((f) => `${f}.part`);
  await Promise.all(files.map((f, i) => ok(['part', 'analyze', f, '--index', String(i), '--scans', ...scans, '-o', out[i], ...extra])));
  return out;
}

describe('tcpscope part and merge', () => {
  for (const [name, frames] of [['four-way-close.pcap', 3], ['timewait-reuse.pcap', 4], ['client-close.pcapng', 2], ['lost-fin.pcap', 5]] as const) {
    it(`${name} cut every ${frames} frames: merge gives analyze's NDJSON and CSV of the whole, and of the series`, async () => {
      const src = capture(name);
      const files = editcapCut(src, frames, name.replace(/\W/g, '-'));
      assert.ok(files.length >= 3, `${files.length} parts`);
      const p = await parts(files, ['--os', 'linux']);
      for (const f of ['ndjson', 'csv']) {
        const whole = await ok(['analyze', '-q', '--os', 'linux', '-f', f, src]);
        assert.equal(await ok(['merge', '-f', f, '--name', src, ...p]), whole, f);
        const series = await ok(['analyze', '-q', '--os', 'linux', '--series', '-f', f, ...files]);
        assert.equal(await ok(['merge', '-f', f, ...p]), series, `${f}, default name: the series'`);
      }
      const out = join(dir, 'merged.ndjson');
      await ok(['merge', '-o', out, ...p]);
    });
  }

  it('bad input: one line naming it, exit code 2', async () => {
    const files = editcapCut(capture('four-way-close.pcap'), 4, 'bad');
    const p = await parts(files);
    const junk = join(dir, 'junk.part');
    writeFileSync(junk, 'not a part\n');
    const cases: [string[], RegExp][] = [
      [['merge', junk], /merge: .*junk\.part: not a tcpscope part/],
      [['merge', ...[...p].reverse()], /capture order/],
      [['merge', p[1]], /part 2 of \d+, given as part 1 of 1/],
      [['part', 'analyze', files[0], '--index', '9', '--scans', `${files[0]}.scan`, '-o', join(dir, 'x')], /--index 9: only 1 scan was given/],
      [['part', 'analyze', files[0], '--index', '0', '--scans', junk, '-o', join(dir, 'x')], /not a tcpscope scan/],
      [['part', 'scan', junk, '-o', join(dir, 'y')], /junk\.part/],
      [['merge', join(dir, 'missing.part')], /missing\.part/],
    ];
    for (const [args, re] of cases) {
      const r = await tcpscope(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
