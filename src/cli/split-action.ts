/**
 * `tcpscope part scan`, `part analyze` and `merge` (analyze/split.ts).
 */
import { readFile } from 'node:fs/promises';
import { analyzePart, mergeParts, parseScan, type PartScan, readPartHeader, scanPart, SplitError } from '../analyze/split.ts';
import { csvHeader, csvLine } from '../render/csv.ts';
import { NdjsonWriter } from '../render/json.ts';
import { termText } from '../render/escape/terminal.ts';
import { type CommonOptions, resolveCommon } from './common.ts';
import { OutputFile, writeReason } from './output-file.ts';
import { openOutput } from './run.ts';
import { RowSpill } from './row-spill.ts';
import { warningLine } from '../render/i18n.ts';
import { CaptureError } from '../capture/frame.ts';
import { seriesName } from './series-name.ts';
import { groupInputs } from '../capture/series.ts';
import { UsageError, version } from './util.ts';
import { ParquetTable } from '../render/parquet.ts';
import { checkParquetOutput, finishParquet } from './parquet-action.ts';

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
  format: 'ndjson' | 'csv' | 'parquet';
  name?: string;
  output?: string;
  quiet?: boolean;
}

/** Errors of the split files and captures are the user's input: one line, exit 2. */
async function split<T>(what: string, f: () => Promise<T>, capture?: string): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof SplitError) throw new UsageError(`${what}: ${e.message}`);
    if (e instanceof CaptureError && capture !== undefined) throw new UsageError(`${termText(capture)}: ${termText(e.message)}`);
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).path !== undefined) {
      throw new UsageError(`${what}: cannot open ${termText(String((e as NodeJS.ErrnoException).path))}: ${(e as NodeJS.ErrnoException).code}`);
    }
    throw e;
  }
}

export async function partScanAction(file: string, o: PartScanOptions): Promise<void> {
  const c = resolveCommon({ ...o, color: false, output: undefined });
  const bytes = await split('part scan', () => scanPart(file, { inflate: c.inflate }), file);
  const out = await openOutput(o.output);
  out.write(bytes);
  await out.close();
}

export async function partAnalyzeAction(file: string, o: PartAnalyzeOptions): Promise<void> {
  const c = resolveCommon({ ...o, color: false, output: undefined });
  if (!/^\d+$/.test(o.index)) throw new UsageError(`--index: expected the part's place, 0 for the first, got '${o.index}'`);
  const index = Number(o.index);
  if (index >= o.scans.length) throw new UsageError(`--index ${index}: only ${o.scans.length} ${o.scans.length === 1 ? 'scan was' : 'scans were'} given (one for every part)`);
  const scans: PartScan[] = [];
  for (const s of o.scans) scans.push(await split('part analyze', async () => parseScan(await readFile(s), termText(s))));
  // The table limit of analyze (memory stays bounded); the merge says if a part had to evict.
  const opts = { inflate: c.inflate, maxConnections: c.maxConnections };
  // Written beside --output and renamed onto it at the end, as every output (never through a link, never half-written).
  let out: OutputFile;
  try {
    out = await OutputFile.create(o.output);
  } catch (e) {
    throw new UsageError(`--output: cannot write ${termText(o.output)}: ${writeReason(e)}`);
  }
  try {
    const done = await split('part analyze', () => analyzePart(file, index, scans, c.settings, out.fd, opts), file);
    for (const w of done.summary.warnings) process.stderr.write(warningLine(c.lang, file, w) + '\n');
  } catch (e) {
    await out.abort();
    throw e;
  }
  try {
    await out.commit();
  } catch (e) {
    throw new UsageError(`--output: cannot write ${termText(o.output)}: ${writeReason(e)}`);
  }
}

export async function mergeAction(parts: string[], o: MergeCommandOptions): Promise<void> {
  const warnings = await mergeTo(parts, o);
  if (o.quiet !== true) for (const m of warnings) process.stderr.write(`warning: ${termText(m)}\n`);
}

/** The merge written to --output (else standard output); its warnings (`cluster run` shows a worker's). */
export async function mergeTo(parts: string[], o: MergeCommandOptions): Promise<string[]> {
  const name = o.name ?? await split('merge', async () => defaultName(parts.map((p) => readPartHeader(p).file)));
  if (o.format === 'parquet') checkParquetOutput(o.output ?? null);
  const out = await openOutput(o.output ?? null);
  // Parquet: the rows in the order one run adds them (analyze -f parquet), written a row group at a time.
  const table = o.format === 'parquet' ? new ParquetTable((bytes) => out.write(bytes), undefined, `tcpscope version ${version()}`) : null;
  const rows = new RowSpill();
  const w = new NdjsonWriter();
  let summary;
  try {
    summary = await split('merge', () => mergeParts(parts, (m) => {
      if (o.format === 'csv') rows.add(0, m.stream, csvLine(m.report(), name));
      else if (table !== null) void table.add(m.report(), name);
      else {
        w.lineJson(m.json(), name);
        if (w.size >= 1 << 20) out.write(w.take());
      }
    }, () => out.caughtUp()));
    if (o.format === 'csv') {
      out.write(csvHeader());
      await rows.writeRows(0, out);
    } else if (table !== null) await finishParquet(table);
    else if (w.size > 0) out.write(w.take());
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    rows.close();
  }
  await out.close();
  return summary.warnings;
}

/** The name `tcpscope analyze` gives the parts' captures read as one (a tcpdump -C series, or the files given as one with --series). */
function defaultName(names: string[]): string {
  const groups = groupInputs(names.map((n) => ({ name: n, path: n })));
  const g = groups.length === 1 ? groups[0].series : null;
  return seriesName(g !== null && g.parts.length === names.length ? g.kind : 'given', names, null);
}
