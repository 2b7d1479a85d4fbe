/**
 * Live capture on lo, both backends, while the test opens real connections
 * with node's net module on a port picked at run time: client close, server
 * close, RST abort, half-close. The events, the summary and the -w file
 * (analysed with analyzeFile) must agree with what the connections did.
 *
 * Needs root (or CAP_NET_RAW) and tcpdump / the cap module. In CI (CI set)
 * a missing prerequisite fails; elsewhere the tests are skipped, saying why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import type { BackendName } from '../../src/live/backend.ts';
import type { LiveEvent, SummaryEvent } from '../../src/live/events.ts';
import { kernelTablesAvailable } from '../../src/live/kernel.ts';
import { LiveSession } from '../../src/live/session.ts';
import { displayWidth } from '../../src/render/text.ts';
import { backendMissing, skipUnless } from '../helpers/live-backends.ts';
import { repoRoot } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-live-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const missing = backendMissing;
const guard = (backend: BackendName): { skip: string | false } => skipUnless(`live ${backend}`, backendMissing(backend));

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A server on a free port: the first byte a client sends says what to do. */
async function server(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    let mode = '';
    s.on('error', () => undefined);
    s.on('data', (d) => {
      if (mode !== '') return;
      mode = d.toString()[0];
      if (mode === 'S') s.end('bye'); // server closes first
    });
    s.on('end', () => {
      if (mode === 'H') {
        // Half-close: keep sending after the client's FIN, then close.
        s.write(Buffer.alloc(3000, 0x61), () => setTimeout(() => s.end(), 50));
      } else if (mode !== 'S') s.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

/** One connection in the given mode; resolves when the client socket closed. */
function client(port: number, mode: 'C' | 'S' | 'R' | 'H'): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.on('error', () => undefined);
    c.on('data', () => undefined);
    c.on('connect', () => {
      const local = c.localPort as number;
      c.once('close', () => resolve(local));
      c.write(mode, () => {
        setTimeout(() => {
          if (mode === 'C' || mode === 'H') c.end();
          if (mode === 'R') c.resetAndDestroy();
        }, 50);
      });
    });
    c.setTimeout(5000, () => reject(new Error(`client ${mode} timed out`)));
  });
}

const verdicts = (c: ConnectionReport) => ({
  stream: c.stream, client: c.client, server: c.server, handshake: c.handshake.kind, close: c.close.kind,
  activeCloser: c.close.activeCloser, timeWait: c.timeWait.endpoint, twVerdict: c.timeWait.verdict,
  reset: c.close.reset ? { by: c.close.reset.by, cause: c.close.reset.cause } : null,
  halfClose: c.close.halfClose?.side ?? null, finRetx: c.close.finRetransmissions,
  final: [c.endpoints.client.finalState, c.endpoints.server.finalState],
});

/**
 * `tcpscope live -i lo ARGS` as a user runs it: wait for its `ready` text,
 * make one client-close connection to `srv`, and collect what it printed.
 */
async function liveAround(srv: { port: number; close: () => Promise<void> }, args: string[], ready: string): Promise<{ port: number; out: string; err: string; code: number | null }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/live/harness.ts'), 'live', '-i', 'lo', ...args], { cwd: repoRoot });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => { out += s; });
  let err = '';
  child.stderr.on('data', (s) => { err += s; });
  while (!out.includes(ready)) {
    if (child.exitCode !== null) assert.fail(`live exited: ${err}`);
    await wait(50);
  }
  const port = await client(srv.port, 'C');
  const code = await new Promise<number | null>((r) => child.once('close', r));
  await srv.close();
  return { port, out, err, code };
}

