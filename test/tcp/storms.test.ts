/**
 * Storms on one connection: a kernel capture with one of its segments (a
 * FIN, a RST, a SYN) repeated hundreds or a million times, as a
 * retransmission loop or a blind RST attack puts in a capture. An endpoint
 * keeps the first MAX_RECORDS - 1 records of each kind and the latest
 * (src/tcp/endpoint.ts); the report's counts stay exact, its lists of frames
 * stay short, `recordsOmitted` says what they leave out, and the verdict is
 * the one the capture without the storm gives. Memory does not grow with the
 * storm (a million copies of one FIN took 1 GB and a 119 MB report line).
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_RECORDS } from '../../src/tcp/endpoint.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { capture, tcpscope } from '../helpers/cli.ts';
import { capturesDir } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-storm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The records of a little-endian microsecond pcap file (Ethernet, as the kernel fixtures are). */
function records(file: string): { header: Uint8Array; recs: Uint8Array[] } {
  const b = readFileSync(file);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4, `${file}: a little-endian microsecond pcap`);
  const recs: Uint8Array[] = [];
  for (let at = 24; at < b.length;) {
    const len = b.readUInt32LE(at + 8);
    recs.push(b.subarray(at, at + 16 + len));
    at += 16 + len;
  }
  return { header: b.subarray(0, 24), recs };
}

/** TCP flags of a record (Ethernet, IPv4). */
function flags(rec: Uint8Array): number {
  const ip = 16 + 14;
  const ihl = (rec[ip] & 15) * 4;
  return rec[ip + ihl + 13];
}

/** A copy of a record with its TCP sequence number moved by `by`. */
function withSeq(rec: Uint8Array, by: number): Uint8Array {
  const out = Uint8Array.from(rec);
  const v = new DataView(out.buffer);
  const at = 16 + 14 + (out[16 + 14] & 15) * 4 + 4;
  v.setUint32(at, (v.getUint32(at) + by) >>> 0);
  return out;
}

/**
 * Copy `k` of a record as its sender would send it again: a new packet with
 * the next IPv4 ID (Linux numbers a socket's packets; the same ID twice in a
 * row would be one packet captured twice, NoteKind.CapturedTwice).
 */
function sentAgain(rec: Uint8Array, k: number): Uint8Array {
  const out = Uint8Array.from(rec);
  const v = new DataView(out.buffer);
  const at = 16 + 14 + 4;
  v.setUint16(at, (v.getUint16(at) + k) & 0xffff);
  return out;
}

/** Write the records after the header, each part's record `times` times over (the copies: sentAgain). */
function write(name: string, header: Uint8Array, parts: { rec: Uint8Array; times: number }[]): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  const chunk: Uint8Array[] = [];
  let size = 0;
  for (const { rec, times } of parts) {
    for (let i = 0; i < times; i++) {
      const r = i === 0 ? rec : sentAgain(rec, i);
      chunk.push(r);
      size += r.length;
      if (size > 1 << 20) {
        writeSync(fd, Buffer.concat(chunk));
        chunk.length = 0;
        size = 0;
      }
    }
  }
  writeSync(fd, Buffer.concat(chunk));
  closeSync(fd);
  return path;
}

async function reportsOf(path: string, extra: string[] = []): Promise<ConnectionReport[]> {
  const r = await tcpscope(['analyze', '-q', '-f', 'ndjson', ...extra, path]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => {
    // The NDJSON writer (render/json-report.ts) writes what JSON.stringify would, recordsOmitted included.
    assert.equal(JSON.stringify(JSON.parse(l)), l);
    return JSON.parse(l) as ConnectionReport;
  });
}

/** A fixture with its record `at` (0-based) sent `times` more times right after it. */
function storm(fixture: string, at: (recs: Uint8Array[]) => number, times: number, name: string): { path: string; at: number } {
  const { header, recs } = records(join(capturesDir, fixture));
  const i = at(recs);
  assert.ok(i >= 0, `${fixture}: the record to repeat`);
  const parts = recs.map((rec, k) => ({ rec, times: k === i ? 1 + times : 1 }));
  return { path: write(name, header, parts), at: i };
}

const N = 300;

