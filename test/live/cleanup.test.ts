/**
 * `tcpscope live` in a network namespace of its own, ended mid-capture the
 * ways a lab machine ends it: SIGKILL (nothing of tcpscope runs after it),
 * SIGHUP (the terminal closed), SIGTERM. Whatever the way, no capture
 * process is left in the namespace (`ip netns pids`), and the -w file reads
 * back with tcpdump, also when no packet had come yet. SIGHUP and SIGTERM
 * print the summary as Ctrl-C does. Then the same without root, the way
 * Wireshark's dumpcap is installed: a copy of tcpdump with the capabilities
 * cap_net_raw,cap_net_admin, run as an unprivileged user (skipped, saying
 * why, where the machine cannot do it).
 *
 * Needs root, tcpdump and ip netns; in CI a missing prerequisite fails.
 * Namespaces are named $TCPSCOPE_PREFIX-... (default tcpscope-PID).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { withNetns } from '../../src/bench/live.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { tcpdumpPath } from '../../src/live/tcpdump.ts';
import { repoRoot } from '../helpers/paths.ts';

const PREFIX = process.env.TCPSCOPE_PREFIX ?? `tcpscope-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-cleanup-'));
// The unprivileged user writes its -w file here.
chmodSync(dir, 0o777);
after(() => rmSync(dir, { recursive: true, force: true }));

function missing(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, capture)';
  if (tcpdumpPath() === null) return 'tcpdump is not on the PATH';
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return "iproute2's ip netns is missing";
  return null;
}

function guard(): { skip: string | false } {
  const why = missing();
  if (why === null) return { skip: false };
  if (process.env.CI) throw new Error(`live cleanup tests cannot run in CI: ${why}`);
  return { skip: why };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Live {
  child: ChildProcess;
  out: string;
  err: string;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `tcpscope live ARGS` inside `ns`, as `user` (with PATH first) when given; resolves once it is capturing. */
async function startLive(ns: string, args: string[], as?: { user: string; path: string }): Promise<Live> {
  const node = [process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'live', '-i', 'lo', ...args];
  const argv = as === undefined ? node
    : ['setpriv', `--reuid=${as.user}`, `--regid=${as.user === 'nobody' ? 'nogroup' : as.user}`, '--clear-groups', 'env', `PATH=${as.path}:${process.env.PATH}`, 'HOME=/tmp', ...node];
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const l: Live = { child, out: '', err: '', closed: new Promise((r) => child.on('close', (code, signal) => r({ code, signal }))) };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { l.out += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { l.err += s; });
  const t0 = Date.now();
  while (!/Ctrl-C stops|"type":"started"/.test(l.out + l.err)) {
    if (child.exitCode !== null || child.signalCode !== null) assert.fail(`live exited: ${l.err}`);
    if (Date.now() - t0 > 60_000) assert.fail(`live did not start: ${l.err}`);
    await wait(50);
  }
  return l;
}

/** `n` connections to `port` in `ns` (src/bench/load.ts): their client ports. */
function connect(ns: string, port: number, n = 3): number[] {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(repoRoot, 'src/bench/load.ts'), '--connections', String(n), '--port', String(port)], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { clientPorts: number[] }).clientPorts;
}

/** Processes in the namespace, once they have had up to 10 s to go. */
async function leftIn(ns: string): Promise<string[]> {
  const pids = (): string[] => spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p !== '');
  for (let i = 0; i < 100 && pids().length > 0; i++) await wait(100);
  return pids().map((p) => {
    const r = spawnSync('ps', ['-o', 'pid=,user=,args=', '-p', p], { encoding: 'utf8' });
    return r.stdout.trim() || p;
  });
}

/** `tcpdump -r FILE`: its exit code and the packets it read. */
function tcpdumpRead(file: string): { status: number | null; packets: number; err: string } {
  const r = spawnSync(tcpdumpPath() ?? 'tcpdump', ['-r', file, '-n'], { encoding: 'utf8' });
  return { status: r.status, packets: r.stdout.split('\n').filter((l) => l !== '').length, err: r.stderr };
}

const port = (): number => 20000 + Math.floor(Math.random() * 10000);

