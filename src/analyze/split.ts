/**
 * A capture cut into parts (files in capture order: a rotation series, or
 * one file cut anywhere), analysed part by part, on any number of machines,
 * and merged into exactly the output of one run over the whole capture
 * (`mergecap -a` of the parts): the same connections, stream numbers, frame
 * numbers, verdicts, and NDJSON lines in the same order.
 *
 * Three steps:
 * 1. `scanPart`, for every part (cheap: read and decode): its number of
 *    frames and the 4-tuples it holds (two 32-bit hashes each).
 * 2. `analyzePart`, for every part, given every scan: frames are numbered
 *    from the frames of the parts before it. A 4-tuple that an earlier part
 *    also holds ("edge" 4-tuple) may continue a connection that part
 *    started (a cut inside a handshake, between two FINs, during
 *    TIME_WAIT): its segments are not tracked here but written out whole,
 *    for the merge. Every other 4-tuple starts afresh in this part, so its
 *    connections are tracked here as one run over the whole would track
 *    them; those let go of inside the part are written out as reports, with
 *    where they came in the one-run order, and those still held at the end
 *    of the part are handed over (packed as the tracker packs idle ones).
 *    The part's clock is written too (the time at each segment that moves
 *    it): a one-run tracker lets lingering connections go at the first
 *    segment past their 2MSL, whichever part it is in.
 * 3. `mergeParts`, parts in order: one tracker follows the edge 4-tuples
 *    (their segments, the connections handed over, the clock of every
 *    part), the parts' reports come in between, stream numbers are given in
 *    frame order across all of them.
 *
 * What one run shares between connections, and how the merge keeps it:
 * - stream numbers: each part numbers its connections 0, 1, ... and says on
 *   which frame each was created; the merge numbers all in frame order;
 * - the order reports come out in: at one frame, first a connection
 *   replaced by that frame's segment, then those whose linger time ran
 *   out, in the order of the tracker's list of over connections (the frame
 *   that last put each at its end: `closedAt`);
 * - the clock: see above.
 * Where the merge cannot reproduce one run it says so in a warning (never
 * silently): a connection evicted because the table was full
 * (--max-connections is a limit of the whole run), or a part that starts
 * before the one before it ended (timestamps going back across a cut).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { Frame } from '../capture/frame.ts';
import { type FilePath, nameText } from '../capture/files.ts';
import { type CaptureSummary, type ReadOptions, readFrames } from '../capture/source.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { FINISH_STEP } from './analyze.ts';
import { buildPending, buildReport, type PendingTimeWait, restreamJson, settleTimeWaitJson } from '../report/build.ts';
import type { ConnectionReport, Settings } from '../report/types.ts';
import { Connection } from '../tcp/connection.ts';
import { hashTuple, Tracker } from '../tcp/tracker.ts';
import { WordReader, WordWriter } from '../tcp/words.ts';

const SCAN_MAGIC = 'tcpscope-scan 1\n';

/** Longest report or packed connection a part file may hold (a part analyze writes far less). */
const MAX_RECORD_BYTES = 64 << 20;

/**
 * A report's JSON text as a part wrote it (JSON.stringify: one line, no
 * control characters), checked before it goes into the output as it is.
 */
function reportText(text: string, r: { fail(what: string): never }): string {
  if (!text.startsWith('{"stream":') || !text.endsWith('}') || /[\x00-\x1f]/.test(text)) r.fail('a report that is not one');
  return text;
}

/** Version 2: packed connections' times in microseconds where they can be (tcp/words.ts). */
const PART_MAGIC = 'tcpscope-part 2\n';

/** Check a part file's first line (`line`, without its newline): this version's part, or fail. */
function partMagic(line: string, r: { fail(what: string): never }): void {
  if (line + '\n' === PART_MAGIC) return;
  if (line.startsWith('tcpscope-part ')) r.fail('a part made by another version of tcpscope: make the parts again with this one');
  r.fail('not a tcpscope part (made by `tcpscope part analyze`)');
}

/** Record types of a part file. */
const REC_CLOCK = 1;
const REC_CREATED = 2;
const REC_REPORT = 3;
const REC_SEGMENT = 4;
const REC_HELD = 5;
const REC_WAITING = 6;
const REC_END = 7;
const REC_STALE = 8;
const REC_STALE_END = 9;
/** An ICMP error quoting a segment of a connection an earlier part holds (the merge gives it to that connection, or creates one as Tracker.icmpError does). */
const REC_ICMP = 10;

/** Flags of a held connection: in the list of over connections; its report built by the part. */
const HELD_OVER = 1;
const HELD_FINAL = 2;
/** It names a predecessor on its 4-tuple, by the part's own number (so the merge unpacks it to renumber). */
const HELD_PREDECESSOR = 4;

/** A part or scan file that is not one, or not this version's. */
export class SplitError extends Error {}

// ---------------------------------------------------------------------------
// 4-tuple keys

/** Second, independent hash of one side of a 4-tuple (the tracker's hashTuple is the first). */
function sideHash(a: Uint32Array, port: number): number {
  let h = Math.imul(a[0] ^ 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15) ^ a[1], 0xd3a2646c | 1);
  h = Math.imul(h ^ (h >>> 13) ^ a[2], 0xfd7046c5);
  h = Math.imul(h ^ (h >>> 16) ^ a[3], 0xb55a4f09);
  h = Math.imul(h ^ (h >>> 15) ^ port, 0x2c1b3c6d);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The two hashes of a segment's 4-tuple, the same for both directions. */
function tupleKey2(seg: Segment): number {
  return (sideHash(seg.src, seg.srcPort) ^ sideHash(seg.dst, seg.dstPort)) >>> 0;
}

