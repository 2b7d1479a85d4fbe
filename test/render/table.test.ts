/**
 * Long tables are drawn in blocks (cli-table3 is quadratic in its rows):
 * the text must be exactly that of one cli-table3 table, in English and
 * Chinese (wide characters), with and without colour.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { connectionTable } from '../../src/render/table.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
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
      for (const lang of ['en', 'zh'] as const) {
        for (const color of [false, true]) {
          const whole = connectionTable(conns, { lang, color }, Infinity);
          for (const chunk of [1, 7, 40]) {
            assert.equal(connectionTable(conns, { lang, color }, chunk), whole, `${lang} colour ${color} blocks of ${chunk}`);
          }
        }
      }
    });
  });
});
