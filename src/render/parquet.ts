/**
 * `--format parquet`: the CSV's table (csv.ts: same columns, same order,
 * same values) with typed columns, for DuckDB, Spark, pandas and the like.
 * Times are TIMESTAMP(NANOS, UTC) (a capture's nanoseconds are kept),
 * counts and frame numbers INT64, ports INT32, seconds DOUBLE, enums their
 * JSON strings, `reset_effective` BOOLEAN and `reset_candidates` a LIST of
 * strings (the CSV joins them with `|`). A column is nullable where the CSV
 * cell can be empty, and `first_time` where a capture's time is beyond
 * TIMESTAMP(NANOS) (years 1677 to 2262: garbage times of broken captures;
 * ParquetTable.timesOutOfRange counts them).
 *
 * Written with hyparquet-writer (pure JS, one dependency, snappy built in)
 * one row group at a time: the rows wait in memory only until a row group
 * is full, then its bytes go to `sink` and are dropped, so the memory does
 * not grow with the number of connections. The strings are UTF-8 data, not
 * text for a terminal: nothing is escaped (a reader shows them its way).
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ConnectionReport } from '../report/types.ts';
import { CSV_COLUMNS } from './csv.ts';

/** Parquet types of the columns (physical + logical), by kind. */
export type ParquetKind = 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'timestamp' | 'string-list';

type Value = string | number | bigint | boolean | string[] | null;

interface Column {
  name: string;
  kind: ParquetKind;
  nullable: boolean;
  get: (c: ConnectionReport, file: string) => Value;
}

/** Kind and nullability of each CSV column, by name; the getters are csv.ts's (but `reset_candidates`). */
const KINDS: Record<string, [ParquetKind, boolean]> = {
  file: ['string', false],
  stream: ['int64', false],
  client_ip: ['string', false],
  client_port: ['int32', false],
  server_ip: ['string', false],
  server_port: ['int32', false],
  first_frame: ['int64', false],
  last_frame: ['int64', false],
  first_time: ['timestamp', true],
  duration_seconds: ['double', false],
  packets: ['int64', false],
  handshake: ['string', false],
  close: ['string', false],
  active_closer: ['string', true],
  client_final_state: ['string', false],
  server_final_state: ['string', false],
  time_wait_endpoint: ['string', true],
  time_wait_verdict: ['string', false],
  time_wait_evidence: ['string', true],
  time_wait_observed_seconds: ['double', true],
  time_wait_required_seconds: ['double', false],
  client_fin_retransmissions: ['int64', false],
  server_fin_retransmissions: ['int64', false],
  client_syn_retransmissions: ['int64', false],
  server_syn_retransmissions: ['int64', false],
  half_close_side: ['string', true],
  half_close_bytes: ['int64', true],
  reset_by: ['string', true],
  reset_cause: ['string', true],
  reset_frame: ['int64', true],
  wireshark_filter: ['string', false],
  reset_candidates: ['string-list', true],
  reset_effective: ['boolean', true],
  capture_directions: ['string', false],
  client_retransmissions: ['int64', false],
  server_retransmissions: ['int64', false],
  client_duplicate_acks: ['int64', false],
  server_duplicate_acks: ['int64', false],
  previous_segment_not_captured: ['int64', false],
  acked_unseen_segment: ['int64', false],
  client_zero_windows: ['int64', false],
  server_zero_windows: ['int64', false],
  initial_rtt_seconds: ['double', true],
};

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Nanoseconds since the epoch of an ISO 8601 UTC time as reports write it
 * (`2026-11-22T00:47:17.363688784Z`, `+586524-01-19T07:53:24Z` for the
 * garbage times of some captures); null beyond what 64 bits of nanoseconds
 * hold (years 1677 to 2262).
 */