/** The two hashes of a connection's 4-tuple (as tupleKey2 of its segments). */
const ADDR_A = new Uint32Array(4);
const ADDR_B = new Uint32Array(4);
function connectionKey2(c: Connection): number {
  return (sideHash(c.addrInto(0, ADDR_A), c.port0) ^ sideHash(c.addrInto(1, ADDR_B), c.port1)) >>> 0;
}

/**
 * A set of 4-tuple keys (two 32-bit hashes). Two 4-tuples with the same
 * keys are taken as one: a 4-tuple then counts as an edge one when it is
 * not, which costs the merge some work and changes nothing in its output.
 */
export class TupleSet {
  private k1 = new Uint32Array(2048);
  private k2 = new Uint32Array(2048);
  private used = new Uint8Array(2048);
  size = 0;

  add(a: number, b: number): void {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const mask = this.used.length - 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    while (this.used[i] === 1) {
      if (this.k1[i] === a && this.k2[i] === b) return;
      i = (i + 1) & mask;
    }
    this.used[i] = 1;
    this.k1[i] = a;
    this.k2[i] = b;
    this.size++;
  }

  has(a: number, b: number): boolean {
    const mask = this.used.length - 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    while (this.used[i] === 1) {
      if (this.k1[i] === a && this.k2[i] === b) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  /** The keys, two words each. */
  words(): Uint32Array {
    const out = new Uint32Array(this.size * 2);
    let n = 0;
    for (let i = 0; i < this.used.length; i++) {
      if (this.used[i] === 0) continue;
      out[n++] = this.k1[i];
      out[n++] = this.k2[i];
    }
    return out;
  }

  private grow(): void {
    const { k1, k2, used } = this;
    this.k1 = new Uint32Array(used.length * 2);
    this.k2 = new Uint32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.add(k1[i], k2[i]);
  }
}

// ---------------------------------------------------------------------------
// Scans

/** What a scan says about its part. */
export interface PartScan {
  frames: number;
  /** 4-tuple keys, two words each. */
  keys: Uint32Array;
  /** The loopback duplicate filter at the end of the part (Decoder.saveDuplicates): the next part starts with it. */
  loopback: Uint8Array;
}

export interface SplitReadOptions extends Pick<ReadOptions, 'within' | 'inflate' | 'signal'> {}

/** Step 1: the frames and 4-tuples of a part, as the bytes of a scan file. */
export async function scanPart(path: FilePath, opts: SplitReadOptions = {}): Promise<Uint8Array> {
  const decoder = new Decoder();
  const seg = new Segment();
  const set = new TupleSet();
  const summary = await readFrames(path, (f) => {
    // An ICMP error quoting a segment counts for its 4-tuple: it goes to that connection.
    const status = decoder.decode(f, seg);
    if (status === DecodeStatus.Tcp || status === DecodeStatus.IcmpError) set.add(hashTuple(seg) >>> 0, tupleKey2(seg));
  }, opts);
  const keys = set.words();
  const dup = decoder.saveDuplicates();
  const head = Buffer.from(`${SCAN_MAGIC}${JSON.stringify({ frames: summary.frames, tuples: set.size, loopback: dup.length })}\n`, 'utf8');
  const at = align4(head.length);
  const out = new Uint8Array(at + keys.byteLength + dup.length);
  out.set(head, 0);
  out.fill(0x20, head.length, at);
  out.set(new Uint8Array(keys.buffer, keys.byteOffset, keys.byteLength), at);
  out.set(dup, at + keys.byteLength);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Read a scan file's bytes. */
export function parseScan(bytes: Uint8Array, name = 'scan'): PartScan {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 256)).toString('latin1');
  if (!text.startsWith(SCAN_MAGIC)) throw new SplitError(`${name}: not a tcpscope scan (made by \`tcpscope part scan\`)`);
  const nl = text.indexOf('\n', SCAN_MAGIC.length);
  if (nl < 0) throw new SplitError(`${name}: scan header cut short`);
  let head: { frames?: unknown; tuples?: unknown; loopback?: unknown };
  try {
    head = JSON.parse(text.slice(SCAN_MAGIC.length, nl)) as { frames?: unknown; tuples?: unknown; loopback?: unknown };
  } catch {
    throw new SplitError(`${name}: scan header is not valid`);
  }
  const { frames, tuples, loopback } = head;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!count(frames) || !count(tuples) || !count(loopback)) throw new SplitError(`${name}: scan header is not valid`);
  const at = align4(nl + 1);
  const size = at + tuples * 8 + loopback;
  if (bytes.length !== size) throw new SplitError(`${name}: scan has ${bytes.length} bytes, expected ${size}`);
  const copy = new Uint32Array(tuples * 2);
  new Uint8Array(copy.buffer).set(bytes.subarray(at, at + tuples * 8));
  return { frames, keys: copy, loopback: bytes.slice(at + tuples * 8) };
}

// ---------------------------------------------------------------------------
// Part files: a header line, then records (type byte, then numbers as
// float64 little-endian, then bytes where a record has some).

class RecordWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private n = 0;
  private readonly words = new WordWriter(new Int32Array(1 << 16));
  constructor(private readonly fd: number) {}

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    this.flush();
    if (k > this.buf.length) this.buf = Buffer.allocUnsafe(k * 2);
  }

  flush(): void {
    let off = 0;
    while (off < this.n) off += writeSync(this.fd, this.buf, off, this.n - off);
    this.n = 0;
  }

  text(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.room(b.length);
    b.copy(this.buf, this.n);
    this.n += b.length;
  }

  /** A record's type; its numbers follow (num, nums): for the records of every segment, nothing allocated. */
  type(t: number): void {
    this.room(1);
    this.buf[this.n++] = t;
  }

  /** Numbers at once (as RecordReader.nums reads them). */
  nums(v: Float64Array): void {
    this.room(v.byteLength);
    this.buf.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), this.n);
    this.n += v.byteLength;
  }

  /** A record: its type and numbers (a record of a connection, not of every segment). */
  rec(type: number, ...nums: number[]): void {
    this.room(1 + nums.length * 8);
    this.buf[this.n++] = type;
    for (const v of nums) {
      this.buf.writeDoubleLE(v, this.n);
      this.n += 8;
    }
  }

  num(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }

  /** Bytes, after their length. */
  bytes(b: Uint8Array): void {
    this.num(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** A connection as Connection.pack writes it (its `replaced` link goes with it separately). */
  connection(c: Connection, finished = false): void {
    const replaced = c.replaced;
    c.replaced = null;
    let w = this.words;
    for (;;) {
      w.reset();
      c.pack(w, finished);
      if (w.ok || w.buf.length >= 1 << 26) break;
      w = new WordWriter(new Int32Array(w.buf.length * 4));
    }
    c.replaced = replaced;
    if (!w.ok) throw new SplitError(`connection of frame ${c.firstFrame} too large to hand over`);
    this.bytes(new Uint8Array(w.buf.buffer, 0, w.n * 4));
  }
}

/** Numbers of a segment as a part file stores it (setSegment reads them back). */
const SEGMENT_FIELDS = 48;

function getSegment(s: Segment, v: Float64Array): void {
  v[0] = s.frame; v[1] = s.tsSec; v[2] = s.tsNsec; v[3] = s.tsDigits; v[4] = s.fileOffset; v[5] = s.interfaceId; v[6] = s.linkType;
  v[7] = s.wireLen; v[8] = s.capLen; v[9] = s.ipVersion;
  for (let i = 0; i < 4; i++) {
    v[10 + i] = s.src[i];
    v[14 + i] = s.dst[i];
  }
  v[18] = s.ttl; v[19] = s.ipId; v[20] = s.srcPort; v[21] = s.dstPort; v[22] = s.seq; v[23] = s.ack; v[24] = s.flags; v[25] = s.window;
  v[26] = s.urgent; v[27] = s.headerLen; v[28] = s.payloadLen; v[29] = s.payloadCaptured; v[30] = s.mss; v[31] = s.wscale;
  v[32] = s.sackPermitted ? 1 : 0; v[33] = s.hasTimestamp ? 1 : 0; v[34] = s.tsVal; v[35] = s.tsEcr; v[36] = s.sackCount;
  for (let i = 0; i < 8; i++) v[37 + i] = s.sackBlocks[i];
  v[45] = (s.optionsTruncated ? 1 : 0) | (s.optionsMalformed ? 2 : 0) | (s.firstFragment ? 4 : 0) | (s.lengthFromWire ? 8 : 0);
  v[46] = s.tunnelKind; v[47] = s.tunnelId;
}

/** A segment's numbers and then an ICMP error's (DecodeStatus.IcmpError). */
const ICMP_FIELDS = SEGMENT_FIELDS + 9;

function getIcmp(s: Segment, v: Float64Array): void {
  getSegment(s, v);
  const b = SEGMENT_FIELDS;
  v[b] = s.icmpType; v[b + 1] = s.icmpCode; v[b + 2] = s.icmpV6 ? 1 : 0; v[b + 3] = s.icmpMtu; v[b + 4] = s.quotedTcp;
  for (let i = 0; i < 4; i++) v[b + 5 + i] = s.icmpFrom[i];
}

function setIcmp(s: Segment, v: Float64Array): void {
  setSegment(s, v);
  const b = SEGMENT_FIELDS;
  s.icmpType = v[b]; s.icmpCode = v[b + 1]; s.icmpV6 = v[b + 2] === 1; s.icmpMtu = v[b + 3]; s.quotedTcp = v[b + 4];
  for (let i = 0; i < 4; i++) s.icmpFrom[i] = v[b + 5 + i];
}

function setSegment(s: Segment, v: Float64Array): void {
  s.frame = v[0]; s.tsSec = v[1]; s.tsNsec = v[2]; s.tsDigits = v[3]; s.fileOffset = v[4]; s.interfaceId = v[5]; s.linkType = v[6];
  s.wireLen = v[7]; s.capLen = v[8]; s.ipVersion = v[9] === 6 ? 6 : 4;
  for (let i = 0; i < 4; i++) {
    s.src[i] = v[10 + i];
    s.dst[i] = v[14 + i];
  }
  s.ttl = v[18]; s.ipId = v[19]; s.srcPort = v[20]; s.dstPort = v[21]; s.seq = v[22]; s.ack = v[23]; s.flags = v[24]; s.window = v[25];
  s.urgent = v[26]; s.headerLen = v[27]; s.payloadLen = v[28]; s.payloadCaptured = v[29]; s.mss = v[30]; s.wscale = v[31];
  s.sackPermitted = v[32] === 1; s.hasTimestamp = v[33] === 1; s.tsVal = v[34]; s.tsEcr = v[35]; s.sackCount = v[36];
  for (let i = 0; i < 8; i++) s.sackBlocks[i] = v[37 + i];
  const b = v[45];
  s.optionsTruncated = (b & 1) !== 0; s.optionsMalformed = (b & 2) !== 0; s.firstFragment = (b & 4) !== 0; s.lengthFromWire = (b & 8) !== 0;
  s.tunnelKind = v[46]; s.tunnelId = v[47];
}

/** What a part file's header says. */
export interface PartHeader {
  /** The part's capture as it was named to analyzePart. */
  file: string;
  index: number;
  parts: number;
  /** Frames of the parts before this one. */
  frameOffset: number;
  frames: number;
  settings: Settings;
  maxConnections: number | null;
}

export interface PartOptions extends SplitReadOptions {
  /** Most connections held at once (the whole run's --max-connections). */
  maxConnections?: number;
}

/** What analyzePart found, for a caller's messages. */
export interface PartSummary {
  summary: CaptureSummary;
  /** Segments of edge 4-tuples written for the merge, connections reported, connections handed over. */
  edgeSegments: number;
  reports: number;
  handedOver: number;
}

/**
 * Step 2: analyse part `index` of `scans.length` (the scans of every part,
 * in capture order) and write the part file to `out` (a path, or a file
 * descriptor the caller opened and closes).
 */
export async function analyzePart(
  path: FilePath, index: number, scans: readonly PartScan[], settings: Settings, out: string | number, opts: PartOptions = {},
): Promise<PartSummary> {
  const file = typeof path === 'string' ? path : nameText(path);
  if (!Number.isSafeInteger(index) || index < 0 || index >= scans.length) throw new SplitError(`part index ${index} is not one of the ${scans.length} scans`);
  let frameOffset = 0;
  const earlier = new TupleSet();
  for (let i = 0; i < index; i++) {
    frameOffset += scans[i].frames;
    const k = scans[i].keys;
    for (let j = 0; j < k.length; j += 2) earlier.add(k[j], k[j + 1]);
  }
  // 4-tuples of the parts after this one: a connection held at the end on
  // none of them gets no more segments, and its report is built here.
  const later = new TupleSet();
  for (let i = index + 1; i < scans.length; i++) {
    const k = scans[i].keys;
    for (let j = 0; j < k.length; j += 2) later.add(k[j], k[j + 1]);
  }
  const fd = typeof out === 'number' ? out : openSync(out, 'w');
  try {
    const w = new RecordWriter(fd);
    const header: PartHeader = {
      file, index, parts: scans.length, frameOffset, frames: scans[index].frames, settings, maxConnections: opts.maxConnections ?? null,
    };
    w.text(`${PART_MAGIC}${JSON.stringify(header)}\n`);
    let at = 0;
    let edgeSegments = 0;
    let reports = 0;
    const tracker = new Tracker(
      opts.maxConnections === undefined
        ? { lingerSeconds: settings.timeWaitSeconds, reuseDone: true }
        : { lingerSeconds: settings.timeWaitSeconds, reuseDone: true, maxConnections: opts.maxConnections },
      (c) => {
        reports++;
        if (stale.delete(c.stream)) w.rec(REC_STALE_END, at, c.stream);
        const phase = c.endReason === 'replaced' ? 0 : 1;
        const body = Buffer.from(JSON.stringify(buildReport(c, settings)), 'utf8');
        w.rec(REC_REPORT, at, phase, phase === 0 ? 0 : c.closedAt, c.stream, c.evicted ? 1 : 0, c.hash);
        w.bytes(body);
        // One run may let it go later: when a connection the merge follows
        // holds it back in the list of over connections (heldBackAt).
        if (phase === 1) w.connection(c, true);
      },
    );
    // Connections a segment took out of over, that keep their place in the list of over connections (Tracker.holdBack).
    const stale = new Set<number>();
    const fields = new Float64Array(SEGMENT_FIELDS);
    const icmpFields = new Float64Array(ICMP_FIELDS);
    const decoder = new Decoder();
    // A packet's loopback copy may be in the next part (tcpdump -i any on lo).
    if (index > 0 && !decoder.loadDuplicates(scans[index - 1].loopback)) throw new SplitError(`scan ${index}: its loopback packets are not valid`);
    const seg = new Segment();
    let nowSec = -1;
    let nowNsec = 0;
    let clockSec = -1;
    let clockNsec = 0;
    const onFrame = (f: Frame): void => {
      f.number += frameOffset;
      if (f.tsSec > nowSec || (f.tsSec === nowSec && f.tsNsec > nowNsec)) {
        nowSec = f.tsSec;
        nowNsec = f.tsNsec;
      }
      const status = decoder.decode(f, seg);
      if (status !== DecodeStatus.Tcp && status !== DecodeStatus.IcmpError) {
        tracker.observeTime(f.tsSec, f.tsNsec);
        return;
      }
      at = seg.frame;
      if (nowSec > clockSec || (nowSec === clockSec && nowNsec > clockNsec)) {
        clockSec = nowSec;
        clockNsec = nowNsec;
        w.type(REC_CLOCK);
        w.num(at);
        w.num(nowSec);
        w.num(nowNsec);
      }
      if (status === DecodeStatus.IcmpError) {
        // An ICMP error quoting a segment: to the connection of the quoted 4-tuple; the merge gives it to one an earlier part holds.
        if (earlier.size > 0 && earlier.has(hashTuple(seg) >>> 0, tupleKey2(seg))) {
          getIcmp(seg, icmpFields);
          w.type(REC_ICMP);
          w.nums(icmpFields);
          tracker.advance(seg.tsSec, seg.tsNsec);
          return;
        }
        // It creates a connection when none holds the 4-tuple (Tracker.icmpError): numbered as one a segment creates.
        const before = tracker.streams;
        const c = tracker.icmpError(seg);
        if (tracker.streams !== before) w.rec(REC_CREATED, at, before, c.hash);
        if (c.isOver() && stale.delete(c.stream)) w.rec(REC_STALE_END, at, c.stream);
        return;
      }
      if (earlier.size > 0 && earlier.has(hashTuple(seg) >>> 0, tupleKey2(seg))) {
        edgeSegments++;
        getSegment(seg, fields);
        w.type(REC_SEGMENT);
        w.nums(fields);
        tracker.advance(seg.tsSec, seg.tsNsec);
        return;
      }
      const before = tracker.streams;
      const c = tracker.push(seg);
      if (tracker.streams !== before) w.rec(REC_CREATED, at, before, c.hash);
      if (c.isOver()) {
        if (stale.delete(c.stream)) w.rec(REC_STALE_END, at, c.stream);
      } else if (tracker.inOverList(c) && !stale.has(c.stream)) {
        stale.add(c.stream);
        w.rec(REC_STALE, at, c.stream, c.closedAt);
      }
    };
    const summary = await readFrames(path, onFrame, opts);
    const { held, waiting } = tracker.handOver();
    // In stream order (handOver's): the merge reads the reports built here about in this order when they go
    // (at the capture's end in stream order; expired, in the order they closed, which follows it closely).
    const successors = new Set(waiting.map((x) => x.successor));
    for (const { c, overListed } of held) {
      // Nothing after the cut can change it but when it is let go of: its report is built here (buildPending).
      const final = overListed && c.isOver() && !successors.has(c) && !c.settleDependsOnEnd() && !later.has(c.hash >>> 0, connectionKey2(c));
      const flags = (overListed ? HELD_OVER : 0) | (final ? HELD_FINAL : 0) | (c.previousStream >= 0 ? HELD_PREDECESSOR : 0);
      w.rec(REC_HELD, c.stream, c.hash, c.closedAt, flags, c.lastSec, c.lastNsec, c.previousStream);
      w.connection(c);
      if (final) {
        const { report, pending } = buildPending(c, settings);
        w.bytes(Buffer.from(JSON.stringify(report), 'utf8'));
        w.num(pending.tsDigits);
        for (const p of [pending.client, pending.server]) {
          w.num(p === null ? 0 : 1);
          w.num(p === null ? 0 : p.sec);
          w.num(p === null ? 0 : p.nsec);
        }
      }
    }
    for (const { old, successor } of waiting) {
      w.rec(REC_WAITING, old.stream, old.hash, successor.stream);
      w.connection(old);
    }
    w.rec(REC_END, summary.frames, nowSec, nowNsec, tracker.evicted);
    w.flush();
    return { summary, edgeSegments, reports, handedOver: held.length + waiting.length };
  } finally {
    if (typeof out !== 'number') closeSync(fd);
  }
}

// ---------------------------------------------------------------------------
// Reading part files

class RecordReader {
  private buf = Buffer.allocUnsafe(1 << 20);
  private start = 0;
  private end = 0;
  private eof = false;
  private pos = 0;
  constructor(private readonly fd: number, private readonly name: string) {}

  /** At least `k` bytes buffered from `start` (false: the file ends first). */
  private fill(k: number): boolean {
    if (this.end - this.start >= k) return true;
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (k > this.buf.length) {
      const b = Buffer.allocUnsafe(Math.max(k, this.buf.length * 2));
      this.buf.copy(b, 0, 0, this.end);
      this.buf = b;
    }
    while (this.end < k && !this.eof) {
      const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return this.end - this.start >= k;
  }

  fail(what: string): never {
    throw new SplitError(`${this.name}: ${what} at byte ${this.pos}`);
  }

  /** Bytes read so far. */
  get position(): number {
    return this.pos;
  }

  line(max: number): string {
    for (let k = 1; k <= max; k++) {
      if (!this.fill(k)) this.fail('part file cut short');
      if (this.buf[this.start + k - 1] === 0x0a) {
        const s = this.buf.toString('utf8', this.start, this.start + k - 1);
        this.start += k;
        this.pos += k;
        return s;
      }
    }
    return this.fail('part header too long');
  }

  /** The next record's type (0 at the end of the file). */
  type(): number {
    if (!this.fill(1)) return 0;
    this.pos++;
    return this.buf[this.start++];
  }

  num(): number {
    if (!this.fill(8)) this.fail('part file cut short');
    const v = this.buf.readDoubleLE(this.start);
    this.start += 8;
    this.pos += 8;
    return v;
  }

  /** `into.length` numbers at once (copied through an aligned buffer: the records are not aligned). */
  nums(into: Float64Array): void {
    const k = into.length * 8;
    if (!this.fill(k)) this.fail('part file cut short');
    new Uint8Array(into.buffer, into.byteOffset, k).set(this.buf.subarray(this.start, this.start + k));
    this.start += k;
    this.pos += k;
  }

  /** Skip bytes written by RecordWriter.bytes: where they are in the file. */
  skipBytes(): { offset: number; length: number } {
    const n = this.num();
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RECORD_BYTES) this.fail('bad length');
    const offset = this.pos;
    let left = n;
    while (left > 0) {
      if (this.end === this.start && !this.fill(1)) this.fail('part file cut short');
      const k = Math.min(left, this.end - this.start);
      this.start += k;
      this.pos += k;
      left -= k;
    }
    return { offset, length: n };
  }

  /** The next bytes RecordWriter.bytes wrote: a view valid until the next read. */
  bytes(): Buffer {
    const n = this.num();
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RECORD_BYTES) this.fail('bad length');
    if (!this.fill(n)) this.fail('part file cut short');
    const b = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    this.pos += n;
    return b;
  }
}

