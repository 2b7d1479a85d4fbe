/**
 * Frame-by-frame comparison of our decoder with tshark's view of a capture,
 * `<capture>.frames.tsv` (columns: frame time_epoch frame_len cap_len src dst
 * sport dport seq_raw ack_raw flags tcp_len stream; see
 * /work/shared/corpus/README.md and fixtures/tools/tsv.sh). Shared by the
 * corpus test and the kernel-fixture test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readFrames } from '../../src/capture/source.ts';
import { Decoder } from '../../src/decode/decoder.ts';
import { DecodeStatus, Segment } from '../../src/decode/segment.ts';
import { formatIp } from '../../src/decode/address.ts';

export interface TsharkRow {
  frame: number;
  time: string;
  frameLen: number;
  capLen: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** NaN when tshark left it empty (the TCP header an ICMPv4 error quotes). */
  seq: number;
  ack: number;
  flags: number;
  /** Payload length; NaN when tshark left it empty (e.g. a TCP header inside an sFlow sample). */
  tcpLen: number;
}

/** What we made of one frame, in tshark's terms. */
export interface OurRow extends TsharkRow {
  status: DecodeStatus;
}

export const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DecodeStatus).map(([k, v]) => [v, k]),
);

export function parseFramesTsv(path: string): TsharkRow[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines[0].split('\t');
  const expected = 'frame time_epoch frame_len cap_len src dst sport dport seq_raw ack_raw flags tcp_len stream';
  if (header.join(' ') !== expected) throw new Error(`${path}: unexpected header ${header.join(' ')}`);
  const rows: TsharkRow[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const c = line.split('\t');
    rows.push({
      frame: Number(c[0]), time: c[1], frameLen: Number(c[2]), capLen: Number(c[3]),
      src: c[4], dst: c[5], sport: Number(c[6]), dport: Number(c[7]),
      seq: c[8] === '' ? NaN : Number(c[8]), ack: Number(c[9]), flags: parseInt(c[10], 16),
      tcpLen: c[11] === '' ? NaN : Number(c[11]),
    });
  }
  return rows;
}

