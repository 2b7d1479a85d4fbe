/**
 * What the commands analyze, timeline and key do (their options and help
 * are commands.ts's, which loads this module only when one of them runs).
 * Each resolves its options, runs the pipeline through run.ts, hands the
 * reports to a pure renderer of src/render, and sets the exit code (0 done,
 * 2 bad usage or unreadable input, 3 a --fail-on condition held; main.ts
 * maps errors to 1 and 2).
 */
import type { AnalysisDocument, ConnectionReport } from '../report/types.ts';
import { statSync } from 'node:fs';
import { termText } from '../render/escape/terminal.ts';
import { type Lang, t } from '../render/i18n.ts';
import { wrapText } from '../render/fit.ts';
import { jsonDocumentParts, renderJsonParts } from '../render/json.ts';
import { Interrupt } from './interrupt.ts';
import { JsonSpool } from './json-spool.ts';
import { cellRows, RowSpill } from './row-spill.ts';
import { ReportThread } from './report-thread.ts';
import { type FilePath, expandFolders, NoCapturesError } from '../capture/files.ts';
import { skippedLine } from './skipped.ts';
import { type Input, Joiner, type Output, type SharedRun, analyzeAll, analyzeParallel, parallel, openOutput, readableTwice, reportThreadWanted, shareThreads, withReadableTwice } from './run.ts';
import type { SummaryFields } from './share-thread.ts';

/** --threads resolved (run.ts shareThreads). */
type ShareThreads = { threads: number; minBytes: number };

/** Some capture will be read with threads (then the report thread is not started). */
function sharedAny(files: readonly Input[], minBytes: number): boolean {
  return files.some((f) => {
    if (f.name === '-') return false;
    try {
      const st = statSync(f.path);
      return st.isFile() && st.size >= minBytes;
    } catch {
      return false;
    }
  });
}
import { type Common, type CommonOptions, resolveCommon, selector } from './common.ts';
import { type AnalyzeOptions, FORMATS, type Format, type TimelineOptions } from './options.ts';
import type { InflateLimits } from '../capture/source.ts';
import { UsageError, version } from './util.ts';
import { columnsOption } from './width.ts';
import type { TableOptions } from '../render/table.ts';

/** Exit code 2 if a capture was unreadable, else 3 when a shown connection matched --fail-on, else 0. */
function setExitCode(failed: boolean, failOnMatched: boolean): void {
  if (failed) process.exitCode = 2;
  else if (failOnMatched) process.exitCode = 3;
}

function failOnMatches(c: Common, shown: Iterable<ConnectionReport>): boolean {
  if (c.failOn) for (const r of shown) if (c.failOn(r)) return true;
  return false;
}

/** The streams a capture has: how many, the highest, and whether --stream is one of them. */
interface StreamsSeen {
  n: number;
  max: number;
  wanted: boolean;
}

function streamsSeen(): StreamsSeen {
  return { n: 0, max: -1, wanted: false };
}

function seeStream(c: Common, s: StreamsSeen, stream: number): void {
  s.n++;
  if (stream > s.max) s.max = stream;
  if (stream === c.stream) s.wanted = true;
}

/** --stream names no stream of the capture: a usage error naming the highest there is. */
function checkStream(c: Common, file: string, s: StreamsSeen): void {
  if (c.stream === null || s.wanted) return;
  if (s.n === 0) throw new UsageError(t(c.lang, 'cli.noStreamAtAll', { file: termText(file) }));
  throw new UsageError(t(c.lang, 'cli.noStream', { stream: c.stream, file: termText(file), max: s.max }));
}

function streamsOf(c: Common, conns: readonly ConnectionReport[]): StreamsSeen {
  const s = streamsSeen();
  for (const r of conns) seeStream(c, s, r.stream);
  return s;
}

