/**
 * `--format json` and `--format ndjson`. The document is the contract of
 * src/report/types.ts, unchanged. NDJSON writes one connection per line, as
 * soon as it is final: the ConnectionReport with the capture's path added
 * first as `file` (a line has no other way to say which capture it is from).
 *
 * NDJSON lines are collected in one buffer (NdjsonWriter) and written in
 * batches: on a capture of 100 000 connections (350 MB of NDJSON), copying
 * each report to put `file` first ({ file, ...report }) and one write per
 * line cost more than reading, decoding and tracking all the segments.
 * Each line is written member by member straight into the buffer
 * (json-report.ts): JSON.stringify and the UTF-8 copy of its text cost more.
 * The bytes are those of JSON.stringify({ file, ...report })
 * (test/render/json.test.ts and json-report.test.ts check it on every
 * fixture and corpus capture, and on random reports).
 */
import type { AnalysisDocument, ConnectionReport } from '../report/types.ts';
import { JsonBytes, JsonKey } from './json-bytes.ts';
import { connectionMembers } from './json-report.ts';

export function renderJson(doc: AnalysisDocument): string {
  return [...renderJsonParts(doc)].join('');
}

/**
 * The text of JSON.stringify(doc, null, 2) + '\n' in pieces of about 1 MiB:
 * on a capture of 100 000 connections the whole text is longer than the
 * longest string V8 can make. The connections are written one by one into
 * the document's frame (jsonFrame).
 */
export function* renderJsonParts(doc: AnalysisDocument): Generator<string> {
  yield* jsonDocumentParts(doc, (i) => {
    const conns = doc.captures[i].connections;
    return conns.length === 0 ? null : connectionPieces(conns);
  });
}

/** The connections between their array's brackets, joined in pieces of about 1 MiB. */
function* connectionPieces(conns: readonly ConnectionReport[]): Generator<string> {
  let pending: string[] = [];
  let size = 0;
  for (let k = 0; k < conns.length; k++) {
    const one = jsonConnectionText(conns[k]);
    pending.push(k > 0 ? one : one.slice(JSON_SEPARATOR_LENGTH));
    size += one.length;
    if (size >= 1 << 20) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) yield pending.join('');
}

/**
 * The document's text with each capture's connections from `connections(i)`:
 * null when it has none, else the text between the array's brackets in
 * pieces (strings, or bytes from a spool file): the connections'
 * jsonConnectionText in stream order, the first without its
 * JSON_SEPARATOR_LENGTH leading characters. The `connections` members of
 * `doc` are not read.
 */
export function* jsonDocumentParts<T extends string | Uint8Array>(
  doc: AnalysisDocument, connections: (capture: number) => Iterable<T> | null,
): Generator<string | T> {
  const frame = jsonFrame(doc);
  for (let i = 0; i < doc.captures.length; i++) {
    yield frame[i];
    const pieces = connections(i);
    if (pieces === null) {
      yield '[]';
      continue;
    }
    // Connections are at depth 4 of the document (8 spaces), their array's brackets at depth 3.
    yield '[\n';
    yield* pieces;
    yield '\n      ]';
  }
  yield frame[doc.captures.length];
}

/** The document's text without its connections: piece i comes before capture i's `connections` array, the last piece after the last. */
function jsonFrame(doc: AnalysisDocument): string[] {
  const marker = `@@tcpscope-connections-${Math.random().toString(36).slice(2)}-`;
  const skeleton = {
    ...doc,
    captures: doc.captures.map((c, i) => ({ ...c, connections: `${marker}${i}@@` })),
  };
  const text = JSON.stringify(skeleton, null, 2) + '\n';
  const re = new RegExp(`"${marker}(\\d+)@@"`, 'g');
  const pieces: string[] = [];
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    pieces.push(text.slice(last, m.index));
    last = m.index + m[0].length;
  }
  pieces.push(text.slice(last));
  return pieces;
}

/** Characters (and bytes) of the separator that starts every jsonConnectionText. */
export const JSON_SEPARATOR_LENGTH = 2;

/** One connection's text in the document, indented to its place, after the separator `,\n`. */
export function jsonConnectionText(conn: ConnectionReport): string {
  return ',\n        ' + JSON.stringify(conn, null, 2).replace(/\n/g, '\n        ');
}

/** One NDJSON line. */
export type NdjsonLine = { file: string } & ConnectionReport;

/** One NDJSON line as a string. */
export function ndjsonLine(c: ConnectionReport, file: string): string {
  const w = new NdjsonWriter(4096);
  w.line(c, file);
  return Buffer.from(w.take()).toString('utf8');
}

const FILE = new JsonKey('file');

/** Appends NDJSON lines to a growing byte buffer; `take` hands the bytes over. */
export class NdjsonWriter extends JsonBytes {
  private readonly spares: Buffer[] = [];

  constructor(capacity = 1 << 20) {
    super(capacity);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.n;
  }

  /** The bytes written since the last take, and start over in a new buffer (a recycled one if there is one). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.n);
    this.use(this.spares.pop() ?? Buffer.allocUnsafeSlow(this.buf.length), 0);
    return out;
  }

  /** Bytes from `take` that are no longer needed: their buffer is used again. */
  recycle(bytes: Uint8Array): void {
    if (this.spares.length < 8) this.spares.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset));
  }

  /** The line of a report: JSON.stringify({ file, ...c }), written member by member (json-report.ts). */
  line(c: ConnectionReport, file: string): void {
    this.open();
    this.str(FILE, file);
    connectionMembers(this, c);
    this.close();
    this.byte(0x0a);
  }

  /** The line of a report given as its JSON text (JSON.stringify of it). */
  lineJson(body: string, file: string): void {
    this.open();
    this.str(FILE, file);
    if (body.length > 2) {
      this.byte(0x2c);
      this.text(body.slice(1));
    } else {
      this.close();
    }
    this.byte(0x0a);
  }
}