async function runScenarios(backend: BackendName, kernel: boolean): Promise<{ events: LiveEvent[]; summary: SummaryEvent; ports: Record<string, number>; serverPort: number; file: string }> {
  const srv = await server();
  const file = join(dir, `${backend}.pcap`);
  const events: LiveEvent[] = [];
  const session = new LiveSession({
    iface: 'lo', filter: `tcp port ${srv.port}`, backend, write: file, durationMs: null, count: null,
    settings: makeSettings({ os: 'linux' }), kernel, bufferBytes: 32 * 1024 * 1024, snapLength: 256, kernelIntervalMs: 100,
  }, (e) => events.push(e));
  await session.start();
  const ports: Record<string, number> = {};
  try {
    for (const mode of ['C', 'S', 'R', 'H'] as const) {
      ports[mode] = await client(srv.port, mode);
      await wait(100);
    }
    await wait(500);
  } finally {
    session.stop('interrupt');
  }
  const summary = await session.finished();
  await srv.close();
  return { events, summary, ports, serverPort: srv.port, file };
}

for (const backend of ['tcpdump', 'cap'] as const) {
  describe(`live capture with ${backend}`, guard(backend), () => {
    it('shows what four real connections did, and -w gives the same verdicts', async () => {
      const kernel = kernelTablesAvailable();
      const { events, summary, ports, serverPort, file } = await runScenarios(backend, kernel);
      const started = events.find((e) => e.type === 'started');
      assert.ok(started && started.type === 'started');
      assert.equal(started.backend, backend);
      assert.equal(started.timestamps, backend === 'tcpdump' ? 'kernel' : 'receipt');

      const conns = summary.capture.connections;
      assert.equal(conns.length, 4, `connections: ${JSON.stringify(conns.map(verdicts))}`);
      const byMode = (m: string): ConnectionReport => {
        const c = conns.find((x) => x.client.port === ports[m]);
        assert.ok(c, `connection ${m}`);
        assert.equal(c.server.port, serverPort);
        return c;
      };
      const C = byMode('C');
      assert.equal(C.handshake.kind, 'three-way');
      assert.equal(C.close.activeCloser, 'client');
      assert.ok(['four-way', 'three-way'].includes(C.close.kind));
      assert.equal(C.timeWait.endpoint, 'client');
      assert.equal(C.endpoints.client.finalState, 'TIME_WAIT');
      assert.equal(C.endpoints.server.finalState, 'CLOSED');
      const S = byMode('S');
      assert.equal(S.close.activeCloser, 'server');
      assert.equal(S.timeWait.endpoint, 'server');
      assert.equal(S.endpoints.server.finalState, 'TIME_WAIT');
      const R = byMode('R');
      assert.equal(R.close.kind, 'reset');
      assert.equal(R.close.reset?.by, 'client');
      assert.equal(R.close.reset?.cause, 'abort');
      assert.equal(R.timeWait.endpoint, null);
      const H = byMode('H');
      assert.equal(H.close.activeCloser, 'client');
      assert.equal(H.close.halfClose?.side, 'server');
      assert.ok((H.close.halfClose?.bytes ?? 0) >= 3000);
      for (const c of conns) assert.deepEqual(c.close.finRetransmissions, { client: 0, server: 0 });

      // The events: one opened per connection, transitions matching the reports, TIME_WAIT entries.
      const opened = events.filter((e) => e.type === 'opened');
      assert.deepEqual(opened.map((e) => e.stream).sort(), conns.map((c) => c.stream).sort());
      for (const c of conns) {
        for (const side of ['client', 'server'] as const) {
          const got = events.filter((e) => e.type === 'transition' && e.stream === c.stream && e.side === side)
            .map((e) => e.type === 'transition' ? `${e.from}->${e.to}` : '');
          assert.deepEqual(got, c.endpoints[side].transitions.map((t) => `${t.from}->${t.to}`), `#${c.stream} ${side}`);
        }
      }
      const tw = events.filter((e) => e.type === 'time-wait').map((e) => e.type === 'time-wait' ? `${e.stream}:${e.side}` : '');
      assert.deepEqual(tw.sort(), [`${C.stream}:client`, `${S.stream}:server`, `${H.stream}:client`].sort());
      assert.ok(events.some((e) => e.type === 'transition' && e.stream === C.stream && e.side === 'client' && e.from === 'ESTABLISHED' && e.to === 'FIN_WAIT_1' && e.cause === 'sent FIN'));
      assert.ok(events.some((e) => e.type === 'transition' && e.stream === R.stream && e.side === 'client' && e.to === 'CLOSED' && e.cause === 'sent RST'));
      const stopped = events.find((e) => e.type === 'stopped');
      assert.ok(stopped && stopped.type === 'stopped' && stopped.reason === 'interrupt' && stopped.failure === null);
      if (backend === 'tcpdump') {
        assert.ok(summary.stats, 'tcpdump reports libpcap counters');
        assert.equal(summary.stats.dropped, 0);
      } else {
        assert.equal(summary.stats, null);
      }

      // The -w file, analysed as a file, gives the same verdicts.
      assert.ok(summary.written && summary.written.frames === summary.capture.frames);
      const fromFile = await analyzeFile(file, makeSettings({ os: 'linux' }));
      assert.deepEqual(fromFile.connections.map(verdicts), conns.map(verdicts));
      assert.deepEqual(fromFile.warnings, []);

      // The kernel saw the local TIME_WAIT sockets with about 60 s left.
      if (kernel) {
        const k = summary.kernel ?? [];
        const sides = k.map((x) => `${x.stream}:${x.side}`).sort();
        assert.deepEqual(sides, [`${C.stream}:client`, `${S.stream}:server`, `${H.stream}:client`].sort(), JSON.stringify(k));
        for (const x of k) {
          assert.ok(x.stillInTimeWait);
          assert.ok(x.remainingAtEnd! > 50 && x.remainingAtEnd! <= 60, `remaining ${x.remainingAtEnd}`);
          assert.ok(Math.abs(x.entryDeltaSeconds!) < (backend === 'cap' ? 1 : 0.5), `entry delta ${x.entryDeltaSeconds}`);
          assert.equal(x.captureVerdict, 'inconclusive');
        }
        const ke = events.filter((e) => e.type === 'kernel-time-wait' && e.phase === 'entered');
        assert.equal(ke.length, 3);
      }
    });
  });
}

