/**
 * Long tables are drawn in blocks (cli-table3 is quadratic in its rows), and
 * blocks of plain rows without cli-table3 (it is slow by the row): the text
 * must be exactly that of one cli-table3 table, in English and Chinese (wide
 * characters), with and without colour, fitted to a width or not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { connectionTable } from '../../src/render/table.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import type { Row } from '../../src/render/rows.ts';
import { capturesIn, withGenerated } from '../helpers/captures.ts';
import { capturesDir, corpusDir, haveCorpus } from '../helpers/paths.ts';

describe('connectionTable in blocks', () => {
  it('is the text of one table, whatever the block size', async () => {
    await withGenerated({ segments: 2000, seed: 13 }, async (gen) => {
      const conns: ConnectionReport[] = [];
      for (const f of [gen, ...capturesIn(capturesDir), ...(haveCorpus ? capturesIn(corpusDir).slice(0, 10) : [])]) {
        conns.push(...(await analyzeFile(f, makeSettings({ os: 'linux' }))).connections);
      }
      assert.ok(conns.length > 40);
      // Fitted to a terminal's width (cells wrapped, columns dropped) or to --columns too.
      const fits: { width?: number; columns?: (keyof Row)[] }[] = [{}, { width: 100 }, { width: 60 }, { columns: ['stream', 'close', 'timeWait', 'notes'] }];
      for (const lang of ['en', 'zh'] as const) {
        for (const color of [false, true]) {
          for (const fit of fits) {
            const opts = { lang, color, ...fit };
            const whole = connectionTable(conns, opts, Infinity);
            for (const chunk of fit.width === undefined && fit.columns === undefined ? [1, 7, 40] : [7]) {
              assert.equal(connectionTable(conns, opts, chunk), whole, `${lang} colour ${color} ${JSON.stringify(fit)} blocks of ${chunk}`);
            }
          }
        }
      }
    });
  });
});