describe('a storm of one segment on one connection', () => {
  it('FIN copies: the count stays exact, the list keeps the first ones and the latest, the verdict is unchanged', async () => {
    const base = (await reportsOf(capture('lost-fin.pcap')))[0];
    const { path, at } = storm('lost-fin.pcap', (recs) => recs.findIndex((r) => (flags(r) & 0x01) !== 0), N, 'fin.pcap');
    const [r] = await reportsOf(path);
    const side = base.close.finFrames.client.length > 0 && base.close.finFrames.client[0].frame === at + 1 ? 'client' : 'server';
    assert.equal(r.close.finFrames[side][0].frame, at + 1);
    assert.equal(r.close.finRetransmissions[side], base.close.finRetransmissions[side] + N);
    assert.equal(r.close.finFrames[side].length, MAX_RECORDS);
    // The first MAX_RECORDS - 1 copies, then the latest.
    assert.deepEqual(r.close.finFrames[side].slice(0, MAX_RECORDS - 1).map((k) => k.frame), Array.from({ length: MAX_RECORDS - 1 }, (_, k) => at + 1 + k));
    const copies = base.close.finRetransmissions[side] + N + 1;
    assert.equal(r.recordsOmitted?.[side].finCopies, copies - MAX_RECORDS);
    assert.equal(r.close.kind, base.close.kind);
    assert.equal(r.close.activeCloser, base.close.activeCloser);
    assert.equal(r.timeWait.verdict, base.timeWait.verdict);
    assert.equal(base.recordsOmitted, undefined, 'no member when nothing was left out');
  });

  it('RSTs outside the window (a blind attack that fails): counted, listed in part, the connection closes as it did', async () => {
    const base = (await reportsOf(capture('rst-inject-out-of-window.pcap')))[0];
    const { path } = storm('rst-inject-out-of-window.pcap', (recs) => recs.findIndex((r) => (flags(r) & 0x04) !== 0), N, 'rst.pcap');
    const [r] = await reportsOf(path);
    const by = base.close.reset?.by;
    assert.ok(by !== undefined && r.close.reset !== null);
    assert.equal(r.close.reset.count[by], (base.close.reset?.count[by] ?? 0) + N);
    assert.equal(r.close.reset.frames[by].length, MAX_RECORDS);
    assert.equal(r.close.reset.taken, base.close.reset?.taken);
    assert.equal(r.close.reset.effective, false);
    assert.equal(r.close.kind, base.close.kind);
    assert.equal(r.close.activeCloser, base.close.activeCloser);
    assert.equal(r.recordsOmitted?.[by].rsts, r.close.reset.count[by] - MAX_RECORDS);
  });

  it('the RST that ended the connection is kept through a storm before and after it', async () => {
    const base = (await reportsOf(capture('rst-abort.pcap')))[0];
    assert.ok(base.close.reset !== null && base.close.reset.effective, 'rst-abort: an effective RST');
    const { header, recs } = records(join(capturesDir, 'rst-abort.pcap'));
    const i = recs.findIndex((r) => (flags(r) & 0x04) !== 0);
    // Out-of-window copies before it (2^30 beyond its sequence number), copies of it after.
    const parts = recs.map((rec) => ({ rec, times: 1 }));
    parts.splice(i, 0, { rec: withSeq(recs[i], 2 ** 30), times: N });
    parts.splice(i + 2, 0, { rec: sentAgain(recs[i], 1), times: N });
    const [r] = await reportsOf(write('abort.pcap', header, parts));
    const rst = r.close.reset;
    assert.ok(rst !== null);
    assert.equal(rst.frame, base.close.reset.frame + N, 'the effective RST, after the out-of-window ones');
    assert.equal(rst.effective, true);
    assert.equal(rst.by, base.close.reset.by);
    assert.equal(r.close.kind, base.close.kind);
    assert.equal(rst.count[rst.by], base.close.reset.count[base.close.reset.by] + 2 * N);
    assert.ok(rst.frames[rst.by].includes(rst.frame), 'the effective RST is listed');
  });

  it('SYN copies: the retransmission count stays exact', async () => {
    const base = (await reportsOf(capture('unanswered-syn.pcap')))[0];
    const { path } = storm('unanswered-syn.pcap', () => 0, N, 'syn.pcap');
    const [r] = await reportsOf(path);
    assert.equal(r.handshake.synRetransmissions.client, base.handshake.synRetransmissions.client + N);
    assert.equal(r.handshake.synFrames.length, MAX_RECORDS);
    assert.equal(r.handshake.kind, base.handshake.kind);
    assert.equal(r.recordsOmitted?.client.synCopies, base.handshake.synRetransmissions.client + N + 1 - MAX_RECORDS);
  });

  it('a million copies of one FIN: memory and the report stay small', async () => {
    const { path } = storm('lost-fin.pcap', (recs) => recs.findIndex((k) => (flags(k) & 0x01) !== 0), 1_000_000, 'fin-1m.pcap');
    const r = await tcpscope(['analyze', '-q', '-f', 'ndjson', path], { measureRss: true });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length < 1_000_000, `report of ${r.stdout.length} bytes`);
    // Before the bound: 1 GB and a 119 MB line. Node alone is ~50 MB; the rest here is reading and decoding.
    assert.ok(r.maxRssKb !== null && r.maxRssKb < 300_000, `peak RSS ${r.maxRssKb} kB`);
  });
});
