/**
 * What the live commands do: `live` (capture on an interface and watch
 * connections change), `interfaces` (capture devices) and `watch-timewait`
 * (the kernel's TIME_WAIT sockets). Their options and help are live.ts's,
 * which loads this module only when one of them runs.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isoTime } from '../report/format.ts';
import { hasTimeField, type Rotation } from '../live/rotate.ts';
import { makeSettings, isOsPreset, OS_PRESETS } from '../report/settings.ts';
import type { AnalysisDocument, Settings } from '../report/types.ts';
import { count, isLang, type Lang, langFromEnv, t } from '../render/i18n.ts';
import type { ColumnKey } from '../render/columns.ts';
import { abbreviateEndpoint, wrapText } from '../render/fit.ts';
import { displayWidth, padEnd, padStart } from '../render/text.ts';
import { columnsOption, resolveWidth } from './width.ts';
import { renderTable } from '../render/table.ts';
import { listDevices } from '../live/devices.ts';
import { LiveError } from '../live/errors.ts';
import type { LiveEvent, SummaryEvent } from '../live/events.ts';
import { type LineOptions, clock, eventLine, kernelLines } from '../live/format.ts';
import { type KernelTimeWaitRecord, TimeWaitWatcher, kernelTablesAvailable } from '../live/kernel.ts';
import { DEFAULT_BUFFER_BYTES, DEFAULT_SNAP_LENGTH, LiveSession, WHOLE_PACKETS } from '../live/session.ts';
import { LineBatch } from './line-batch.ts';
import { DEFAULT_MAX_CONNECTIONS, colorWanted } from './common.ts';
import { parseDuration, UsageError, version } from './util.ts';
import { LIVE_FORMATS, type LiveCliOptions, type WatchOptions } from './live-options.ts';


export { parseDuration };

function positiveInt(s: string, flag: string): number {
  if (!/^\d+$/.test(s) || Number(s) === 0) throw new UsageError(`${flag}: expected a positive whole number, got '${s}'`);
  return Number(s);
}

function settingsFrom(o: { os?: string; msl?: string }): Settings {
  const os = o.os ?? 'rfc';
  if (!isOsPreset(os)) throw new UsageError(`--os: expected one of ${OS_PRESETS.join(', ')}, got '${o.os}'`);
  if (o.msl === undefined) return makeSettings({ os });
  const msl = Number(o.msl);
  if (!(msl > 0) || !Number.isFinite(msl)) throw new UsageError(`--msl: expected a positive number of seconds, got '${o.msl}'`);
  return makeSettings({ os, msl });
}

function langFrom(l?: string): Lang {
  const lang = l ?? langFromEnv();
  if (!isLang(lang)) throw new UsageError(`--lang: expected en or zh, got '${l}'`);
  return lang;
}

/**
 * The capture filter: the trailing expression (as tcpdump takes it) or
 * --filter, not both.
 */
export function captureFilter(expression: readonly string[], option: string | undefined): string {
  const words = expression.join(' ').trim();
  if (words !== '' && option !== undefined) throw new UsageError(`the capture filter is given twice: --filter '${option}' and '${words}' after the options; give one`);
  return option ?? words;
}