export async function analyzeAction(args: string[], o: AnalyzeOptions): Promise<void> {
  const interrupt = new Interrupt();
  try {
    await analyzeUntilInterrupted(args, o, interrupt);
  } finally {
    interrupt.dispose();
  }
  if (interrupt.received !== null) {
    const c = resolveCommon(o);
    const unread = interrupt.unread.length > 0 ? t(c.lang, 'cli.interrupted.unread', { files: interrupt.unread.map(termText).join(', ') }) : '';
    process.stderr.write(t(c.lang, 'cli.interrupted', { signal: interrupt.received, unread }) + '\n');
    process.exitCode = interrupt.exitCode ?? 130;
  }
}

/**
 * analyze: everything but the interrupt's message and exit code. An
 * interrupt ends the read where it is; each output is then written as at
 * the end of the captures.
 */
async function analyzeUntilInterrupted(args: string[], o: AnalyzeOptions, interrupt: Interrupt): Promise<void> {
  const c = resolveCommon(o);
  let files: Input[];
  try {
    const found = await expandFolders(args);
    files = found.inputs;
    if (!c.quiet) for (const s of found.skipped) process.stderr.write(skippedLine(s) + '\n');
  } catch (e) {
    if (e instanceof NoCapturesError) {
      if (!c.quiet) for (const s of e.skipped) process.stderr.write(skippedLine(s) + '\n');
      throw new UsageError(`${termText(e.dir)}: no capture files (.pcap, .pcapng, .cap, .gz) in this folder`);
    }
    throw e;
  }
  const format = o.format as Format;
  files = await seriesOf(files, o, format);
  tableOptions(c, o);
  const threads = shareThreads(files, c, o.threads);
  if (threads.threads <= 1 || format === 'html') threads.threads = 1;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${o.format}'`);
  if (files.filter((f) => f.name === '-').length > 1) throw new UsageError('standard input (-) can be given only once');
  if (format === 'parquet') (await import('./parquet-action.ts')).checkParquetOutput(c.output);
  const out = await openOutput(c.output);

  if (format === 'ndjson' && parallel(files, c)) {
    const run = await analyzeParallel(files, c, out, interrupt);
    await out.close();
    setExitCode(run.failed, run.failOnMatched);
    return;
  }

  if (format === 'ndjson') {
    // One connection per line as soon as the tracker lets go of it, built in
    // batches (one per chunk of input): on a second core for large captures,
    // else in this thread (see report-thread.ts).
    const reports = new ReportThread(c, (bytes, written) => out.write(bytes, written), () => out.caughtUp(), (threads.threads <= 1 || !sharedAny(files, threads.minBytes)) && reportThreadWanted(files));
    let sharedFailOn = false;
    const joiner = new Joiner(out);
    const shared: SharedRun = {
      ...threads, render: { format: 'ndjson' },
      onConnection: (sc) => {
        if (!sc.kept) return;
        joiner.add(sc.bytes);
        if (sc.failOn) sharedFailOn = true;
      },
      flush: () => joiner.flush(), caughtUp: () => out.caughtUp(),
    };
    let run;
    try {
      run = await analyzeAll(files, c, undefined, reports, interrupt, shared);
    } finally {
      await reports.close();
    }
    if (reports.lostThread !== null && !c.quiet) {
      process.stderr.write(`warning: report thread: ${reports.lostThread}; the reports were built in the main thread\n`);
    }
    await out.close();
    if (run.failed) process.exitCode = 2;
    else if (run.failOnMatched || sharedFailOn) process.exitCode = 3;
    return;
  }

  if (format === 'zeek') {
    const run = await (await import('./zeek-action.ts')).writeZeekLog(files, c, out, threads);
    await out.close();
    if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
    setExitCode(run.failed, run.failOnMatched);
    return;
  }

  if (format === 'parquet') {
    const run = await (await import('./parquet-action.ts')).writeParquet(files, c, out, interrupt);
    await out.close();
    if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
    setExitCode(run.failed, run.failOnMatched);
    return;
  }

  if ((format === 'table' || format === 'markdown' || format === 'csv') && !parallel(files, c)) {
    await rowsAction(files, c, o, format, out, interrupt, threads);
    return;
  }

  // With --stream the whole reports (one a capture) come back, so that a
  // stream in no capture is an error before anything is written.
  if ((format === 'table' || format === 'markdown' || format === 'csv') && c.stream === null) {
    await rowsParallelAction(files, c, o, format, out, interrupt);
    return;
  }

  if (format === 'json' && !parallel(files, c)) {
    await jsonAction(files, c, out, interrupt, threads);
    return;
  }
  if (format === 'json' && c.stream === null) {
    await jsonParallelAction(files, c, out, interrupt);
    return;
  }

  if (format === 'html' && files.length === 1 && files[0].within == null && !readableTwice(files[0].path)) {
    // The ladder diagrams read the capture again: standard input or a pipe
    // is copied to a file first (an interrupt ends the copy, and the copy is
    // read whole; the copy must outlive the diagrams).
    await withReadableTwice(files[0].name, (input) => documentAction([input], c, o, format, out), interrupt);
    return;
  }
  await documentAction(files, c, o, format, out, interrupt);
}

