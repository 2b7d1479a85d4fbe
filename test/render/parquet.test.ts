/**
 * `analyze -f parquet`: the file is read back by an independent reader,
 * DuckDB (its Node API, the engine users query such files with), and every
 * row and column must say what the CSV of the same run says: each value
 * read back is turned into the CSV's cell by the CSV's escaping, and the
 * lines must be the CSV's (as a set: Parquet rows come in the order the
 * connections ended). The column types are checked by name, the row groups
 * of a long table by DuckDB's parquet_metadata.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { analyzeFile } from '../../src/analyze/analyze.ts';
import { CSV_COLUMNS } from '../../src/render/csv.ts';
import { csvCell } from '../../src/render/escape/csv.ts';
import { isoToNanos, ParquetTable } from '../../src/render/parquet.ts';
import { makeSettings } from '../../src/report/settings.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { tcpscope } from '../helpers/cli.ts';
import { capturesDir, corpusDir, haveCorpus } from '../helpers/paths.ts';

const captures = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f)).sort();

/** The column types a user's SQL sees. */
const TYPES: Record<string, string> = {
  file: 'VARCHAR', stream: 'BIGINT', client_ip: 'VARCHAR', client_port: 'INTEGER', server_ip: 'VARCHAR', server_port: 'INTEGER',
  first_frame: 'BIGINT', last_frame: 'BIGINT', first_time: 'TIMESTAMP_NS', duration_seconds: 'DOUBLE', packets: 'BIGINT',
  handshake: 'VARCHAR', close: 'VARCHAR', active_closer: 'VARCHAR', client_final_state: 'VARCHAR', server_final_state: 'VARCHAR',
  time_wait_endpoint: 'VARCHAR', time_wait_verdict: 'VARCHAR', time_wait_evidence: 'VARCHAR', time_wait_observed_seconds: 'DOUBLE',
  time_wait_required_seconds: 'DOUBLE', client_fin_retransmissions: 'BIGINT', server_fin_retransmissions: 'BIGINT',
  client_syn_retransmissions: 'BIGINT', server_syn_retransmissions: 'BIGINT', half_close_side: 'VARCHAR', half_close_bytes: 'BIGINT',
  reset_by: 'VARCHAR', reset_cause: 'VARCHAR', reset_frame: 'BIGINT', wireshark_filter: 'VARCHAR', reset_candidates: 'VARCHAR[]',
  reset_effective: 'BOOLEAN', capture_directions: 'VARCHAR',
  client_retransmissions: 'BIGINT', server_retransmissions: 'BIGINT', client_duplicate_acks: 'BIGINT', server_duplicate_acks: 'BIGINT',
  previous_segment_not_captured: 'BIGINT', acked_unseen_segment: 'BIGINT', client_zero_windows: 'BIGINT', server_zero_windows: 'BIGINT',
  initial_rtt_seconds: 'DOUBLE',
};

/** ISO 8601 of nanoseconds since the epoch, with `digits` fractional digits; the digits cut must be zeros. */
function isoOfNanos(ns: bigint, digits: number): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  assert.match(frac.slice(digits), /^0*$/, `nanoseconds beyond the CSV's ${digits} digits`);
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return digits === 0 ? `${base}Z` : `${base}.${frac.slice(0, digits)}Z`;
}