export async function liveAction(expression: string[], o: LiveCliOptions): Promise<void> {
  const filter = captureFilter(expression, o.filter);
  const format = o.format as (typeof LIVE_FORMATS)[number];
  if (!(LIVE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${LIVE_FORMATS.join(', ')}, got '${o.format}'`);
  if (!['auto', 'cap', 'tcpdump'].includes(o.backend)) throw new UsageError(`--backend: expected cap or tcpdump, got '${o.backend}'`);
  const settings = settingsFrom(o);
  const lang = langFrom(o.lang);
  const color = colorWanted(o.color, process.stdout.isTTY === true);
  const width = resolveWidth(o, false);
  const columns = columnsOption(o.columns);
  const bufferBytes = o.bufferSize !== undefined ? positiveInt(o.bufferSize, '--buffer-size') * 1024 * 1024 : DEFAULT_BUFFER_BYTES;
  const snapLength = o.snaplen !== undefined ? snapLengthOf(o.snaplen) : DEFAULT_SNAP_LENGTH;
  const { write, rotate } = await seriesTarget(o);
  const quiet = o.quiet === true;
  const lines = new LineBatch((s) => void process.stdout.write(s));
  const out = (s: string): void => lines.add(s);
  const err = (s: string): void => {
    lines.flush();
    process.stderr.write(s);
  };
  // One options object for every line (the timestamps' kind comes with `started`).
  const opts: LineOptions = { timestamps: 'kernel', utc: o.utc ?? false, lang };
  // Fitted: an event line wraps, its continuation indented past the clock.
  const fitLine = (line: string): string => {
    if (width === null || o.wide) return line;
    const m = /^\S+ {2}/.exec(line);
    return wrapText(line, width, ' '.repeat(m ? Math.min(m[0].length + 2, 24) : 2)).join('\n');
  };
  const lineOpts = (): LineOptions => opts;
  const onEvent = (e: LiveEvent): void => {
    if (e.type === 'started') opts.timestamps = e.timestamps;
    if (quiet) {
      if (e.type === 'drops') err(eventLine(e, lineOpts()) + '\n');
      return;
    }
    if (format === 'ndjson') {
      out(JSON.stringify(e) + '\n');
      if (e.type === 'drops') err(eventLine(e, lineOpts()) + '\n');
      return;
    }
    if (format === 'json') {
      if (e.type === 'drops' || e.type === 'started' || e.type === 'stopped') err(eventLine(e, lineOpts()) + '\n');
      return;
    }
    const raw = eventLine(e, lineOpts());
    if (raw === null) return;
    const line = fitLine(raw);
    if (e.type === 'drops') err(line + '\n');
    else out(line + '\n');
  };

  const session = new LiveSession({
    iface: o.interface, filter, backend: o.backend as 'auto' | 'cap' | 'tcpdump', write, rotate,
    durationMs: o.duration !== undefined ? parseDuration(o.duration) : null,
    count: o.count !== undefined ? positiveInt(o.count, '--count') : null,
    settings, kernel: o.kernel, bufferBytes, snapLength,
    // The json document is the summary's: no line per event to build.
    connectionEvents: format !== 'json' && !quiet,
    keepConnections: !quiet,
    // As analyze's default: beyond it the connection idle the longest is reported early, with a warning.
    maxConnections: DEFAULT_MAX_CONNECTIONS,
  }, onEvent);

  // Ctrl-C, `kill` and a closed terminal all end the capture the same way:
  // what was captured until then is analysed, the summary printed, the -w
  // file closed. A second one leaves at once (128 + the signal's number);
  // the -w file is valid up to its last written chunk, and the watchdog
  // stops tcpdump (tcpdump.ts).
  let interrupts = 0;
  const onSignal = (sig: (typeof STOP_SIGNALS)[number]): void => {
    interrupts++;
    if (interrupts > 1) {
      lines.flush();
      process.exit(128 + SIGNAL_NUMBERS[sig]);
    }
    session.stop('interrupt', sig);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  try {
    try {
      await session.start();
    } catch (e) {
      if (e instanceof LiveError) throw new UsageError(e.message);
      throw e;
    }
    const summary = await session.finished();
    lines.flush();
    if (quiet) {
      const w = summary.written;
      if (w !== null) process.stderr.write(`wrote ${w.frames} frame(s) to ${w.files === undefined ? w.path : `${w.files.length} file(s): ${w.files[0]} ... ${w.files[w.files.length - 1]}`}\n`);
      return;
    }
    if (format === 'table') out(summaryText(summary, settings, lang, color, lineOpts(), { width: o.wide ? null : width, columns }));
    if (format === 'json') {
      const doc: AnalysisDocument & { live: Omit<SummaryEvent, 'capture' | 'type'> } = {
        tool: { name: 'tcpscope', version: version() }, settings, captures: [summary.capture],
        live: { time: summary.time, backend: summary.backend, timestamps: summary.timestamps, stats: summary.stats, kernel: summary.kernel, written: summary.written },
      };
      out(JSON.stringify(doc, null, 2) + '\n');
    }
  } finally {
    lines.flush();
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
}

/**
 * Where -w/--output/-C/-G write: the file (or the series' name, strftime
 * fields and all) and the rotation, checked before the capture starts.
 */
async function seriesTarget(o: LiveCliOptions): Promise<{ write: string | null; rotate: Rotation | null }> {
  const bytes = o.rotateSize === undefined ? null : positiveNumber(o.rotateSize, '-C/--rotate-size') * 1_000_000;
  const seconds = o.rotateSeconds === undefined ? null : positiveNumber(o.rotateSeconds, '-G/--rotate-seconds');
  const rotate = bytes === null && seconds === null ? null : { bytes, seconds };
  let write = o.write ?? null;
  if (o.output !== undefined) {
    try {
      await mkdir(o.output, { recursive: true });
    } catch (e) {
      throw new UsageError(`--output: cannot make the folder ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    write = join(o.output, write ?? (seconds !== null ? 'capture-%Y%m%d-%H%M%S.pcap' : 'capture.pcap'));
  }
  if (rotate !== null && write === null) throw new UsageError('-C/-G: say where the series goes: --output DIR or -w NAME');
  if (seconds !== null && write !== null && !hasTimeField(basename(write))) {
    throw new UsageError(`-G: the file name needs time fields (e.g. -w 'tap-%Y%m%d-%H%M%S.pcap'), else each file would replace the last: ${write}`);
  }
  return { write, rotate };
}

function positiveNumber(s: string, flag: string): number {
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s) || !(n > 0)) throw new UsageError(`${flag}: expected a positive number, got '${s}'`);
  return n;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<(typeof STOP_SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** --snaplen: bytes kept of each packet; 0 for whole packets. */
function snapLengthOf(s: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`--snaplen: expected a number of bytes (0: whole packets), got '${s}'`);
  const n = Number(s);
  if (n === 0 || n >= WHOLE_PACKETS) return WHOLE_PACKETS;
  if (n < MIN_SNAP_LENGTH) throw new UsageError(`--snaplen: at least ${MIN_SNAP_LENGTH} bytes (the TCP header must fit), got '${s}'`);
  return n;
}

