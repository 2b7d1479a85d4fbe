/**
 * The front of the pipeline (readerFor + push reader + Decoder) driven over
 * any byte string, and the invariants it must keep whatever the bytes are
 * (the hostile-input issue). Used by the property tests (test/fuzz/), the
 * regression corpus (fixtures/regressions/) and `npm run fuzz` (run.ts).
 *
 * Nothing here depends on fast-check: a failing input can be replayed with
 * `runFront` + `checkFront` alone.
 */
import { readerFor } from '../capture/source.ts';
import { CaptureError, type CaptureWarning, type Frame } from '../capture/frame.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';

/** What one frame looked like, copied out of the reader's buffer. */
export interface FrameCopy extends Omit<Frame, 'buf' | 'offset'> {
  /** The frame's bytes (a copy). */
  data: Uint8Array;
  /** The frame's bytes lay inside the reader's buffer (offset + capLen <= buf.length). */
  inBuffer: boolean;
  status: DecodeStatus;
  /** The decoded segment's fields, as a string, when status is Tcp ('' otherwise). */
  seg: string;
}

export interface FrontResult {
  format: 'pcap' | 'pcapng' | null;
  frames: FrameCopy[];
  warnings: CaptureWarning[];
  /** The CaptureError that stopped reading, if any (any other exception propagates). */
  error: CaptureError | null;
  bytesRead: number;
  /** next() calls made: bounded by the input size (no spinning). */
  steps: number;
}

export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

function fail(msg: string): never {
  throw new InvariantError(msg);
}

/** The segment's fields as one string, to compare two decodes of the same frame. */
export function segmentSummary(s: Segment): string {
  return [
    s.ipVersion, s.src.join('.'), s.dst.join('.'), s.ttl, s.ipId, s.srcPort, s.dstPort, s.seq, s.ack, s.flags,
    s.window, s.urgent, s.headerLen, s.payloadLen, s.payloadCaptured, s.mss, s.wscale, s.sackPermitted,
    s.hasTimestamp, s.tsVal, s.tsEcr, s.sackCount, Array.from(s.sackBlocks.subarray(0, 2 * s.sackCount)).join(','),
    s.optionsTruncated, s.optionsMalformed, s.firstFragment, s.lengthFromWire, s.tunnelKind, s.tunnelId,
  ].join('|');
}

/** What a frame decoded to, as text: the segment, or the ICMP error and its quote (junk around the frame must not change it). */
function decodedSummary(status: DecodeStatus, s: Segment): string {
  if (status === DecodeStatus.Tcp) return segmentSummary(s);
  if (status === DecodeStatus.IcmpError) {
    return `${segmentSummary(s)}|icmp ${s.icmpV6} ${s.icmpType} ${s.icmpCode} ${s.icmpMtu} ${s.icmpFrom.join('.')} ${s.quotedTcp}`;
  }
  return '';
}

/**
 * Feed `input` to readerFor + its reader, split into chunks at `cuts`
 * (sorted offsets; each chunk is a fresh copy, as a reader owns what it is
 * given), decode every frame, and copy everything out.
 */
export function runFront(input: Uint8Array, cuts: readonly number[] = []): FrontResult {
  const result: FrontResult = { format: null, frames: [], warnings: [], error: null, bytesRead: 0, steps: 0 };
  // Each next() that returns a frame consumes at least 12 bytes; each chunk
  // ends with one next() that returns undefined; end() adds one more.
  const maxSteps = input.length + cuts.length + 16;
  const decoder = new Decoder();
  const seg = new Segment();
  let reader;
  try {
    reader = readerFor(input.length >= 4 ? input : padTo4(input));
  } catch (e) {
    if (e instanceof CaptureError) {
      result.error = e;
      return result;
    }
    throw e;
  }
  result.format = reader.format;
  const drain = (): void => {
    for (;;) {
      if (++result.steps > maxSteps) fail(`reader made ${result.steps} next() calls on ${input.length} bytes: it does not advance`);
      const f = reader.next();
      if (f === undefined) return;
      result.frames.push(copyFrame(f, decoder, seg));
    }
  };
  try {
    let prev = 0;
    for (const c of [...cuts, input.length]) {
      if (c <= prev || c > input.length) continue;
      reader.append(input.slice(prev, c));
      drain();
      prev = c;
    }
    reader.end();
    drain();
    // Once ended and drained, further calls must keep returning undefined.
    if (reader.next() !== undefined) fail('next() returned a frame after the reader was drained at the end');
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    result.error = e;
  }
  result.warnings = reader.warnings.map((w) => ({ ...w }));
  result.bytesRead = reader.bytesRead;
  return result;
}

