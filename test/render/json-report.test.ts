/**
 * The report writer (src/render/json-report.ts) against JSON.stringify on
 * random reports: real reports of the fixtures with their values changed at
 * random (numbers of every kind, strings that need escaping, nulls, members
 * left undefined, arrays longer or emptied). The fixtures' own reports are
 * checked in json.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { NdjsonWriter, ndjsonLine } from '../../src/render/json.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { fixtureAndCorpusFiles } from '../helpers/captures.ts';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = [
  0, -0, 1, 9, 10, 99, 100, 12345, 2147483647, 2147483648, 4294967295, 4294967296, 2 ** 53, -1, -123456, 0.5, 0.000295,
  1e-7, 5e-324, 1.5e-6, 123.456789012, 1e21, 1.7976931348623157e308, NaN, Infinity, -Infinity, 240, 4.166122, 0.1 + 0.2,
];
const STRINGS = [
  '', 'a', 'CLOSED', '2023-11-14T22:13:20.000034Z', 'quote " and \\ backslash', 'tab\tnew\nline\r', '\u0000\u001f\u007f',
  'données', '捕获', '\u2028\u2029', '\ud800 lone', 'pair \ud83d\ude00', '</script>', '~ }{',
];

/** `v` with its values changed at random, keeping each value's type (or making it null or undefined). */
function mutate(v: unknown, rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 0 && r < 0.02) return undefined;
  if (depth > 0 && r < 0.04) return null;
  if (typeof v === 'number') return r < 0.5 ? v : NUMBERS[Math.floor(rnd() * NUMBERS.length)];
  if (typeof v === 'string') return r < 0.5 ? v : STRINGS[Math.floor(rnd() * STRINGS.length)];
  if (typeof v === 'boolean') return r < 0.5 ? v : !v;
  if (Array.isArray(v)) {
    const out = v.map((x) => mutate(x, rnd, depth + 1));
    if (v.length > 0 && rnd() < 0.2) out.push(mutate(v[0], rnd, depth + 1));
    return rnd() < 0.1 ? [] : out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mutate(x, rnd, depth + 1);
    return out;
  }
  return v;
}

describe('the report writer', () => {
  it('writes the bytes of JSON.stringify for random reports', async () => {
    const reports: ConnectionReport[] = [];
    for (const file of fixtureAndCorpusFiles.slice(0, 60)) reports.push(...(await analyzeFile(file, makeSettings())).connections);
    assert.ok(reports.length > 50);
    const rnd = random(20);
    for (let i = 0; i < 3000; i++) {
      const r = mutate(reports[i % reports.length], rnd, 0) as ConnectionReport;
      const file = STRINGS[i % STRINGS.length];
      assert.equal(ndjsonLine(r, file), JSON.stringify({ file, ...r }) + '\n', `report ${i}: ${JSON.stringify(r)}`);
    }
  });

  it('grows its buffer and starts each line afresh', async () => {
    const cap = await analyzeFile(fixtureAndCorpusFiles[0], makeSettings());
    const w = new NdjsonWriter(16);
    let expected = '';
    for (let i = 0; i < 50; i++) {
      for (const c of cap.connections) {
        w.line(c, `f${i}`);
        expected += JSON.stringify({ file: `f${i}`, ...c }) + '\n';
      }
      w.lineJson('{}', 'empty');
      expected += '{"file":"empty"}\n';
    }
    assert.equal(Buffer.from(w.take()).toString('utf8'), expected);
  });
});