/**
 * Rotation series among the inputs (capture/series.ts): each becomes one
 * input read as one capture. The HTML diagrams read a capture twice, by
 * file: not for a series.
 */
async function seriesOf(files: Input[], o: AnalyzeOptions, format: Format): Promise<Input[]> {
  if (o.series === true && files.some((f) => f.name === '-')) throw new UsageError('--series: standard input (-) cannot be part of a series');
  let groups;
  try {
    groups = (await import('../capture/series.ts')).groupInputs(files, { all: o.series === true && files.length > 1, pattern: o.seriesPattern ?? null });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (groups.every((g) => g.series === null)) return files;
  if (format === 'html') throw new UsageError('--format html: a rotation series cannot be drawn (its diagrams read each capture again); use json, csv, ndjson...');
  const { seriesName } = await import('./series-name.ts');
  return groups.map((g) => (g.series === null ? g.input : {
    ...g.input, name: seriesName(g.series.kind, g.series.parts.map((p) => p.name), o.seriesPattern ?? null),
    series: { kind: g.series.kind, parts: g.series.parts, pattern: o.seriesPattern ?? null },
  }));
}

/** The table's options: language, colour, width, --columns (checked here: a usage error lists the names). */
function tableOptions(c: Common, o: AnalyzeOptions): TableOptions {
  const columns = columnsOption(o.columns);
  return { lang: c.lang, color: c.color, width: columns !== null && o.wide ? null : c.width, columns };
}

/** The formats rendered from the whole document: HTML, and the others for captures read in parallel. */
async function documentAction(files: readonly Input[], c: Common, o: AnalyzeOptions, format: Format, out: Output, interrupt?: Interrupt): Promise<void> {
  const keep = selector(c);
  const run = format === 'html'
    ? await analyzeAll(files, c, undefined, undefined, interrupt).then((r) => ({ ...r, inputs: r.indexes.map((i) => files[i]) }))
    : { ...(await (parallel(files, c) ? analyzeParallel(files, c, null, interrupt) : analyzeAll(files, c, undefined, undefined, interrupt))), inputs: null };
  if (run.captures.length === 1) checkStream(c, run.captures[0].file, streamsOf(c, run.captures[0].connections));
  for (const cap of run.captures) cap.connections = cap.connections.filter(keep);
  const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: version() }, settings: c.settings, captures: run.captures };

  // The renderers are loaded when used (NDJSON, the largest outputs, needs none of them).
  switch (format) {
    case 'table': {
      const { renderTable } = await import('../render/table.ts');
      out.write(renderTable(doc, tableOptions(c, o)));
      break;
    }
    case 'json':
      for (const part of renderJsonParts(doc)) {
        out.write(part);
        await out.caughtUp();
      }
      break;
    case 'csv':
      out.write((await import('../render/csv.ts')).renderCsv(doc));
      break;
    case 'markdown':
      out.write((await import('../render/markdown.ts')).renderMarkdown(doc, { lang: c.lang }));
      break;
    case 'html':
      await (await import('./html-action.ts')).writeHtmlReport(doc, run.inputs, c, out);
      break;
  }
  await out.close();
  if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
  setExitCode(run.failed, failOnMatches(c, doc.captures.flatMap((cap) => cap.connections)));
}

