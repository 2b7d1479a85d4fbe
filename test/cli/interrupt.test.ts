/**
 * Ctrl-C (SIGINT) or SIGTERM while `analyze` reads a capture that is still
 * coming (a producer on a pipe, a FIFO named on the command line): the read
 * ends, the report of what was read is written in every format, a warning
 * names the frame where reading stopped, and the exit code is 128 + the
 * signal. The capture fed to it: the three handshake frames of an IPv6
 * connection that never closes, a complete four-way close, then 4 MiB of
 * ARP frames; the signal comes once the ARP frames' write has completed, so
 * every TCP frame has been read (a pipe or socket holds far less than that),
 * whatever the machine's speed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { generateTo } from '../../src/bench/generate.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import type { AnalysisDocument, ConnectionReport } from '../../src/report/types.ts';
import { type BuiltPacket, pcapFile } from '../helpers/build.ts';
import { baseEnv } from '../helpers/cli.ts';
import { capturesDir, repoRoot } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-interrupt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function framesOf(name: string, n = Infinity): Promise<BuiltPacket[]> {
  const out: BuiltPacket[] = [];
  await readFrames(join(capturesDir, name), (f: Frame) => {
    if (out.length < n) out.push({ sec: f.tsSec, frac: Math.floor(f.tsNsec / 1000), data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)), origLen: f.origLen });
  });
  return out;
}

/** An ARP request: not TCP, only there to fill the pipe. */
function arp(sec: number): BuiltPacket {
  const d = Buffer.alloc(42);
  d.fill(0xff, 0, 6);
  d.set([2, 0, 0, 0, 0, 1], 6);
  d.writeUInt16BE(0x0806, 12);
  d.writeUInt16BE(1, 14);
  d.writeUInt16BE(0x0800, 16);
  d[18] = 6;
  d[19] = 4;
  d.writeUInt16BE(1, 20);
  return { sec, frac: 0, data: d };
}

const FILLER_BYTES = 4 << 20;

/** The capture's bytes before the filler, and the filler. */
async function stream(): Promise<{ head: Uint8Array; filler: Uint8Array }> {
  const open = await framesOf('ipv6-close.pcap', 3);
  const closed = await framesOf('four-way-close.pcap');
  const head = pcapFile([...open, ...closed]);
  const last = closed[closed.length - 1].sec + 1;
  const n = Math.ceil(FILLER_BYTES / (16 + 42));
  const filler = pcapFile(Array.from({ length: n }, () => arp(last))).subarray(24);
  return { head, filler };
}

const data = await stream();

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Run `tcpscope analyze ARGS`, feed `inputs` (each stdin `-` or a FIFO path)
 * with the capture, send `sig` once every input's filler is written, and
 * leave the inputs open (the producer is still there).
 */
async function interrupted(args: string[], inputs: string[], sig: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'analyze', ...args], {
    cwd: repoRoot, env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const done = new Promise<Result>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const sinks: Writable[] = inputs.map((p) => (p === '-' ? child.stdin : createWriteStream(p)));
  for (const s of sinks) s.on('error', () => undefined);
  await Promise.all(sinks.map((s) => new Promise<void>((res) => {
    s.write(data.head);
    s.write(data.filler, () => res());
  })));
  child.kill(sig);
  const r = await done;
  for (const s of sinks) s.destroy();
  return r;
}

