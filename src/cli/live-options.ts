/** The options of `live` and `watch` as commander gives them, shared by the commands and their actions. */

export const LIVE_FORMATS = ['table', 'ndjson', 'json'] as const;

export interface LiveCliOptions {
  interface: string;
  filter?: string;
  write?: string;
  rotateSize?: string;
  rotateSeconds?: string;
  output?: string;
  quiet?: boolean;
  duration?: string;
  count?: string;
  format: string;
  backend: string;
  kernel: boolean;
  bufferSize?: string;
  snaplen?: string;
  os?: string;
  msl?: string;
  lang?: string;
  color: boolean;
  utc?: boolean;
  columns?: string;
  width?: string;
  wide?: boolean;
}

export interface WatchOptions {
  port?: string;
  once?: boolean;
  interval: string;
  format: string;
  lang?: string;
  width?: string;
  wide?: boolean;
}
