/**
 * One live capture: a backend's pcap stream through the same reader,
 * decoder, tracker and report builder as files (analyze.ts's Pipeline), with
 * an observer turning the engine's transitions into events, the -w writer
 * tapping the frames, the tracker's clock advanced by the wall clock (so
 * 2MSL can run out with no packet), and the kernel's TIME_WAIT table
 * watched for the connections' local sockets.
 *
 * A stop (Ctrl-C, SIGTERM, SIGHUP, --duration) takes everything stamped up to
 * that moment: the backend may still hold a backlog (its ring and the pipe)
 * when the stop comes, and stopping it at once would lose packets that the
 * kernel counted as received but nobody as dropped. With kernel timestamps
 * the session reads on until a packet stamped after the stop, or until the
 * pipe has been idle for DRAIN_IDLE_MS, and only then stops the backend.
 * --count stops at once, at its packet.
 */
import { Pipeline } from '../analyze/analyze.ts';
import type { Frame } from '../capture/frame.ts';
import { CaptureError } from '../capture/frame.ts';
import { readFramesFrom } from '../capture/source.ts';
import { ipText, isoTime } from '../report/format.ts';
import type { CaptureReport, ConnectionReport, EndpointAddress, Settings, Side, StateName } from '../report/types.ts';
import type { Connection } from '../tcp/connection.ts';
import type { Copy, Moment, Transition } from '../tcp/endpoint.ts';
import { NoteKind } from '../tcp/notes.ts';
import type { TcpObserver } from '../tcp/observer.ts';
import { State, stateName } from '../tcp/state.ts';
import { type BackendName, type CaptureStats, type LiveSource, timingNote } from './backend.ts';
import { openCap } from './cap.ts';
import { LiveError } from './errors.ts';
import type { ClosedEvent, KernelComparison, LiveEvent, StoppedEvent, SummaryEvent } from './events.ts';
import { kernelNote } from './format.ts';
import { type KernelEvent, type KernelTimeWaitRecord, TimeWaitWatcher, kernelTablesAvailable, socketKey } from './kernel.ts';
import { openTcpdump, tcpdumpPath } from './tcpdump.ts';
import { CaptureWriter } from './writer.ts';
import { type FrameWriter, type Rotation, RotatingWriter } from './rotate.ts';

export interface LiveOptions {
  iface: string;
  /** BPF filter ('' for none). */
  filter: string;
  backend: BackendName | 'auto';
  /** -w file (pcap, or pcapng by its name). */
  write: string | null;
  /** -C/-G: `write` is the name of a rotation series (rotate.ts). */
  rotate?: Rotation | null;
  durationMs: number | null;
  count: number | null;
  settings: Settings;
  /** Watch the kernel's TIME_WAIT table (Linux). */
  kernel: boolean;
  bufferBytes: number;
  /** Bytes kept of each packet (see OpenOptions.snapLength). */
  snapLength: number;
  statsIntervalMs?: number;
  kernelIntervalMs?: number;
  /** How often the wall clock advances the tracker (ms, default 1000). */
  tickMs?: number;
  /**
   * Emit the connections' events (opened, transition, time-wait, ...,
   * closed); default true. `--format json` reads none of them: false spares
   * building them.
   */
  connectionEvents?: boolean;
  /** Keep every connection's report for the summary (default true; false for a recorder that runs for days: --quiet). */
  keepConnections?: boolean;
  /** A source already open, instead of the backend's (tests; replays of a capture). */
  source?: LiveSource;
  /**
   * Most connections held at once (Tracker's maxConnections; default none):
   * a flood of SYNs on the interface must not grow the table without end.
   */
  maxConnections?: number;
}

export const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;
/**
 * Enough for every header the decoder reads (SLL2 or Ethernet with two VLAN
 * tags, IPv6 with extension headers or a GRE tunnel, 60 bytes of TCP), and
 * small ring slots (tcpdumpArgs): 256 MiB hold some 400,000 packets.
 */
export const DEFAULT_SNAP_LENGTH = 256;
/** What `--snaplen 0` means: whole packets (tcpdump's own default). */
export const WHOLE_PACKETS = 262144;
/** No data from the backend for this long after a stop: its backlog is read. */
const DRAIN_IDLE_MS = 200;

