/**
 * The jobs of a cluster run, as they travel through the queue (BullMQ on
 * Redis), and what runs them. A run of N capture files is two flows:
 *
 *   scans  <- scan 0 .. scan N-1       (a cheap pass over each file)
 *   merge  <- part 0 .. part N-1       (each part analysed with every scan)
 *
 * A parent job runs when all its children are done; a child that fails for
 * good fails its parent (failParentOnFailure). Jobs carry only a path or
 * two and small options (never the list of every part's file: a run of
 * thousands of files stays thousands of small jobs): scans, parts and the
 * merged output are files named by their index in the run's folder of the
 * shared work directory, which every worker reads and writes.
 */
import { join } from 'node:path';
/** The queue's default name (`--queue`): several clusters can share one Redis under different names. */
export const DEFAULT_QUEUE = 'tcpscope';

/** The output formats a merge writes (those of `tcpscope merge`). */
export const CLUSTER_FORMATS = ['ndjson', 'csv'] as const;
export type ClusterFormat = (typeof CLUSTER_FORMATS)[number];

/** The run's files in its folder `dir`. */
export const scanPath = (dir: string, index: number): string => join(dir, `scan-${index}`);
export const partPath = (dir: string, index: number): string => join(dir, `part-${index}`);
export const outputPath = (dir: string, format: ClusterFormat): string => join(dir, `output.${format}`);

/** Pass over capture file `file` (part `index` of the run), written to scanPath(dir, index). */
export interface ScanJob {
  file: string;
  index: number;
  dir: string;
}

/**
 * The analysis options of a run, as `tcpscope part analyze` takes them
 * (checked by `cluster run` before anything is queued).
 */
export interface AnalysisOptions {
  os: string;
  msl?: string;
  maxConnections?: string;
}

/** Analyse part `index` (`file`) of `count` with the scans of every part, written to partPath(dir, index). */
export interface PartJob {
  file: string;
  index: number;
  count: number;
  dir: string;
  analysis: AnalysisOptions;
}

/** Join the `count` parts (in capture order) into one output of `format`, written to outputPath(dir, format). */
export interface MergeJob {
  count: number;
  dir: string;
  format: ClusterFormat;
  /** The capture name the output shows. */
  name: string;
}

/** What the merge job returns (its return value in the queue). */
export interface MergeResult {
  warnings: string[];
}

/** The barrier after the scans: it runs once every scan is done. */
export interface ScansJob {
  count: number;
}

/** The job names, as BullMQ stores them. */
export type JobName = 'scan' | 'scans' | 'part' | 'merge';

/**
 * What a worker does with each kind of job; the worker's queue side knows
 * nothing of how (threads running the split commands' code in production,
 * plain functions in the queue's own tests). Each call writes its file
 * whole or not at all.
 */
export interface JobRunner {
  scan(job: ScanJob): Promise<void>;
  part(job: PartJob): Promise<void>;
  /** Resolves with the merge's warnings (where it may differ from one run). */
  merge(job: MergeJob): Promise<string[]>;
  /** Stop whatever runs now (a worker quitting at once). */
  stop?(): Promise<void>;
}

/**
 * A job that fails because of its input (a corrupt capture, a scan that
 * does not belong to the run): trying it again would fail the same way, so
 * the queue does not retry it. The message is one line naming the file.
 */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** The part a job is about, for messages: "part 3 (/data/tap.pcap3)", "the merge". */
export function jobLabel(name: string, data: unknown): string {
  const d = (data ?? {}) as { file?: unknown; index?: unknown };
  const file = typeof d.file === 'string' ? ` (${d.file})` : '';
  const index = typeof d.index === 'number' ? ` ${d.index}` : '';
  if (name === 'scan') return `scan of part${index}${file}`;
  if (name === 'part') return `part${index}${file}`;
  if (name === 'merge') return 'the merge';
  if (name === 'scans') return 'the scans';
  return `job ${name}`;
}
