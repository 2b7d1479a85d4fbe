/** Live parts that need no capture: observer, writer, /proc parser, watcher, tcpdump stats, errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Pipeline, analyzeFile } from '../../src/analyze/analyze.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { Connection } from '../../src/tcp/connection.ts';
import type { Transition } from '../../src/tcp/endpoint.ts';
import type { TcpObserver } from '../../src/tcp/observer.ts';
import { stateName } from '../../src/tcp/state.ts';
import { parseDuration } from '../../src/cli/live-action.ts';
import { capLinkType } from '../../src/live/cap.ts';
import { classifyOpenError } from '../../src/live/errors.ts';
import { type KernelSocket, TimeWaitWatcher, parseProcNetTcp, procAddress } from '../../src/live/kernel.ts';
import { parseTcpdumpStats, tcpdumpArgs } from '../../src/live/tcpdump.ts';
import { CaptureWriter, formatForPath } from '../../src/live/writer.ts';
import { capturesDir } from '../helpers/paths.ts';

const captures = readdirSync(capturesDir).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(capturesDir, f));

describe('tracker observer', () => {
  it('reports exactly the transitions the reports record, for every fixture', async () => {
    const settings = makeSettings({ os: 'linux' });
    for (const file of captures) {
      const seen = new Map<string, { from: string; to: string; frame: number; cause: string }[]>();
      const opened: number[] = [];
      let finRetx = 0;
      let restarts = 0;
      const key = (c: Connection, side: 0 | 1): string => `${c.stream}:${side === c.clientSide ? 'client' : 'server'}`;
      const tr = (t: Transition) => ({ from: stateName(t.from), to: stateName(t.to), frame: t.frame, cause: t.cause });
      const obs: TcpObserver = {
        opened: (c) => opened.push(c.stream),
        transition: (c, s, t) => {
          assert.ok(opened.includes(c.stream), `${file}: transition before opened`);
          const k = key(c, s);
          if (!seen.has(k)) seen.set(k, []);
          seen.get(k)!.push(tr(t));
        },
        retracted: (c, s, t) => {
          const list = seen.get(key(c, s))!;
          assert.deepEqual(list.pop(), tr(t));
        },
        finRetransmitted: () => finRetx++,
        timeWaitRestarted: () => restarts++,
      };
      const p = new Pipeline(settings, undefined, { observer: obs });
      const summary = await readFrames(file, p.onFrame);
      const rep = p.finish(file, summary);
      const plain = await analyzeFile(file, settings);
      assert.deepEqual(rep, { ...plain, file }, `${file}: an observer changes nothing`);
      assert.deepEqual(opened, rep.connections.map((c) => c.stream));
      for (const c of rep.connections) {
        for (const side of ['client', 'server'] as const) {
          const want = c.endpoints[side].transitions.map((t) => ({ from: t.from, to: t.to, frame: t.frame, cause: t.cause }));
          assert.deepEqual(seen.get(`${c.stream}:${side}`) ?? [], want, `${file} #${c.stream} ${side}`);
        }
      }
      assert.equal(finRetx, rep.connections.reduce((n, c) => n + c.close.finRetransmissions.client + c.close.finRetransmissions.server, 0), `${file}: FIN retransmissions`);
      assert.equal(restarts, rep.connections.reduce((n, c) => n + (c.timeWait.client?.restarts.length ?? 0) + (c.timeWait.server?.restarts.length ?? 0), 0), `${file}: restarts`);
    }
  });
});

describe('capture writer', () => {
  for (const ext of ['pcap', 'pcapng']) {
    it(`rewrites frames as ${ext} that read back the same and analyse to the same reports`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tcpscope-w-'));
      try {
        const src = join(capturesDir, 'client-close-ns.pcap');
        const out = join(dir, `x.${ext}`);
        assert.equal(formatForPath(out), ext);
        const w = new CaptureWriter(out);
        const orig: string[] = [];
        const summary = await readFrames(src, (f: Frame) => {
          orig.push(`${f.tsSec}.${f.tsNsec} ${f.capLen} ${Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex')}`);
          w.add(f);
          if (orig.length === 3) w.flush();
        });
        w.close(summary.linkTypes[0]);
        const back: string[] = [];
        const s2 = await readFrames(out, (f: Frame) => back.push(`${f.tsSec}.${f.tsNsec} ${f.capLen} ${Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex')}`));
        assert.deepEqual(back, orig);
        assert.equal(s2.format, ext);
        assert.deepEqual(s2.warnings, []);
        const settings = makeSettings({ os: 'linux' });
        const a = await analyzeFile(src, settings);
        const b = await analyzeFile(out, settings);
        assert.deepEqual(b.connections, a.connections);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('an empty capture still gets a header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-w-'));
    try {
      const out = join(dir, 'empty.pcap');
      new CaptureWriter(out).close(113);
      const s = await readFrames(out, () => undefined);
      assert.equal(s.frames, 0);
      assert.deepEqual(s.linkTypes, [113]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/proc/net/tcp', () => {
  const text = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 0100007F:C968 06 00000000:00000000 03:00001716 00000000     0        0 0 3 0000000000000000
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0
`;
  it('parses addresses, state and the TIME_WAIT timer in USER_HZ ticks', () => {
    const s = parseProcNetTcp(text);
    assert.equal(s.length, 2);
    assert.deepEqual(s[0], { family: 4, localIp: '127.0.0.1', localPort: 8080, remoteIp: '127.0.0.1', remotePort: 0xc968, state: 6, timer: 3, remainingSeconds: 0x1716 / 100 });
    assert.equal(s[1].state, 10);
  });
  it('reads IPv6 and IPv4-mapped addresses', () => {
    assert.deepEqual(procAddress('00000000000000000000000001000000'), { family: 6, ip: '::1' });
    assert.deepEqual(procAddress('0000000000000000FFFF00000100007F'), { family: 4, ip: '127.0.0.1' });
    assert.deepEqual(procAddress('B80D0120000000000000000001000000'), { family: 6, ip: '2001:db8::1' });
  });
});

describe('TIME_WAIT watcher', () => {
  it('estimates entry, sees restarts and leaving, and measures the duration', () => {
    let now = 1_000_000;
    let table: KernelSocket[] = [];
    const sock = (left: number): KernelSocket => ({ family: 4, localIp: '10.0.0.1', localPort: 80, remoteIp: '10.0.0.2', remotePort: 5555, state: 6, timer: 3, remainingSeconds: left });
    const events: string[] = [];
    const w = new TimeWaitWatcher({ read: () => table, now: () => now, onEvent: (e) => events.push(e.kind) });
    w.poll();
    table = [sock(59.5)];
    w.poll();
    const r = w.current.values().next().value!;
    assert.equal(r.enteredMs, now - 500);
    now += 10_000;
    table = [sock(49.5)];
    w.poll();
    now += 1_000;
    table = [sock(60)]; // re-acknowledged a retransmitted FIN
    w.poll();
    assert.equal(r.restarts.length, 1);
    now += 60_000;
    table = [];
    w.poll();
    assert.deepEqual(events, ['entered', 'restart', 'left']);
    assert.equal(r.leftMs, now - 0); // due time (now) is not after the poll
    assert.equal(r.endedEarly, false);
    assert.equal(r.measuredSeconds, 60);
    assert.equal(r.totalSeconds, 71.5);
  });
  it('marks a socket gone before its timer ran out as ended early', () => {
    let now = 0;
    let table: KernelSocket[] = [{ family: 4, localIp: '10.0.0.1', localPort: 80, remoteIp: '10.0.0.2', remotePort: 5555, state: 6, timer: 3, remainingSeconds: 60 }];
    const w = new TimeWaitWatcher({ read: () => table, now: () => now });
    w.poll();
    now = 5000;
    table = [];
    w.poll();
    assert.equal(w.finished[0].endedEarly, true);
    assert.equal(w.finished[0].totalSeconds, 5);
  });
  it('filters by port', () => {
    const w = new TimeWaitWatcher({ port: 443, read: () => [{ family: 4, localIp: '10.0.0.1', localPort: 80, remoteIp: '10.0.0.2', remotePort: 5555, state: 6, timer: 3, remainingSeconds: 60 }] });
    w.poll();
    assert.equal(w.current.size, 0);
  });
});

describe('backends', () => {
  it('tcpdump command line and counters', () => {
    assert.deepEqual(tcpdumpArgs({ iface: 'eth1', filter: 'tcp port 80', bufferBytes: 256 * 1024 * 1024, snapLength: 256 }),
      ['-i', 'eth1', '-n', '-U', '-w', '-', '--immediate-mode', '--time-stamp-precision=nano', '-s', '256', '-B', '262144', 'tcp port 80']);
    assert.deepEqual(parseTcpdumpStats('tcpdump: 10 packets captured, 12 packets received by filter, 2 packets dropped by kernel'),
      { captured: 10, received: 12, dropped: 2, droppedByInterface: null });
    assert.deepEqual(parseTcpdumpStats('3 packets captured\n4 packets received by filter\n1 packet dropped by kernel\n0 packets dropped by interface\n'),
      { captured: 3, received: 4, dropped: 1, droppedByInterface: 0 });
    assert.equal(parseTcpdumpStats('tcpdump: listening on lo'), null);
  });
  it('cap link type names', () => {
    assert.equal(capLinkType('ETHERNET'), 1);
    assert.equal(capLinkType('LINKTYPE_LINUX_SLL'), 113);
    assert.equal(capLinkType('RAW'), 101);
    assert.equal(capLinkType('Unknown linktype 276'), 276);
  });
  it('open errors become one line with the fix', () => {
    const ctx = { iface: 'eth1', filter: 'tcp portx 80', backend: 'tcpdump' as const, interfaces: () => ['lo', 'eth0', 'eth1'] };
    const perm = classifyOpenError("tcpdump: eth1: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)", ctx);
    assert.equal(perm.kind, 'permission');
    assert.match(perm.message, /setcap cap_net_raw,cap_net_admin\+eip/);
    assert.doesNotMatch(perm.message, /\n/);
    // Without privileges libpcap says "permission" before it looks at the name.
    const missing = classifyOpenError("tcpdump: eth9: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)", { ...ctx, iface: 'eth9' });
    assert.equal(missing.kind, 'unknown-interface');
    assert.equal(missing.message, "unknown interface 'eth9': valid ones: lo, eth0, eth1");
    assert.equal(classifyOpenError("tcpdump: any: You don't have permission to perform this capture on that device", { ...ctx, iface: 'any' }).kind, 'permission');
    const dev = classifyOpenError('tcpdump: eth1: No such device exists\n(No such device exists)', ctx);
    assert.equal(dev.kind, 'unknown-interface');
    assert.match(dev.message, /valid ones: lo, eth0, eth1/);
    const bpf = classifyOpenError("tcpdump: can't parse filter expression: syntax error", ctx);
    assert.equal(bpf.kind, 'bad-filter');
    assert.equal(bpf.message, "invalid BPF filter 'tcp portx 80': can't parse filter expression: syntax error (see man pcap-filter)");
  });
  it('--snaplen: 0 is whole packets, below the headers is a usage error (before anything is opened)', async () => {
    const { tcpscope } = await import('../helpers/cli.ts');
    const small = await tcpscope(['live', '-i', 'lo', '--snaplen', '50']);
    assert.equal(small.code, 2);
    assert.equal(small.stderr, "error: --snaplen: at least 96 bytes (the TCP header must fit), got '50'\n");
    const word = await tcpscope(['live', '-i', 'lo', '--snaplen', 'all']);
    assert.equal(word.code, 2);
    assert.match(word.stderr, /^error: --snaplen: expected a number of bytes \(0: whole packets\), got 'all'$/m);
  });
  it('the watchdog runs tcpdump with its arguments, and stops it when its input ends', async () => {
    const { spawn } = await import('node:child_process');
    const { WATCHDOG } = await import('../../src/live/tcpdump.ts');
    // `sleep` stands for tcpdump: it runs until the watchdog's stdin closes, then gets SIGTERM.
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'tcpscope-capture', 'sh', '-c', 'echo started "$@"; exec sleep 60', 'x', 'a b', 'c'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    assert.equal(out, 'started a b c\n');
    child.stdin.end();
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(code, 128 + 15, 'the watchdog exits with the status of its child, ended by SIGTERM');
  });
  it('durations', () => {
    assert.equal(parseDuration('30s'), 30000);
    assert.equal(parseDuration('2m'), 120000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5'), 1500);
    assert.throws(() => parseDuration('soon'), /--duration/);
  });
});
