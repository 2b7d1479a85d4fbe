/**
 * The HTML report runs the command line's filter language in the browser:
 * the source of report/filter.ts's `filterLanguage`, embedded in the page.
 * Evaluated here in a bare V8 context (no Node, no module: what the page
 * has), it must decide every expression as `--filter` does, from the
 * packed facts the page carries, and fail with the same messages.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { compileFilter, FILTER_VOCABULARY, filterFacts, filterLanguage, type FilterLanguage } from '../../src/report/filter.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { functionSource, sharedScriptParts } from '../../src/render/html.ts';
import { capturesDir } from '../helpers/paths.ts';

const EXPRESSIONS = [
  'verdict cut-short', 'closed-by server', 'closed-by both', 'retransmitted-fin', 'retransmitted-fin client', 'half-close', 'half-close server',
  'reset', 'reset abort', 'close four-way and not port 22', 'tcp.stream == 0 && tcp.flags.fin == 1', 'tcp.flags.reset != 0',
  'state TIME_WAIT or (handshake three-way and closed-by both)', 'client state FIN-WAIT-2', 'server state closed', 'host 192.0.2.1',
  'ip.addr == 192.0.2.2 and tcp.dstport eq 5000', 'time-wait client', 'time-wait none', 'handshake simultaneous-open', 'close simultaneous',
  'retransmitted-syn', 'tcp.completeness == 31', 'not (port 5000 or port 80)', 'stream 1 || stream 0',
];

async function reports(): Promise<ConnectionReport[]> {
  const settings = makeSettings({ os: 'linux' });
  const out: ConnectionReport[] = [];
  for (const f of ['four-way-close.pcap', 'lost-fin.pcap', 'simultaneous-close.pcap', 'timewait-reuse.pcap', 'half-close.pcap', 'rst-abort.pcap', 'simultaneous-open.pcap']) {
    out.push(...(await analyzeFile(join(capturesDir, f), settings)).connections);
  }
  return out;
}

/** The language as the page gets it: its source evaluated where nothing else is defined. */
function pageLanguage(): FilterLanguage {
  const context = createContext({});
  return runInContext(`var __name = function (f) { return f; }; ${sharedScriptParts().language}`, context) as FilterLanguage;
}

describe('the filter language embedded in the HTML page', () => {
  it('is one function that uses nothing outside itself', () => {
    assert.doesNotThrow(() => pageLanguage());
    assert.ok(functionSource(filterLanguage).startsWith('function filterLanguage('));
  });

  it('decides every expression as --filter does, from the packed facts', async () => {
    const conns = await reports();
    assert.ok(conns.length >= 7);
    const page = pageLanguage();
    for (const expr of EXPRESSIONS) {
      const cli = compileFilter(expr);
      const inPage = page.compile(expr);
      for (const c of conns) {
        const facts = page.unpack(JSON.parse(JSON.stringify(filterLanguage(FILTER_VOCABULARY).pack(filterFacts(c)))) as (string | number)[]);
        assert.equal(inPage(facts), cli(c), `${expr} on stream ${c.stream} (${c.close.kind})`);
      }
    }
  });

  it('packs and unpacks the facts without loss', async () => {
    const lang = filterLanguage(FILTER_VOCABULARY);
    for (const c of await reports()) assert.deepEqual(lang.unpack(lang.pack(filterFacts(c))), filterFacts(c));
  });

  it('fails with the command line\'s messages', () => {
    const page = pageLanguage();
    for (const bad of ['closed-by nobody', 'port eighty', 'frob', '(port 80', 'port 80 port 81', 'tcp.port 80', '', 'reset bogus extra']) {
      let cli = '';
      let inPage = '';
      try { compileFilter(bad); } catch (e) { cli = (e as Error).message; }
      try { page.compile(bad); } catch (e) { inPage = (e as Error).message; }
      assert.ok(cli !== '', bad);
      assert.equal(inPage, cli, bad);
    }
  });
});
