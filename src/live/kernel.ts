/**
 * What the kernel knows about TIME_WAIT (Linux): the sockets of this host
 * (of this network namespace) in TIME_WAIT, from /proc/net/tcp and
 * /proc/net/tcp6. State 06 is TIME_WAIT; for those the `tr` column is 3 and
 * `tm->when` is the time left on the TIME_WAIT timer in USER_HZ ticks
 * (jiffies_delta_to_clock_t in tcp4_seq_show / get_timewait4_sock).
 *
 * A watcher polls the tables and follows each socket: when it appeared (and,
 * from the time left, when the kernel put it in TIME_WAIT: the timer starts
 * at TCP_TIMEWAIT_LEN, 60 s), every restart of the timer (time left went up:
 * a retransmitted FIN was re-acknowledged), and when it left.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ipText } from '../report/format.ts';

/** Linux's TCP_TIMEWAIT_LEN (include/net/tcp.h): 60 s. */
export const TCP_TIMEWAIT_LEN = 60;
/** USER_HZ: the unit of /proc/net/tcp timers (sysconf(_SC_CLK_TCK), 100 on Linux). */
export const USER_HZ = 100;

export interface KernelSocket {
  family: 4 | 6;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** TCP state (kernel numbering: 1 ESTABLISHED ... 6 TIME_WAIT ... 10 LISTEN). */
  state: number;
  /** `tr`: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero window probe. */
  timer: number;
  /** Time left on the timer, seconds. */
  remainingSeconds: number;
}

export const TCP_TIME_WAIT = 6;

const LE = endianness() === 'LE';

function word(hex: string): number {
  const v = parseInt(hex, 16) >>> 0;
  // The kernel prints each 32-bit word of the (network order) address as a host-order integer.
  return LE ? (((v & 255) << 24) | (((v >>> 8) & 255) << 16) | (((v >>> 16) & 255) << 8) | (v >>> 24)) >>> 0 : v;
}

/** An address of /proc/net/tcp{,6} (`0100007F`, or 32 hex digits) as text; IPv4-mapped IPv6 becomes IPv4. */
export function procAddress(hex: string): { family: 4 | 6; ip: string } {
  const w = new Uint32Array(4);
  if (hex.length === 8) {
    w[0] = word(hex);
    return { family: 4, ip: ipText(4, w) };
  }
  for (let i = 0; i < 4; i++) w[i] = word(hex.slice(i * 8, i * 8 + 8));
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
    const v4 = new Uint32Array([w[3], 0, 0, 0]);
    return { family: 4, ip: ipText(4, v4) };
  }
  return { family: 6, ip: ipText(6, w) };
}

/** The sockets of one /proc/net/tcp or tcp6 text. */
export function parseProcNetTcp(text: string): KernelSocket[] {
  const out: KernelSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 6) continue;
    const [la, lp] = f[1].split(':');
    const [ra, rp] = f[2].split(':');
    const [tr, when] = f[5].split(':');
    if (la === undefined || lp === undefined || ra === undefined || rp === undefined) continue;
    const l = procAddress(la);
    const r = procAddress(ra);
    out.push({
      family: l.family,
      localIp: l.ip, localPort: parseInt(lp, 16),
      remoteIp: r.ip, remotePort: parseInt(rp, 16),
      state: parseInt(f[3], 16),
      timer: parseInt(tr ?? '0', 16),
      remainingSeconds: parseInt(when ?? '0', 16) / USER_HZ,
    });
  }
  return out;
}