/**
 * `--format table`, `markdown` or `csv` of captures read in this thread: each
 * shown connection becomes its row as soon as it is final and only the rows
 * are kept (a report takes several KB, a row a few hundred bytes), in
 * memory up to a budget and beyond it in a temporary file (row-spill.ts),
 * and read back in stream order at the end. The table's column widths are
 * measured as the rows come (TableMeasure). The text is renderTable's,
 * renderMarkdown's and renderCsv's of the whole document.
 */
async function rowsAction(files: readonly Input[], c: Common, o: AnalyzeOptions, format: 'table' | 'markdown' | 'csv', out: Output, interrupt: Interrupt, threads: ShareThreads): Promise<void> {
  const [{ csvHeader, csvLine }, { markdownRow, renderMarkdownParts }, { addToSummary, emptySummary }, { renderTableParts, TableMeasure, tableCells }] = await Promise.all([
    import('../render/csv.ts'), import('../render/markdown.ts'), import('../render/rows.ts'), import('../render/table.ts'),
  ]);
  const spill = new RowSpill();
  try {
    const seen = files.map(() => streamsSeen());
    const keep = selector(c);
    const summary = emptySummary();
    const tableOpts = tableOptions(c, o);
    // Per capture: rows kept, and for the table their measure.
    const counts = files.map(() => 0);
    const measures = files.map(() => new TableMeasure(tableOpts));
    const add = (i: number, stream: number, row: string | string[]): void => {
      counts[i]++;
      if (typeof row === 'string') spill.add(i, stream, row);
      else {
        measures[i].add(row);
        spill.add(i, stream, JSON.stringify(row));
      }
    };
    let failOnMatched = false;
    // From threads reading one capture: the row as they made it (with the summary's fields for the table and Markdown).
    const shared: SharedRun = {
      ...threads, render: { format, table: tableOpts },
      onConnection: (sc, _file, i) => {
        seeStream(c, seen[i], sc.stream);
        if (!sc.kept) return;
        const text = Buffer.from(sc.bytes.buffer, sc.bytes.byteOffset, sc.bytes.byteLength).toString('utf8');
        if (format === 'csv') add(i, sc.stream, text);
        else {
          const [row, fields] = JSON.parse(text) as [string | string[], SummaryFields];
          addToSummary(summary, fields as ConnectionReport);
          add(i, sc.stream, row);
        }
        if (sc.failOn) failOnMatched = true;
      },
    };
    const run = await analyzeAll(files, c, (r, file, i) => {
      seeStream(c, seen[i], r.stream);
      if (!keep(r)) return;
      addToSummary(summary, r);
      add(i, r.stream, format === 'csv' ? csvLine(r, file) : format === 'table' ? tableCells(r, tableOpts) : markdownRow(r, c.lang));
      if (c.failOn?.(r)) failOnMatched = true;
    }, undefined, interrupt, shared);
    if (run.captures.length === 1) checkStream(c, run.captures[0].file, seen[run.indexes[0]]);
    const write = async (part: string): Promise<void> => {
      out.write(part);
      await out.caughtUp();
    };
    const caps = run.captures.map((capture, k) => ({ capture, i: run.indexes[k] }));
    if (format === 'csv') {
      await write(csvHeader());
      for (const { i } of caps) await spill.writeRows(i, out);
    } else if (format === 'table') {
      const parts = caps.map(({ capture, i }) => ({ capture, rows: cellRows(spill.texts(i)), measure: measures[i] }));
      for (const part of renderTableParts(parts, summary, c.settings, tableOpts)) await write(part);
    } else {
      const parts = caps.map(({ capture, i }) => ({ capture, count: counts[i], rows: spill.texts(i) }));
      for (const part of renderMarkdownParts(parts, summary, c.settings, { lang: c.lang })) await write(part);
    }
    await out.close();
    if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
    setExitCode(run.failed, failOnMatched);
  } finally {
    spill.close();
  }
}

