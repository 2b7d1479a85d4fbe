/** The options of `analyze` and `timeline` as commander gives them, shared by the commands and their actions. */
import type { CommonOptions } from './common.ts';

export const FORMATS = ['table', 'json', 'ndjson', 'csv', 'markdown', 'html', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

export interface AnalyzeOptions extends CommonOptions {
  format: string;
  columns?: string;
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