describe('live capture ends cleanly, however tcpscope ends', { ...guard(), concurrency: 3 }, () => {
  it('SIGKILL before any packet leaves no capture process, and the -w file is an empty capture tcpdump reads', async () => {
    const ns = `${PREFIX}-kill0`;
    const file = join(dir, 'kill0.pcap');
    await withNetns(ns, async () => {
      const l = await startLive(ns, ['--filter', `tcp port ${port()}`, '-f', 'ndjson', '-w', file]);
      l.child.kill('SIGKILL');
      await l.closed;
      assert.deepEqual(await leftIn(ns), []);
    });
    const r = tcpdumpRead(file);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.packets, 0);
    assert.equal(statSync(file).size, 24);
  });

  it('SIGKILL mid-capture leaves no capture process, and the -w file holds every packet reported', async () => {
    const ns = `${PREFIX}-kill`;
    const file = join(dir, 'kill.pcap');
    const p = port();
    await withNetns(ns, async () => {
      const l = await startLive(ns, ['--filter', `tcp port ${p}`, '-f', 'ndjson', '-w', file]);
      const clients = connect(ns, p);
      // Each client enters TIME_WAIT: its event comes once the FIN+ACK was analysed (and written).
      const seen = (): number => l.out.split('\n').filter((x) => x.includes('"type":"time-wait"')).length;
      for (let i = 0; i < 600 && seen() < clients.length; i++) await wait(50);
      assert.equal(seen(), clients.length, l.out);
      const lastFrame = Math.max(...l.out.split('\n').filter((x) => x !== '').map((x) => (JSON.parse(x) as { frame?: number }).frame ?? 0));
      l.child.kill('SIGKILL');
      await l.closed;
      assert.deepEqual(await leftIn(ns), []);
      const r = tcpdumpRead(file);
      assert.equal(r.status, 0, r.err);
      assert.ok(r.packets >= lastFrame, `${r.packets} packets in the file, events up to frame ${lastFrame}`);
    });
    const rep = await analyzeFile(file, makeSettings({ os: 'linux' }));
    assert.equal(rep.connections.length, 3);
    assert.deepEqual(rep.warnings, []);
  });

  for (const sig of ['SIGHUP', 'SIGTERM'] as const) {
    it(`${sig} mid-capture ends like Ctrl-C: the summary, exit 0, no capture process, a -w file tcpdump reads`, async () => {
      const ns = `${PREFIX}-${sig.toLowerCase()}`;
      const file = join(dir, `${sig}.pcap`);
      const p = port();
      await withNetns(ns, async () => {
        const l = await startLive(ns, ['--filter', `tcp port ${p}`, '--os', 'linux', '--no-color', '--no-kernel', '-w', file]);
        connect(ns, p);
        l.child.kill(sig);
        const { code } = await l.closed;
        assert.equal(code, 0, l.err);
        assert.match(l.out, new RegExp(`\\nstopped \\(${sig}${sig === 'SIGHUP' ? ': the terminal closed' : ''}\\) after (\\d+) frames?; libpcap: \\d+ received by the filter, 0 dropped\\n`));
        assert.match(l.out, /\nlive:lo: pcap, \d+ frames, \d+ TCP segments, 3 connections\n/);
        const wrote = /\nWrote (\d+) frames? to /.exec(l.out);
        assert.ok(wrote, l.out);
        assert.deepEqual(await leftIn(ns), []);
        const r = tcpdumpRead(file);
        assert.equal(r.status, 0, r.err);
        assert.equal(r.packets, Number(wrote[1]));
        // Ten packets a connection (more only if the kernel retransmitted): the backlog at the signal was read.
        assert.ok(r.packets >= 30, `${r.packets} packets`);
      });
    });
  }

  it('SIGHUP before any packet: the summary of nothing, and a -w file tcpdump reads', async () => {
    const ns = `${PREFIX}-hup0`;
    const file = join(dir, 'hup0.pcapng');
    await withNetns(ns, async () => {
      const l = await startLive(ns, ['--filter', `tcp port ${port()}`, '--no-color', '--no-kernel', '-w', file]);
      l.child.kill('SIGHUP');
      const { code } = await l.closed;
      assert.equal(code, 0, l.err);
      assert.match(l.out, /\nstopped \(SIGHUP: the terminal closed\) after 0 frames/);
      assert.match(l.out, /\nWrote 0 frames to /);
      assert.deepEqual(await leftIn(ns), []);
    });
    const r = tcpdumpRead(file);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.packets, 0);
  });
});

