/**
 * A capture cut into parts, each part analysed alone, merged: the output is
 * one run's over the whole, byte for byte, wherever the cuts are.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { analyzePart, mergeParts, parseScan, scanPart, SplitError } from '../../src/analyze/split.ts';
import { generateTo } from '../../src/bench/generate.ts';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { csvLine } from '../../src/render/csv.ts';
import { ndjsonLine } from '../../src/render/json.ts';
import { buildReport, restream, restreamJson } from '../../src/report/build.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport, Settings } from '../../src/report/types.ts';
import { Tracker } from '../../src/tcp/tracker.ts';
import { corpusDir, haveCorpus } from '../helpers/paths.ts';
import { ACK, FIN, SYN } from '../../src/decode/segment.ts';
import { cat, ipv4, le32, sll2, tcp } from '../decode/build.ts';

const FIX = new URL('../../fixtures/captures/', import.meta.url).pathname;
const CORPUS = corpusDir;
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A classic pcap's header and the [start, end) of each record. */
function pcapRecords(bytes: Buffer): { header: Buffer; records: [number, number][] } {
  const magic = bytes.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const records: [number, number][] = [];
  for (let p = 24; p + 16 <= bytes.length;) {
    const incl = le ? bytes.readUInt32LE(p + 8) : bytes.readUInt32BE(p + 8);
    records.push([p, p + 16 + incl]);
    p += 16 + incl;
  }
  return { header: bytes.subarray(0, 24), records };
}

let cutNo = 0;
/** Cut a pcap before the records numbered in `cuts` (sorted): the part files, in order. */
function cut(bytes: Buffer, cuts: readonly number[]): string[] {
  const { header, records } = pcapRecords(bytes);
  const bounds = [0, ...cuts, records.length];
  const out: string[] = [];
  cutNo++;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [a, z] = [bounds[i], bounds[i + 1]];
    const p = join(dir, `c${cutNo}-part${i}.pcap`);
    writeFileSync(p, z > a ? Buffer.concat([header, bytes.subarray(records[a][0], records[z - 1][1])]) : header);
    out.push(p);
  }
  return out;
}

async function whole(path: string, settings: Settings): Promise<ConnectionReport[]> {
  const reports: ConnectionReport[] = [];
  await analyzeFile(path, settings, (r) => reports.push(r), { keepConnections: false });
  return reports;
}

async function merged(parts: readonly string[], settings: Settings): Promise<{ texts: string[]; reports: ConnectionReport[]; warnings: string[] }> {
  const scans = await Promise.all(parts.map(async (p) => parseScan(await scanPart(p))));
  const outs: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const o = `${parts[i]}.part`;
    await analyzePart(parts[i], i, scans, settings, o);
    outs.push(o);
  }
  const texts: string[] = [];
  const m = await mergeParts(outs, (c) => texts.push(c.json()));
  for (const p of [...parts, ...outs]) rmSync(p);
  // The JSON text as the merge gives it (spliced, not stringified again), and the reports from it.
  return { texts, reports: texts.map((t) => JSON.parse(t) as ConnectionReport), warnings: m.warnings };
}

const ndjson = (rs: readonly ConnectionReport[]): string[] => rs.map((r) => ndjsonLine(r, 'whole.pcap'));
const csv = (rs: readonly ConnectionReport[]): string[] => [...rs].sort((a, b) => a.stream - b.stream).map((r) => csvLine(r, 'whole.pcap'));

async function sameAsWhole(path: string, cuts: readonly number[], settings: Settings, want: readonly ConnectionReport[], what: string): Promise<void> {
  const got = await merged(cut(readFileSync(path), cuts), settings);
  assert.deepEqual(got.texts, want.map((r) => JSON.stringify(r)), `${what}: cut before records ${cuts.join(', ')}`);
  assert.deepEqual(ndjson(got.reports), ndjson(want), `${what}: cut before records ${cuts.join(', ')}`);
  assert.deepEqual(csv(got.reports), csv(want), `${what} (csv): cut before records ${cuts.join(', ')}`);
  assert.deepEqual(got.warnings, [], what);
}

