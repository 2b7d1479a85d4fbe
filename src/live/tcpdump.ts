/**
 * The tcpdump backend: `tcpdump -i IF -U -w - --time-stamp-precision=nano`
 * writes a pcap stream with kernel timestamps in nanoseconds, which our own
 * reader reads. Its counters come from SIGUSR1 (tcpdump prints them on
 * stderr) during the run and from its exit report at the end.
 *
 * tcpdump must not outlive tcpscope, however tcpscope ends. It runs under a
 * watchdog (WATCHDOG, a few lines of /bin/sh) in a process group of its own,
 * away from the terminal's signals: tcpscope alone tells it to stop. The
 * watchdog's standard input is a pipe whose only writer is tcpscope; when
 * tcpscope ends, even by SIGKILL, the kernel closes that end, the watchdog's
 * `read` returns and it sends tcpdump SIGTERM. Measured alternatives that do
 * not hold: tcpdump itself notices a closed stdout only on its next write,
 * so on a quiet interface it runs on for ever; PR_SET_PDEATHSIG (`setpriv
 * --pdeathsig`) is cleared when tcpdump switches to its own user after
 * opening the device (Debian's default `-Z tcpdump`) and when the binary has
 * file capabilities (the way to run without root), i.e. in both ways a lab
 * machine runs it.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { CaptureStats, LiveSource, OpenOptions } from './backend.ts';
import { deviceNames } from './devices.ts';
import { LiveError, classifyOpenError, tcpdumpMissingError } from './errors.ts';

/**
 * The watchdog: `sh -c WATCHDOG tcpscope-capture TCPDUMP ARGS...`. tcpdump
 * gets the pipes of stdout and stderr; the shell lets go of its own copies
 * so that they end when tcpdump ends. Signals sent to the group (SIGINT to
 * stop, SIGUSR1 for counters) are tcpdump's: the shell ignores them. It
 * exits with tcpdump's status, once tcpscope closes its stdin or is gone.
 */
export const WATCHDOG = [
  '"$@" &',
  't=$!',
  'exec >/dev/null 2>&1',
  "trap '' INT TERM HUP USR1",
  'read -r _ || :',
  'kill -TERM "$t"',
  'wait "$t"',
].join('\n');

/** tcpdump's name of a link type (pcap_datalink_val_to_name) to LINKTYPE_ values. */
const LINK_NAMES: Record<string, number> = {
  NULL: 0, EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276, IEEE802_11_RADIO: 127, IEEE802_11: 105, LOOP: 108, NFLOG: 239, PPP: 9,
};

export function tcpdumpPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = `${dir}/tcpdump`;
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** The numbers in tcpdump's statistics text (the SIGUSR1 line or the exit report); null if none. */
export function parseTcpdumpStats(text: string): CaptureStats | null {
  const num = (re: RegExp): number | null => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  const captured = num(/(\d+) packets? captured/);
  const received = num(/(\d+) packets? received by filter/);
  const dropped = num(/(\d+) packets? dropped by kernel/);
  if (captured === null && received === null && dropped === null) return null;
  return { captured: captured ?? 0, received: received ?? 0, dropped: dropped ?? 0, droppedByInterface: num(/(\d+) packets? dropped by interface/) };
}

/**
 * In immediate mode libpcap uses a TPACKET_V2 ring of fixed-size slots, each
 * as large as the snapshot length (capped at the MTU + 18 on Ethernet-like
 * links) plus a header. With whole packets on lo (MTU 65536) a slot takes
 * 128 KiB, and each packet fills two (the outgoing copy is dropped by libpcap
 * only after the ring): measured, a 256 MiB buffer took 2,800 packets of a
 * burst, the rest dropped. With 256-byte snapshots a slot is about 300
 * bytes and the same buffer holds some 400,000 packets on lo, twice that on
 * a NIC (see OpenOptions.snapLength).
 */
