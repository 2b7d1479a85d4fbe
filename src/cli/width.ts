/**
 * The width the human output is fitted to (render/fit.ts), or null for the
 * full layout. The rule (README, "Terminal width"):
 * - `--wide`: the full layout, every column;
 * - `--width N`: N columns, wherever the output goes;
 * - a terminal on standard output (and no --output): its width, else
 *   COLUMNS, else 80;
 * - a pipe or a file: the full, stable layout scripts read, unless COLUMNS
 *   is set in the environment (an explicit request: `COLUMNS=100 tcpscope
 *   analyze x.pcap | less`). Shells set COLUMNS for themselves but do not
 *   export it, so a script's pipe is not affected by the terminal it ran in.
 */
import { type ColumnKey, parseColumns } from '../render/columns.ts';
import { UsageError } from './util.ts';

export interface WidthOptions {
  width?: string;
  wide?: boolean;
}

/** Narrower than this, nothing is readable: the fitted layouts stop shrinking there. */
export const MIN_WIDTH = 40;

export function resolveWidth(
  o: WidthOptions, toFile: boolean,
  out: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env,
): number | null {
  if (o.wide) return null;
  if (o.width !== undefined) {
    if (!/^\d+$/.test(o.width) || Number(o.width) < MIN_WIDTH) throw new UsageError(`--width: expected a number of columns >= ${MIN_WIDTH}, got '${o.width}'`);
    return Number(o.width);
  }
  const fromEnv = env.COLUMNS !== undefined && /^\d+$/.test(env.COLUMNS) && Number(env.COLUMNS) > 0 ? Math.max(MIN_WIDTH, Number(env.COLUMNS)) : null;
  if (!toFile && out.isTTY === true) {
    if (out.columns !== undefined && out.columns > 0) return Math.max(MIN_WIDTH, out.columns);
    return fromEnv ?? 80;
  }
  return fromEnv;
}

/** --columns a,b,c: the table's columns in that order (null: not given); a usage error lists the names. */
export function columnsOption(spec: string | undefined): ColumnKey[] | null {
  if (spec === undefined) return null;
  try {
    return parseColumns(spec);
  } catch (e) {
    throw new UsageError(`--columns: ${(e as Error).message}`);
  }
}
