/**
 * The NDJSON writer builds each line field by field (for speed); its text
 * must be JSON.stringify's, byte for byte, for every report the pipeline
 * makes.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { ndjsonLine, renderJson } from '../../src/render/json.ts';
import type { AnalysisDocument } from '../../src/report/types.ts';
import { makeSettings } from '../../src/report/settings.ts';
import { capturesDir, corpusDir, haveCorpus } from '../helpers/paths.ts';

const captures = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f));

describe('ndjsonLine', () => {
  it('writes the same text as JSON.stringify on every fixture and corpus capture', async () => {
    const files = [...captures(capturesDir), ...(haveCorpus ? captures(corpusDir) : [])];
    let lines = 0;
    for (const os of ['rfc', 'linux'] as const) {
      for (const file of files) {
        const cap = await analyzeFile(file, makeSettings({ os }));
        for (const c of cap.connections) {
          assert.equal(ndjsonLine(c, file), JSON.stringify({ file, ...c }) + '\n', `${file} stream ${c.stream}`);
          lines++;
        }
      }
    }
    assert.ok(lines > 100);
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
    const files = [...captures(capturesDir), ...(haveCorpus ? captures(corpusDir) : [])];
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