/** Epoch time as tshark's frame.time_epoch prints it: seconds, a dot, 9 digits. */
export function formatEpochNs(sec: number, nsec: number): string {
  if (sec < 0 && nsec > 0) {
    // -2 s + 0.5 s is -1.5 s: tshark prints the sign once.
    return `-${-sec - 1}.${String(1e9 - nsec).padStart(9, '0')}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** Reads a capture with the lead's reader and decodes every frame. */
export async function decodeCapture(path: string): Promise<{ rows: OurRow[]; decoder: Decoder }> {
  const decoder = new Decoder();
  const seg = new Segment();
  const rows: OurRow[] = [];
  await readFrames(path, (f) => {
    const status = decoder.decode(f, seg);
    const tcp = status === DecodeStatus.Tcp || status === DecodeStatus.IcmpError;
    rows.push({
      frame: f.number, status, time: formatEpochNs(f.tsSec, f.tsNsec), frameLen: f.origLen, capLen: f.capLen,
      src: tcp ? formatIp(seg.ipVersion, seg.src) : '', dst: tcp ? formatIp(seg.ipVersion, seg.dst) : '',
      sport: seg.srcPort, dport: seg.dstPort, seq: seg.seq, ack: seg.ack, flags: seg.flags, tcpLen: seg.payloadLen,
    });
  });
  return { rows, decoder };
}

/** A frame where we knowingly differ from tshark, and why. */
export interface KnownDifference {
  /** Capture file name (basename). */
  file: string;
  frame: number;
  /** Our status for the frame (Tcp when fields differ, else why we have no segment). */
  status: DecodeStatus;
  reason: string;
}

export interface Mismatch {
  frame: number;
  what: string;
}

export interface Comparison {
  file: string;
  /** Frames tshark lists plus frames only we decoded as TCP. */
  compared: number;
  agreeing: number;
  /** Disagreements covered by KNOWN_DIFFERENCES. */
  known: Mismatch[];
  /** Disagreements not covered: these fail the test. */
  unexplained: Mismatch[];
  /** KNOWN_DIFFERENCES entries for this file that did not occur (stale table rows). */
  unusedKnown: KnownDifference[];
  ourStatuses: Record<string, number>;
}

/**
 * Field differences. An ICMP error quoting TCP (our IcmpError) is compared on
 * the quoted header: tshark leaves tcp_len (and for ICMPv4 seq_raw) empty there.
 */
function fieldDiffs(t: TsharkRow, o: OurRow): string[] {
  const icmp = o.status === DecodeStatus.IcmpError;
  const d: string[] = [];
  const cmp = (name: string, a: unknown, b: unknown): void => {
    if (a !== b) d.push(`${name} tshark=${String(a)} ours=${String(b)}`);
  };
  cmp('time', t.time, o.time);
  cmp('frame_len', t.frameLen, o.frameLen);
  cmp('cap_len', t.capLen, o.capLen);
  cmp('src', t.src, o.src);
  cmp('dst', t.dst, o.dst);
  cmp('sport', t.sport, o.sport);
  cmp('dport', t.dport, o.dport);
  if (!(icmp && Number.isNaN(t.seq))) cmp('seq', t.seq, o.seq);
  cmp('ack', t.ack, o.ack);
  // tshark's tcp.flags has 12 bits (3 reserved); ours are the nine defined flags.
  cmp('flags', `0x${t.flags.toString(16)}`, `0x${o.flags.toString(16)}`);
  if (!(icmp && Number.isNaN(t.tcpLen))) cmp('tcp_len', t.tcpLen, o.tcpLen);
  return d;
}

/** True when an earlier row close before row i has the same segment (all but time and frame). */
function isLoopbackCopy(rows: readonly TsharkRow[], i: number): boolean {
  const t = rows[i];
  for (let j = i - 1; j >= 0 && j >= i - 8; j--) {
    const p = rows[j];
    if (p.src === t.src && p.dst === t.dst && p.sport === t.sport && p.dport === t.dport && p.seq === t.seq &&
        p.ack === t.ack && p.flags === t.flags && p.tcpLen === t.tcpLen && p.frameLen === t.frameLen) return true;
  }
  return false;
}

/**
 * Compares tshark's rows with ours frame by frame. Our Duplicate frames that
 * repeat one of the previous tshark rows are known differences without a
 * table entry (the loopback duplicate filter); every other disagreement must
 * be listed in `knownDifferences`.
 */
export function compareRows(
  file: string, tshark: TsharkRow[], ours: OurRow[], knownDifferences: readonly KnownDifference[],
): Comparison {
  const known = new Map<number, KnownDifference>();
  for (const k of knownDifferences) if (k.file === file) known.set(k.frame, k);
  const byFrame = new Map<number, OurRow>();
  for (const o of ours) byFrame.set(o.frame, o);
  const tsharkFrames = new Set<number>();
  const result: Comparison = {
    file, compared: 0, agreeing: 0, known: [], unexplained: [], unusedKnown: [], ourStatuses: {},
  };
  for (const o of ours) {
    const name = STATUS_NAMES[o.status];
    result.ourStatuses[name] = (result.ourStatuses[name] ?? 0) + 1;
  }
  const usedKnown = new Set<number>();
  const record = (frame: number, what: string, status: DecodeStatus): void => {
    const k = known.get(frame);
    if (k !== undefined && k.status === status) {
      usedKnown.add(frame);
      result.known.push({ frame, what: `${what} (known: ${k.reason})` });
    } else {
      result.unexplained.push({ frame, what });
    }
  };
  for (let i = 0; i < tshark.length; i++) {
    const t = tshark[i];
    tsharkFrames.add(t.frame);
    result.compared++;
    const o = byFrame.get(t.frame);
    if (o === undefined) {
      record(t.frame, 'frame missing from our reading', -1 as DecodeStatus);
      continue;
    }
    if (o.status === DecodeStatus.Duplicate && isLoopbackCopy(tshark, i)) {
      // Wireshark lists both copies of a `tcpdump -i any` loopback packet; we keep one.
      result.known.push({ frame: t.frame, what: 'loopback duplicate (known: second copy of an earlier frame)' });
      continue;
    }
    if (o.status !== DecodeStatus.Tcp && o.status !== DecodeStatus.IcmpError) {
      record(t.frame, `tshark has TCP, we say ${STATUS_NAMES[o.status]}`, o.status);
      continue;
    }
    const d = fieldDiffs(t, o);
    if (d.length === 0) result.agreeing++;
    else record(t.frame, d.join('; '), o.status);
  }
  for (const o of ours) {
    if ((o.status !== DecodeStatus.Tcp && o.status !== DecodeStatus.IcmpError) || tsharkFrames.has(o.frame)) continue;
    result.compared++;
    record(o.frame, 'we decoded TCP, tshark lists no TCP', o.status);
  }
  for (const k of known.values()) if (!usedKnown.has(k.frame)) result.unusedKnown.push(k);
  return result;
}

/** Capture file next to a frames.tsv: corpus `X.pcap.frames.tsv`, fixtures `X.frames.tsv` + `X.pcap(ng)`. */
export function captureForTsv(tsvPath: string): string | undefined {
  const stem = tsvPath.slice(0, -'.frames.tsv'.length);
  for (const candidate of [stem, `${stem}.pcap`, `${stem}.pcapng`, `${stem}.pcap.gz`, `${stem}.pcapng.gz`]) {
    if (candidate !== stem || /\.(pcap|pcapng)(\.gz)?$/.test(stem)) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export async function compareCapture(
  tsvPath: string, knownDifferences: readonly KnownDifference[],
): Promise<Comparison & { decoder: Decoder }> {
  const capture = captureForTsv(tsvPath);
  if (capture === undefined) throw new Error(`no capture next to ${tsvPath}`);
  const { rows, decoder } = await decodeCapture(capture);
  const c = compareRows(basename(capture), parseFramesTsv(tsvPath), rows, knownDifferences);
  return { ...c, decoder };
}

/** One line per file plus a total, for the test log (spaces, not tabs: the TAP reporter escapes tabs). */
export function formatAgreement(results: readonly Comparison[]): string {
  const lines: string[] = [];
  let compared = 0;
  let agreeing = 0;
  let known = 0;
  let unexplained = 0;
  const pct = (a: number, n: number): string => (n === 0 ? '-' : `${((100 * a) / n).toFixed(2)}%`);
  const width = Math.max(5, ...results.map((r) => r.file.length));
  for (const r of results) {
    compared += r.compared;
    agreeing += r.agreeing;
    known += r.known.length;
    unexplained += r.unexplained.length;
    lines.push(`${r.file.padEnd(width)}  compared ${String(r.compared).padStart(5)}  agreeing ${String(r.agreeing).padStart(5)} ${pct(r.agreeing, r.compared).padStart(7)}  known ${r.known.length}  unexplained ${r.unexplained.length}`);
  }
  lines.push(`${`TOTAL (${results.length} files)`.padEnd(width)}  compared ${String(compared).padStart(5)}  agreeing ${String(agreeing).padStart(5)} ${pct(agreeing, compared).padStart(7)}  known ${known}  unexplained ${unexplained}`);
  return lines.join('\n');
}