/** tcpdump's old default: Ethernet with a VLAN tag, IPv6 and TCP with 12 bytes of options. */
const MIN_SNAP_LENGTH = 96;

/** The end of a live run: the same table as `analyze`, kernel comparison, backend and file. */
export function summaryText(
  s: SummaryEvent, settings: Settings, lang: Lang, color: boolean, o: LineOptions,
  fit: { width: number | null; columns: readonly ColumnKey[] | null } = { width: null, columns: null },
): string {
  const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: version() }, settings, captures: [s.capture] };
  const lines = ['', renderTable(doc, { lang, color, width: fit.width, columns: fit.columns }).trimEnd()];
  if (s.kernel !== null) lines.push('', ...kernelLines(s.kernel, { ...o, lang }));
  lines.push('', t(lang, `live.sum.${s.backend}`));
  if (s.stats) lines.push(t(lang, 'live.sum.stats', { received: s.stats.received, dropped: s.stats.dropped, warn: s.stats.dropped > 0 ? t(lang, 'live.sum.dropWarn') : '' }));
  if (s.written) lines.push(t(lang, 'live.sum.wrote', { frames: s.written.frames, path: s.written.path }));
  const w = fit.width;
  return (w === null ? lines : lines.flatMap((l) => (l.includes('│') || l.includes('┌') || l.includes('└') || l.includes('├') ? [l] : wrapText(l, w, '  ')))).join('\n') + '\n';
}

export async function interfacesAction(o: { format: string; lang?: string; width?: string; wide?: boolean }): Promise<void> {
  const lang = langFrom(o.lang);
  const width = resolveWidth(o, false);
  const { devices, via } = listDevices();
  if (o.format === 'json') {
    process.stdout.write(JSON.stringify({ via, devices }, null, 2) + '\n');
    return;
  }
  if (devices.length === 0) {
    process.stdout.write(t(lang, 'if.none') + '\n');
    return;
  }
  process.stdout.write(interfacesTable(devices, lang, width));
  if (via !== 'libpcap (cap)') process.stderr.write(t(lang, 'if.via', { via }) + '\n');
}

/** One line a device: its name, then its description and addresses, wrapped under them to `width` columns (null: not wrapped). */
export function interfacesTable(devices: readonly { name: string; description: string; loopback: boolean; addresses: readonly string[] }[], lang: Lang, width: number | null): string {
  const w = Math.max(...devices.map((d) => displayWidth(d.name)), 4);
  const out: string[] = [];
  for (const d of devices) {
    const desc = d.description || (d.loopback ? t(lang, 'if.loopback') : '');
    const rest = `${desc}${desc && d.addresses.length ? '  ' : ''}${d.addresses.join(', ')}`;
    if (width === null) {
      out.push(`${padEnd(d.name, w)}  ${rest}`.trimEnd());
      continue;
    }
    // The description and addresses wrap in a column of their own; a name too long for it goes on a line alone.
    const indent = Math.min(w + 2, Math.floor(width / 2));
    const parts = rest === '' ? [''] : wrapText(rest, width - indent);
    if (displayWidth(d.name) + 2 > indent) out.push(d.name);
    else out.push(`${padEnd(d.name, indent - 2)}  ${parts.shift() ?? ''}`.trimEnd());
    for (const p of parts) out.push(`${' '.repeat(indent)}${p}`);
  }
  return out.join('\n') + '\n';
}

function isoNow(): string {
  const ms = Date.now();
  const sec = Math.floor(ms / 1000);
  return isoTime(sec, (ms - sec * 1000) * 1e6, 9);
}

/**
 * The table of TIME_WAIT sockets, in `lang`, fitted to `width` columns
 * (null: as wide as it takes): the addresses are shortened in their middle
 * when the row would not fit.
 */