function fifo(name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

/** What every interrupted run must show on stderr. */
function saysCutShort(r: Result, file: string, sig: string): void {
  assert.equal(r.code, sig === 'SIGINT' ? 130 : 143, r.stderr);
  assert.match(r.stderr, new RegExp(`^warning: ${file.replace(/[/.]/g, '\\$&')}: frame \\d+ \\(byte offset \\d+\\): cut short by ${sig}: nothing from here on was read$`, 'm'));
  assert.match(r.stderr, new RegExp(`^interrupted \\(${sig}\\): the capture was cut short; the report covers what was read until then`, 'm'));
}

/** The two connections: the IPv6 one still open, the four-way close complete. */
function checkConnections(conns: ConnectionReport[]): void {
  assert.equal(conns.length, 2, JSON.stringify(conns.map((c) => c.client)));
  const open = conns.find((c) => c.client.ip === '2001:db8::1');
  const closed = conns.find((c) => c.client.ip === '192.0.2.1');
  assert.ok(open && closed);
  assert.equal(open.close.kind, 'open');
  assert.equal(open.endpoints.client.finalState, 'ESTABLISHED');
  assert.equal(closed.close.kind, 'four-way');
  assert.equal(closed.close.activeCloser, 'client');
}

/** The report in each format holds both connections, the open one shown as open. */
function checkOutput(format: string, out: string): void {
  switch (format) {
    case 'json': {
      const doc = JSON.parse(out) as AnalysisDocument;
      assert.equal(doc.captures.length, 1);
      checkConnections(doc.captures[0].connections);
      assert.ok(doc.captures[0].warnings.some((w) => /^cut short by SIG(INT|TERM)/.test(w.message)));
      break;
    }
    case 'ndjson':
      checkConnections(out.trim().split('\n').map((l) => JSON.parse(l) as ConnectionReport));
      break;
    case 'csv': {
      const lines = out.trim().split('\n');
      assert.equal(lines.length, 3);
      assert.ok(lines.some((l) => l.includes('2001:db8::1') && l.includes(',open,')), out);
      assert.ok(lines.some((l) => l.includes('192.0.2.1') && l.includes(',four-way,')), out);
      break;
    }
    default:
      // table, markdown, html: both connections, the open one named so.
      assert.ok(out.includes('2001:db8::1') && out.includes('192.0.2.1'), out.slice(0, 2000));
      assert.match(out, /\bopen\b/);
      assert.match(out, /four-way/);
  }
}

const FORMATS = ['table', 'json', 'ndjson', 'csv', 'markdown', 'html'] as const;
const skip = process.platform === 'win32' ? 'POSIX signals and FIFOs' : false;

describe('analyze interrupted while reading', { skip, concurrency: 4 }, () => {
  for (const format of FORMATS) {
    // SIGTERM for half of them: both end the read the same way.
    const sig: NodeJS.Signals = format === 'json' || format === 'csv' || format === 'html' ? 'SIGTERM' : 'SIGINT';
    it(`${sig} on a capture from standard input still writes the ${format} report of what was read`, async () => {
      const r = await interrupted(['-f', format, '-'], ['-'], sig);
      saysCutShort(r, '-', sig);
      checkOutput(format, r.stdout);
    });
    it(`${sig} on a capture named on the command line (a FIFO) still writes the ${format} report of what was read`, async () => {
      const f = fifo(`one-${format}.pcap`);
      const r = await interrupted(['-f', format, f], [f], sig);
      saysCutShort(r, f, sig);
      checkOutput(format, r.stdout);
    });
  }

  for (const format of ['ndjson', 'table'] as const) {
    it(`with -j 2, every capture being read is reported and the others are named as not read (${format})`, async () => {
      const a = fifo(`j-a-${format}.pcap`);
      const b = fifo(`j-b-${format}.pcap`);
      const c = fifo(`j-c-${format}.pcap`);
      const r = await interrupted(['-j', '2', '-f', format, a, b, c], [a, b], 'SIGINT');
      saysCutShort(r, a, 'SIGINT');
      saysCutShort(r, b, 'SIGINT');
      assert.match(r.stderr, new RegExp(`; not read: ${c.replace(/[/.]/g, '\\$&')}$`, 'm'));
      if (format === 'ndjson') {
        const conns = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as ConnectionReport & { file: string });
        checkConnections(conns.filter((x) => x.file === a));
        checkConnections(conns.filter((x) => x.file === b));
      } else {
        assert.ok(r.stdout.includes(`${a}: pcap`) && r.stdout.includes(`${b}: pcap`), r.stdout);
        assert.ok(!r.stdout.includes(c));
      }
    });
  }

  it('with the report thread (ndjson), the lines of what was read are all written', async () => {
    const r = await interrupted(['-f', 'ndjson', '-'], ['-'], 'SIGINT', { TCPSCOPE_REPORT_THREAD: 'on' });
    saysCutShort(r, '-', 'SIGINT');
    checkOutput('ndjson', r.stdout);
  });

  it('a second Ctrl-C while the report is being written quits at once, leaving no temporary file', async () => {
    // 4,600 connections: the JSON document (17 MB) waits for a reader that
    // has stopped reading, its connections still in the spool file.
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const gen = join(tmp, 'gen.pcap');
    generateTo(gen, { segments: 150_000 });
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'analyze', '-f', 'json', '-'], {
      cwd: repoRoot, env: baseEnv({ TMPDIR: tmp }), stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdin.on('error', () => undefined);
    const closed = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    await new Promise<void>((res) => {
      child.stdin.write(readFileSync(gen));
      child.stdin.write(data.filler, () => res());
    });
    child.kill('SIGINT');
    // The report has begun: stop reading it.
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    child.stdout.pause();
    const spooled = (): string[] => readdirSync(tmp).filter((f) => f.startsWith('tcpscope-json-'));
    for (let i = 0; i < 200 && spooled().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(spooled().length, 1, 'the spool is there while the report waits');
    child.kill('SIGINT');
    assert.equal(await closed, 130);
    assert.deepEqual(spooled(), [], 'the spool is gone');
  });

  it('a second signal leaves at once, with 128 + its number', async () => {
    // The first signal only asks the read to end; the second must not wait for anything.
    const url = pathToFileURL(resolve(repoRoot, 'src/cli/interrupt.ts')).href;
    const script = `import { Interrupt } from ${JSON.stringify(url)};
      const i = new Interrupt();
      i.signal.addEventListener('abort', () => {
        console.log('first: ' + i.received + ' ' + i.exitCode);
        process.kill(process.pid, 'SIGTERM');
      });
      setTimeout(() => console.log('not interrupted'), 60000);
      process.kill(process.pid, 'SIGINT');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: baseEnv() });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    assert.equal(out, 'first: SIGINT 130\n');
    assert.equal(code, 143);
  });
});
