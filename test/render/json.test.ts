/**
 * The NDJSON writer builds each line field by field (for speed); its text
 * must be JSON.stringify's, byte for byte, for every report the pipeline
 * makes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { ndjsonLine, renderJson } from '../../src/render/json.ts';
import type { AnalysisDocument } from '../../src/report/types.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { fixtureAndCorpusFiles, withGenerated } from '../helpers/captures.ts';
import { capturesDir } from '../helpers/paths.ts';

describe('ndjsonLine', () => {
  it('writes the same text as JSON.stringify on a generated capture and every fixture and corpus capture', async () => {
    await withGenerated({ segments: 3000, seed: 13 }, async (gen) => {
      const files = fixtureAndCorpusFiles;
      let lines = 0;
      for (const os of ['rfc', 'linux'] as const) {
        for (const file of [gen, ...files]) {
          const cap = await analyzeFile(file, makeSettings({ os }));
          for (const c of cap.connections) {
            assert.equal(ndjsonLine(c, file), JSON.stringify({ file, ...c }) + '\n', `${file} stream ${c.stream}`);
            lines++;
          }
        }
      }
      assert.ok(lines > 100);
    });
  });

  it('escapes file names as JSON.stringify does', async () => {
    const cap = await analyzeFile(join(capturesDir, 'client-close.pcap'), makeSettings());
    for (const name of ['a "quoted" \\ name.pcap', 'tab\there\n.pcap', 'données/捕获.pcap', '\u2028\ud800.pcap']) {
      assert.equal(ndjsonLine(cap.connections[0], name), JSON.stringify({ file: name, ...cap.connections[0] }) + '\n');
    }
  });
});

describe('renderJson', () => {
  it('writes the text of JSON.stringify(doc, null, 2), connection by connection', async () => {
    const files = fixtureAndCorpusFiles;
    const settings = makeSettings();
    const caps = [];
    for (const file of files) caps.push(await analyzeFile(file, settings));
    // One capture without connections, and a file name that looks like the marker.
    caps[0] = { ...caps[0], file: '"@@tcpscope-connections-x-0@@"', connections: [] };
    const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: '0.0.0' }, settings, captures: caps };
    assert.equal(renderJson(doc), JSON.stringify(doc, null, 2) + '\n');
    const none: AnalysisDocument = { ...doc, captures: [] };
    assert.equal(renderJson(none), JSON.stringify(none, null, 2) + '\n');
  });
});
