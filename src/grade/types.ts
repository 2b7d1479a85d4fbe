/**
 * The rubric format of `tcpscope grade` and the results it produces.
 *
 * A rubric is JSON or YAML (README "Grading a class"): a list of criteria,
 * each with an id, points, a description shown to students in English and
 * Chinese, a check on the analysed connections, and which connection the
 * check applies to. `parseRubric` (rubric.ts) validates a document into a
 * `Rubric`, naming each mistake with its path.
 */
import type { SegmentRecord } from '../analyze/segments.ts';
import type {
  CloseKind, ConnectionReport, HandshakeKind, OsPreset, ResetCause, StateName, TimeWaitVerdict,
} from '../report/types.ts';

/** Text shown to students: one string per language. */
export interface Text {
  en: string;
  zh: string;
}

/** Which connection(s) of a capture a criterion looks at. */
export type Pick =
  /** The capture's best connection: the one earning the most points of the criteria that pick `best` (same filter). */
  | 'best'
  /** Passes if some connection passes. */
  | 'any'
  /** Passes if every connection passes (and there is at least one). */
  | 'every';

export interface Selection {
  pick: Pick;
  /** Only connections matching this `--filter` expression (null: all). */
  filter: string | null;
}

/** Endpoint named by role in the close (resolved per connection) or by handshake role. */
export type Role = 'client' | 'server' | 'active-closer' | 'passive-closer';

export interface Range {
  min?: number;
  max?: number;
}

/**
 * A check on one connection. Exactly one key per object; `all`, `any` and
 * `not` combine checks on the same connection.
 */
export type Check =
  | { all: Check[] }
  | { any: Check[] }
  | { not: Check }
  | { handshake: HandshakeKind[] }
  | { close: CloseKind[] }
  | { activeCloser: ('client' | 'server' | 'both' | 'none')[] }
  /** Who entered TIME_WAIT: a role, `both`, `none` or `any` (someone did). */
  | { timeWait: ('client' | 'server' | 'active-closer' | 'passive-closer' | 'both' | 'none' | 'any')[] }
  | { timeWaitVerdict: TimeWaitVerdict[] }
  | { finRetransmissions: Range & { side?: 'client' | 'server' | 'active-closer' | 'passive-closer' } }
  | { synRetransmissions: Range & { side?: 'client' | 'server' } }
  /** Data sent after receiving the peer's FIN (in CLOSE_WAIT): true, false, or by whom. */
  | { halfClose: boolean | Role }
  /** false: no RST; true: some RST; or the RST's inferred cause(s). */
  | { reset: boolean | ResetCause[] }
  | { port: number[] }
  | { clientPort: number[] }
  | { serverPort: number[] }
  /** Addresses or CIDR prefixes (IPv4 or IPv6). */
  | { host: string[] }
  | { clientHost: string[] }
  | { serverHost: string[] }
  /** The connection's first and last frames fall in this window (ISO 8601 dates or times, UTC unless an offset is given). */
  | { capturedBetween: { from: string | null; to: string | null } }
  | { finalState: Partial<Record<Role, StateName[]>> }
  /** The endpoint went through these states in this order (other states may come between). */
  | { states: { side: Role; sequence: StateName[] } }
  /** The connection reused the 4-tuple of an earlier one that was still held (TIME_WAIT cut short). */
  | { reuse: boolean }
  /** The passive closer acknowledged with ack=u+1 and the active closer with ack=w+1. */
  | { closeAcks: boolean }
  /** An expression of `tcpscope analyze --filter`. */
  | { filter: string };

export interface Criterion {
  id: string;
  points: number;
  description: Text;
  select: Selection;
  check: Check;
}

/** What to do with a capture that is truncated or damaged but partly readable. */
export type DamagePolicy = 'zero' | 'grade';

export interface Rubric {
  name: string;
  title: Text;
  /** TIME_WAIT preset and MSL the captures are analysed with. */
  os: OsPreset;
  msl: number | null;
  damaged: DamagePolicy;
  criteria: Criterion[];
}

/** A sentence about the capture, by message key and parameters (localized by i18n.ts). */
export interface Fact {
  key: string;
  params: Record<string, string | number>;
}

export interface CriterionResult {
  id: string;
  points: number;
  earned: number;
  pass: boolean;
  /** Stream the check was decided on (the best connection, the passing one for `any`, the failing one for `every`), null if none. */
  stream: number | null;
  /** What the capture shows, for the feedback. */
  facts: Fact[];
}

/** The values a student is asked for, read from the graded connection (answers.ts checks against these). */
export interface AnswerKey {
  stream: number;
  client: string;
  server: string;
  activeCloser: 'client' | 'server' | 'both' | null;
  /** Address of the active closer (ip:port), null if none. */
  activeCloserAddress: string | null;
  passiveCloserAddress: string | null;
  x: { seq: number; relative: number; frame: number | null } | null;
  y: { seq: number; relative: number; frame: number | null } | null;
  u: { seq: number; relative: number; frame: number | null } | null;
  v: { seq: number; relative: number; frame: number | null } | null;
  w: { seq: number; relative: number; frame: number | null } | null;
  handshake: HandshakeKind;
  close: CloseKind;
  /** For waves 1..4: frame, and the state of the active and passive closer after it. */
  waves: ({ frame: number; active: StateName; passive: StateName } | null)[];
  timeWaitSide: 'client' | 'server' | 'both' | null;
  timeWaitAddress: string | null;
  /** 2 x MSL of the settings, seconds. */
  timeWaitSeconds: number;
  /** Observed TIME_WAIT (from its last start to the evidence), null if none. */
  timeWaitObservedSeconds: number | null;
  finRetransmissions: number;
  finalStates: { client: StateName; server: StateName };
}

/** Fingerprints for copy detection. */
export interface Fingerprint {
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  size: number;
  /** One per connection with a known ISN: `x/y/time of the first frame to the µs`. */
  connections: { key: string; isns: string; stream: number }[];
}

/** The result of grading one file (what a worker sends back). */
export interface FileResult {
  /** The path as found (relative to the folder given, or as given). */
  file: string;
  status: 'graded' | 'unreadable' | 'damaged';
  /** Why the file got 0 without grading (the reader's message), null if graded. */
  reason: string | null;
  /** Damage that did not stop reading (truncation, skipped bytes), even when graded. */
  damage: string[];
  format: 'pcap' | 'pcapng' | null;
  frames: number;
  tcpSegments: number;
  connections: number;
  score: number;
  max: number;
  /** Stream of the best connection (default selection), null if none. */
  stream: number | null;
  criteria: CriterionResult[];
  key: AnswerKey | null;
  fingerprint: Fingerprint | null;
  /** The graded connection and its first segments, when asked for (the HTML gradebook draws its ladder); absent otherwise. */
  graded?: GradedConnection | null;
}

/** A student's graded connection: its report and its segments (the first LADDER_SEGMENTS), for its ladder diagram. */
export interface GradedConnection {
  report: ConnectionReport;
  segments: SegmentRecord[];
}

/** Formats of the gradebook (gradebook.ts renders them). */
export const GRADEBOOK_FORMATS = ['table', 'csv', 'json', 'markdown', 'moodle', 'canvas', 'html'] as const;
export type GradebookFormat = (typeof GRADEBOOK_FORMATS)[number];