/**
 * Why the machine cannot run tcpdump without root as dumpcap is installed
 * (a copy with file capabilities, an unprivileged user), or null.
 */
function noCapabilities(): string | null {
  if (missing() !== null) return missing();
  for (const tool of ['setcap', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is missing (libcap2-bin, util-linux)`;
  }
  if (spawnSync('id', ['nobody'], { stdio: 'ignore' }).status !== 0) return 'no user nobody';
  return null;
}

describe('live capture without root (file capabilities on a copy of tcpdump)', { skip: noCapabilities() ?? false, concurrency: 2 }, () => {
  const bin = join(dir, 'bin');
  let ready: string | null = null;
  const setUp = (): string | null => {
    if (ready !== null) return ready === 'ok' ? null : ready;
    spawnSync('mkdir', ['-p', bin]);
    chmodSync(bin, 0o755);
    copyFileSync(tcpdumpPath() as string, join(bin, 'tcpdump'));
    chmodSync(join(bin, 'tcpdump'), 0o755);
    const r = spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', join(bin, 'tcpdump')], { encoding: 'utf8' });
    // A file system without extended attributes, or a kernel that ignores them (nosuid mounts).
    if (r.status !== 0) ready = `setcap failed here: ${r.stderr.trim()}`;
    else {
      const probe = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', join(bin, 'tcpdump'), '-D'], { encoding: 'utf8' });
      ready = probe.status === 0 ? 'ok' : `the capability copy does not run as nobody: ${probe.stderr.trim()}`;
    }
    return ready === 'ok' ? null : ready;
  };

  it('captures as an unprivileged user, and SIGKILL still leaves no capture process', async (t) => {
    const why = setUp();
    if (why !== null) {
      t.skip(why);
      return;
    }
    const ns = `${PREFIX}-nobody`;
    const file = join(dir, 'nobody.pcap');
    const p = port();
    await withNetns(ns, async () => {
      const l = await startLive(ns, ['--filter', `tcp port ${p}`, '-f', 'ndjson', '--no-kernel', '-w', file], { user: 'nobody', path: bin });
      const clients = connect(ns, p);
      const seen = (): number => l.out.split('\n').filter((x) => x.includes('"type":"time-wait"')).length;
      for (let i = 0; i < 600 && seen() < clients.length; i++) await wait(50);
      assert.equal(seen(), clients.length, l.out + l.err);
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter((x) => x !== '');
      const users = pids.map((x) => spawnSync('ps', ['-o', 'user=', '-p', x], { encoding: 'utf8' }).stdout.trim());
      assert.ok(users.length >= 3 && users.every((u) => u === 'nobody'), `tcpscope, its watchdog and tcpdump run as nobody: ${users.join(', ')}`);
      l.child.kill('SIGKILL');
      await l.closed;
      assert.deepEqual(await leftIn(ns), []);
    });
    const r = tcpdumpRead(file);
    assert.equal(r.status, 0, r.err);
    assert.ok(r.packets > 0);
  });

  it('without the capabilities: a missing interface is said to be missing, an existing one to need permission', async () => {
    const ns = `${PREFIX}-noperm`;
    await withNetns(ns, async () => {
      const run = (iface: string) => spawnSync('ip', ['netns', 'exec', ns, 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'env', 'HOME=/tmp',
        process.execPath, '--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'live', '-i', iface, '--backend', 'tcpdump'], { cwd: repoRoot, encoding: 'utf8' });
      const gone = run('tcpscope-nosuch0');
      assert.equal(gone.status, 2);
      assert.match(gone.stderr, /^error: unknown interface 'tcpscope-nosuch0': valid ones: .*\blo\b/m);
      const lo = run('lo');
      assert.equal(lo.status, 2);
      assert.match(lo.stderr, /^error: no permission to capture on lo \(.*\): run as root \(sudo\), or let tcpdump capture: sudo setcap cap_net_raw,cap_net_admin\+eip/m);
    });
  });
});

// A namespace left by a failed run would block the next one of the same name.
after(() => {
  for (const tag of ['kill0', 'kill', 'sighup', 'sigterm', 'hup0', 'nobody', 'noperm']) {
    if (existsSync(`/run/netns/${PREFIX}-${tag}`)) spawnSync('ip', ['netns', 'del', `${PREFIX}-${tag}`], { stdio: 'ignore' });
  }
});