describe('tcpscope live (command line)', guard('tcpdump'), () => {
  const harness = join(repoRoot, 'test/live/harness.ts');
  const run = (args: string[], input?: () => void) => spawnSync(process.execPath, ['--import', 'tsx', harness, ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 30000 });

  it('streams ndjson events, stops after --duration, writes the file', async () => {
    const srv = await server();
    const file = join(dir, 'cli.pcapng');
    const { port, out, err, code } = await liveAround(srv, ['--filter', `tcp port ${srv.port}`, '-f', 'ndjson', '--duration', '4s', '-w', file, '--os', 'linux'], '"type":"started"');
    assert.equal(code, 0, err);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as LiveEvent);
    assert.equal(lines[0].type, 'started');
    assert.ok(lines.some((e) => e.type === 'opened' && e.client.port === port));
    assert.ok(lines.some((e) => e.type === 'time-wait' && e.side === 'client'));
    const stopped = lines.find((e) => e.type === 'stopped');
    assert.ok(stopped && stopped.type === 'stopped' && stopped.reason === 'duration');
    const summary = lines[lines.length - 1];
    assert.equal(summary.type, 'summary');
    const fromFile = await analyzeFile(file, makeSettings({ os: 'linux' }));
    assert.equal(fromFile.format, 'pcapng');
    assert.deepEqual(fromFile.connections.map(verdicts), summary.type === 'summary' ? summary.capture.connections.map(verdicts) : null);
  });

  it('speaks Chinese with --lang zh: event lines, summary table and notes', async () => {
    const srv = await server();
    const { port, out, err, code } = await liveAround(srv, ['--duration', '3s', '--os', 'linux', '--lang', 'zh', '--no-color', 'tcp', 'port', String(srv.port)], '按 Ctrl-C 停止。');
    assert.equal(code, 0, err);
    assert.ok(out.startsWith(`tcpscope live 正在 lo 上抓包（过滤器：tcp port ${srv.port}），后端 tcpdump：使用内核时间戳（纳秒）`), out);
    const c = `客户端 127.0.0.1:${port}`;
    assert.match(out, new RegExp(`  #\\d+ 新连接：${c} -> 服务器 127\\.0\\.0\\.1:${srv.port}\\n`));
    assert.ok(out.includes(`${c} ESTABLISHED -> FIN_WAIT_1：发送 FIN\n`), out);
    // Four-way, or three-way when the server's ACK rides on its FIN.
    assert.match(out, new RegExp(`${c} (FIN_WAIT_2 -> TIME_WAIT：收到 FIN|FIN_WAIT_1 -> TIME_WAIT：收到确认本端 FIN 的 FIN\\+ACK)\\n`));
    assert.match(out, new RegExp(`${c} 进入 TIME_WAIT（等待计时器）：须等待 2MSL = 60 s，到 [\\d:.]+ 为止\\n`));
    assert.match(out, /\n已停止（已到 --duration 时长），共抓到 \d+ 帧；libpcap：过滤器收到 \d+ 个报文，丢弃 0 个\n/);
    assert.ok(out.includes('主动关闭方'), 'the summary table is in Chinese');
    assert.ok(out.includes('\n后端 tcpdump：内核时间戳（纳秒）；'), out);
    if (kernelTablesAvailable()) assert.match(out, new RegExp(`内核：#\\d+ ${c} 处于 TIME_WAIT，剩余`));
    assert.doesNotMatch(out, /\b(opened|stopped|entered|Backend|received by|done)\b/, out);
  });

  for (const [lang, width] of [['en', 80], ['zh', 80], ['en', 120], ['zh', 120]] as const) {
    it(`fits a ${width}-column terminal (--width ${width}, ${lang}): event lines wrap, the summary table keeps the columns that matter`, async () => {
      const srv = await server();
      const { out, err, code } = await liveAround(srv, ['--duration', '3s', '--os', 'linux', '--lang', lang, '--no-color', '--width', String(width), 'tcp', 'port', String(srv.port)],
        lang === 'zh' ? '按 Ctrl-C 停止。' : 'Ctrl-C');
      assert.equal(code, 0, err);
      const lines = out.split('\n');
      for (const l of lines) assert.ok(displayWidth(l) <= width, `${displayWidth(l)} columns: ${l}`);
      // The summary table: its closer column (a header that may wrap) and the connection's row.
      assert.ok(out.includes(lang === 'zh' ? '主动关' : 'closer'), out);
      // (at 120 columns the close kind comes between the server and the closer)
      assert.match(out, lang === 'zh' ? /│ 0\s+│ 127\.0\.0\.1:\d+\s+│ 127\.0\.0\.1:\d+\s+│ ([^│]+│ )?客户端 │/ : /│ 0\s+│ 127\.0\.0\.1:\d+\s+│ 127\.0\.0\.1:\d+\s+│ ([^│]+│ )?client\s+│/, out);
    });
  }

  for (const backend of ['tcpdump', 'cap'] as const) {
    it(`one-line errors with the fix (${backend})`, { skip: missing(backend) ?? false }, () => {
      const dev = run(['live', '-i', 'tcpscope-nosuch0', '--backend', backend]);
      assert.equal(dev.status, 2);
      assert.match(dev.stderr, /^error: unknown interface 'tcpscope-nosuch0': valid ones: .*\blo\b/m);
      const bpf = run(['live', '-i', 'lo', '--backend', backend, 'tcp', 'portx', '80']);
      assert.equal(bpf.status, 2);
      assert.match(bpf.stderr, /^error: invalid BPF filter 'tcp portx 80': .*syntax error/m);
    });
  }
});
