/**
 * The tcpdump backend: `tcpdump -i IF -U -w - --time-stamp-precision=nano`
 * writes a pcap stream with kernel timestamps in nanoseconds, which our own
 * reader reads. Its counters come from SIGUSR1 (tcpdump prints them on
 * stderr) during the run and from its exit report at the end.
 */
import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { CaptureStats, LiveSource, OpenOptions } from './backend.ts';
import { deviceNames } from './devices.ts';
import { LiveError, classifyOpenError, tcpdumpMissingError } from './errors.ts';

/** tcpdump's name of a link type (pcap_datalink_val_to_name) to LINKTYPE_ values. */
const LINK_NAMES: Record<string, number> = {
  NULL: 0, EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276, IEEE802_11_RADIO: 127, IEEE802_11: 105, LOOP: 108, NFLOG: 239, PPP: 9,
};

export function tcpdumpPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    try {
      execFileSync('test', ['-x', `${dir}/tcpdump`], { stdio: 'ignore' });
      return `${dir}/tcpdump`;
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

export function tcpdumpArgs(o: OpenOptions): string[] {
  const args = ['-i', o.iface, '-n', '-U', '-w', '-', '--immediate-mode', '--time-stamp-precision=nano', '-B', String(Math.max(1, Math.round(o.bufferBytes / 1024)))];
  if (o.filter !== '') args.push(o.filter);
  return args;
}

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

  constructor(private readonly child: ChildProcessByStdio<null, Readable, Readable>, readonly ready: Promise<void>, statsMs: number) {
    this.chunks = child.stdout;
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => this.onStderr(s));
    if (statsMs > 0) {
      ready.then(() => {
        if (this.stopping) return;
        this.timer = setInterval(() => {
          if (!this.stopping && child.exitCode === null) child.kill('SIGUSR1');
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
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
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
      failure = `tcpdump stopped on its own (${signal ? `signal ${signal}` : `exit code ${code}`})${msg ? `: ${msg.replace(/tcpdump: /g, '')}` : ''}`;
    }
    return { stats: this.last, failure };
  }
}

/**
 * Start tcpdump and wait until it is capturing (its "listening on" line);
 * fails with a LiveError saying what to do when it cannot start.
 */
export async function openTcpdump(o: OpenOptions): Promise<LiveSource> {
  const bin = tcpdumpPath();
  if (bin === null) throw tcpdumpMissingError();
  const child = spawn(bin, tcpdumpArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (s: Buffer | string): void => {
      stderr += s.toString();
      if (/listening on /.test(stderr)) {
        child.stderr.off('data', onData);
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? tcpdumpMissingError() : new LiveError('capture-failed', `cannot start tcpdump: ${e.message}`)));
    child.once('close', () => reject(classifyOpenError(stderr || 'tcpdump exited before capturing', {
      iface: o.iface, filter: o.filter, backend: 'tcpdump', interfaces: deviceNames,
    })));
  });
  const src = new TcpdumpSource(child, ready, o.statsIntervalMs ?? 2000);
  try {
    await ready;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return src;
}
