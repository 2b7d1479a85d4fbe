/**
 * `analyze --format html`: the page's data (render/html/data.ts) is made a
 * connection at a time. Every shown connection has its row; the first
 * MAX_DIAGRAMS have their ladder diagram, whose segments are read from the
 * capture again, a group of connections per pass so that memory holds one
 * group's segments at a time (as `timeline` does).
 */
import type { AnalysisDocument } from '../report/types.ts';
import { type Input, type Output, readableTwice } from './run.ts';
import { type Common } from './common.ts';

/**
 * Most connections with a diagram in one report. A diagram's data is a few
 * hundred bytes for a short connection (where pre-drawn SVG took about
 * 15 KB): 10,000 connections make a page of a few MB.
 */
export const MAX_DIAGRAMS = 10_000;
/** Most segments drawn in one diagram; the rest are counted (timeline --data shows them all). */
export const MAX_LADDER_ROWS = 1_000;
/** Connections whose segments are read and held at once. */
const GROUP = 5_000;

export async function writeHtmlReport(doc: AnalysisDocument, inputs: readonly Input[] | null, c: Common, out: Output): Promise<void> {
  const [{ segmentsOf }, { buildLadder }, { PageDataBuilder }, { renderHtml }] = await Promise.all([
    import('../analyze/segments.ts'), import('../render/ladder.ts'), import('../render/html/data.ts'), import('../render/html.ts'),
  ]);
  const page = new PageDataBuilder(c.lang, doc.settings.timeWaitSeconds);
  let left = MAX_DIAGRAMS;
  for (const [k, cap] of doc.captures.entries()) {
    const file = page.addCapture(cap);
    const conns = cap.connections;
    for (let i = 0; i < conns.length; i += GROUP) {
      const group = conns.slice(i, i + GROUP);
      // The capture is read again: from where it was read (stdin's copy, a
      // path in a folder); a pipe among several captures cannot be: rows only.
      const input = inputs?.[k];
      const drawn = input === undefined || !readableTwice(input.path) ? [] : group.slice(0, Math.max(0, left));
      left -= drawn.length;
      const segs = drawn.length > 0 && input !== undefined
        ? await segmentsOf(input.path, drawn, { within: input.within ?? null, inflate: c.inflate }) : new Map();
      group.forEach((conn, j) => {
        const ladder = j < drawn.length ? buildLadder(conn, segs.get(conn.stream) ?? [], { lang: c.lang, data: false }) : null;
        page.addConnection(file, conn, ladder, MAX_LADDER_ROWS);
      });
    }
  }
  const data = page.build();
  const total = data.connections.length;
  if (data.drawn < total && !c.quiet) {
    process.stderr.write(`note: ladder diagrams of the first ${data.drawn} of ${total} connections; choose others with --stream or --filter\n`);
  }
  out.write(renderHtml(doc, data));
}
