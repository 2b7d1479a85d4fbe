/**
 * The events of `tcpscope live`, as `--format ndjson` writes them (one JSON
 * object per line, `type` first). Times are ISO 8601 UTC with nanoseconds;
 * `timestamps` in `started` says whether they are kernel capture times or
 * receipt times (cap backend).
 */
import type { CaptureReport, Cause, ConnectionReport, EndpointAddress, Settings, Side, StateName, TimeWaitVerdict } from '../report/types.ts';
import type { BackendName, CaptureStats, TimeSource } from './backend.ts';

export interface StartedEvent {
  type: 'started';
  time: string;
  backend: BackendName;
  interface: string;
  filter: string;
  timestamps: TimeSource;
  /** What the backend means for timing, in a sentence. */
  timing: string;
  /** Kernel TIME_WAIT observation (/proc/net/tcp) is on. */
  kernel: boolean;
  /** The -w file, if any. */
  writing: string | null;
  /** Bytes kept of each packet (--snaplen; 65535 with cap): the -w file's packets are cut there. */
  snapLength: number;
  settings: Settings;
}

interface ConnEvent {
  time: string;
  frame: number;
  /** Wireshark's tcp.stream, as `analyze` numbers it in the -w file. */
  stream: number;
}

export interface OpenedEvent extends ConnEvent {
  type: 'opened';
  client: EndpointAddress;
  server: EndpointAddress;
  clientFrom: ConnectionReport['clientFrom'];
}

interface EndpointEvent extends ConnEvent {
  side: Side;
  endpoint: EndpointAddress;
}

export interface TransitionEvent extends EndpointEvent {
  type: 'transition';
  from: StateName;
  to: StateName;
  cause: Cause;
  inferred: boolean;
}

/**
 * The last transition of the endpoint was undone: its FIN crossed the peer's
 * (simultaneous close), or the ACK of its FIN never reached it (it sent the FIN again).
 */
export interface RetractedEvent extends EndpointEvent {
  type: 'retracted';
  from: StateName;
  to: StateName;
  cause: Cause;
}

export interface FinRetransmissionEvent extends EndpointEvent {
  type: 'fin-retransmission';
  /** 1 for the first retransmission. */
  copy: number;
  gapSeconds: number;
}

export interface TimeWaitEnteredEvent extends EndpointEvent {
  type: 'time-wait';
  requiredSeconds: number;
  /** When 2MSL (of the settings) runs out. */
  deadline: string;
}

export interface TimeWaitRestartEvent extends EndpointEvent {
  type: 'time-wait-restart';
  deadline: string;
  /**
   * What its ACK answered (RFC 9293 3.10.7.4, "acknowledge it, and restart
   * the 2 MSL timeout"): a retransmitted FIN, or a segment PAWS refused
   * (RFC 7323 5.3; Linux tcp_timewait_state_process), the `paws-rejected`
   * note whose `answerFrame` is this frame.
   */
  answering: 'retransmitted-fin' | 'paws-rejected';
}

/** TIME_WAIT ended with evidence in the capture (RST or reuse of the 4-tuple). */
export interface TimeWaitEndEvent extends EndpointEvent {
  type: 'time-wait-end';
  evidence: 'rst' | 'rst-received' | 'reuse';
  observedSeconds: number;
  requiredSeconds: number;
  verdict: 'full' | 'cut-short';
}

/** The tracker let go of a connection: its report is final. */
export interface ClosedEvent {
  type: 'closed';
  time: string;
  stream: number;
  /** `expired`: 2MSL passed with nothing on the 4-tuple (live clock); `replaced`: reused; `capture-end`: the run stopped. */
  reason: 'expired' | 'replaced' | 'capture-end';
  verdict: TimeWaitVerdict;
  report: ConnectionReport;
}

export interface DropsEvent {
  type: 'drops';
  time: string;
  received: number;
  dropped: number;
  /** Dropped since the previous drops event. */
  newlyDropped: number;
}

/** A local socket of a captured connection, as the kernel shows it. */
export interface KernelEventOut {
  type: 'kernel-time-wait';
  time: string;
  phase: 'entered' | 'restart' | 'left';
  stream: number | null;
  side: Side | null;
  local: EndpointAddress;
  remote: EndpointAddress;
  /** Estimated entry (first seen minus the time the 60 s timer had already run). */
  entered: string;
  remainingSeconds: number;
  /** For `left`: kernel-measured seconds from entry (or the last restart) to leaving. */
  measuredSeconds: number | null;
  endedEarly: boolean;
  /** The capture's entry time for this endpoint and the difference kernel - capture, seconds. */
  captureEntered: string | null;
  entryDeltaSeconds: number | null;
}

export interface StoppedEvent {
  type: 'stopped';
  time: string;
  /** `interrupt`: SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed), named in `signal`. */
  reason: 'interrupt' | 'duration' | 'count' | 'backend-ended';
  /** The signal that stopped the capture (null: not a signal, or not known). */
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | null;
  frames: number;
  stats: CaptureStats | null;
  failure: string | null;
}

/** One line per captured connection's local TIME_WAIT socket, in the summary. */
export interface KernelComparison {
  stream: number;
  side: Side;
  local: EndpointAddress;
  remote: EndpointAddress;
  kernelEntered: string;
  captureEntered: string | null;
  entryDeltaSeconds: number | null;
  /** Kernel-measured TIME_WAIT (null while still in TIME_WAIT at the end). */
  kernelSeconds: number | null;
  kernelRestarts: number;
  captureRestarts: number;
  endedEarly: boolean;
  stillInTimeWait: boolean;
  remainingAtEnd: number | null;
  captureVerdict: TimeWaitVerdict;
  captureObservedSeconds: number | null;
  requiredSeconds: number;
  /**
   * When the capture ended before this endpoint could have entered TIME_WAIT
   * in it (--count, a stop, lost packets): its last state there; else null.
   */
  captureLastState: StateName | null;
  /** Do the capture's verdict and the kernel's measurement agree? `undecided` when the capture could not tell. */
  agreement: 'agree' | 'disagree' | 'undecided';
  note: string;
}

export interface SummaryEvent {
  type: 'summary';
  time: string;
  backend: BackendName;
  timestamps: TimeSource;
  capture: CaptureReport;
  stats: CaptureStats | null;
  kernel: KernelComparison[] | null;
  /** The -w file, or with -C/-G the first file of the series and `files`, every file written. */
  written: { path: string; frames: number; files?: string[] } | null;
}

export type LiveEvent =
  | StartedEvent | OpenedEvent | TransitionEvent | RetractedEvent | FinRetransmissionEvent
  | TimeWaitEnteredEvent | TimeWaitRestartEvent | TimeWaitEndEvent | ClosedEvent | DropsEvent
  | KernelEventOut | StoppedEvent | SummaryEvent;
