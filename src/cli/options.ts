/** The options of `analyze` and `timeline` as commander gives them, shared by the commands and their actions. */
import type { CommonOptions } from './common.ts';

export const FORMATS = ['table', 'json', 'ndjson', 'csv', 'markdown', 'html', 'zeek', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export interface AnalyzeOptions extends CommonOptions {
  format: string;
  columns?: string;
  series?: boolean;
  seriesPattern?: string;
  /** --threads: `auto` or a whole number (run.ts shareThreads). */
  threads?: string;
}

export interface TimelineOptions extends CommonOptions {
  data?: boolean;
}

/**
 * `--threads auto` reads a regular file this large or larger with one
 * thread per CPU (run.ts shareThreads): below it, starting the threads
 * costs more than they save.
 */
export const SHARE_AUTO_BYTES = 64 << 20;
/**
 * ... on a machine with this many CPUs or more. Every thread reads and
 * decodes the whole file and has a heap of its own: two threads took about
 * 1.5 times the CPU time of one on a 3 M-segment capture (CSV: 7.2 s
 * against 4.7), so on 2 CPUs shared with other work they were slower in
 * every measurement (6.7 s against 4.9 s wall); see the README's Performance.
 */
export const SHARE_AUTO_CPUS = 4;
/** ... and at most this many threads (each one reads the whole file). */
export const SHARE_AUTO_MAX = 4;