/**
 * `--format table`, `markdown` or `csv` of several captures read in worker
 * threads, one capture each: each worker writes its capture's part (its
 * rows in stream order, through a RowSpill of its own) to a temporary file
 * that is copied to the output in the order of the captures, and counts its
 * summary. Memory: each worker's, not every report of every capture (two
 * captures of 3 M segments took 3.1 GB that way). The text is rowsAction's.
 */
async function rowsParallelAction(files: readonly Input[], c: Common, o: AnalyzeOptions, format: 'table' | 'markdown' | 'csv', out: Output, interrupt: Interrupt): Promise<void> {
  const [{ csvHeader }, { markdownSummaryParts }, { tableSummary }] = await Promise.all([
    import('../render/csv.ts'), import('../render/markdown.ts'), import('../render/table.ts'),
  ]);
  const table = tableOptions(c, o);
  if (format === 'csv') out.write(csvHeader());
  const run = await analyzeParallel(files, c, out, interrupt, { format, table });
  if (format === 'table') out.write(tableSummary(run.summary, c.settings, table));
  else if (format === 'markdown') out.write([...markdownSummaryParts(run.summary, c.settings, { lang: c.lang })].join(''));
  await out.close();
  if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
  setExitCode(run.failed, run.failOnMatched);
}

/**
 * `--format json` of several captures read in worker threads, one capture
 * each: each worker spools its connections' text and writes them, in stream
 * order, to a temporary file; once every capture is read, the document is
 * written from the captures' counts and those files. The text is jsonAction's.
 */
async function jsonParallelAction(files: readonly Input[], c: Common, out: Output, interrupt: Interrupt): Promise<void> {
  const { fileChunks } = await import('./json-spool.ts');
  const run = await analyzeParallel(files, c, null, interrupt, null, async (captures, parts) => {
    const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: version() }, settings: c.settings, captures };
    for (const part of jsonDocumentParts(doc, (k) => (parts[k].count === 0 ? null : fileChunks(parts[k].path)))) {
      out.write(part);
      await out.caughtUp();
    }
  });
  await out.close();
  if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
  setExitCode(run.failed, run.failOnMatched);
}

/**
 * `--format json` of captures read in this thread: each shown connection's
 * text goes to a spool file as soon as it is final (json-spool.ts), and the
 * document is written at the end. Same text as renderJsonParts of the whole
 * document.
 */
async function jsonAction(files: readonly Input[], c: Common, out: Output, interrupt: Interrupt, threads: ShareThreads): Promise<void> {
  const seen = files.map(() => streamsSeen());
  const keep = selector(c);
  const spool = new JsonSpool();
  try {
    let failOnMatched = false;
    const shared: SharedRun = {
      ...threads, render: { format: 'json' },
      onConnection: (sc, _file, i) => {
        seeStream(c, seen[i], sc.stream);
        if (!sc.kept) return;
        spool.addBytes(i, sc.stream, sc.bytes);
        if (sc.failOn) failOnMatched = true;
      },
    };
    const run = await analyzeAll(files, c, (r, _file, i) => {
      seeStream(c, seen[i], r.stream);
      if (!keep(r)) return;
      spool.add(i, r);
      if (c.failOn?.(r)) failOnMatched = true;
    }, undefined, interrupt, shared);
    if (run.captures.length === 1) checkStream(c, run.captures[0].file, seen[run.indexes[0]]);
    const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: version() }, settings: c.settings, captures: run.captures };
    const parts = jsonDocumentParts(doc, (k) => {
      const i = run.indexes[k];
      return spool.count(i) === 0 ? null : spool.texts(i);
    });
    for (const part of parts) {
      out.write(part);
      await out.caughtUp();
    }
    await out.close();
    if (c.output !== null && !c.quiet) process.stderr.write(t(c.lang, 'cli.wrote', { file: termText(c.output) }) + '\n');
    setExitCode(run.failed, failOnMatched);
  } finally {
    spool.close();
  }
}

