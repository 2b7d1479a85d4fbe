/**
 * `analyze -f table|markdown|csv` keeps only each shown connection's row,
 * not its report: the text must be the renderers' text of the whole
 * document, for every fixture and corpus capture at once, in both languages.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { renderCsv } from '../../src/render/csv.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { renderTable } from '../../src/render/table.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { AnalysisDocument } from '../../src/report/types.ts';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir, corpusDir, haveCorpus } from '../helpers/paths.ts';

const captures = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f));
const files = [...captures(capturesDir), ...(haveCorpus ? captures(corpusDir) : [])];

describe('analyze: table, Markdown and CSV from rows', () => {
  it('write the text of the whole document', async () => {
    const settings = makeSettings({ os: 'linux' });
    const doc: AnalysisDocument = {
      tool: { name: 'tcpscope', version: '0' }, settings,
      captures: await Promise.all(files.map(async (f) => ({ ...(await analyzeFile(f, settings)), file: f }))),
    };
    for (const lang of ['en', 'zh'] as const) {
      const expected: Record<string, string> = {
        table: renderTable(doc, { lang, color: false }),
        markdown: renderMarkdown(doc, { lang }),
        csv: renderCsv(doc),
      };
      for (const format of ['table', 'markdown', 'csv']) {
        const r = await tcpscope(['analyze', '-j', '1', '--os', 'linux', '--lang', lang, '-f', format, ...files]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, expected[format], `${format} ${lang}`);
      }
    }
  });
});