/** Seeded choices, so a failure names cuts that can be tried again. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

const fixtures = readdirSync(FIX).filter((f) => f.endsWith('.pcap')).sort();

describe('split and merge: the kernel fixtures cut at every frame (inside handshakes, between FINs, during TIME_WAIT)', () => {
  const settings = makeSettings();
  for (const f of fixtures) {
    it(f, async () => {
      const path = join(FIX, f);
      const want = await whole(path, settings);
      const n = pcapRecords(readFileSync(path)).records.length;
      for (let c = 0; c <= n; c++) await sameAsWhole(path, [c], settings, want, f);
    });
  }
});

describe('split and merge: three parts, every pair of cuts of the close and reuse fixtures', () => {
  const settings = makeSettings({ os: 'linux' });
  for (const f of ['four-way-close.pcap', 'simultaneous-close.pcap', 'timewait-reuse.pcap', 'lost-fin.pcap', 'time-wait-restart.pcap', 'lost-final-ack.pcap']) {
    it(f, async () => {
      const path = join(FIX, f);
      const want = await whole(path, settings);
      const n = pcapRecords(readFileSync(path)).records.length;
      for (let a = 0; a <= n; a++) for (let b = a; b <= n; b++) await sameAsWhole(path, [a, b], settings, want, f);
    });
  }
});

describe('split and merge: ICMP errors that begin a connection (fixtures/cut), every pair of cuts', () => {
  // The merge numbers a connection an ICMP error creates in the capture's one sequence (REC_ICMP, REC_CREATED).
  const CUT = new URL('../../fixtures/cut/', import.meta.url).pathname;
  const settings = makeSettings();
  for (const f of ['icmp-only.pcap', 'icmp-first.pcap']) {
    it(f, async () => {
      const path = join(CUT, f);
      const want = await whole(path, settings);
      assert.ok(want.some((r) => r.packets === 0));
      const n = pcapRecords(readFileSync(path)).records.length;
      for (let a = 0; a <= n; a++) for (let b = a; b <= n; b++) await sameAsWhole(path, [a, b], settings, want, f);
    });
  }
});

describe('split and merge: many connections at once (generated capture, 2 to 9 parts)', () => {
  it('12 random cuttings of a 40 000-segment capture', async () => {
    const path = join(dir, 'gen.pcap');
    generateTo(path, { segments: 40_000, seed: 7, concurrency: 300 });
    for (const settings of [makeSettings(), makeSettings({ msl: 0.05 })]) {
      const want = await whole(path, settings);
      assert.ok(want.length > 500);
      const n = pcapRecords(readFileSync(path)).records.length;
      const pick = rng(settings.msl * 1000);
      for (let trial = 0; trial < 6; trial++) {
        const cuts = [...new Set(Array.from({ length: 1 + pick(8) }, () => pick(n + 1)))].sort((x, y) => x - y);
        await sameAsWhole(path, cuts, settings, want, `generated, msl ${settings.msl}`);
      }
    }
  });
});

describe('split and merge: public captures (../shared/corpus)', () => {
  // Without the corpus (a clone outside /work) there is nothing to cut here: the fixtures above are cut anyway.
  const files = haveCorpus ? readdirSync(CORPUS).filter((f) => f.endsWith('.pcap')).sort() : [];
  for (const f of files) {
    it(f, async () => {
      const path = join(CORPUS, f);
      const settings = makeSettings();
      const want = await whole(path, settings);
      const n = pcapRecords(readFileSync(path)).records.length;
      const pick = rng(n);
      for (let trial = 0; trial < 6; trial++) {
        const cuts = [...new Set(Array.from({ length: 1 + pick(4) }, () => pick(n + 1)))].sort((x, y) => x - y);
        await sameAsWhole(path, cuts, settings, want, f);
      }
    });
  }
});

describe('restream: a report built with other stream numbers, renumbered, is the report built with these', () => {
  it('every connection of the fixtures and the corpus', async () => {
    const settings = makeSettings();
    const files = [...fixtures.map((f) => join(FIX, f)), ...(haveCorpus ? readdirSync(CORPUS).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => join(CORPUS, f)) : [])];
    let checked = 0;
    let reused = 0;
    for (const file of files) {
      const reports: ConnectionReport[][] = [[], []];
      for (const [k, base] of [[0, 0], [1, 1000]] as const) {
        const decoder = new Decoder();
        const seg = new Segment();
        const tracker = new Tracker({ lingerSeconds: settings.timeWaitSeconds }, (c) => reports[k].push(buildReport(c, settings)));
        tracker.streams = base;
        await readFrames(file, (f) => {
          if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
          else tracker.observeTime(f.tsSec, f.tsNsec);
        });
        tracker.finish();
      }
      assert.equal(reports[0].length, reports[1].length);
      for (let i = 0; i < reports[0].length; i++) {
        const r = reports[0][i];
        if (r.reuse !== null) reused++;
        const text = restreamJson(JSON.stringify(r), r.stream + 1000, (n) => n + 1000);
        restream(r, r.stream + 1000, (n) => n + 1000);
        assert.deepEqual(r, reports[1][i], `${file} stream ${reports[0][i].stream}`);
        assert.equal(text, JSON.stringify(reports[1][i]), `${file} stream ${reports[0][i].stream}, on the JSON text`);
        checked++;
      }
    }
    assert.ok(checked > 50 && reused > 0, `${checked} connections, ${reused} reusing a 4-tuple`);
  });
});

describe('split and merge: tcpdump -i any on lo, a packet and its loopback copy on both sides of a cut', () => {
  it('the copy after the cut is still a duplicate (the scan before it hands the remembered packets on)', async () => {
    // Each segment twice, as `tcpdump -i any` sees it on lo: outgoing (SLL2 type 4), then incoming (type 0).
    const lo = [127, 0, 0, 1];
    const segs: [number, number, number, number, number][] = [
      [40000, 5000, SYN, 100, 0], [5000, 40000, SYN | ACK, 900, 101], [40000, 5000, ACK, 101, 901],
      [40000, 5000, ACK, 101, 901, ], [40000, 5000, FIN | ACK, 111, 901], [5000, 40000, ACK, 901, 112],
      [5000, 40000, FIN | ACK, 901, 112], [40000, 5000, ACK, 112, 902],
    ];
    const records: Uint8Array[] = [];
    let t = 0;
    for (const [i, [sport, dport, flags, seq, ack]] of segs.entries()) {
      const ip = ipv4({ src: lo, dst: lo, id: 100 + i }, tcp({ sport, dport, flags, seq, ack, payload: i === 3 ? 10 : 0 }));
      for (const type of [4, 0]) {
        const f = sll2(type, 0x0800, 1, ip);
        t += 1000;
        records.push(cat(le32(1_700_000_000), le32(t), le32(f.length), le32(f.length), f));
      }
    }
    const header = cat(le32(0xa1b2c3d4), [2, 0, 4, 0], le32(0), le32(0), le32(65535), le32(276));
    const path = join(dir, 'lo-any.pcap');
    writeFileSync(path, cat(header, ...records));
    const settings = makeSettings();
    const want = await whole(path, settings);
    assert.equal(want.length, 1);
    assert.equal(want[0].packets, segs.length);
    for (let c = 0; c <= records.length; c++) await sameAsWhole(path, [c], settings, want, 'lo-any');
    for (let c = 1; c < records.length; c += 2) await sameAsWhole(path, [c - 1, c], settings, want, 'lo-any, one-record part');
  });
});

describe('split and merge: damaged part files', () => {
  it('bytes changed or cut anywhere: the merge ends with a SplitError or a result, never another error or a hang', async () => {
    const path = join(FIX, 'timewait-reuse.pcap');
    const n = pcapRecords(readFileSync(path)).records.length;
    const parts = cut(readFileSync(path), [Math.floor(n / 3), Math.floor((2 * n) / 3)]);
    const settings = makeSettings();
    const scans = await Promise.all(parts.map(async (p) => parseScan(await scanPart(p))));
    const outs = await Promise.all(parts.map(async (p, i) => {
      await analyzePart(p, i, scans, settings, `${p}.part`);
      return `${p}.part`;
    }));
    const good = outs.map((o) => readFileSync(o));
    const pick = rng(99);
    let rejected = 0;
    for (let trial = 0; trial < 300; trial++) {
      const k = pick(outs.length);
      const bytes = Buffer.from(good[k]);
      const head = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1;
      let damaged: Buffer;
      if (trial % 4 === 0) damaged = bytes.subarray(0, pick(bytes.length));
      else {
        for (let j = 0, m = 1 + pick(8); j < m; j++) bytes[head + pick(bytes.length - head)] = pick(256);
        damaged = bytes;
      }
      writeFileSync(outs[k], damaged);
      try {
        const lines: string[] = [];
        await mergeParts(outs, (c) => lines.push(c.json()));
        for (const l of lines) JSON.parse(l);
      } catch (e) {
        assert.ok(e instanceof SplitError, `trial ${trial}: ${e instanceof Error ? e.stack : String(e)}`);
        assert.ok(!e.message.includes('\n'));
        rejected++;
      }
      writeFileSync(outs[k], good[k]);
    }
    assert.ok(rejected > 100, `${rejected} of 300 rejected`);
  });
});

describe('split and merge: what is not a part or a scan', () => {
  it('a scan that is not one, parts out of order, a part cut short: one-line errors', async () => {
    assert.throws(() => parseScan(Buffer.from('hello\n')), SplitError);
    const path = join(FIX, 'four-way-close.pcap');
    const parts = cut(readFileSync(path), [4]);
    const scans = await Promise.all(parts.map(async (p) => parseScan(await scanPart(p))));
    const settings = makeSettings();
    await analyzePart(parts[0], 0, scans, settings, `${parts[0]}.part`);
    await analyzePart(parts[1], 1, scans, settings, `${parts[1]}.part`);
    await assert.rejects(mergeParts([`${parts[1]}.part`, `${parts[0]}.part`], () => {}), (e: Error) => e instanceof SplitError && /capture order/.test(e.message));
    const bytes = readFileSync(`${parts[1]}.part`);
    writeFileSync(`${parts[1]}.short`, bytes.subarray(0, bytes.length - 5));
    await assert.rejects(mergeParts([`${parts[0]}.part`, `${parts[1]}.short`], () => {}), (e: Error) => e instanceof SplitError && /cut short/.test(e.message) && !e.message.includes('\n'));
    await assert.rejects(analyzePart(parts[0], 2, scans, settings, `${parts[0]}.x`), SplitError);
    writeFileSync(`${parts[0]}.junk`, 'tcpscope-part 2\n{"file":1}\n');
    await assert.rejects(mergeParts([`${parts[0]}.junk`], () => {}), (e: Error) => e instanceof SplitError && /header/.test(e.message));
    // A part of the version before (packed connections written otherwise) is refused by name.
    writeFileSync(`${parts[0]}.old`, Buffer.concat([Buffer.from('tcpscope-part 1'), readFileSync(`${parts[0]}.part`).subarray(15)]));
    await assert.rejects(mergeParts([`${parts[0]}.old`, `${parts[1]}.part`], () => {}), (e: Error) => e instanceof SplitError && /another version/.test(e.message) && !e.message.includes('\n'));
  });
});
