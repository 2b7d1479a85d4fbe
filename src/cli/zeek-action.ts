/**
 * `analyze --format zeek`: a Zeek conn.log (render/zeek.ts). Each shown
 * connection's line is written as soon as the tracker lets go of it, as
 * Zeek writes a connection when it is removed, so memory does not grow
 * with the capture; captures are read one after the other into one log.
 */
import { termText } from '../render/escape/terminal.ts';
import { t } from '../render/i18n.ts';
import { zeekFooter, zeekHeader, zeekLine } from '../render/zeek.ts';
import { analyzeAll, type Input, Joiner, type Output, type SharedRun } from './run.ts';
import { type Common, selector } from './common.ts';
import { UsageError } from './util.ts';

export async function writeZeekLog(files: readonly Input[], c: Common, out: Output, threads: { threads: number; minBytes: number } = { threads: 1, minBytes: 0 }): Promise<{ failed: boolean; failOnMatched: boolean }> {
  const keep = selector(c);
  const max = files.map(() => -1);
  const wanted = files.map(() => false);
  let failOnMatched = false;
  out.write(zeekHeader(new Date()));
  const joiner = new Joiner(out);
  const shared: SharedRun = {
    ...threads, render: { format: 'zeek' },
    onConnection: (sc, _file, i) => {
      if (sc.stream > max[i]) max[i] = sc.stream;
      if (sc.stream === c.stream) wanted[i] = true;
      if (!sc.kept) return;
      joiner.add(sc.bytes);
      if (sc.failOn) failOnMatched = true;
    },
    flush: () => joiner.flush(), caughtUp: () => out.caughtUp(),
  };
  const run = await analyzeAll(files, c, (r, file, i) => {
    if (r.stream > max[i]) max[i] = r.stream;
    if (r.stream === c.stream) wanted[i] = true;
    if (!keep(r)) return;
    out.write(zeekLine(r, file));
    if (c.failOn?.(r)) failOnMatched = true;
  }, undefined, undefined, shared);
  // --stream naming no stream of the only capture is a mistake, as for the other formats.
  if (c.stream !== null && run.captures.length === 1 && !wanted[run.indexes[0]]) {
    const file = termText(run.captures[0].file);
    const highest = max[run.indexes[0]];
    throw new UsageError(highest < 0 ? t(c.lang, 'cli.noStreamAtAll', { file }) : t(c.lang, 'cli.noStream', { stream: c.stream, file, max: highest }));
  }
  out.write(zeekFooter(new Date()));
  return { failed: run.failed, failOnMatched };
}