/** A value DuckDB read back as the CSV's cell (escaped by the CSV's own escaping). */
function cellOf(name: string, v: unknown, csvTime: string): string {
  if (name === 'first_time') {
    if (v === null) {
      // only a time beyond TIMESTAMP(NANOS) is null: then the CSV's cell is kept for the comparison
      // (a `+` year is escaped there as a formula would be: `"'+586524-...Z"`)
      const year = Number(/^(?:"')?([+-]?\d+)-/.exec(csvTime)?.[1]);
      assert.ok(year < 1677 || year > 2262, `first_time null for ${csvTime}`);
      return csvTime;
    }
    const digits = /\.(\d+)Z$/.exec(csvTime)?.[1].length ?? 0;
    return csvCell(isoOfNanos(v as bigint, digits));
  }
  if (v === null) return '';
  if (Array.isArray(v)) return csvCell(v.join('|'));
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return csvCell(v);
  throw new Error(`${name}: unexpected value ${String(v)}`);
}

/** The CSV's data lines, split from its text (a line break inside a cell is escaped, never raw). */
function csvLines(text: string): string[] {
  const lines = text.split('\r\n');
  assert.equal(lines.pop(), '');
  return lines.slice(1);
}

let dir: string;
let db: DuckDBInstance;
let con: DuckDBConnection;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-parquet-'));
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
});
after(() => {
  con.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The rows of a Parquet file as the CSV's lines (first_time as nanoseconds, to keep them all). */
async function linesOf(path: string, csvTimes: Map<string, string>): Promise<string[]> {
  const names = CSV_COLUMNS.map(([n]) => n);
  const select = names.map((n) => (n === 'first_time' ? 'epoch_ns(first_time) AS first_time' : `"${n}"`)).join(', ');
  const r = await con.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(path)})`);
  return r.getRowsJS().map((row) => {
    const key = `${String(row[0])}\0${String(row[1])}`;
    const time = csvTimes.get(key) ?? '';
    return row.map((v, i) => cellOf(names[i], v, time)).join(',');
  });
}

/** first_time of each CSV line by file and stream (the digits a capture's resolution gives). */
function timesOf(lines: string[]): Map<string, string> {
  const m = new Map<string, string>();
  const at = CSV_COLUMNS.findIndex(([n]) => n === 'first_time');
  for (const l of lines) {
    // file names of the fixtures have no comma or quote: a plain split finds the cells
    const cells = l.split(',');
    m.set(`${cells[0]}\0${cells[1]}`, cells[at]);
  }
  return m;
}

describe('analyze -f parquet', () => {
  const files = [...captures(capturesDir), ...(haveCorpus ? captures(corpusDir) : [])];

  it('has the CSV columns, in order, with their types', async () => {
    const out = join(dir, 'types.parquet');
    const r = await tcpscope(['analyze', '-f', 'parquet', '-o', out, 'fixtures/captures/rst-abort.pcap']);
    assert.equal(r.code, 0, r.stderr);
    const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(out)})`);
    const got = d.getRowsJS().map((row) => [row[0], row[1]]);
    assert.deepEqual(got, CSV_COLUMNS.map(([n]) => [n, TYPES[n]]));
  });

  it('says what the CSV says, row for row and column for column (kernel fixtures and corpus)', async () => {
    assert.ok(files.length > 40, `captures found: ${files.length}`);
    const out = join(dir, 'all.parquet');
    const [csv, pq] = await Promise.all([
      tcpscope(['analyze', '-j', '1', '--os', 'linux', '-f', 'csv', ...files]),
      tcpscope(['analyze', '-j', '1', '--os', 'linux', '-f', 'parquet', '-o', out, '--quiet', ...files]),
    ]);
    assert.equal(csv.code, pq.code, pq.stderr);
    const beyond = /^warning: (\d+) connection\(s\) start at a time beyond Parquet's TIMESTAMP\(NANOS\).*\n/m;
    assert.equal(pq.stderr.replace(beyond, ''), csv.stderr, 'the same warnings');
    const expected = csvLines(csv.stdout);
    // The kernel fixtures alone hold 54 connections; with the corpus (when it is there) over 100.
    assert.ok(expected.length > (haveCorpus ? 100 : 40), `connections: ${expected.length}`);
    const got = await linesOf(out, timesOf(expected));
    assert.equal(got.length, expected.length);
    assert.deepEqual([...got].sort(), [...expected].sort());
    // A few answers a user would ask SQL for, against the CSV's.
    const q = await con.runAndReadAll(`SELECT count(*) FILTER (WHERE reset_by = 'server' AND reset_effective), count(*) FILTER (WHERE list_contains(reset_candidates, 'abort')), max(first_time) > min(first_time) FROM read_parquet(${sqlString(out)})`);
    const [serverRst, abort, ordered] = q.getRowsJS()[0];
    const col = (name: string): number => CSV_COLUMNS.findIndex(([n]) => n === name);
    const cells = expected.map((l) => l.split(','));
    assert.equal(serverRst, BigInt(cells.filter((c) => c[col('reset_by')] === 'server' && c[col('reset_effective')] === 'true').length));
    assert.ok(abort as bigint > 0n);
    assert.equal(ordered, true);
  });

  it('writes a valid file without rows when nothing is shown, and to a pipe', async () => {
    const out = join(dir, 'none.parquet');
    const r = await tcpscope(['analyze', '-f', 'parquet', '-o', out, '--filter', 'port 1', 'fixtures/captures/rst-abort.pcap']);
    assert.equal(r.code, 0, r.stderr);
    const n = await con.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(out)})`);
    assert.equal(n.getRowsJS()[0][0], 0n);
    // stdout to a pipe is allowed: the bytes are the file's
    const piped = await tcpscope(['analyze', '-f', 'parquet', 'fixtures/captures/rst-abort.pcap']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdoutBytes.subarray(0, 4).toString('latin1'), 'PAR1');
    assert.equal(piped.stdoutBytes.subarray(-4).toString('latin1'), 'PAR1');
  });

  it('turns report times into nanoseconds, exactly, and beyond 64 bits into null', () => {
    const cases: [string, bigint | null][] = [
      ['1970-01-01T00:00:00Z', 0n], ['1969-12-31T23:59:59.5Z', -500_000_000n], ['2026-11-22T00:47:17.363688784Z', 1795308437363688784n],
      ['2026-11-22T00:47:17.000001Z', 1795308437000001000n], ['2000-02-29T00:00:00Z', 951782400_000_000_000n],
      ['2262-04-11T23:47:16.854775807Z', (1n << 63n) - 1n], ['2262-04-11T23:47:16.854775808Z', null],
      ['1677-09-21T00:12:43.145224192Z', -(1n << 63n)], ['1677-09-21T00:12:43.145224191Z', null], ['+586524-01-19T07:53:24.126329Z', null],
    ];
    for (const [iso, ns] of cases) assert.equal(isoToNanos(iso), ns, iso);
    // the same again (the cached seconds) and once more from another second
    for (const [iso, ns] of [...cases].reverse()) assert.equal(isoToNanos(iso), ns, iso);
    assert.throws(() => isoToNanos('yesterday'), /not a report time/);
  });

  it('writes a row group at a time, each readable', async () => {
    const settings = makeSettings({ os: 'linux' });
    const reports: [ConnectionReport, string][] = [];
    for (const f of captures(capturesDir)) for (const c of (await analyzeFile(f, settings)).connections) reports.push([c, f]);
    const parts: Uint8Array[] = [];
    let sinks = 0;
    const table = new ParquetTable((b) => {
      sinks++;
      parts.push(b);
    }, 7);
    for (const [c, f] of reports) await table.add(c, f);
    await table.finish();
    const path = join(dir, 'groups.parquet');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, Buffer.concat(parts));
    assert.ok(statSync(path).size > 0);
    const groups = Math.ceil(reports.length / 7);
    assert.ok(sinks >= groups, `${sinks} writes for ${groups} row groups`);
    const m = await con.runAndReadAll(`SELECT count(DISTINCT row_group_id), sum(row_group_num_rows) / count(DISTINCT column_id) FROM parquet_metadata(${sqlString(path)})`);
    const [n, rows] = m.getRowsJS()[0];
    assert.equal(n, BigInt(groups));
    assert.equal(Number(rows), reports.length);
    const streams = await con.runAndReadAll(`SELECT file, stream, packets FROM read_parquet(${sqlString(path)})`);
    assert.deepEqual(streams.getRowsJS(), reports.map(([c, f]) => [f, BigInt(c.stream), BigInt(c.packets)]));
  });
});