/** Is the kernel's table readable here (Linux with /proc)? */
export function kernelTablesAvailable(): boolean {
  try {
    readFileSync('/proc/net/tcp', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** The TIME_WAIT sockets now. */
export function readTimeWaitSockets(): KernelSocket[] {
  const all: KernelSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const s of parseProcNetTcp(text)) if (s.state === TCP_TIME_WAIT) all.push(s);
  }
  return all;
}

export function socketKey(localIp: string, localPort: number, remoteIp: string, remotePort: number): string {
  return `${localIp}|${localPort}|${remoteIp}|${remotePort}`;
}

/** One socket's TIME_WAIT as the kernel showed it; times are ms since the epoch. */
export interface KernelTimeWaitRecord {
  key: string;
  family: 4 | 6;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** First poll that showed it. */
  firstSeenMs: number;
  remainingAtFirstSeen: number;
  /** When the kernel put it in TIME_WAIT: first seen - (60 s - time left). */
  enteredMs: number;
  lastSeenMs: number;
  lastRemaining: number;
  /** Timer restarts (time left went up), newest last. */
  restarts: { atMs: number; remainingBefore: number; remainingAfter: number }[];
  /** When it left: last seen + time left then, or the poll that missed it if that is sooner (ended early). */
  leftMs: number | null;
  /** The socket was gone before its timer could have run out. */
  endedEarly: boolean;
  /** From entry (or the last restart) to leaving, seconds. */
  measuredSeconds: number | null;
  /** Entry to leaving, seconds, restarts included. */
  totalSeconds: number | null;
}

export type KernelEvent =
  | { kind: 'entered'; rec: KernelTimeWaitRecord }
  | { kind: 'restart'; rec: KernelTimeWaitRecord }
  | { kind: 'left'; rec: KernelTimeWaitRecord };

export interface WatcherOptions {
  /** Poll period, ms (default 200). */
  intervalMs?: number;
  /** Only sockets with this local or remote port. */
  port?: number | null;
  /** Sockets in TIME_WAIT at the first poll are `preexisting` (their entry is only estimated). */
  onEvent?: (e: KernelEvent) => void;
  /** For tests: the table reader and the clock. */
  read?: () => KernelSocket[];
  now?: () => number;
}

/** Follows the host's TIME_WAIT sockets by polling. */
export class TimeWaitWatcher {
  readonly current = new Map<string, KernelTimeWaitRecord>();
  readonly finished: KernelTimeWaitRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly read: () => KernelSocket[];
  private readonly now: () => number;
  polls = 0;

  constructor(private readonly opts: WatcherOptions = {}) {
    this.read = opts.read ?? readTimeWaitSockets;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.opts.intervalMs ?? 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  poll(): void {
    const t = this.now();
    this.polls++;
    const port = this.opts.port ?? null;
    const seen = new Set<string>();
    for (const s of this.read()) {
      if (s.state !== TCP_TIME_WAIT) continue;
      if (port !== null && s.localPort !== port && s.remotePort !== port) continue;
      const key = socketKey(s.localIp, s.localPort, s.remoteIp, s.remotePort);
      seen.add(key);
      const r = this.current.get(key);
      if (r === undefined) {
        const rec: KernelTimeWaitRecord = {
          key, family: s.family, localIp: s.localIp, localPort: s.localPort, remoteIp: s.remoteIp, remotePort: s.remotePort,
          firstSeenMs: t, remainingAtFirstSeen: s.remainingSeconds,
          enteredMs: t - Math.max(0, TCP_TIMEWAIT_LEN - s.remainingSeconds) * 1000,
          lastSeenMs: t, lastRemaining: s.remainingSeconds, restarts: [],
          leftMs: null, endedEarly: false, measuredSeconds: null, totalSeconds: null,
        };
        this.current.set(key, rec);
        this.opts.onEvent?.({ kind: 'entered', rec });
        continue;
      }
      // Time left should fall as the clock runs; a rise beyond the tick and poll jitter is a restart.
      const expected = r.lastRemaining - (t - r.lastSeenMs) / 1000;
      if (s.remainingSeconds > expected + 0.5) {
        r.restarts.push({ atMs: t - Math.max(0, TCP_TIMEWAIT_LEN - s.remainingSeconds) * 1000, remainingBefore: Math.max(0, expected), remainingAfter: s.remainingSeconds });
        r.lastSeenMs = t;
        r.lastRemaining = s.remainingSeconds;
        this.opts.onEvent?.({ kind: 'restart', rec: r });
        continue;
      }
      r.lastSeenMs = t;
      r.lastRemaining = s.remainingSeconds;
    }
    for (const [key, r] of this.current) {
      if (seen.has(key)) continue;
      this.current.delete(key);
      const due = r.lastSeenMs + r.lastRemaining * 1000;
      r.endedEarly = due > t + 500;
      r.leftMs = Math.min(due, t);
      const start = r.restarts.length > 0 ? r.restarts[r.restarts.length - 1].atMs : r.enteredMs;
      r.measuredSeconds = Math.round(r.leftMs - start) / 1000;
      r.totalSeconds = Math.round(r.leftMs - r.enteredMs) / 1000;
      this.finished.push(r);
      this.opts.onEvent?.({ kind: 'left', rec: r });
    }
  }

  /** Every record, finished ones first. */
  all(): KernelTimeWaitRecord[] {
    return [...this.finished, ...this.current.values()];
  }
}
