/**
 * `tcpscope analyze` run as a user runs it: a spawned process on the real
 * kernel captures. Expected values come from <stem>.expected.json (the
 * captures are regenerated with new ISNs), never from this file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { AnalysisDocument, ConnectionReport } from '../../src/report/types.ts';
import { CSV_COLUMNS } from '../../src/render/csv.ts';
import { ANSI, capture, tcpscope } from '../helpers/cli.ts';
import { capturesDir } from '../helpers/paths.ts';
import { withGenerated } from '../helpers/captures.ts';

interface ExpectedConnection {
  stream: number;
  client: string;
  server: string;
  close: string;
  activeCloser: string | null;
  finRetransmissions: { client: number; server: number };
  finalStates: { client: string; server: string };
  timeWaitVerdict: string;
}

function expected(stem: string): { capture: string; frames: number; connections: ExpectedConnection[] } {
  return JSON.parse(readFileSync(join(capturesDir, `${stem}.expected.json`), 'utf8'));
}

/** Every capture that has an expected.json, by its file name. */
const allCaptures = readdirSync(capturesDir)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => (JSON.parse(readFileSync(join(capturesDir, f), 'utf8')) as { capture: string }).capture)
  .sort();

const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-test-'));

describe('analyze: table', () => {
  it('shows the README example: who closed, final states, TIME_WAIT verdict with its seconds', async () => {
    const exp = expected('client-close').connections[0];
    const r = await tcpscope(['analyze', '--os', 'linux', capture('client-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, ANSI, 'no colour into a pipe');
    const row = r.stdout.split('\n').find((l) => l.includes(exp.client));
    assert.ok(row, r.stdout);
    const cells = row.split('│').map((c) => c.trim()).filter((c) => c !== '');
    assert.deepEqual(cells.slice(0, 3), [String(exp.stream), exp.client, exp.server]);
    assert.equal(cells[4], exp.close);
    assert.equal(cells[5], exp.activeCloser);
    assert.equal(cells[6], `${exp.finalStates.client} / ${exp.finalStates.server}`);
    assert.match(cells[7], new RegExp(`^client: ${exp.timeWaitVerdict}, \\d+ µs of 60 s$`));
    assert.equal(cells[8], `${exp.finRetransmissions.client}/${exp.finRetransmissions.server}`);
    // The header names every column of the issue.
    for (const h of ['stream', 'client', 'server', 'handshake', 'close', 'active closer', 'final states', 'TIME_WAIT', 'FIN retx', 'half-close', 'reset cause']) {
      assert.ok(r.stdout.includes(h), `column ${h}`);
    }
    assert.match(r.stdout, /Connections: 1; closed by client 1, by server 0, by both \(simultaneous\) 0; resets 0/);
    assert.match(r.stdout, /TIME_WAIT \(2MSL = 60 s, --os linux\): full 0, cut short 0, inconclusive 1, none 0/);
  });

  it('counts retransmitted FINs per side and the summary over several captures', async () => {
    const files = ['lost-fin.pcap', 'lost-final-ack.pcap', 'server-close.pcap'];
    const r = await tcpscope(['analyze', '--os', 'linux', ...files.map(capture)]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of files) {
      const exp = expected(f.replace('.pcap', '')).connections[0];
      const block = r.stdout.slice(r.stdout.indexOf(`fixtures/captures/${f}:`));
      const row = block.split('\n').find((l) => l.startsWith('│ 0 '));
      assert.ok(row, block);
      assert.ok(row.includes(` ${exp.finRetransmissions.client}/${exp.finRetransmissions.server} `), `${f}: ${row}`);
      assert.ok(row.includes(` ${exp.activeCloser} `), `${f}: ${row}`);
    }
    assert.match(r.stdout, /Connections: 3; closed by client 2, by server 1/);
    assert.match(r.stdout, /retransmitted FINs: 2 in 2 connections/);
  });

  it('colours only when asked on a non-terminal (FORCE_COLOR), never with NO_COLOR or --no-color', async () => {
    const f = capture('client-close.pcap');
    assert.match((await tcpscope(['analyze', f], { env: { FORCE_COLOR: '1' } })).stdout, ANSI);
    assert.doesNotMatch((await tcpscope(['analyze', f], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout, ANSI);
    assert.doesNotMatch((await tcpscope(['analyze', '--no-color', f], { env: { FORCE_COLOR: '1' } })).stdout, ANSI);
  });
});

describe('analyze: --lang zh', () => {
  it('translates labels and explanations, keeps RFC state names', async () => {
    const r = await tcpscope(['analyze', '--lang', 'zh', '--os', 'linux', capture('four-way-close.pcap'), capture('half-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['主动关闭方', '客户端', '四次挥手', '半关闭', '等待计时器', '无法判定', 'TIME_WAIT / CLOSED', '服务器发送 3000 字节']) {
      assert.ok(r.stdout.includes(s), `missing ${s}\n${r.stdout}`);
    }
    assert.ok(!r.stdout.includes('active closer'));
  });

  it('takes the default language from LANG, and --lang wins over it', async () => {
    const f = capture('client-close.pcap');
    assert.ok((await tcpscope(['analyze', f], { env: { LANG: 'zh_CN.UTF-8' } })).stdout.includes('主动关闭方'));
    assert.ok((await tcpscope(['analyze', '--lang', 'en', f], { env: { LANG: 'zh_CN.UTF-8' } })).stdout.includes('active closer'));
  });
});

describe('analyze: JSON, NDJSON, CSV', () => {
  it('--format json is the contract document, equal to the library report', async () => {
    const files = allCaptures.map(capture);
    const r = await tcpscope(['analyze', '--format', 'json', '--os', 'linux', ...files]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as AnalysisDocument;
    assert.equal(doc.tool.name, 'tcpscope');
    assert.match(doc.tool.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(doc.settings, { os: 'linux', msl: 30, timeWaitSeconds: 60 });
    assert.deepEqual(doc.captures.map((c) => c.file), files);
    for (const cap of doc.captures) {
      const lib = await analyzeFile(cap.file, makeSettings({ os: 'linux' }));
      assert.deepEqual(cap, lib, cap.file);
      const exp = expected(cap.file.replace(/^fixtures\/captures\//, '').replace(/\.pcap$/, '')).connections;
      assert.deepEqual(cap.connections.map((c) => c.stream), exp.map((e) => e.stream), cap.file);
    }
  });

  it('--format ndjson writes one parseable connection per line, with its file', async () => {
    const r = await tcpscope(['analyze', '--format', 'ndjson', capture('timewait-reuse.pcap'), capture('client-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const objs = lines.map((l) => JSON.parse(l) as ConnectionReport & { file: string });
    assert.deepEqual(objs.map((o) => [o.file, o.stream]).sort(), [
      ['fixtures/captures/client-close.pcap', 0], ['fixtures/captures/timewait-reuse.pcap', 0], ['fixtures/captures/timewait-reuse.pcap', 1],
    ]);
    for (const o of objs) {
      for (const k of ['client', 'server', 'handshake', 'close', 'timeWait', 'endpoints', 'compat']) assert.ok(k in o, k);
    }
  });

  it('--format csv has the documented columns and the raw contract values', async () => {
    const r = await tcpscope(['analyze', '--format', 'csv', '--os', 'linux', capture('simultaneous-close.pcap'), capture('half-close.pcap'), capture('rst-abort.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\r\n').filter((l) => l !== '');
    const head = lines[0].split(',');
    assert.deepEqual(head, CSV_COLUMNS.map(([n]) => n));
    assert.equal(lines.length, 4);
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
    const [sim, half, rst] = rows;
    const e = expected('simultaneous-close').connections[0];
    assert.equal(sim.active_closer, e.activeCloser);
    assert.equal(sim.close, e.close);
    assert.equal(sim.client_fin_retransmissions, String(e.finRetransmissions.client));
    assert.equal(sim.server_fin_retransmissions, String(e.finRetransmissions.server));
    assert.equal(sim.client_final_state, e.finalStates.client);
    assert.equal(sim.time_wait_verdict, e.timeWaitVerdict);
    assert.equal(sim.time_wait_required_seconds, '60');
    assert.equal(sim.client_ip, '192.0.2.1');
    assert.equal(sim.half_close_bytes, '');
    assert.equal(half.half_close_bytes, String((expected('half-close').connections[0] as unknown as { halfClose: { bytes: number } }).halfClose.bytes));
    assert.equal(rst.close, 'reset');
    // Every byte was acknowledged before the abort: the wire cannot tell it from a close with unread data.
    assert.equal(rst.reset_cause, 'ambiguous');
    assert.equal(rst.reset_candidates, 'unread-data|abort');
    assert.equal(rst.reset_effective, 'true');
    assert.equal(rst.capture_directions, 'both');
  });

  it('--format markdown: a pipe table per capture and the summary as a list', async () => {
    const r = await tcpscope(['analyze', '--format', 'markdown', '--os', 'linux', capture('half-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('| stream |'));
    assert.ok(head > 0, r.stdout);
    assert.match(lines[head + 1], /^\|---:\|/);
    const cells = lines[head + 2].split(' | ');
    assert.equal(cells.length, 12);
    assert.ok(lines[head + 2].includes('B by server'));
    assert.ok(lines.some((l) => l.startsWith('- Connections: 1')));
  });

  it('--output writes the file and nothing to stdout', async () => {
    const out = join(tmp, 'report.json');
    const r = await tcpscope(['analyze', '--format', 'json', '--output', out, capture('client-close.pcap')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as AnalysisDocument).captures[0].connections.length, 1);
  });

  it('reads a capture on standard input (-)', async () => {
    const r = await tcpscope(['analyze', '--format', 'ndjson', '-'], { input: readFileSync(join(capturesDir, 'client-close.pcap')) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { file: string }).file, '-');
  });
});

describe('analyze: selection', () => {
  const files = ['client-close.pcap', 'server-close.pcap', 'timewait-reuse.pcap', 'lost-fin.pcap', 'rst-abort.pcap'].map(capture);
  const streams = async (args: string[]): Promise<string[]> => {
    const r = await tcpscope(['analyze', '--format', 'ndjson', '--os', 'linux', ...args, ...files]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trimEnd().split('\n').filter((l) => l).map((l) => {
      const o = JSON.parse(l) as { file: string; stream: number };
      return `${o.file.replace('fixtures/captures/', '')}#${o.stream}`;
    }).sort();
  };

  it('--filter with the readable syntax', async () => {
    assert.deepEqual(await streams(['--filter', 'closed-by server']), ['server-close.pcap#0', 'timewait-reuse.pcap#0']);
    assert.deepEqual(await streams(['--filter', 'verdict cut-short']), ['timewait-reuse.pcap#0']);
    assert.deepEqual(await streams(['--filter', 'retransmitted-fin client']), ['lost-fin.pcap#0']);
    assert.deepEqual(await streams(['--filter', 'reset abort or (port 5000 and stream 1)']), ['rst-abort.pcap#0', 'timewait-reuse.pcap#1']);
    assert.deepEqual(await streams(['--filter', 'not host 192.0.2.1']), []);
    assert.deepEqual(await streams(['--filter', 'client state TIME_WAIT and not retransmitted-fin and close three-way']),
      ['client-close.pcap#0', 'timewait-reuse.pcap#1']);
  });

  it('--filter with Wireshark-style equivalents', async () => {
    assert.deepEqual(await streams(['--filter', 'tcp.stream eq 1']), ['timewait-reuse.pcap#1']);
    assert.deepEqual(await streams(['--filter', 'tcp.flags.reset == 1']), ['rst-abort.pcap#0']);
    assert.deepEqual(await streams(['--filter', 'ip.addr == 192.0.2.9 || tcp.dstport == 5000 && tcp.stream != 0']), ['timewait-reuse.pcap#1']);
  });

  it('--stream N picks one connection', async () => {
    assert.deepEqual(await streams(['--stream', '1']), ['timewait-reuse.pcap#1']);
  });
});

describe('analyze: folders', () => {
  it('a folder stands for every capture under it, in name order, spread over worker threads', async () => {
    // A folder of captures, one in a sub-folder, with files that are not captures beside them.
    const dir = mkdtempSync(join(tmp, 'folder-'));
    const sub = join(dir, 'lab 2');
    mkdirSync(sub);
    const names = ['client-close.pcap', 'lost-fin.pcap', 'rst-abort.pcap'];
    copyFileSync(join(capturesDir, names[0]), join(dir, 'b10.pcap'));
    copyFileSync(join(capturesDir, names[1]), join(dir, 'b9.pcap'));
    copyFileSync(join(capturesDir, names[2]), join(sub, 'a.pcap'));
    writeFileSync(join(dir, 'notes.txt'), 'not a capture');
    writeFileSync(join(dir, '.hidden.pcap'), 'hidden');
    const order = [join(dir, 'b9.pcap'), join(dir, 'b10.pcap'), join(sub, 'a.pcap')];
    const byFolder = await tcpscope(['analyze', '--format', 'ndjson', dir]);
    const byFiles = await tcpscope(['analyze', '--format', 'ndjson', '-j', '1', ...order]);
    assert.equal(byFolder.code, 0, byFolder.stderr);
    assert.equal(byFolder.stdout, byFiles.stdout);
    const files = [...new Set(byFolder.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { file: string }).file))];
    assert.deepEqual(files, order);
  });

  it('several captures over worker threads: the same output and messages, in file order, whichever finishes first', async () => {
    // The first capture takes longest: the ones after it finish first and wait for it.
    await withGenerated({ segments: 60000, seed: 7 }, async (big) => {
      const bad = capture('client-close.expected.json');
      const files = [big, capture('lost-fin.pcap'), bad, capture('rst-abort.pcap'), capture('client-close.pcap')];
      const out = join(mkdtempSync(join(tmp, 'jobs-')), 'out.ndjson');
      const [one, two, toFile] = await Promise.all([
        tcpscope(['analyze', '--format', 'ndjson', '-j', '1', ...files]),
        tcpscope(['analyze', '--format', 'ndjson', '-j', '2', ...files]),
        tcpscope(['analyze', '--format', 'ndjson', '-j', '2', '-q', '-o', out, ...files]),
      ]);
      assert.equal(one.code, 2);
      assert.equal(two.code, 2);
      assert.equal(two.stdout, one.stdout);
      assert.equal(two.stderr, one.stderr);
      assert.match(two.stderr, /^error: fixtures\/captures\/client-close\.expected\.json: not a pcap/m);
      assert.equal(readFileSync(out, 'utf8'), one.stdout);
      const order = [...new Set(one.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { file: string }).file))];
      assert.deepEqual(order, files.filter((f) => f !== bad));
    });
  });

  it('a folder without captures: one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmp, 'empty-'));
    writeFileSync(join(dir, 'readme.txt'), 'nothing here');
    const r = await tcpscope(['analyze', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /no capture files/);
  });
});

describe('analyze: exit codes and errors', () => {
  it('a file that is not a capture: one line, exit 2', async () => {
    const bad = capture('client-close.expected.json');
    const r = await tcpscope(['analyze', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: fixtures\/captures\/client-close\.expected\.json: not a pcap or pcapng file \(starts with 0x[0-9a-f]{8}\)\n$/);
  });

  it('a missing file and an empty file: one line each, exit 2; the other captures are still analyzed', async () => {
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, '');
    const r = await tcpscope(['analyze', '--format', 'ndjson', 'no/such.pcap', empty, capture('client-close.pcap')]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^error: no\/such\.pcap: cannot open: no such file$/);
    assert.match(lines[1], /^error: .*empty\.pcap: empty file/);
    assert.equal(r.stdout.trimEnd().split('\n').length, 1);
  });

  it('damaged but readable input: warnings naming frame and byte offset, exit 0', async () => {
    const good = readFileSync(join(capturesDir, 'client-close.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, good.subarray(0, good.length - 20));
    const r = await tcpscope(['analyze', '--format', 'json', cut]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^warning: .*cut\.pcap: frame 10 \(byte offset \d+\): .+/);
    const doc = JSON.parse(r.stdout) as AnalysisDocument;
    assert.equal(doc.captures[0].warnings.length, 1);
    assert.equal(doc.captures[0].frames, 9);
  });

  it('bad usage: exit 2 with one line', async () => {
    for (const args of [
      ['analyze', '--format', 'xml', capture('client-close.pcap')],
      ['analyze', '--os', 'solaris', capture('client-close.pcap')],
      ['analyze', '--msl', '-3', capture('client-close.pcap')],
      ['analyze', '--filter', 'closed-by nobody', capture('client-close.pcap')],
      ['analyze', '--filter', 'frobnicate', capture('client-close.pcap')],
      ['analyze', '--stream', '7', capture('client-close.pcap')],
      ['analyze', '--lang', 'fr', capture('client-close.pcap')],
      ['analyze'],
      ['frobnicate'],
    ]) {
      const r = await tcpscope(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    const r = await tcpscope(['analyze', '--stream', '7', capture('client-close.pcap')]);
    assert.equal(r.stderr, 'error: no stream 7 in fixtures/captures/client-close.pcap (streams 0-0)\n');
  });

  it('--fail-on exits 3 when a shown connection matches, 0 otherwise, and still prints the output', async () => {
    const lost = await tcpscope(['analyze', '--fail-on', 'retransmitted-fin', capture('lost-fin.pcap')]);
    assert.equal(lost.code, 3);
    assert.ok(lost.stdout.includes('1/0'));
    assert.equal((await tcpscope(['analyze', '--fail-on', 'retransmitted-fin', capture('client-close.pcap')])).code, 0);
    assert.equal((await tcpscope(['analyze', '--os', 'linux', '--fail-on', 'verdict cut-short', capture('timewait-reuse.pcap')])).code, 3);
    assert.equal((await tcpscope(['analyze', '--format', 'ndjson', '--fail-on', 'verdict cut-short', '--stream', '1', capture('timewait-reuse.pcap')])).code, 0);
  });

  it('--help on every command shows examples; --version prints the version', async () => {
    for (const cmd of ['analyze', 'timeline', 'key']) {
      const r = await tcpscope([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Examples:\n {2}tcpscope /);
      assert.match(r.stdout, /Exit codes: 0 done/);
    }
    const top = await tcpscope(['--help']);
    assert.equal(top.code, 0);
    for (const cmd of ['analyze', 'timeline', 'key']) assert.ok(top.stdout.includes(cmd));
    const pkg = JSON.parse(readFileSync(join(capturesDir, '../../package.json'), 'utf8')) as { version: string };
    const v = await tcpscope(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), pkg.version);
  });
});