/** One report of the merged output, in the order one run emits them. */
export type MergedReport = ConnectionReport;

export interface MergeSummary {
  settings: Settings;
  /** The first part's capture name (a series' name, as one run over it reports it). */
  file: string;
  frames: number;
  connections: number;
  /** Where the merge may differ from one run (said, never silent). */
  warnings: string[];
  /** Reports built by the merge (connections that crossed a cut and went on), and built by the parts. */
  built: number;
  fromParts: number;
}

/**
 * A connection of the merged output: its report as an object or as its JSON
 * text (JSON.stringify of it), whichever the merge had; the other is made
 * when asked for.
 */
export class MergedConnection {
  constructor(readonly stream: number, private obj: ConnectionReport | null, private text: string | null) {}

  report(): ConnectionReport {
    return this.obj ??= JSON.parse(this.text as string) as ConnectionReport;
  }

  json(): string {
    return this.text ??= JSON.stringify(this.obj);
  }
}

interface Pending {
  phase: number;
  sub: number;
  conn: MergedConnection;
}



/**
 * Step 3: merge the part files (in capture order) and hand every report to
 * `onReport` in the order one run over the whole capture emits them.
 * `pause` is asked now and then whether to wait (the output's back-pressure).
 */
export async function mergeParts(
  paths: readonly string[], onReport: (c: MergedConnection) => void, pause: () => Promise<void> | null = () => null,
): Promise<MergeSummary> {
  // Part files stay open to the end: a report a part built is read again when its connection goes.
  const fds: number[] = [];
  try {
    return await mergeWith(paths, onReport, pause, fds);
  } catch (e) {
    // What a part does not hold together (a report the merge reads when its connection goes) is damage too; the file system's errors are not.
    if (e instanceof SplitError || !(e instanceof Error) || typeof (e as NodeJS.ErrnoException).code === 'string') throw e;
    throw new SplitError(`damaged part file (${e.message})`);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

async function mergeWith(
  paths: readonly string[], onReport: (c: MergedConnection) => void, pause: () => Promise<void> | null, fds: number[],
): Promise<MergeSummary> {
  if (paths.length === 0) throw new SplitError('no parts to merge');
  // Reports the merge builds itself (connections that crossed a cut and went on).
  let builtHere = 0;
  const built = (r: ConnectionReport): MergedConnection => {
    builtHere++;
    return new MergedConnection(r.stream, r, null);
  };
  const warnings: string[] = [];
  let settings: Settings | null = null;
  let file = '';
  let tracker: Tracker | null = null;
  let maxConnections: number | null = null;
  let nextStream = 0;
  // Reports of connections held packed that their part built: where they are in its file, until they go.
  const prebuilt = new Map<number, { fd: number; file: { fail(what: string): never }; offset: number; length: number; pending: PendingTimeWait; previous: number }>();
  // They are read about in the order they are in their files: through a window, not one read each.
  const window = new ReadWindow();
  let frames = 0;
  let connections = 0;
  let nowSec = -1;
  let nowNsec = 0;
  let evicted = 0;
  let conflicts = 0;
  // Connections a part let go of that one run still held (heldBackAt), by hash, until the merge's tracker lets go of them.
  const heldBack = new Map<number, number>();
  // Emissions at the frame being merged, sorted before they go out.
  let at = -1;
  let batch: Pending[] = [];
  const seg = new Segment();
  const fields = new Float64Array(SEGMENT_FIELDS);
  const icmpFields = new Float64Array(ICMP_FIELDS);
  const words = new WordReader();
  for (let k = 0; k < paths.length; k++) {
    const name = paths[k];
    const fd = openSync(name, 'r');
    fds.push(fd);
    const r: RecordReader = new RecordReader(fd, name);
    try {
      partMagic(r.line(PART_MAGIC.length), r);
      const head = parseHeader(r.line(1 << 16), name);
      if (head.index !== k || head.parts !== paths.length) {
        throw new SplitError(`${name}: part ${head.index + 1} of ${head.parts}, given as part ${k + 1} of ${paths.length} (give the parts in capture order)`);
      }
      if (head.frameOffset !== frames) throw new SplitError(`${name}: its frames follow ${head.frameOffset} frames, the parts before it hold ${frames} (parts of different captures?)`);
      if (settings === null) {
        file = head.file;
        settings = head.settings;
        maxConnections = head.maxConnections;
        const st = settings;
        // No table limit here: it holds only connections that cross cuts.
        const tr = new Tracker({ lingerSeconds: st.timeWaitSeconds, reuseDone: true }, (c) => {
          const phase = c.endReason === 'replaced' ? 0 : c.endReason === 'expired' ? 1 : 2;
          const n = heldBack.get(c.hash);
          if (n !== undefined) {
            if (n > 1) heldBack.set(c.hash, n - 1);
            else heldBack.delete(c.hash);
          }
          prebuilt.delete(c.stream);
          batch.push({ phase, sub: phase === 1 ? c.closedAt : phase === 2 ? c.stream : 0, conn: built(buildReport(c, st)) });
        });
        // A connection held packed: its report was built by its part (prebuilt), or is built from the words.
        tr.onDonePacked = (p) => {
          const phase = p.reason === 'expired' ? 1 : 2;
          const sub = phase === 1 ? p.closedAt : p.stream;
          const pre = prebuilt.get(p.stream);
          if (pre !== undefined) {
            prebuilt.delete(p.stream);
            const text = settleTimeWaitJson(restreamJson(reportText(window.text(pre.fd, pre.offset, pre.length), pre.file), p.stream, () => pre.previous), pre.pending,
              p.reason === 'expired' ? 'expired' : 'capture-end', p.endSec, p.endNsec, st);
            batch.push({ phase, sub, conn: new MergedConnection(p.stream, null, text) });
            return;
          }
          const c = Connection.unpack(WORDS.at(p.words, p.off), p.stream, 0);
          c.endReason = p.reason;
          c.endSec = p.endSec;
          c.endNsec = p.endNsec;
          if (p.evicted) c.evicted = true;
          batch.push({ phase, sub, conn: built(buildReport(c, st)) });
        };
        tracker = tr;
      } else if (JSON.stringify(settings) !== JSON.stringify(head.settings) || maxConnections !== head.maxConnections) {
        throw new SplitError(`${name}: analysed with other settings than the first part (--os, --msl, --max-connections must be the same)`);
      }
      const t = tracker as Tracker;
      const st = settings;
      // Global stream numbers of this part's connections, by the part's own.
      const globalOf: number[] = [];
      /** The whole capture's stream number of the part's connection `local`. */
      const g = (local: number): number => {
        const n = Number.isInteger(local) && local >= 0 ? globalOf[local] : undefined;
        if (n === undefined) r.fail(`a connection the part did not create (${local})`);
        return n;
      };
      const heldByLocal = new Map<number, Connection>();
      const packedHeld: { words: Int32Array; stream: number; hash: number; lastSec: number; lastNsec: number; closedAt: number }[] = [];
      // Stand-ins of the part's connections a segment took out of over (Tracker.holdBack).
      const standIns = new Map<number, number>();
      let firstClock = true;
      /**
       * Everything at frame `at` is in: the tracker lets lingering connections
       * go as one run does after that frame's segment, then the frame's
       * reports go out in one run's order.
       */
      const endFrame = (): void => {
        t.advance(nowSec, nowNsec);
        if (batch.length === 0) return;
        if (batch.length > 1) batch.sort((a, b) => a.phase - b.phase || a.sub - b.sub);
        for (const p of batch) {
          connections++;
          onReport(p.conn);
        }
        batch = [];
      };
      const frame = (f: number): void => {
        if (f === at) return;
        if (at >= 0) endFrame();
        at = f;
      };
      let records = 0;
      for (let type = r.type(); type !== 0; type = r.type()) {
        if ((++records & 1023) === 0) {
          const wait = pause();
          if (wait !== null) await wait;
        }
        switch (type) {
          case REC_CLOCK: {
            frame(r.num());
            const sec = r.num();
            const nsec = r.num();
            if (firstClock) {
              firstClock = false;
              if (k > 0 && (sec < nowSec || (sec === nowSec && nsec < nowNsec))) {
                warnings.push(`${name} starts before the part before it ends: with timestamps going back across the cut, connections may be let go of at other frames than in one run`);
              }
            }
            if (sec > nowSec || (sec === nowSec && nsec > nowNsec)) {
              nowSec = sec;
              nowNsec = nsec;
            }
            t.observeTime(nowSec, nowNsec);
            break;
          }
          case REC_SEGMENT: {
            r.nums(fields);
            setSegment(seg, fields);
            frame(seg.frame);
            t.streams = nextStream;
            t.push(seg);
            nextStream = t.streams;
            break;
          }
          case REC_ICMP: {
            r.nums(icmpFields);
            setIcmp(seg, icmpFields);
            frame(seg.frame);
            // It may create a connection (none holds the 4-tuple now): numbered in the capture's one sequence, as REC_SEGMENT.
            t.streams = nextStream;
            t.icmpError(seg);
            nextStream = t.streams;
            break;
          }
          case REC_CREATED: {
            frame(r.num());
            const local = r.num();
            const hash = r.num();
            if (local !== globalOf.length) r.fail(`connection ${local} created out of turn`);
            globalOf[local] = nextStream++;
            if (heldBack.has(hash)) conflicts++;
            break;
          }
          case REC_STALE: {
            frame(r.num());
            const local = r.num();
            standIns.set(local, t.holdBack(r.num()));
            break;
          }
          case REC_STALE_END: {
            frame(r.num());
            const local = r.num();
            const standIn = standIns.get(local);
            if (standIn === undefined) throw new SplitError(`${name}: the end of a hold-back that did not begin`);
            t.release(standIn);
            standIns.delete(local);
            break;
          }
          case REC_REPORT: {
            frame(r.num());
            const phase = r.num();
            const sub = r.num();
            const local = r.num();
            if (r.num() === 1) evicted++;
            const hash = r.num();
            // (what bytes() returns is only valid until the next read)
            const body = r.bytes().toString('utf8');
            if (phase === 1) {
              const packed = wordsOf(r.bytes());
              if (t.heldBackAt(sub)) {
                // One run still holds it: the merge's tracker lets go of it when one run would.
                const c = unpackConnection(packed, g(local), hash);
                if (c.previousStream >= 0) c.previousStream = g(c.previousStream);
                c.closedAt = sub;
                t.adopt(c, true);
                heldBack.set(c.hash, (heldBack.get(c.hash) ?? 0) + 1);
                break;
              }
            }
            batch.push({ phase, sub, conn: new MergedConnection(g(local), null, restreamJson(reportText(body, r), g(local), g)) });
            break;
          }
          case REC_HELD: {
            const local = r.num();
            const hash = r.num() | 0;
            const closedAt = r.num();
            const flags = r.num();
            const lastSec = r.num();
            const lastNsec = r.num();
            const previous = r.num();
            const words = wordsOf(r.bytes());
            const stream = g(local);
            const standIn = standIns.get(local);
            if (standIn !== undefined) {
              t.release(standIn);
              standIns.delete(local);
            }
            if ((flags & HELD_FINAL) !== 0) {
              // Read again when it goes (memory holds where it is, not the report).
              const at = r.skipBytes();
              const tsDigits = r.num();
              const side = (): { sec: number; nsec: number } | null => {
                const has = r.num();
                const sec = r.num();
                const nsec = r.num();
                return has === 1 ? { sec, nsec } : null;
              };
              const client = side();
              const pending: PendingTimeWait = { client, server: side(), tsDigits };
              prebuilt.set(stream, { fd, file: r, offset: at.offset, length: at.length, pending, previous: previous >= 0 ? g(previous) : -1 });
            }
            // Over connections stay packed until a segment comes or they go (the words keep the part's number of a
            // predecessor): adopted at the part's end, in the order of their places in the list of over connections.
            if ((flags & (HELD_OVER | HELD_PREDECESSOR)) === HELD_OVER) {
              packedHeld.push({ words, stream, hash, lastSec, lastNsec, closedAt });
              break;
            }
            const c = unpackConnection(words, stream, hash);
            c.closedAt = closedAt;
            if (c.previousStream >= 0) c.previousStream = g(c.previousStream);
            t.adopt(c, (flags & HELD_OVER) !== 0);
            heldByLocal.set(local, c);
            break;
          }
          case REC_WAITING: {
            const local = r.num();
            const hash = r.num();
            const successor = r.num();
            const old = unpackConnection(wordsOf(r.bytes()), g(local), hash);
            if (old.previousStream >= 0) old.previousStream = g(old.previousStream);
            const succ = heldByLocal.get(successor);
            if (succ === undefined) throw new SplitError(`${name}: a waiting connection without its successor`);
            t.adoptWaiting(old, succ);
            break;
          }
          case REC_END: {
            // The part's last segment: after it only frames that are not TCP segments move the clock (no sweep).
            if (at >= 0) endFrame();
            at = -1;
            packedHeld.sort((a, b) => a.closedAt - b.closedAt);
            for (const h of packedHeld) {
              if (t.adoptPacked(h.words, h.stream, h.hash, h.lastSec, h.lastNsec, h.closedAt)) continue;
              // Too long a record to stay packed: an object.
              const c = unpackConnection(h.words, h.stream, h.hash);
              c.closedAt = h.closedAt;
              t.adopt(c, true);
            }
            packedHeld.length = 0;
            const partFrames = r.num();
            const sec = r.num();
            const nsec = r.num();
            evicted += r.num();
            if (partFrames !== head.frames) r.fail(`part holds ${partFrames} frames, its scan ${head.frames}`);
            frames += partFrames;
            if (sec > nowSec || (sec === nowSec && nsec > nowNsec)) {
              nowSec = sec;
              nowNsec = nsec;
            }
            t.observeTime(nowSec, nowNsec);
            break;
          }
          default:
            r.fail(`unknown record ${type}`);
        }
      }
      if (standIns.size > 0) r.fail('a hold-back that did not end');
      void st;
    } catch (e) {
      // A part file is written by part analyze: anything it does not hold together is damage.
      if (e instanceof SplitError) throw e;
      throw new SplitError(`${name}: damaged part file near byte ${r.position} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const t = tracker as Tracker;
  // The end of the capture: what is still held goes out in stream order, a
  // step at a time (it may be every connection of the capture: all of a
  // capture shorter than 2MSL).
  for (let left = 1; left > 0;) {
    left = t.finishSome(FINISH_STEP);
    batch.sort((a, b) => a.phase - b.phase || a.sub - b.sub);
    for (const p of batch) {
      connections++;
      onReport(p.conn);
    }
    batch = [];
    const wait = pause();
    if (wait !== null) await wait;
  }
  if (evicted > 0) {
    warnings.push(`${evicted} ${evicted === 1 ? 'connection was' : 'connections were'} evicted because the table was full (--max-connections): the merge may differ from one run there`);
  }
  if (conflicts > 0) {
    warnings.push(`${conflicts} ${conflicts === 1 ? 'connection' : 'connections'} began on the 4-tuple of one that one run still held: the merge may differ from one run there`);
  }
  return { settings: settings as Settings, file, frames, connections, warnings, built: builtHere, fromParts: connections - builtHere };
}

/** Reads of files at (mostly) increasing offsets, through one buffer refilled 256 KiB at a time. */
class ReadWindow {
  private buf = Buffer.allocUnsafe(1 << 18);
  private fd = -1;
  private start = 0;
  private end = 0;

  /** The UTF-8 text of bytes [offset, offset + length) of `fd`. */
  text(fd: number, offset: number, length: number): string {
    if (fd !== this.fd || offset < this.start || offset + length > this.end) {
      if (length > this.buf.length) this.buf = Buffer.allocUnsafe(length);
      this.fd = fd;
      this.start = offset;
      this.end = offset + readSync(fd, this.buf, 0, this.buf.length, offset);
      if (offset + length > this.end) throw new SplitError('a part file changed while it was merged');
    }
    return this.buf.toString('utf8', offset - this.start, offset - this.start + length);
  }
}

/** The words of a packed connection, from its bytes in a part file. */
function wordsOf(bytes: Buffer): Int32Array {
  const words = new Int32Array(align4(bytes.length) / 4);
  new Uint8Array(words.buffer).set(bytes);
  return words;
}

const WORDS = new WordReader();

function unpackConnection(words: Int32Array, stream: number, hash: number): Connection {
  return Connection.unpack(WORDS.at(words, 0), stream, hash | 0);
}

/** The header of a part file (its first two lines). */
export function readPartHeader(path: string): PartHeader {
  const fd = openSync(path, 'r');
  try {
    const r = new RecordReader(fd, path);
    partMagic(r.line(PART_MAGIC.length), r);
    return parseHeader(r.line(1 << 16), path);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(line: string, name: string): PartHeader {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch {
    throw new SplitError(`${name}: part header is not valid`);
  }
  const o = h as Partial<PartHeader>;
  const int = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const st = o.settings;
  if (typeof h !== 'object' || h === null || typeof o.file !== 'string' || !int(o.index) || !int(o.parts) || !int(o.frameOffset) || !int(o.frames) ||
    typeof st !== 'object' || st === null || typeof st.timeWaitSeconds !== 'number' || !(st.timeWaitSeconds > 0) ||
    !(o.maxConnections === null || int(o.maxConnections))) {
    throw new SplitError(`${name}: part header is not valid`);
  }
  return o as PartHeader;
}