/** `auto`: tcpdump when it is on the PATH (kernel timestamps, drop counts), else cap. */
export function chooseBackend(b: BackendName | 'auto'): BackendName {
  if (b !== 'auto') return b;
  return tcpdumpPath() !== null ? 'tcpdump' : 'cap';
}

const iso = (sec: number, nsec: number): string => isoTime(sec, nsec, 9);
const isoMs = (ms: number): string => {
  const sec = Math.floor(ms / 1000);
  return isoTime(sec, Math.round((ms - sec * 1000) * 1e6), 9);
};
const nowIso = (): string => isoMs(Date.now());

/** States from which an endpoint may still go to TIME_WAIT (RFC 9293 section 3.3.2). */
const TIME_WAIT_AHEAD: ReadonlySet<StateName> = new Set<StateName>(['LISTEN', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING']);

interface ConnInfo {
  stream: number;
  addr: [EndpointAddress, EndpointAddress];
  clientSide: 0 | 1;
}

/**
 * What the TIME_WAIT restart at `frame` by side `s` answered: a segment PAWS
 * refused when a paws-rejected note of the peer names this frame as its
 * answering ACK (NoteList.answered records it before the restart; the
 * timeline reads it the same way), else a retransmitted FIN. Restarts are
 * rare and a connection keeps at most MAX_NOTES notes.
 */
function restartAnswers(c: Connection, s: 0 | 1, frame: number): 'retransmitted-fin' | 'paws-rejected' {
  for (const n of c.notes.list) {
    if (n.kind === NoteKind.PawsRejected && n.side !== s && n.answer === frame && n.answerAck === true) return 'paws-rejected';
  }
  return 'retransmitted-fin';
}

export class LiveSession {
  private source: LiveSource | null = null;
  private readonly pipeline: Pipeline;
  private writer: FrameWriter | null = null;
  private watcher: TimeWaitWatcher | null = null;
  private readonly conns = new Map<Connection, ConnInfo>();
  /** Kernel socket key (local, remote) -> stream and side, for every connection seen. */
  private readonly byTuple = new Map<string, { stream: number; side: Side }>();
  /** `${stream}:${side}` -> the capture's TIME_WAIT entry time. */
  private readonly twEntry = new Map<string, { sec: number; nsec: number }>();
  private readonly reports = new Map<number, ConnectionReport>();
  private readonly matchedKernel: { rec: KernelTimeWaitRecord; stream: number; side: Side }[] = [];
  /** Streams with a socket in matchedKernel. */
  private readonly kernelStreams = new Set<number>();
  private frames = 0;
  private stopReason: StoppedEvent['reason'] | null = null;
  private stopSignal: StoppedEvent['signal'] = null;
  /** The stop's time (kernel clock) while the backlog is read; -1 when none. */
  private stopSec = -1;
  private stopNsec = 0;
  private drainTimer: NodeJS.Timeout | null = null;
  private drained = false;
  /** performance.now() of the backend's last chunk. */
  private lastData = 0;
  private durationTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private lastDropped = 0;
  private running: Promise<SummaryEvent> | null = null;
  readonly backend: BackendName;
  /** The name of the capture in reports: `live:<iface>`. */
  readonly name: string;

  constructor(private readonly o: LiveOptions, private readonly emit: (e: LiveEvent) => void) {
    this.backend = chooseBackend(o.backend);
    this.name = `live:${o.iface}`;
    this.pipeline = new Pipeline(o.settings, undefined, {
      keepConnections: o.keepConnections ?? true,
      observer: this.observer(),
      onDone: (c, r) => this.onDone(c, r),
      ...(o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections }),
    });
  }

  /** Open the backend (throws LiveError with the fix) and start reading. */
  async start(): Promise<void> {
    const o = this.o;
    const snapLength = this.backend === 'cap' ? 65535 : o.snapLength;
    const open = { iface: o.iface, filter: o.filter, bufferBytes: o.bufferBytes, snapLength, statsIntervalMs: o.statsIntervalMs ?? 2000 };
    const source = this.o.source ?? (this.backend === 'tcpdump' ? await openTcpdump(open) : openCap(open));
    this.source = source;
    if (o.write !== null) {
      try {
        this.writer = o.rotate ? new RotatingWriter(o.write, snapLength, o.rotate) : new CaptureWriter(o.write, snapLength);
        // A capture from now on, even if no packet ever comes (else at the first packet).
        if (source.linkType !== null) this.writer.start(source.linkType);
      } catch (e) {
        source.stop();
        await source.closed();
        if (e instanceof LiveError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new LiveError('capture-failed', `-w: cannot write ${o.write}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`);
      }
    }
    source.onStats = (s) => this.onStats(s);
    if (o.kernel && kernelTablesAvailable()) {
      this.watcher = new TimeWaitWatcher({ intervalMs: o.kernelIntervalMs ?? 200, onEvent: (e) => this.onKernel(e) });
      this.watcher.start();
    }
    this.emit({
      type: 'started', time: nowIso(), backend: this.backend, interface: o.iface, filter: o.filter,
      timestamps: source.timestamps, timing: timingNote(this.backend), kernel: this.watcher !== null,
      writing: o.write, snapLength, settings: o.settings,
    });
    if (o.durationMs !== null) this.durationTimer = setTimeout(() => this.stop('duration'), o.durationMs);
    this.tickTimer = setInterval(() => this.tick(), o.tickMs ?? 1000);
    this.tickTimer.unref();
    this.running = this.run();
    // A stop that came while the backend was opening.
    if (this.stopReason !== null) source.stop();
  }

  /**
   * Stop capturing; `finished()` resolves once everything captured up to now
   * was analysed (for --count: up to its packet).
   */
  stop(reason: StoppedEvent['reason'] = 'interrupt', signal: StoppedEvent['signal'] = null): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopSignal = signal;
    const src = this.source;
    if (src === null || reason === 'count' || src.timestamps !== 'kernel') {
      src?.stop();
      return;
    }
    const ms = Date.now();
    this.stopSec = Math.floor(ms / 1000);
    this.stopNsec = Math.round((ms - this.stopSec * 1000) * 1e6);
    this.lastData = performance.now();
    this.drainTimer = setInterval(() => {
      if (performance.now() - this.lastData >= DRAIN_IDLE_MS) this.endDrain();
    }, DRAIN_IDLE_MS / 4);
  }

  /** The backlog before the stop is read: stop the backend (once). */
  private endDrain(): void {
    if (this.drained) return;
    this.drained = true;
    if (this.drainTimer !== null) clearInterval(this.drainTimer);
    this.drainTimer = null;
    this.source?.stop();
  }

  finished(): Promise<SummaryEvent> {
    if (this.running === null) throw new Error('live session not started');
    return this.running;
  }

  get framesSeen(): number {
    return this.frames;
  }

  // ------------------------------------------------------------------ run

  private async run(): Promise<SummaryEvent> {
    const src = this.source as LiveSource;
    const count = this.o.count;
    const writer = this.writer;
    const pipeFrame = this.pipeline.onFrame;
    const onFrame = (f: Frame): void => {
      if (count !== null && this.frames >= count) return;
      if (this.stopSec >= 0 && (f.tsSec > this.stopSec || (f.tsSec === this.stopSec && f.tsNsec > this.stopNsec))) {
        // Stamped after the stop: not part of this capture.
        this.endDrain();
        return;
      }
      this.frames++;
      if (writer !== null) writer.add(f);
      pipeFrame(f);
      if (count !== null && this.frames >= count) this.stop('count');
    };
    let capture: CaptureReport;
    try {
      const summary = await readFramesFrom(src.chunks, this.name, onFrame, {
        onProgress: () => {
          writer?.flush();
          this.lastData = performance.now();
        },
      });
      this.cleanupTimers();
      // The frames of the capture are those analysed (and written), not
      // those the backend sent after --count or after the stop.
      capture = this.pipeline.finish(this.name, { ...summary, frames: this.frames });
    } catch (e) {
      this.cleanupTimers();
      if (!(e instanceof CaptureError)) throw e;
      // Nothing came at all (the backend died before its header).
      capture = this.pipeline.finish(this.name, { file: this.name, format: 'pcap', compression: null, tsDigits: 9, frames: 0, bytes: 0, linkTypes: [], warnings: [] });
    }
    const closed = await src.closed();
    writer?.close(src.linkType ?? capture.linkTypes[0] ?? 1);
    if (this.watcher) {
      this.watcher.poll();
      this.watcher.stop();
    }
    if (closed.stats) this.onStats(closed.stats);
    const reason = this.stopReason ?? 'backend-ended';
    this.emit({ type: 'stopped', time: nowIso(), reason, signal: this.stopSignal, frames: this.frames, stats: closed.stats, failure: this.stopReason === null ? closed.failure : null });
    const summary: SummaryEvent = {
      type: 'summary', time: nowIso(), backend: this.backend, timestamps: src.timestamps, capture,
      stats: closed.stats, kernel: this.watcher ? this.compareKernel() : null,
      written: writer === null ? null : writer instanceof RotatingWriter
        ? { path: writer.files[0] ?? writer.path, frames: writer.frames, files: [...writer.files] }
        : { path: writer.path, frames: writer.frames },
    };
    this.emit(summary);
    return summary;
  }

  private cleanupTimers(): void {
    if (this.durationTimer) clearTimeout(this.durationTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.durationTimer = this.tickTimer = this.drainTimer = null;
  }

  /** The wall clock moves the tracker's clock (2 s behind, for packets still in the pipe). */
  private tick(): void {
    if (this.frames === 0 || this.stopReason !== null) return;
    const ms = Date.now() - 2000;
    const sec = Math.floor(ms / 1000);
    this.pipeline.tracker.advance(sec, (ms - sec * 1000) * 1e6);
  }

  private onStats(s: CaptureStats): void {
    if (s.dropped > this.lastDropped) {
      this.emit({ type: 'drops', time: nowIso(), received: s.received, dropped: s.dropped, newlyDropped: s.dropped - this.lastDropped });
      this.lastDropped = s.dropped;
    }
  }

  // ------------------------------------------------------------- engine

  private info(c: Connection): ConnInfo {
    let i = this.conns.get(c);
    if (i === undefined) {
      i = {
        stream: c.stream,
        addr: [{ ip: ipText(c.ipVersion, c.addr0), port: c.port0 }, { ip: ipText(c.ipVersion, c.addr1), port: c.port1 }],
        clientSide: c.clientSide,
      };
      this.conns.set(c, i);
    }
    return i;
  }

  /**
   * The engine's transitions as events. Under a burst this runs some
   * 150,000 times a second: each event is one object literal (no spreads,
   * keys in the order the NDJSON has always had), and none is built when
   * nobody reads them (LiveOptions.connectionEvents false).
   */
  private observer(): TcpObserver {
    const events = this.o.connectionEvents ?? true;
    const side = (c: Connection, s: 0 | 1): Side => (s === c.clientSide ? 'client' : 'server');
    const required = this.o.settings.timeWaitSeconds;
    const deadline = (m: Moment): string => {
      const ns = m.tsNsec + Math.round((required % 1) * 1e9);
      return iso(m.tsSec + Math.floor(required) + Math.floor(ns / 1e9), ns % 1e9);
    };
    return {
      opened: (c: Connection) => {
        if (!events && this.watcher === null) return;
        const i = this.info(c);
        i.clientSide = c.clientSide;
        const client = i.addr[c.clientSide];
        const server = i.addr[c.clientSide === 0 ? 1 : 0];
        if (this.watcher !== null) {
          this.byTuple.set(socketKey(client.ip, client.port, server.ip, server.port), { stream: c.stream, side: 'client' });
          this.byTuple.set(socketKey(server.ip, server.port, client.ip, client.port), { stream: c.stream, side: 'server' });
        }
        if (events) this.emit({ type: 'opened', time: iso(c.firstSec, c.firstNsec), frame: c.firstFrame, stream: c.stream, client, server, clientFrom: c.clientFrom });
      },
      transition: (c: Connection, s: 0 | 1, t: Transition) => {
        if (t.to === State.TIME_WAIT && this.watcher !== null) this.twEntry.set(`${c.stream}:${side(c, s)}`, { sec: t.tsSec, nsec: t.tsNsec });
        if (!events) return;
        const i = this.info(c);
        const sd = side(c, s);
        const endpoint = i.addr[s];
        const time = iso(t.tsSec, t.tsNsec);
        const frame = t.frame;
        const stream = i.stream;
        this.emit({ time, frame, stream, side: sd, endpoint, type: 'transition', from: stateName(t.from), to: stateName(t.to), cause: t.cause, inferred: t.inferred });
        if (t.to === State.TIME_WAIT) {
          this.emit({ time, frame, stream, side: sd, endpoint, type: 'time-wait', requiredSeconds: required, deadline: deadline(t) });
        } else if (t.from === State.TIME_WAIT) {
          const e = s === 0 ? c.ep0 : c.ep1;
          const last = e.twRestarts.length > 0 ? e.twRestarts[e.twRestarts.length - 1] : e.twEntry;
          if (last !== null && e.twEnd !== null) {
            const observed = Math.round(((t.tsSec - last.tsSec) + (t.tsNsec - last.tsNsec) / 1e9) * 1e9) / 1e9;
            this.emit({ time, frame, stream, side: sd, endpoint, type: 'time-wait-end', evidence: e.twEnd.kind, observedSeconds: observed, requiredSeconds: required, verdict: observed >= required ? 'full' : 'cut-short' });
          }
        }
      },
      retracted: (c: Connection, s: 0 | 1, t: Transition) => {
        if (t.to === State.TIME_WAIT) this.twEntry.delete(`${c.stream}:${side(c, s)}`);
        if (!events) return;
        const i = this.info(c);
        this.emit({ time: iso(t.tsSec, t.tsNsec), frame: t.frame, stream: i.stream, side: side(c, s), endpoint: i.addr[s], type: 'retracted', from: stateName(t.from), to: stateName(t.to), cause: t.cause });
      },
      finRetransmitted: (c: Connection, s: 0 | 1, copy: Copy) => {
        if (!events) return;
        const e = s === 0 ? c.ep0 : c.ep1;
        const i = this.info(c);
        this.emit({ time: iso(copy.tsSec, copy.tsNsec), frame: copy.frame, stream: i.stream, side: side(c, s), endpoint: i.addr[s], type: 'fin-retransmission', copy: e.finCopies.length + e.finCopiesOmitted - 1, gapSeconds: copy.gapSeconds });
      },
      timeWaitRestarted: (c: Connection, s: 0 | 1, m: Moment) => {
        if (!events) return;
        const i = this.info(c);
        this.emit({ time: iso(m.tsSec, m.tsNsec), frame: m.frame, stream: i.stream, side: side(c, s), endpoint: i.addr[s], type: 'time-wait-restart', deadline: deadline(m), answering: restartAnswers(c, s, m.frame) });
      },
    };
  }

  private onDone(c: Connection, r: ConnectionReport): void {
    const info = this.conns.get(c);
    this.conns.delete(c);
    // What the kernel comparison needs of a connection outlives it only if
    // the kernel showed one of its sockets: memory stays with the open ones.
    if (this.kernelStreams.has(r.stream)) this.reports.set(r.stream, r);
    else if (info !== undefined && this.watcher !== null) {
      // A reuse of the 4-tuple may already have mapped it to the new stream.
      const [a, b] = info.addr;
      for (const k of [socketKey(a.ip, a.port, b.ip, b.port), socketKey(b.ip, b.port, a.ip, a.port)]) {
        if (this.byTuple.get(k)?.stream === r.stream) this.byTuple.delete(k);
      }
      this.twEntry.delete(`${r.stream}:client`);
      this.twEntry.delete(`${r.stream}:server`);
    }
    if (this.o.connectionEvents === false) return;
    const ev: ClosedEvent = { type: 'closed', time: iso(c.endSec, c.endNsec), stream: r.stream, reason: c.endReason, verdict: r.timeWait.verdict, report: r };
    this.emit(ev);
  }

  // -------------------------------------------------------------- kernel

  private onKernel(e: KernelEvent): void {
    const r = e.rec;
    const m = this.byTuple.get(r.key);
    if (m === undefined) return; // not a socket of a captured connection
    if (e.kind === 'entered') {
      this.matchedKernel.push({ rec: r, stream: m.stream, side: m.side });
      this.kernelStreams.add(m.stream);
    }
    const cap = this.twEntry.get(`${m.stream}:${m.side}`) ?? null;
    const capMs = cap ? cap.sec * 1000 + cap.nsec / 1e6 : null;
    this.emit({
      type: 'kernel-time-wait', time: nowIso(), phase: e.kind, stream: m.stream, side: m.side,
      local: { ip: r.localIp, port: r.localPort }, remote: { ip: r.remoteIp, port: r.remotePort },
      entered: isoMs(r.enteredMs),
      remainingSeconds: e.kind === 'left' ? 0 : r.lastRemaining,
      measuredSeconds: e.kind === 'left' ? r.totalSeconds : null,
      endedEarly: r.endedEarly,
      captureEntered: cap ? iso(cap.sec, cap.nsec) : null,
      entryDeltaSeconds: capMs !== null ? Math.round(r.enteredMs - capMs) / 1000 : null,
    });
  }

  private compareKernel(): KernelComparison[] {
    const out: KernelComparison[] = [];
    const required = this.o.settings.timeWaitSeconds;
    for (const { rec, stream, side } of this.matchedKernel) {
      const rep = this.reports.get(stream) ?? null;
      const d = rep ? rep.timeWait[side] : null;
      const cap = this.twEntry.get(`${stream}:${side}`) ?? null;
      const capMs = cap ? cap.sec * 1000 + cap.nsec / 1e6 : null;
      const still = rec.leftMs === null;
      const delta = capMs !== null ? Math.round(rec.enteredMs - capMs) / 1000 : null;
      const verdict = d ? d.verdict : 'none';
      let agreement: KernelComparison['agreement'];
      const entryOk = delta !== null && Math.abs(delta) <= 1;
      const kSec = rec.totalSeconds;
      // The capture ended (--count, a stop, lost packets) with this endpoint
      // still able to reach TIME_WAIT: it never saw the rest, so its silence
      // says nothing. Only a state from which TIME_WAIT cannot follow
      // (CLOSE_WAIT, LAST_ACK, CLOSED) contradicts the kernel.
      const lastState = rep ? rep.endpoints[side].finalState : null;
      const unseen = verdict === 'none' && lastState !== null && TIME_WAIT_AHEAD.has(lastState);
      if (unseen) agreement = 'undecided';
      else if (d === null) agreement = 'disagree';
      else if (verdict === 'full') agreement = still || (kSec !== null && kSec >= required - 1) ? 'agree' : 'disagree';
      else if (verdict === 'cut-short') agreement = !still && (rec.endedEarly || (kSec !== null && kSec < required)) ? 'agree' : 'disagree';
      else agreement = 'undecided';
      if (!entryOk && agreement === 'agree') agreement = 'disagree';
      const cmp: Omit<KernelComparison, 'note'> = {
        stream, side,
        local: { ip: rec.localIp, port: rec.localPort }, remote: { ip: rec.remoteIp, port: rec.remotePort },
        kernelEntered: isoMs(rec.enteredMs), captureEntered: cap ? iso(cap.sec, cap.nsec) : null, entryDeltaSeconds: delta,
        kernelSeconds: kSec, kernelRestarts: rec.restarts.length, captureRestarts: d ? d.restarts.length : 0,
        endedEarly: rec.endedEarly, stillInTimeWait: still, remainingAtEnd: still ? rec.lastRemaining : null,
        captureVerdict: verdict, captureObservedSeconds: d ? d.observedSeconds : null, requiredSeconds: required,
        captureLastState: unseen ? lastState : null,
        agreement,
      };
      // The note in English (the JSON's); `live --lang zh` words it again from the same fields.
      out.push({ ...cmp, note: kernelNote(cmp, 'en') });
    }
    out.sort((a, b) => a.stream - b.stream || a.side.localeCompare(b.side));
    return out;
  }
}