export function tcpdumpArgs(o: OpenOptions): string[] {
  const args = ['-i', o.iface, '-n', '-U', '-w', '-', '--immediate-mode', '--time-stamp-precision=nano',
    '-s', String(o.snapLength), '-B', String(Math.max(1, Math.round(o.bufferBytes / 1024)))];
  if (o.filter !== '') args.push(o.filter);
  return args;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

class TcpdumpSource implements LiveSource {
  readonly backend = 'tcpdump';
  readonly timestamps = 'kernel';
  linkType: number | null = null;
  onStats: ((s: CaptureStats) => void) | null = null;
  readonly chunks: AsyncIterable<Uint8Array>;
  private last: CaptureStats | null = null;
  private stderr = '';
  private lineBuf = '';
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly child: Child, readonly ready: Promise<void>, statsMs: number) {
    this.chunks = child.stdout;
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => this.onStderr(s));
    if (statsMs > 0) {
      ready.then(() => {
        if (this.stopping) return;
        this.timer = setInterval(() => {
          if (!this.stopping) signalGroup(child, 'SIGUSR1');
        }, statsMs);
        this.timer.unref();
      }, () => undefined);
    }
  }

  private onStderr(s: string): void {
    this.stderr += s;
    if (this.stderr.length > 65536) this.stderr = this.stderr.slice(-32768);
    this.lineBuf += s;
    let i: number;
    while ((i = this.lineBuf.indexOf('\n')) >= 0) {
      const line = this.lineBuf.slice(0, i);
      this.lineBuf = this.lineBuf.slice(i + 1);
      const lt = /link-type (\S+)/.exec(line);
      if (lt && this.linkType === null) this.linkType = LINK_NAMES[lt[1]] ?? null;
      // The SIGUSR1 answer: "tcpdump: N packets captured, N packets received by filter, N packets dropped by kernel".
      if (/packets captured,/.test(line)) {
        const st = parseTcpdumpStats(line);
        if (st) {
          this.last = st;
          this.onStats?.(st);
        }
      }
    }
  }

  get stderrText(): string {
    return this.stderr;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    signalGroup(this.child, 'SIGINT');
  }

  stats(): CaptureStats | null {
    return this.last;
  }

  async closed(): Promise<{ stats: CaptureStats | null; failure: string | null }> {
    const { code, signal } = await this.exited;
    if (this.timer) clearInterval(this.timer);
    // The exit report: one number per line ("N packets captured\nN packets received by filter\n...").
    const k = this.stderr.lastIndexOf(' packets captured\n');
    const tail = k >= 0 ? this.stderr.slice(this.stderr.lastIndexOf('\n', k) + 1) : '';
    const fin = parseTcpdumpStats(tail);
    if (fin) this.last = fin;
    let failure: string | null = null;
    if (!this.stopping) {
      const msg = this.stderr.split('\n').filter((l) => l.startsWith('tcpdump: ') && !/listening on|packets (captured|received|dropped)/.test(l)).join(' ');
      // The watchdog exits with tcpdump's status: 128 + N when a signal N ended it.
      const sig = signal ?? (code !== null && code > 128 ? signalName(code - 128) : null);
      failure = `tcpdump stopped on its own (${sig !== null ? `signal ${sig}` : `exit code ${code}`})${msg ? `: ${msg.replace(/tcpdump: /g, '')}` : ''}`;
    }
    return { stats: this.last, failure };
  }
}

function signalName(n: number): string {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };
  return names[n] ?? `signal ${n}`;
}

/** Signal tcpdump's process group (the watchdog ignores what it should pass on); gone already is fine. */
function signalGroup(child: Child, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // the group has ended
  }
}

/**
 * Start tcpdump under its watchdog and wait until it is capturing (its
 * "listening on" line); fails with a LiveError saying what to do when it
 * cannot start.
 */
export async function openTcpdump(o: OpenOptions): Promise<LiveSource> {
  const bin = tcpdumpPath();
  if (bin === null) throw tcpdumpMissingError();
  // detached: a process group (and session) of its own, so the terminal's
  // Ctrl-C and hangup reach tcpscope only, which then stops tcpdump cleanly.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'tcpscope-capture', bin, ...tcpdumpArgs(o)], {
    stdio: ['pipe', 'pipe', 'pipe'], detached: true,
  });
  // The pipe is the watchdog's lifeline: never written, closed once tcpdump
  // has exited (its stderr, which only it holds, has ended; what it wrote on
  // stdout stays readable) or by the kernel when tcpscope dies.
  child.stdin.on('error', () => undefined);
  const release = (): void => void child.stdin.end();
  child.stderr.once('end', release);
  child.stderr.once('close', release);
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (s: Buffer | string): void => {
      stderr += s.toString();
      // The whole line: tcpdump writes it in pieces, and its link type comes last.
      if (/listening on [^\n]*\n/.test(stderr)) {
        child.stderr.off('data', onData);
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.once('error', (e: NodeJS.ErrnoException) => reject(new LiveError('capture-failed', `cannot start tcpdump (through /bin/sh): ${e.message}`)));
    child.once('close', () => reject(classifyOpenError(stderr || 'tcpdump exited before capturing', {
      iface: o.iface, filter: o.filter, backend: 'tcpdump', interfaces: deviceNames,
    })));
  });
  const src = new TcpdumpSource(child, ready, o.statsIntervalMs ?? 2000);
  try {
    await ready;
  } catch (e) {
    signalGroup(child, 'SIGKILL');
    child.stdin.destroy();
    throw e;
  }
  return src;
}
