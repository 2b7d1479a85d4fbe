/**
 * `analyze --threads N` (src/cli/share-thread.ts): one capture read by N
 * threads, each following a share of the connections, must write what one
 * thread writes, byte for byte (standard output and error, exit code), in
 * every format: stream numbers, order of the lines, end times of the
 * connections held back behind a stale one, reuse of a 4-tuple, and the
 * table limit (where the threads hand over to one thread).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Share } from '../../src/analyze/share.ts';
import { generateTo } from '../../src/bench/generate.ts';
import { readFrames } from '../../src/capture/source.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { spawn } from 'node:child_process';
import { baseEnv, tcpscope } from '../helpers/cli.ts';
import { capturesDir, corpusDir, haveCorpus, repoRoot } from '../helpers/paths.ts';

// Starting the threads through tsx takes seconds on a loaded machine: a
// selection here (every fixture and corpus capture, in both formats, is
// checked by the md5 script of the project's notes).
const fixtures = ['timewait-reuse.pcap', 'four-way-close.pcap', 'lost-fin.pcap', 'half-open-scan.pcap', 'client-close.pcapng', 'icmp-reject.pcap', 'icmp-reject-synack.pcap']
  .map((f) => join(capturesDir, f))
  // ICMP errors that begin a connection (a stream of their own, numbered in the capture's one sequence).
  .concat(['icmp-only.pcap', 'icmp-first.pcap'].map((f) => join(repoRoot, 'fixtures/cut', f)));
const corpus = haveCorpus
  ? readdirSync(corpusDir).filter((f) => /(synscan|tcp_teardown|fin_retransmission|missing-syn|sessionhijacking)\.(pcap|pcapng)$/.test(f)).map((f) => join(corpusDir, f))
  : [];
const all = [...fixtures, ...corpus];

/** The run with each number of threads writes what the one-thread run writes. */
async function same(args: string[], threads: number[], input?: Buffer): Promise<string> {
  const one = await tcpscope([...args, '--threads', '1'], input === undefined ? {} : { input });
  for (const t of threads) {
    const r = await tcpscope([...args, '--threads', String(t)], input === undefined ? {} : { input });
    const what = `${args.join(' ')} --threads ${t}`;
    assert.equal(r.stderr, one.stderr, what);
    assert.equal(r.code, one.code, what);
    assert.ok(r.stdout === one.stdout, `${what}: standard output differs`);
  }
  return one.stdout;
}

