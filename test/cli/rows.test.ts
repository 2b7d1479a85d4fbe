/**
 * `analyze -f table|markdown|csv` keeps only each shown connection's row,
 * not its report: the text must be the renderers' text of the whole
 * document, for every fixture and corpus capture at once, in both languages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { generateTo } from '../../src/bench/generate.ts';
import { renderCsv } from '../../src/render/csv.ts';
import { renderMarkdown, renderMarkdownParts } from '../../src/render/markdown.ts';
import { COLUMNS, emptySummary } from '../../src/render/rows.ts';
import { measuredTableLines, renderTable, TableMeasure } from '../../src/render/table.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { AnalysisDocument, CaptureReport } from '../../src/report/types.ts';
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

  it('with several captures in worker threads (-j 2), each writing its part through a spill file, write the text of one thread (table, Markdown, CSV, JSON)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-rows-j-'));
    try {
      const junk = join(dir, 'junk.pcap');
      writeFileSync(junk, 'not a capture at all');
      const gen = join(dir, 'gen.pcap');
      generateTo(gen, { segments: 20_000 });
      const inputs = [...files.slice(0, 20), junk, gen, ...files.slice(20)];
      for (const [format, more] of [
        ['table', []], ['table', ['--lang', 'zh', '--width', '100']], ['markdown', []], ['csv', ['--filter', 'closed-by server']], ['table', ['--fail-on', 'reset']],
        ['json', []], ['json', ['--fail-on', 'reset']],
      ] as const) {
        const one = await tcpscope(['analyze', '-j', '1', '-f', format, ...more, ...inputs]);
        assert.ok(one.stdout.split('\n').length > 100, `${format}: ${one.stdout.length} characters`);
        // A tiny budget: every worker spills its rows to runs.
        const two = await tcpscope(['analyze', '-j', '2', '-f', format, ...more, ...inputs], { env: { TCPSCOPE_ROW_BUDGET: '4000' } });
        const how = [format, ...more].join(' ');
        assert.equal(two.code, one.code, how);
        assert.equal(two.stderr, one.stderr, how);
        assert.ok(two.stdout === one.stdout, `${how}: the output differs`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draw a table and a Markdown table of 300 000 rows read once, a block at a time, without holding them', async () => {
    // The rows come from a generator, as from the CLI's spill file. The
    // Markdown renderer once spread every row into one call (a stack
    // overflow past about 120 000 rows: an internal error on a SYN flood).
    const settings = makeSettings({});
    const n = 300_000;
    const cells = (i: number): string[] => COLUMNS.map((k, j) => (j === 0 ? String(i) : k === 'notes' ? 'x'.repeat(i % 23) : '-'));
    let made = 0;
    function* rows(): Generator<string[]> {
      for (let i = 0; i < n; i++) {
        made++;
        yield cells(i);
      }
    }
    const opts = { lang: 'en' as const, color: false };
    const measure = new TableMeasure(opts);
    for (let i = 0; i < n; i++) measure.add(cells(i));
    let lines = 0;
    let longest = 0;
    for (const part of measuredTableLines(measure, rows(), opts)) {
      for (const line of part.split('\n')) {
        lines++;
        longest = Math.max(longest, line.length);
      }
    }
    assert.equal(made, n);
    // Head (2 lines and 2 borders), then each row and the line under it, the last one's being the bottom border.
    assert.equal(lines, 4 + 2 * n);
    assert.ok(longest > 22, 'the notes column is as wide as its widest cell');
    const capture: Omit<CaptureReport, 'connections'> = await analyzeFile(files[0], settings);
    let mdLines = 0;
    function* mdRows(): Generator<string> {
      for (let i = 0; i < n; i++) yield `| ${i} |`;
    }
    for (const part of renderMarkdownParts([{ capture, count: n, rows: mdRows() }], emptySummary(), settings, { lang: 'en' })) mdLines += part.split('\n').length - 1;
    assert.ok(mdLines > n, `${mdLines} lines`);
  });
});
