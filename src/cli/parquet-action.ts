/**
 * `analyze --format parquet`: the per-connection table as a Parquet file
 * (render/parquet.ts). Each shown connection becomes a row as soon as the
 * tracker lets go of it, and rows leave a row group at a time, so memory
 * does not grow with the capture. Rows come in the order the connections
 * ended (ORDER BY file, stream gives the CSV's order); captures are read
 * one after the other into one file.
 */
import { termText } from '../render/escape/terminal.ts';
import { t } from '../render/i18n.ts';
import { ParquetTable } from '../render/parquet.ts';
import { analyzeAll, type Input, type Output } from './run.ts';
import { type Common, selector } from './common.ts';
import type { Interrupt } from './interrupt.ts';
import { UsageError, version } from './util.ts';

/** Parquet is binary: to a file (--output) or a pipe, not to a terminal. */
export function checkParquetOutput(output: string | null): void {
  if (output === null && process.stdout.isTTY === true) {
    throw new UsageError('--format parquet writes a binary file: give --output FILE (or pipe standard output)');
  }
}

export async function writeParquet(files: readonly Input[], c: Common, out: Output, interrupt?: Interrupt): Promise<{ failed: boolean; failOnMatched: boolean }> {
  const keep = selector(c);
  const max = files.map(() => -1);
  const wanted = files.map(() => false);
  let failOnMatched = false;
  const table = new ParquetTable((bytes) => out.write(bytes), undefined, `tcpscope version ${version()}`);
  const run = await analyzeAll(files, c, (r, file, i) => {
    if (r.stream > max[i]) max[i] = r.stream;
    if (r.stream === c.stream) wanted[i] = true;
    if (!keep(r)) return;
    void table.add(r, file);
    if (c.failOn?.(r)) failOnMatched = true;
  }, undefined, interrupt);
  if (c.stream !== null && run.captures.length === 1 && !wanted[run.indexes[0]]) {
    const file = termText(run.captures[0].file);
    const highest = max[run.indexes[0]];
    throw new UsageError(highest < 0 ? t(c.lang, 'cli.noStreamAtAll', { file }) : t(c.lang, 'cli.noStream', { stream: c.stream, file, max: highest }));
  }
  await finishParquet(table);
  return { failed: run.failed, failOnMatched };
}

/** Write the table's last rows and footer; say how many connections began beyond what a Parquet timestamp holds. */
export async function finishParquet(table: ParquetTable): Promise<void> {
  await table.finish();
  if (table.timesOutOfRange > 0) {
    process.stderr.write(`warning: ${table.timesOutOfRange} connection(s) start at a time beyond Parquet's TIMESTAMP(NANOS) (years 1677 to 2262): their first_time is null\n`);
  }
}
