import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { analyzePart, mergeParts, parseScan, scanPart } from '../../src/analyze/split.ts';
import { ndjsonLine } from '../../src/render/json.ts';
import { makeSettings } from '../../src/report/settings.ts';

const FIX = new URL('../../fixtures/captures/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The records of a classic pcap file: its header and each record's bytes. */
export function pcapRecords(bytes: Buffer): { header: Buffer; records: Buffer[] } {
  const magic = bytes.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const header = bytes.subarray(0, 24);
  const records: Buffer[] = [];
  for (let p = 24; p + 16 <= bytes.length;) {
    const incl = le ? bytes.readUInt32LE(p + 8) : bytes.readUInt32BE(p + 8);
    records.push(bytes.subarray(p, p + 16 + incl));
    p += 16 + incl;
  }
  return { header, records };
}

/** Cut a pcap's records at `cuts` (record indexes) into part files. */
function cut(name: string, header: Buffer, records: Buffer[], cuts: number[]): string[] {
  const bounds = [0, ...cuts, records.length];
  const out: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const p = join(dir, `${name}.part${i}.pcap`);
    writeFileSync(p, Buffer.concat([header, ...records.slice(bounds[i], bounds[i + 1])]));
    out.push(p);
  }
  return out;
}

async function whole(path: string, name: string): Promise<string[]> {
  const lines: string[] = [];
  await analyzeFile(path, makeSettings(), (r) => lines.push(ndjsonLine(r, name)), { keepConnections: false });
  return lines;
}

async function merged(parts: string[], name: string): Promise<{ lines: string[]; warnings: string[] }> {
  const settings = makeSettings();
  const scans = await Promise.all(parts.map(async (p) => parseScan(await scanPart(p))));
  const outs: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const o = `${parts[i]}.tsp`;
    await analyzePart(parts[i], i, scans, settings, o);
    outs.push(o);
  }
  const lines: string[] = [];
  const m = await mergeParts(outs, (r) => lines.push(ndjsonLine(r, name)));
  return { lines, warnings: m.warnings };
}

const pcaps = readdirSync(FIX).filter((f) => f.endsWith('.pcap')).sort();

describe('split and merge: every kernel fixture cut at every frame gives the whole capture\'s NDJSON', () => {
  for (const f of pcaps) {
    it(f, async () => {
      const path = join(FIX, f);
      const want = await whole(path, 'whole.pcap');
      const { header, records } = pcapRecords(readFileSync(path));
      for (let c = 0; c <= records.length; c++) {
        const parts = cut(f, header, records, [c]);
        const got = await merged(parts, 'whole.pcap');
        assert.deepEqual(got.lines, want, `${f} cut before record ${c}`);
        assert.deepEqual(got.warnings, []);
      }
    });
  }
});