/** readerFor reads 4 bytes; shorter inputs are checked with undefined-free zeros. */
function padTo4(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(4);
  out.set(b);
  return out;
}

function copyFrame(f: Frame, decoder: Decoder, seg: Segment): FrameCopy {
  const inBuffer = f.offset >= 0 && f.capLen >= 0 && f.offset + f.capLen <= f.buf.length;
  const data = f.buf.slice(f.offset, f.offset + f.capLen);
  const status = decoder.decode(f, seg);
  return {
    number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, tsDigits: f.tsDigits, capLen: f.capLen, origLen: f.origLen,
    linkType: f.linkType, interfaceId: f.interfaceId, fileOffset: f.fileOffset, data, inBuffer,
    status, seg: decodedSummary(status, seg),
  };
}

function u32(b: Uint8Array, i: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(i, le);
}

/** Length of a well-formed pcapng block at i (length, alignment, trailing copy), either byte order; -1 if none. */
function wellFormedBlock(input: Uint8Array, i: number, end: number, notPacket = false): number {
  if (i + 12 > end) return -1;
  for (const le of [true, false]) {
    const len = u32(input, i + 4, le);
    if (len >= 12 && len % 4 === 0 && i + len <= end && u32(input, i + len - 4, le) === len) {
      // A packet block (EPB 6, SPB 3, PB 2) that gave no frame must be in a skipped range.
      const type = u32(input, i, le);
      if (notPacket && (type === 6 || type === 3 || type === 2)) continue;
      return len;
    }
  }
  return -1;
}

/** Where a frame's record ends in the input: pcap record or pcapng block. */
export function recordEnd(input: Uint8Array, format: 'pcap' | 'pcapng', f: FrameCopy): number {
  if (format === 'pcap') return f.fileOffset + 16 + f.capLen;
  const len = wellFormedBlock(input, f.fileOffset, input.length);
  return len < 0 ? -1 : f.fileOffset + len;
}

/** Offset of the frame's bytes inside its record. */
function dataOffset(input: Uint8Array, format: 'pcap' | 'pcapng', f: FrameCopy): number {
  if (format === 'pcap') return 16;
  // Block type 3 (SPB) in either byte order; EPB (6) and PB (2) carry 28 bytes before the data.
  const t = u32(input, f.fileOffset, true);
  return t === 3 || t === 0x03000000 ? 12 : 28;
}

