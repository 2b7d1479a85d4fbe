/**
 * `tcpscope part scan`, `part analyze` and `merge` (analyze/split.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { analyzePart, mergeParts, parseScan, type PartScan, readPartHeader, scanPart, SplitError } from '../analyze/split.ts';
import { csvHeader, csvLine } from '../render/csv.ts';
import { NdjsonWriter } from '../render/json.ts';
import { termText } from '../render/escape/terminal.ts';
import { type CommonOptions, resolveCommon } from './common.ts';
import { openOutput } from './run.ts';
import { UsageError } from './util.ts';

export interface PartScanOptions {
  output: string;
  maxInflate?: string;
  maxInflateRatio?: string;
}

export interface PartAnalyzeOptions extends Pick<CommonOptions, 'os' | 'msl' | 'maxConnections' | 'maxInflate' | 'maxInflateRatio'> {
  index: string;
  scans: string[];
  output: string;
}

export interface MergeCommandOptions {
  format: 'ndjson' | 'csv';
  name?: string;
  output?: string;
  quiet?: boolean;
}

/** Errors of the split files are the user's input: one line, exit 2. */
async function split<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof SplitError) throw new UsageError(`${what}: ${e.message}`);
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).path !== undefined) {
      throw new UsageError(`${what}: cannot open ${termText(String((e as NodeJS.ErrnoException).path))}: ${(e as NodeJS.ErrnoException).code}`);
    }
    throw e;
  }
}

export async function partScanAction(file: string, o: PartScanOptions): Promise<void> {
  const c = resolveCommon({ ...o, color: false, output: undefined });
  const bytes = await split('part scan', () => scanPart(file, { inflate: c.inflate }));
  await split('part scan', () => writeFile(o.output, bytes));
}

export async function partAnalyzeAction(file: string, o: PartAnalyzeOptions): Promise<void> {
  const c = resolveCommon({ ...o, color: false, output: undefined });
  if (!/^\d+$/.test(o.index)) throw new UsageError(`--index: expected the part's place, 0 for the first, got '${o.index}'`);
  const index = Number(o.index);
  if (index >= o.scans.length) throw new UsageError(`--index ${index}: only ${o.scans.length} ${o.scans.length === 1 ? 'scan was' : 'scans were'} given (one for every part)`);
  const scans: PartScan[] = [];
  for (const s of o.scans) scans.push(await split('part analyze', async () => parseScan(await readFile(s), termText(s))));
  const opts = o.maxConnections === undefined ? { inflate: c.inflate } : { inflate: c.inflate, maxConnections: c.maxConnections };
  await split('part analyze', () => analyzePart(file, index, scans, c.settings, o.output, opts));
}

export async function mergeAction(parts: string[], o: MergeCommandOptions): Promise<void> {
  const warnings = await mergeTo(parts, o);
  if (o.quiet !== true) for (const m of warnings) process.stderr.write(`warning: ${termText(m)}\n`);
}

/** The merge written to --output (else standard output); its warnings (`cluster run` shows a worker's). */
export async function mergeTo(parts: string[], o: MergeCommandOptions): Promise<string[]> {
  const name = o.name ?? await split('merge', async () => readPartHeader(parts[0]).file);
  const out = await openOutput(o.output ?? null);
  const rows: { stream: number; line: string }[] = [];
  const w = new NdjsonWriter();
  let summary;
  try {
    summary = await split('merge', () => mergeParts(parts, (r) => {
      if (o.format === 'csv') rows.push({ stream: r.stream, line: csvLine(r, name) });
      else {
        w.line(r, name);
        if (w.size >= 1 << 20) out.write(w.take());
      }
    }, () => out.caughtUp()));
  } catch (e) {
    await out.abort();
    throw e;
  }
  if (o.format === 'csv') {
    rows.sort((a, b) => a.stream - b.stream);
    out.write(csvHeader());
    for (const r of rows) out.write(r.line);
  } else if (w.size > 0) out.write(w.take());
  await out.close();
  return summary.warnings;
}
