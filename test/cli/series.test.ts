/**
 * A rotation series is one capture: the files of a capture cut anywhere
 * (editcap -c 1: at every frame, so inside handshakes, between two FINs,
 * during TIME_WAIT), or rotated by tcpdump itself (-C, and -G-style time
 * names), read as a series give the whole capture's connections: the same
 * frame numbers and verdicts, each connection once. Plus where each frame
 * is (file and frame within it), and the warnings for gaps and overlaps.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { generateTo } from '../../src/bench/generate.ts';
import { firstFrameTime, groupInputs } from '../../src/capture/series.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { CaptureReport, ConnectionReport } from '../../src/report/types.ts';
import { analyzeSeries, type SeriesLocation, type SeriesReport } from '../../src/cli/series-run.ts';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir } from '../helpers/paths.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-series-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** editcap -c N: the capture cut into files of N frames, renamed as tcpdump -C names them (tap.pcap, tap.pcap1...). */
function cutAsRotation(src: string, frames: number, into: string): string[] {
  mkdirSync(into, { recursive: true });
  const ext = src.endsWith('.pcapng') ? 'pcapng' : 'pcap';
  run('editcap', ['-c', String(frames), src, join(into, `cut.${ext}`)]);
  const cuts = readdirSync(into).filter((n) => n.startsWith('cut_')).sort();
  return cuts.map((n, i) => {
    const to = join(into, `tap.${ext}${i === 0 ? '' : i}`);
    renameSync(join(into, n), to);
    return to;
  });
}

/** A connection report without what only a series adds. */
function plain(r: ConnectionReport): ConnectionReport {
  const { location: _, ...rest } = r as ConnectionReport & Partial<SeriesLocation>;
  return rest as ConnectionReport;
}

/** Each connection's location says the file and frame its series frame numbers are at. */
function checkLocations(rep: CaptureReport & SeriesReport): void {
  for (const c of rep.connections as (ConnectionReport & SeriesLocation)[]) {
    for (const [frame, at] of [[c.firstFrame, c.location.first], [c.lastFrame, c.location.last]] as const) {
      assert.ok(at !== null, `stream ${c.stream}: frame ${frame} located`);
      const f = rep.series.files.find((x) => x.file === at.file);
      assert.ok(f !== undefined && f.firstFrame !== null);
      assert.equal(f.firstFrame + at.frame - 1, frame);
      assert.ok(at.frame >= 1 && at.frame <= f.frames);
    }
  }
}

const fixtures = readdirSync(capturesDir).filter((n) => /\.(pcap|pcapng)$/.test(n)).sort();

