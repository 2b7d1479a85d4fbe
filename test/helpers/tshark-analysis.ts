/**
 * tshark 4.0's TCP sequence analysis of a capture, as stored beside it
 * (`<capture>.analysis.tsv`, written by fixtures/tools/analysis-tsv.sh; for
 * the corpus, in fixtures/corpus-analysis/), and the comparison of
 * tcpscope's flags with it, frame by frame and flag by flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ANALYSIS_FLAG_FIELDS, AFlag } from '../../src/tcp/analysis.ts';
import type { Connection } from '../../src/tcp/connection.ts';
import { track } from '../tcp/track.ts';
import { repoRoot } from './paths.ts';

/** One flagged frame: tshark's field names (tcp.analysis.NAME) set on it. */
export interface FlaggedFrame {
  frame: number;
  stream: number;
  flags: Set<string>;
  dupAckNum: number | null;
  dupAckFrame: number | null;
}

export interface TsharkAnalysis {
  frames: Map<number, FlaggedFrame>;
  /** tcp.analysis.initial_rtt per stream (seconds, as tshark prints them). */
  initialRtt: Map<number, string>;
}

/** Where the analysis of `capture` is stored (null: none). */
export function analysisPath(capture: string): string | null {
  const stem = capture.replace(/\.pcap$/, '');
  const beside = `${stem}.analysis.tsv`;
  if (existsSync(beside)) return beside;
  const corpus = join(repoRoot, 'fixtures/corpus-analysis', `${basename(capture)}.analysis.tsv`);
  if (existsSync(corpus)) return corpus;
  void dirname;
  return null;
}

export function parseAnalysisTsv(path: string): TsharkAnalysis {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[0] !== 'frame\tstream\tflags\tdupack_num\tdupack_frame') throw new Error(`${path}: unexpected header ${lines[0]}`);
  const frames = new Map<number, FlaggedFrame>();
  const initialRtt = new Map<number, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('# initial_rtt')) {
      for (const kv of line.slice('# initial_rtt'.length).trim().split(' ')) {
        if (kv === '') continue;
        const [k, v] = kv.split(':');
        initialRtt.set(Number(k), v);
      }
      continue;
    }
    const c = line.split('\t');
    frames.set(Number(c[0]), {
      frame: Number(c[0]), stream: Number(c[1]), flags: new Set(c[2].split(',')),
      dupAckNum: c[3] === '' ? null : Number(c[3]), dupAckFrame: c[4] === '' ? null : Number(c[4]),
    });
  }
  return { frames, initialRtt };
}

/** The tshark field names our flags stand for: a fast or spurious retransmission is a retransmission too, as tshark shows it. */
export function fieldNames(flags: number): Set<string> {
  const out = new Set<string>();
  ANALYSIS_FLAG_FIELDS.forEach((name, i) => {
    if (flags & (1 << i)) out.add(name);
  });
  if (flags & (AFlag.FastRetransmission | AFlag.SpuriousRetransmission)) out.add('retransmission');
  return out;
}

/** Our flagged frames of a capture (every connection, with its stream), from the tracker. */
export async function ourAnalysis(capture: string): Promise<{ frames: Map<number, FlaggedFrame>; rtt: Map<number, number>; dropped: number }> {
  const frames = new Map<number, FlaggedFrame>();
  const rtt = new Map<number, number>();
  let dropped = 0;
  await track(capture, undefined, (c: Connection) => {
    const a = c.analysis;
    dropped += a.dropped;
    const w = a.frames;
    for (let i = 0; i < a.frameCount; i++) {
      const o = i * 6;
      const flags = (w as Int32Array)[o + 3] >>> 1;
      frames.set((w as Int32Array)[o], {
        frame: (w as Int32Array)[o], stream: c.stream, flags: fieldNames(flags),
        dupAckNum: flags & AFlag.DuplicateAck ? (w as Int32Array)[o + 4] : null,
        dupAckFrame: flags & AFlag.DuplicateAck ? (w as Int32Array)[o + 5] : null,
      });
    }
    const h = a.handshakeTimes();
    if (h !== null) rtt.set(c.stream, (h.ackSec - h.synSec) + (h.ackNsec - h.synNsec) / 1e9);
  });
  return { frames, rtt, dropped };
}

/** Agreement of one flag over a capture's TCP frames. */
export interface FlagTally {
  /** Frames tshark flagged, we flagged, both did. */
  tshark: number;
  ours: number;
  both: number;
  /** Frames where the two differ, `frame:tshark|ours`. */
  differ: number[];
}

export const COMPARED_FIELDS = [...ANALYSIS_FLAG_FIELDS, 'duplicate_ack_num'] as const;

/** Compare, flag by flag, over the flagged frames of both (a frame neither flagged agrees on every flag). */
export function compareAnalysis(tshark: Map<number, FlaggedFrame>, ours: Map<number, FlaggedFrame>): Map<string, FlagTally> {
  const out = new Map<string, FlagTally>();
  for (const f of COMPARED_FIELDS) out.set(f, { tshark: 0, ours: 0, both: 0, differ: [] });
  const all = new Set([...tshark.keys(), ...ours.keys()]);
  for (const frame of [...all].sort((a, b) => a - b)) {
    const t = tshark.get(frame);
    const o = ours.get(frame);
    for (const name of ANALYSIS_FLAG_FIELDS) {
      const tally = out.get(name) as FlagTally;
      const inT = t?.flags.has(name) ?? false;
      const inO = o?.flags.has(name) ?? false;
      if (inT) tally.tshark++;
      if (inO) tally.ours++;
      if (inT && inO) tally.both++;
      if (inT !== inO) tally.differ.push(frame);
    }
    const dup = out.get('duplicate_ack_num') as FlagTally;
    const tn = t?.flags.has('duplicate_ack') ? `${t.dupAckNum}#${t.dupAckFrame}` : null;
    const on = o?.flags.has('duplicate_ack') ? `${o.dupAckNum}#${o.dupAckFrame}` : null;
    if (tn !== null) dup.tshark++;
    if (on !== null) dup.ours++;
    if (tn !== null && tn === on) dup.both++;
    if (tn !== on) dup.differ.push(frame);
  }
  return out;
}
