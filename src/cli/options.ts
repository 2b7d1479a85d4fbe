/** The options of `analyze` and `timeline` as commander gives them, shared by the commands and their actions. */
import type { CommonOptions } from './common.ts';

export const FORMATS = ['table', 'json', 'ndjson', 'csv', 'markdown', 'html', 'zeek', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export interface AnalyzeOptions extends CommonOptions {
  format: string;
  columns?: string;
  series?: boolean;
  seriesPattern?: string;
}

export interface TimelineOptions extends CommonOptions {
  data?: boolean;
}