function oneLine(what: string, s: string): void {
  if (s.length === 0 || s.includes('\n') || s.includes('\r')) fail(`${what} is not one non-empty line: ${JSON.stringify(s)}`);
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/**
 * Every invariant of the issue that holds whatever the input: a clear error
 * or frames + warnings that account for every byte, frames that are exactly
 * the input's bytes, decodes that read nothing outside the frame, sane
 * segment fields.
 */
export function checkFront(input: Uint8Array, r: FrontResult): void {
  const total = input.length;
  if (r.error) {
    oneLine('CaptureError message', r.error.message);
    if (!isCount(r.error.frame) || !isCount(r.error.offset) || r.error.offset > total) {
      fail(`CaptureError names frame ${r.error.frame}, offset ${r.error.offset} of ${total} bytes`);
    }
  }
  for (const w of r.warnings) {
    oneLine('warning message', w.message);
    if (!isCount(w.frame) || w.frame < 1 || !isCount(w.offset) || !isCount(w.skippedBytes) || w.offset + w.skippedBytes > total) {
      fail(`warning out of range (input ${total} bytes): ${JSON.stringify(w)}`);
    }
  }
  if (r.format === null) return;
  const fmt = r.format;
  if (!r.error && r.bytesRead !== total) fail(`reader consumed ${r.bytesRead} of ${total} bytes`);

  // Frames: numbered 1..n, in file order, exactly the input's bytes.
  let lastEnd = fmt === 'pcap' ? 24 : 28;
  const ranges: [number, number, string][] = [];
  r.frames.forEach((f, k) => {
    if (f.number !== k + 1) fail(`frame ${k + 1} is numbered ${f.number}`);
    if (!f.inBuffer) fail(`frame ${f.number}: bytes run past the reader's buffer`);
    if (!isCount(f.capLen) || !isCount(f.origLen)) fail(`frame ${f.number}: lengths ${f.capLen}/${f.origLen}`);
    if (!Number.isInteger(f.tsNsec) || f.tsNsec < 0 || f.tsNsec >= 1e9) fail(`frame ${f.number}: tsNsec ${f.tsNsec}`);
    if (!Number.isFinite(f.tsSec)) fail(`frame ${f.number}: tsSec ${f.tsSec}`);
    if (!Number.isInteger(f.tsDigits) || f.tsDigits < 0 || f.tsDigits > 9) fail(`frame ${f.number}: tsDigits ${f.tsDigits}`);
    if (f.fileOffset < lastEnd) fail(`frame ${f.number} at offset ${f.fileOffset} overlaps what came before (ends ${lastEnd})`);
    const end = recordEnd(input, fmt, f);
    if (end < 0 || end > total) fail(`frame ${f.number} at offset ${f.fileOffset}: record is not whole in the input`);
    const d = f.fileOffset + dataOffset(input, fmt, f);
    if (d + f.capLen > end) fail(`frame ${f.number}: ${f.capLen} bytes from ${d} run past its record (ends ${end})`);
    const expect = input.subarray(d, d + f.capLen);
    if (!equalBytes(expect, f.data)) fail(`frame ${f.number}: bytes differ from the input at ${d}`);
    ranges.push([f.fileOffset, end, `frame ${f.number}`]);
    lastEnd = end;
  });

  // Every byte accounted for.
  const skipped = r.warnings.filter((w) => w.skippedBytes > 0);
  for (const w of skipped) ranges.push([w.offset, w.offset + w.skippedBytes, `skipped at ${w.offset}`]);
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) fail(`${ranges[i][2]} [${ranges[i][0]}, ${ranges[i][1]}) overlaps ${ranges[i - 1][2]} [${ranges[i - 1][0]}, ${ranges[i - 1][1]})`);
  }
  if (fmt === 'pcap') {
    const sum = 24 + r.frames.reduce((n, f) => n + 16 + f.capLen, 0) + skipped.reduce((n, w) => n + w.skippedBytes, 0);
    if (!r.error && sum !== total) fail(`pcap accounting: 24 + records + skipped = ${sum}, input is ${total} bytes`);
  } else if (!r.error) {
    // The gaps between frames and skipped ranges are whole, well-formed blocks.
    let at = 0;
    for (const [from, to] of [...ranges, [total, total, 'end'] as [number, number, string]]) {
      while (at < from) {
        const len = wellFormedBlock(input, at, from, true);
        if (len < 0) fail(`pcapng accounting: bytes [${at}, ${from}) are neither frames, skipped, nor whole non-packet blocks`);
        at += len;
      }
      at = Math.max(at, to);
    }
  }

  // Decoding: the same status and fields when the frame sits alone among junk
  // (nothing read outside [offset, offset + capLen)), and sane fields.
  const junk = new Decoder();
  const seg = new Segment();
  const stats = { tcp: 0 };
  for (const f of r.frames) {
    const fr: Frame = {
      number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, tsDigits: f.tsDigits, capLen: f.capLen, origLen: f.origLen,
      linkType: f.linkType, interfaceId: f.interfaceId, buf: surrounded(f.data, f.number), offset: 24, fileOffset: f.fileOffset,
    };
    const status = junk.decode(fr, seg);
    const s = decodedSummary(status, seg);
    if (status !== f.status || s !== f.seg) {
      fail(`frame ${f.number}: decodes differently among junk bytes (${f.status} ${f.seg} vs ${status} ${s}): the decoder reads outside the frame`);
    }
    if (!Object.values(DecodeStatus).includes(status)) fail(`frame ${f.number}: unknown status ${status}`);
    if (status === DecodeStatus.Tcp) {
      stats.tcp++;
      checkSegment(seg, f);
    }
  }
}