describe('analyze: a series is one capture', () => {
  it('every kernel fixture cut at every frame (and every 7): the whole capture\'s connections', async () => {
    const settings = makeSettings({ os: 'linux' });
    let files = 0;
    let spanning = 0;
    for (const name of fixtures) {
      const src = join(capturesDir, name);
      const whole = await analyzeFile(src, settings);
      for (const n of [1, 7]) {
        const parts = cutAsRotation(src, n, join(dir, `${name}-${n}`));
        files += parts.length;
        // given in any order: the time of their first frames orders them
        const shuffled = [...parts].reverse();
        const groups = groupInputs(shuffled.map((p) => ({ name: p, path: p })));
        assert.equal(groups.length, parts.length > 1 ? 1 : parts.length, name);
        const g = groups[0];
        if (g.series === null) continue;
        const rep = await analyzeSeries('tap', { kind: g.series.kind, parts: g.series.parts, pattern: null }, settings, undefined);
        assert.deepEqual(rep.series.files.map((f) => f.file), parts, `${name} -c ${n}: time order`);
        assert.equal(rep.frames, whole.frames, name);
        assert.equal(rep.tcpSegments, whole.tcpSegments, name);
        assert.deepEqual(rep.decode, whole.decode, name);
        assert.deepEqual(rep.connections.map(plain), whole.connections, `${name} cut every ${n} frames`);
        assert.deepEqual(rep.warnings, whole.warnings.map((w) => ({ ...w, message: w.message })), name);
        checkLocations(rep);
        for (const c of rep.connections as (ConnectionReport & SeriesLocation)[]) if (c.location.first?.file !== c.location.last?.file) spanning++;
      }
    }
    assert.ok(files > 500, `files: ${files}`);
    assert.ok(spanning > 50, `connections across files: ${spanning}`);
  });

  it('tcpdump -C: the rotated files give the whole capture\'s rows (CSV, NDJSON), each file placed in JSON', async () => {
    const src = join(dir, 'gen.pcap');
    const meta = generateTo(src, { segments: 30000, seed: 3 });
    const rot = join(dir, 'rot');
    mkdirSync(rot);
    // -C 1: a new file every 1,000,000 bytes; -Z root: write as root (tcpdump drops to its own user)
    run('tcpdump', ['-r', src, '-w', join(rot, 'tap.pcap'), '-C', '1', '-Z', 'root']);
    const parts = readdirSync(rot).map((n) => join(rot, n)).sort((a, b) => a.length - b.length || a.localeCompare(b));
    assert.ok(parts.length >= 4, `files: ${parts.length}`);
    // NDJSON twice: reports built in this thread, and in the report thread (as for large captures)
    // and --threads 2: a series is read in one thread (the threads would each read its first file only)
    for (const [format, thread, threads] of [['csv', 'off', '1'], ['ndjson', 'off', '1'], ['ndjson', 'on', '1'], ['csv', 'off', '2']]) {
      const env = { TCPSCOPE_REPORT_THREAD: thread };
      const [whole, series] = await Promise.all([
        tcpscope(['analyze', '-q', '-f', format, src], { env }),
        tcpscope(['analyze', '-q', '-f', format, '--threads', threads, ...parts], { env }),
      ]);
      assert.equal(whole.code, 0, whole.stderr);
      assert.equal(series.code, 0, series.stderr);
      assert.equal(series.stderr, '');
      const name = `${join(rot, 'tap.pcap')}*`;
      const expected = format === 'csv'
        ? whole.stdout.split(src).join(name)
        : whole.stdout.split(JSON.stringify(src)).join(JSON.stringify(name));
      assert.equal(series.stdout, expected, format);
      assert.equal(whole.stdout.trim().split('\n').length, meta.connections + (format === 'csv' ? 1 : 0));
    }
    // tcpdump -z gzip: the same files gzipped, found in their folder, named in any order
    const gz = join(dir, 'rot-gz');
    mkdirSync(gz);
    for (const p of parts) copyFileSync(p, join(gz, basename(p)));
    run('gzip', readdirSync(gz).map((n) => join(gz, n)));
    const [whole, zipped] = await Promise.all([
      tcpscope(['analyze', '-q', '-f', 'csv', src]),
      tcpscope(['analyze', '-q', '-f', 'csv', ...readdirSync(gz).sort().reverse().map((n) => join(gz, n))]),
    ]);
    assert.equal(zipped.code, 0, zipped.stderr);
    assert.equal(zipped.stdout, whole.stdout.split(src).join(`${join(gz, 'tap.pcap')}*.gz`));

    const json = await tcpscope(['analyze', '-q', '-f', 'json', ...parts]);
    assert.equal(json.code, 0, json.stderr);
    const rep = (JSON.parse(json.stdout) as { captures: (CaptureReport & SeriesReport)[] }).captures[0];
    assert.equal(rep.series.kind, 'size');
    assert.deepEqual(rep.series.files.map((f) => f.file), parts);
    assert.equal(rep.series.files.reduce((n, f) => n + f.frames, 0), rep.frames);
    checkLocations(rep);
    const across = (rep.connections as (ConnectionReport & SeriesLocation)[]).filter((c) => c.location.first?.file !== c.location.last?.file);
    assert.ok(across.length >= parts.length - 1, `connections across a boundary: ${across.length}`);

    // a file of the numbering missing: a warning names it; a file given twice: an overlap
    const gap = await tcpscope(['analyze', '-q', '-f', 'csv', parts[0], ...parts.slice(2)]);
    assert.equal(gap.code, 0, gap.stderr);
    assert.match(gap.stderr, new RegExp(`^warning: .*tap\\.pcap\\*: frame 1 \\(byte offset 0\\): series: missing .*tap\\.pcap1\\n`));
    const copy = join(rot, 'tap.pcap9');
    copyFileSync(parts[1], copy);
    const twice = await tcpscope(['analyze', '-q', '-f', 'csv', ...parts, copy]);
    assert.match(twice.stderr, /series: .*tap\.pcap9 starts [\d.]+ s before .*tap\.pcap1 ends \(the files overlap/);
    rmSync(copy);
  });

  it('-G names (--series-pattern) and --series: in time order, with the intervals without a file said', async () => {
    // a keepalive every second for 7 s
    const src = join(capturesDir, 'keepalive-open.pcap');
    const settings = makeSettings({ os: 'linux' });
    const whole = await analyzeFile(src, settings);
    // editcap -i 1: a file per second of capture time; named as tcpdump -G 1 -w 'tap-%Y%m%d-%H%M%S.pcap' would
    // (by the start of the interval), without the empty ones (tcpdump opens a file only for a packet)
    const g = join(dir, 'g');
    mkdirSync(g);
    run('editcap', ['-i', '1', src, join(g, 'cut.pcap')]);
    const named: string[] = [];
    for (const n of readdirSync(g).sort()) {
      const p = join(g, n);
      const t = await firstFrameTime({ name: p, path: p });
      if (t === null) {
        rmSync(p);
        continue;
      }
      const start = new Date(t.sec * 1000).toISOString();
      const to = join(g, `tap-${start.slice(0, 10).replace(/-/g, '')}-${start.slice(11, 19).replace(/:/g, '')}.pcap`);
      renameSync(p, to);
      named.push(to);
    }
    assert.ok(named.length >= 6, `files: ${named.length}`);
    const r = await tcpscope(['analyze', '--os', 'linux', '-f', 'json', '--series-pattern', 'tap-%Y%m%d-%H%M%S.pcap', ...named.reverse(), join(capturesDir, 'rst-abort.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { captures: (CaptureReport & SeriesReport)[] };
    assert.equal(doc.captures.length, 2, 'the series and the other capture');
    const rep = doc.captures[0];
    assert.equal(rep.file, join(g, 'tap-%Y%m%d-%H%M%S.pcap'));
    assert.equal(rep.series.kind, 'time');
    assert.deepEqual(rep.series.files.map((f) => f.file), [...named].reverse());
    assert.equal(rep.frames, whole.frames);
    assert.deepEqual(rep.connections.map(plain), whole.connections);
    checkLocations(rep);
    // a file of the schedule missing: said, by the names
    const [, third] = [...named].reverse().slice(1);
    const holed = await tcpscope(['analyze', '-q', '-f', 'csv', '--series-pattern', 'tap-%Y%m%d-%H%M%S.pcap', ...named.filter((p) => p !== third)]);
    assert.equal(holed.code, 0, holed.stderr);
    assert.match(holed.stderr, /series: 1 interval\(s\) of 1 s without a file between/);

    // --series: the same files under any names
    const renamed = [...named].reverse().map((p, i) => {
      const to = join(g, `part-${String.fromCharCode(122 - i)}.pcap`);
      renameSync(p, to);
      return to;
    });
    const s = await tcpscope(['analyze', '--os', 'linux', '-f', 'json', '--series', ...renamed]);
    assert.equal(s.code, 0, s.stderr);
    const rs = (JSON.parse(s.stdout) as { captures: (CaptureReport & SeriesReport)[] }).captures;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].series.kind, 'given');
    assert.deepEqual(rs[0].connections.map(plain), whole.connections);
    assert.ok(statSync(renamed[0]).size > 0);
  });

  it('refuses what it cannot do with a series', async () => {
    const parts = cutAsRotation(join(capturesDir, 'client-close.pcap'), 3, join(dir, 'refuse'));
    const html = await tcpscope(['analyze', '-f', 'html', ...parts]);
    assert.equal(html.code, 2);
    assert.match(html.stderr, /--format html: a rotation series cannot be drawn/);
    const stdin = await tcpscope(['analyze', '--series', '-', parts[0]]);
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /--series: standard input \(-\) cannot be part of a series/);
  });
});
