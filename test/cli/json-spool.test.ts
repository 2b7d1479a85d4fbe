/**
 * `--format json` spools connections to a file (src/cli/json-spool.ts) and
 * writes the document at the end: the bytes must be renderJson's, whatever
 * order the connections became final in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { JsonSpool } from '../../src/cli/json-spool.ts';
import { jsonDocumentParts, renderJson } from '../../src/render/json.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { AnalysisDocument, CaptureReport } from '../../src/report/types.ts';
import { capturesDir } from '../helpers/paths.ts';
import { tcpscope } from '../helpers/cli.ts';

function fromSpool(doc: AnalysisDocument, spool: JsonSpool): string {
  let text = '';
  for (const part of jsonDocumentParts(doc, (k) => (spool.count(k) === 0 ? null : spool.texts(k)))) {
    text += typeof part === 'string' ? part : Buffer.from(part).toString('utf8');
  }
  return text;
}

describe('JsonSpool', () => {
  it('gives renderJson\'s text for connections added out of stream order, over several captures', async () => {
    const settings = makeSettings({});
    const caps: CaptureReport[] = [];
    for (const f of ['timewait-reuse.pcap', 'client-close.pcap', 'simultaneous-close.pcap']) caps.push(await analyzeFile(`${capturesDir}/${f}`, settings));
    // One capture with no connections at all.
    caps.push({ ...caps[1], file: 'empty', connections: [] });
    const doc: AnalysisDocument = { tool: { name: 'tcpscope', version: '0.0.0' }, settings, captures: caps };
    const spool = new JsonSpool();
    try {
      // Interleaved captures, each one's connections reversed (and the first of capture 0 last).
      const order = caps.flatMap((c, k) => c.connections.map((r) => ({ k, r }))).reverse();
      assert.ok(order.length >= 3);
      for (const { k, r } of order) spool.add(k, r);
      const shell = { ...doc, captures: caps.map((c) => ({ ...c, connections: [] })) };
      assert.equal(fromSpool(shell, spool), renderJson(doc));
    } finally {
      spool.close();
    }
  });

  it('the CLI\'s json with --filter is renderJson of the filtered document', async () => {
    const files = ['timewait-reuse.pcap', 'server-close.pcap', 'client-close.pcap'].map((f) => `fixtures/captures/${f}`);
    const r = await tcpscope(['analyze', '--format', 'json', '--filter', 'closed-by server', ...files]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as AnalysisDocument;
    assert.equal(r.stdout, renderJson(doc));
    assert.ok(doc.captures.every((c) => c.connections.every((x) => x.close.activeCloser === 'server')));
  });
});