function surrounded(data: Uint8Array, salt: number): Uint8Array {
  const buf = new Uint8Array(data.length + 48);
  // Junk that changes with the frame: 0xff.., then a pattern.
  for (let i = 0; i < buf.length; i++) buf[i] = (salt * 31 + i * 7) & 1 ? 0xff : (i * 13 + 5) & 0xff;
  buf.set(data, 24);
  return buf;
}

function checkSegment(s: Segment, f: FrameCopy): void {
  const bad = (what: string): never => fail(`frame ${f.number}: segment ${what} (${segmentSummary(s)})`);
  if (s.ipVersion !== 4 && s.ipVersion !== 6) bad('ipVersion');
  if (s.headerLen < 20 || s.headerLen > 60 || s.headerLen % 4 !== 0) bad('headerLen');
  if (!isCount(s.payloadLen) || !isCount(s.payloadCaptured)) bad('payload lengths');
  if (s.payloadCaptured > s.payloadLen || s.payloadCaptured > f.capLen) bad('payloadCaptured');
  for (const [v, max] of [[s.srcPort, 65535], [s.dstPort, 65535], [s.seq, 2 ** 32 - 1], [s.ack, 2 ** 32 - 1], [s.flags, 0x1ff], [s.window, 65535], [s.urgent, 65535]] as const) {
    if (!isCount(v) || v > max) bad('field out of range');
  }
  if (s.mss < -1 || s.mss > 65535 || s.wscale < -1 || s.wscale > 255 || s.sackCount < 0 || s.sackCount > 4) bad('options out of range');
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The frames as comparable plain values (for deepEqual). */
export function comparable(r: FrontResult, upTo = r.frames.length): unknown[] {
  return r.frames.slice(0, upTo).map((f) => ({ ...f, data: Buffer.from(f.data).toString('hex') }));
}

/**
 * Damage at `firstDamaged` and after cannot change the frames whose records
 * end before it: `mutated` must start with exactly those frames of `original`.
 */
export function checkPrefix(original: Uint8Array, ro: FrontResult, rm: FrontResult, firstDamaged: number): void {
  if (ro.format === null || ro.error) return;
  if (firstDamaged < 4) return; // the magic itself may be gone
  const fmt = ro.format;
  if (rm.format !== fmt) {
    if (firstDamaged >= 4) fail(`format changed from ${fmt} to ${rm.format} although the first 4 bytes are intact`);
    return;
  }
  const keep = ro.frames.filter((f) => recordEnd(original, fmt, f) <= firstDamaged).length;
  if (rm.frames.length < keep) {
    fail(`damage at ${firstDamaged}: only ${rm.frames.length} frames read, but ${keep} frames lie wholly before it${rm.error ? ` (error: ${rm.error.message})` : ''}`);
  }
  const a = JSON.stringify(comparable(ro, keep));
  const b = JSON.stringify(comparable(rm, keep));
  if (a !== b) fail(`damage at ${firstDamaged} changed frames that lie wholly before it`);
}

/** Same frames, warnings and error whatever the chunking. */
export function checkChunking(a: FrontResult, b: FrontResult, cuts: readonly number[]): void {
  const sa = JSON.stringify({ f: comparable(a), w: a.warnings, e: a.error?.message ?? null });
  const sb = JSON.stringify({ f: comparable(b), w: b.warnings, e: b.error?.message ?? null });
  if (sa !== sb) {
    fail(`chunks cut at [${cuts.join(',')}] read differently from the whole input:\n whole: ${sa.slice(0, 600)}\n chunked: ${sb.slice(0, 600)}`);
  }
}