export function watchTable(recs: readonly KernelTimeWaitRecord[], now: number, lang: Lang = 'en', width: number | null = null): string {
  const lines = [t(lang, 'watch.count', { n: recs.length })];
  if (recs.length === 0) return lines.join('\n') + '\n';
  const rows = recs.map((r) => {
    const l = r.localIp.includes(':') ? `[${r.localIp}]:${r.localPort}` : `${r.localIp}:${r.localPort}`;
    const p = r.remoteIp.includes(':') ? `[${r.remoteIp}]:${r.remotePort}` : `${r.remoteIp}:${r.remotePort}`;
    const since = ((now - r.enteredMs) / 1000).toFixed(1);
    return [l, p, `${r.lastRemaining.toFixed(2)} s`, `${since} s`, String(r.restarts.length)];
  });
  const head = (['watch.local', 'watch.remote', 'watch.left', 'watch.since', 'watch.restarts'] as const).map((k) => t(lang, k));
  const widths = (): number[] => head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  let w = widths();
  const total = (): number => w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1);
  if (width !== null && total() > width) {
    // The addresses give up the room: each keeps its port and both ends of the address.
    const room = Math.max(10, Math.floor((width - (total() - w[0] - w[1])) / 2));
    for (const r of rows) for (const i of [0, 1]) r[i] = abbreviateEndpoint(r[i], room);
    w = widths();
  }
  const fmt = (r: string[]): string => r.map((c, i) => (i >= 2 ? padStart(c, w[i]) : padEnd(c, w[i]))).join('  ').trimEnd();
  lines.push(fmt(head), ...rows.map(fmt));
  return lines.join('\n') + '\n';
}

export async function watchAction(o: WatchOptions): Promise<void> {
  if (!kernelTablesAvailable()) throw new UsageError('watch-timewait needs Linux\'s /proc/net/tcp (not available here)');
  const port = o.port !== undefined ? positiveInt(o.port, '--port') : null;
  if (port !== null && port > 65535) throw new UsageError(`--port: expected 1-65535, got '${o.port}'`);
  const interval = parseDuration(o.interval, '--interval');
  const ndjson = o.format === 'ndjson';
  const lang = langFrom(o.lang);
  const width = resolveWidth(o, false);
  const kernelOpts = { timestamps: 'kernel' as const };
  const iso = (ms: number): string => new Date(ms).toISOString();
  const watcher = new TimeWaitWatcher({
    intervalMs: 100, port,
    onEvent: (e) => {
      if (o.once) return;
      const r = e.rec;
      if (ndjson) {
        process.stdout.write(JSON.stringify({ type: e.kind, local: { ip: r.localIp, port: r.localPort }, remote: { ip: r.remoteIp, port: r.remotePort }, entered: iso(r.enteredMs), remainingSeconds: e.kind === 'left' ? 0 : r.lastRemaining, measuredSeconds: r.totalSeconds, restarts: r.restarts.length, endedEarly: r.endedEarly }) + '\n');
      } else if (e.kind === 'left' && !process.stdout.isTTY) {
        const gone = t(lang, 'watch.gone', {
          clock: clock(isoNow(), kernelOpts), local: `${r.localIp}:${r.localPort}`, remote: `${r.remoteIp}:${r.remotePort}`, seconds: r.totalSeconds ?? (Date.now() - r.enteredMs) / 1000,
          early: r.endedEarly ? t(lang, 'watch.gone.early') : '',
          restarts: r.restarts.length ? t(lang, 'watch.gone.restarts', { n: r.restarts.length }) : '',
        });
        process.stdout.write((width === null ? gone : wrapText(gone, width, '  ').join('\n')) + '\n');
      }
    },
  });
  watcher.poll();
  const show = (): void => {
    const recs = [...watcher.current.values()].sort((a, b) => a.lastRemaining - b.lastRemaining);
    if (ndjson) {
      if (o.once) for (const r of recs) process.stdout.write(JSON.stringify({ type: 'time-wait', local: { ip: r.localIp, port: r.localPort }, remote: { ip: r.remoteIp, port: r.remotePort }, remainingSeconds: r.lastRemaining, entered: iso(r.enteredMs) }) + '\n');
      return;
    }
    const tty = process.stdout.isTTY === true && !o.once;
    process.stdout.write((tty ? '\x1b[H\x1b[2J' : '') + `${new Date().toISOString()}  ` + watchTable(recs, Date.now(), lang, width) + (tty ? `\n${t(lang, 'watch.stop')}\n` : ''));
  };
  show();
  if (o.once) return;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      watcher.poll();
      show();
    }, interval);
    const stop = (): void => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