/** The connections of one capture that a timeline or key shows. */
async function oneCapture(file: string, c: Common, input: Input): Promise<{ conns: ConnectionReport[]; all: ConnectionReport[]; frames: number; failed: boolean }> {
  const run = await analyzeAll([input], c);
  if (run.failed) return { conns: [], all: [], frames: 0, failed: true };
  const all = run.captures[0].connections;
  checkStream(c, file, streamsOf(c, all));
  return { conns: all.filter(selector(c)), all, frames: run.captures[0].frames, failed: false };
}

export async function timelineAction(file: string, o: TimelineOptions): Promise<void> {
  const c = resolveCommon(o);
  const out = await openOutput(c.output);
  await withReadableTwice(file, async (input) => {
    const { conns, all, frames, failed } = await oneCapture(file, c, input);
    if (failed) {
      process.exitCode = 2;
      return;
    }
    if (conns.length === 0) out.write(`${t(c.lang, 'sum.noConnections')}\n`);
    const byStream = new Map(all.map((r) => [r.stream, r]));
    for await (const part of timelineParts(input.path, conns, { lang: c.lang, color: c.color, file, data: o.data ?? false, inflate: c.inflate, width: c.width, previous: (n) => byStream.get(n) ?? null })) {
      out.write(part);
      await out.caughtUp();
    }
    // The end of the capture is the capture's, said once after every diagram.
    if (conns.length > 0) {
      const line = t(c.lang, 'tl.captureEnd', { last: frames });
      out.write('\n' + (c.width === null ? line : wrapText(line, c.width, '  ').join('\n')) + '\n');
    }
    await out.close();
    setExitCode(false, failOnMatches(c, conns));
  });
}

/** Connections whose segments are read and kept at once for their timelines. */
export const TIMELINE_GROUP = 2000;

/**
 * The timelines of `conns`, separated by blank lines, a group of connections
 * at a time: each group's segments are read from the capture in one pass
 * and let go of before the next, so memory does not grow with the capture.
 */
export async function* timelineParts(
  path: FilePath, conns: readonly ConnectionReport[],
  opts: {
    lang: Lang; color: boolean; file: string; data: boolean; inflate?: InflateLimits; width?: number | null;
    /** The report of an earlier stream (for a reuse of its 4-tuple). */
    previous?: (stream: number) => ConnectionReport | null;
  }, group = TIMELINE_GROUP,
): AsyncGenerator<string> {
  const [{ segmentsOf }, { buildLadder }, { renderTimeline }] = await Promise.all([
    import('../analyze/segments.ts'), import('../render/ladder.ts'), import('../render/timeline.ts'),
  ]);
  for (let i = 0; i < conns.length; i += group) {
    const some = conns.slice(i, i + group);
    const segs = await segmentsOf(path, some, opts.inflate ? { inflate: opts.inflate } : {});
    const parts = some.map((conn) =>
      renderTimeline(
        buildLadder(conn, segs.get(conn.stream) ?? [], { lang: opts.lang, data: opts.data, previous: conn.reuse && opts.previous ? opts.previous(conn.reuse.previousStream) : null }),
        { lang: opts.lang, color: opts.color, file: opts.file, width: opts.width ?? null }));
    yield (i > 0 ? '\n' : '') + parts.join('\n');
  }
}

export async function keyAction(file: string, o: CommonOptions): Promise<void> {
  const c = resolveCommon(o);
  const out = await openOutput(c.output);
  const { conns, failed } = await oneCapture(file, c, { name: file, path: file });
  if (failed) {
    process.exitCode = 2;
    return;
  }
  const { renderKey } = await import('../render/key.ts');
  const parts = conns.map((conn) => renderKey(conn, { lang: c.lang, color: c.color, file, width: c.width }));
  out.write(parts.length ? parts.join('\n') : `${t(c.lang, 'sum.noConnections')}\n`);
  await out.close();
  setExitCode(false, failOnMatches(c, conns));
}