export function isoToNanos(iso: string): bigint | null {
  // A capture's connections start in few seconds: the seconds of the last date part are kept.
  const dot = iso.indexOf('.');
  const head = dot < 0 ? iso.slice(0, -1) : iso.slice(0, dot);
  if (head === lastHead && lastSec !== null) {
    const frac = dot < 0 ? '' : iso.slice(dot + 1, -1);
    if (/^\d{1,9}$/.test(frac) || frac === '') return inRange(lastSec * 1_000_000_000n + BigInt(frac.padEnd(9, '0')));
  }
  const m = /^([+-]\d{6}|\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (m === null) throw new Error(`not a report time: ${iso}`);
  // days from the civil date (H. Hinnant's days_from_civil), exact for any year
  const mo = BigInt(m[2]);
  const y = BigInt(m[1]) - (mo <= 2n ? 1n : 0n);
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const doy = (153n * (mo > 2n ? mo - 3n : mo + 9n) + 2n) / 5n + BigInt(m[3]) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  const days = era * 146097n + doe - 719468n;
  const sec = days * 86400n + BigInt(m[4]) * 3600n + BigInt(m[5]) * 60n + BigInt(m[6]);
  lastHead = head;
  lastSec = sec;
  return inRange(sec * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0')));
}

let lastHead = '';
let lastSec: bigint | null = null;

function inRange(ns: bigint): bigint | null {
  return ns < INT64_MIN || ns > INT64_MAX ? null : ns;
}

function typed(kind: ParquetKind, v: string | number | boolean | null): Value {
  if (v === null) return null;
  switch (kind) {
    case 'int64':
      return BigInt(v as number);
    case 'timestamp':
      return isoToNanos(v as string);
    default:
      return v;
  }
}

/** The columns, in the CSV's order. */
export const PARQUET_COLUMNS: readonly Column[] = CSV_COLUMNS.map(([name, get]): Column => {
  const k = KINDS[name];
  if (k === undefined) throw new Error(`parquet.ts: no type for CSV column ${name}`);
  const [kind, nullable] = k;
  if (name === 'reset_candidates') return { name, kind, nullable, get: (c) => (c.close.reset === null ? null : [...c.close.reset.candidates]) };
  return { name, kind, nullable, get: (c, file) => typed(kind, get(c, file)) };
});

/** hyparquet's schema element, as far as used here. */
interface SchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
  converted_type?: 'UTF8' | 'LIST';
  logical_type?: { type: 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: 'NANOS' } | { type: 'STRING' } | { type: 'LIST' };
}

function schemaOf(col: Column): SchemaElement[] {
  const repetition_type = col.nullable ? 'OPTIONAL' : 'REQUIRED';
  const { name } = col;
  switch (col.kind) {
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type }];
    case 'int32':
      return [{ name, type: 'INT32', repetition_type }];
    case 'int64':
      return [{ name, type: 'INT64', repetition_type }];
    case 'double':
      return [{ name, type: 'DOUBLE', repetition_type }];
    case 'boolean':
      return [{ name, type: 'BOOLEAN', repetition_type }];
    case 'timestamp':
      return [{ name, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' }, repetition_type }];
    case 'string-list':
      // The standard three-level LIST (parquet-format LogicalTypes.md).
      return [
        { name, repetition_type, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
      ];
  }
}

/** The file's schema: root, then the columns. */
export function parquetSchema(): SchemaElement[] {
  return [{ name: 'schema', num_children: PARQUET_COLUMNS.length }, ...PARQUET_COLUMNS.flatMap(schemaOf)];
}

/** Rows per row group: large enough for fast scans, small enough to keep the memory low. */
export const ROW_GROUP_ROWS = 65536;

/**
 * Bytes of the file go to `sink` as they are made (a row group at a time);
 * its promise, if any, is waited for before the next row group (back-pressure).
 */
export type ParquetSink = (bytes: Uint8Array) => void | Promise<void>;

/** hyparquet-writer's buffer, emptied into the sink after each row group and at the end. */
class SinkWriter extends ByteWriter {
  constructor(private readonly sink: ParquetSink) {
    super(1 << 16);
  }

  flush(): void | Promise<void> {
    if (this.index === 0) return;
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.sink(bytes);
  }

  override finish(): void | Promise<void> {
    return this.flush();
  }
}

/** A Parquet file of connection rows, written as they come. */
export class ParquetTable {
  private readonly writer: ParquetWriter;
  private columns: Value[][] = PARQUET_COLUMNS.map(() => []);
  private rows = 0;
  /** Rows whose first_time was beyond TIMESTAMP(NANOS), written as null. */
  timesOutOfRange = 0;

  constructor(sink: ParquetSink, private readonly rowGroupRows = ROW_GROUP_ROWS, createdBy = 'tcpscope') {
    this.writer = new ParquetWriter({ writer: new SinkWriter(sink), schema: parquetSchema(), codec: 'SNAPPY', createdBy });
  }

  /** Add a connection's row; a promise when a row group was written and the sink is busy. */
  add(c: ConnectionReport, file: string): void | Promise<void> {
    for (let i = 0; i < PARQUET_COLUMNS.length; i++) {
      const col = PARQUET_COLUMNS[i];
      const v = col.get(c, file);
      if (v === null && col.kind === 'timestamp') this.timesOutOfRange++;
      this.columns[i].push(v);
    }
    this.rows++;
    if (this.rows >= this.rowGroupRows) return this.writeGroup();
  }

  private writeGroup(): void | Promise<void> {
    if (this.rows === 0) return;
    const columnData = PARQUET_COLUMNS.map((col, i) => ({ name: col.name, data: this.columns[i], nullable: col.nullable }));
    this.columns = PARQUET_COLUMNS.map(() => []);
    const rows = this.rows;
    this.rows = 0;
    return this.writer.write({ columnData, rowGroupSize: rows });
  }

  /** Write the last row group and the footer. */
  async finish(): Promise<void> {
    await this.writeGroup();
    await this.writer.finish();
  }
}