describe('analyze --threads', () => {
  let dir = '';
  let gen = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpscope-threads-'));
    gen = join(dir, 'gen.pcap');
    // Thousands of connections, with reuse, resets, lost and retransmitted FINs.
    generateTo(gen, { segments: 60_000, seed: 5 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fixture and corpus captures, NDJSON and CSV, 2 and 3 threads', async () => {
    for (const format of ['ndjson', 'csv']) await same(['analyze', '-q', '-j', '1', '--format', format, ...all], [2, 3]);
  });

  it('fixture captures in the other formats', async () => {
    for (const format of ['json', 'table', 'markdown']) await same(['analyze', '-q', '-j', '1', '--format', format, '--width', '200', ...fixtures], [2]);
    // Zeek's header and footer carry the time of the run.
    const zeek = async (t: number): Promise<string> =>
      (await tcpscope(['analyze', '-q', '-j', '1', '--format', 'zeek', '--threads', String(t), ...fixtures])).stdout.replace(/^#(open|close).*$/gm, '');
    assert.equal(await zeek(2), await zeek(1));
  });

  it('a capture of thousands of connections, in every format, with selections', async () => {
    for (const format of ['ndjson', 'csv', 'json', 'table']) await same(['analyze', '-q', '--format', format, '--width', '200', gen], [2, 3]);
    await same(['analyze', '-q', '--format', 'ndjson', '--os', 'linux', gen], [2]);
    await same(['analyze', '-q', '--format', 'ndjson', '--msl', '0.01', gen], [2]);
    await same(['analyze', '-q', '--format', 'ndjson', '--filter', 'closed-by server', '--fail-on', 'retransmitted-fin', gen], [2]);
    await same(['analyze', '-q', '--format', 'csv', '--stream', '77', gen], [2]);
    await same(['analyze', '-q', '--format', 'csv', '--stream', '999999', gen], [2]);
  });

  it('keeps the connections held back behind a stale one in one-thread order and times', async () => {
    // Connections taken out of over by a later segment (an ACK of a FIN
    // undone) hold back every connection behind them in the tracker's list,
    // in every share. With a very short linger, connections of other shares
    // expire while one is stale: 200 000 generated segments have some.
    const big = join(dir, 'gen-200k.pcap');
    generateTo(big, { segments: 200_000, seed: 1 });
    const share = new Share(makeSettings({ os: 'rfc' }), 0, 1, Infinity);
    await readFrames(big, share.onFrame);
    assert.ok(share.take().staleStarts.length > 0, 'the capture has stale connections');
    let heldBack = 0;
    for (const msl of ['0.0005', '0.002']) {
      const out = await same(['analyze', '-q', '--format', msl === '0.002' ? 'ndjson' : 'csv', '--msl', msl, big], [2, 3]);
      assert.ok(out.trim().split('\n').length > 1000);
      const debug = await tcpscope(['analyze', '-q', '--format', 'csv', '--msl', msl, '--threads', '3', big], { env: { TCPSCOPE_THREADS_DEBUG: '1' } });
      const m = /(\d+) expiries held back/.exec(debug.stderr);
      assert.ok(m !== null, debug.stderr);
      assert.doesNotMatch(debug.stderr, /one thread after/);
      heldBack += Number(m[1]);
    }
    assert.ok(heldBack > 0, 'some expiry was held back behind a stale connection of another thread');
  });

  it('reuse of a 4-tuple stays on one thread: the successor names its predecessor', async () => {
    const file = join(capturesDir, 'timewait-reuse.pcap');
    const out = await same(['analyze', '-q', '--format', 'ndjson', file], [2, 3]);
    assert.match(out, /"previousStream":0/);
  });

  it('a full connection table: the threads hand over to one thread, with the same lines and warning', async () => {
    for (const max of ['3', '50', '400']) {
      await same(['analyze', '-q', '--format', 'ndjson', '--max-connections', max, gen], [2]);
      await same(['analyze', '-q', '--format', 'csv', '--max-connections', max, gen], [3]);
    }
    const r = await tcpscope(['analyze', '-q', '--format', 'csv', '--max-connections', '50', '--threads', '2', gen]);
    assert.match(r.stderr, /connection table full \(--max-connections 50\)/);
  });

  it('an interrupt: every thread stops at the same frame, the lines are a whole analysis of what was read', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'analyze', '-q', '--format', 'ndjson', '--msl', '0.01', '--threads', '2', gen], {
      cwd: repoRoot, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      // Interrupted once the threads are under way (whenever that is: nothing here depends on the moment).
      if (out === '') child.kill('SIGINT');
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    const streams = out.trim().split('\n').map((l) => (JSON.parse(l) as { stream: number }).stream).sort((a, b) => a - b);
    assert.ok(code === 130 || code === 0, `exit ${code}: ${err}`);
    // Cut short while reading (else the threads had read it all: only the end was left, as with one thread).
    if (code === 130) assert.match(err, /interrupted \(SIGINT\)/);
    assert.ok((err.match(/cut short by SIGINT/g) ?? []).length <= 1, err);
    // Stream numbers 0..n-1, each once: one analysis of the frames read, not two halves of different lengths.
    streams.forEach((s, i) => assert.equal(s, i));
  });

  it('standard input is read in one thread', async () => {
    await same(['analyze', '-q', '--format', 'ndjson', '-'], [2], readFileSync(join(capturesDir, 'timewait-reuse.pcap')));
  });

  it('an unreadable capture is the same error', async () => {
    await same(['analyze', '-q', '--format', 'ndjson', join(capturesDir, 'lost-fin.expected.json')], [2]);
  });

  it('rejects a bad --threads', async () => {
    const r = await tcpscope(['analyze', '--threads', 'two', join(capturesDir, 'timewait-reuse.pcap')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threads: expected a whole number >= 1 or auto, got 'two'/);
  });
});
