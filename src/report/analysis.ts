/**
 * The `analysis` part of a connection's report, from its SeqAnalysis
 * (src/tcp/analysis.ts): flags per frame, counts, the handshake's RTT, the
 * SYN options and what took effect.
 */
import { AFlag, ANALYSIS_FLAGS, FRAME_WORDS, RETRANSMISSION_KINDS, type SynOptions } from '../tcp/analysis.ts';
import type { Connection } from '../tcp/connection.ts';
import { isoTime } from './format.ts';
import {
  ANALYSIS_COUNT_KEYS, ANALYSIS_FLAG_NAMES, type AnalysisCounts, type AnalysisFlag, type AnalysisFrame,
  type AnalysisReport, type Side, type SynOptionsReport,
} from './types.ts';

/** Flag lists by flag bits, made once each (a capture has few combinations). */
const FLAG_LISTS = new Map<number, AnalysisFlag[]>();

function flagList(bits: number): AnalysisFlag[] {
  let list = FLAG_LISTS.get(bits);
  if (list === undefined) {
    list = [];
    // tshark sets tcp.analysis.retransmission on fast and spurious retransmissions too.
    const all = bits & RETRANSMISSION_KINDS ? bits | AFlag.Retransmission : bits;
    for (let i = 0; i < ANALYSIS_FLAGS; i++) if (all & (1 << i)) list.push(ANALYSIS_FLAG_NAMES[i]);
    if (FLAG_LISTS.size < 4096) FLAG_LISTS.set(bits, list);
  }
  return list.slice();
}

function counts(c: Connection, side: 0 | 1): AnalysisCounts {
  const a = c.analysis;
  const out = {} as AnalysisCounts;
  for (let i = 0; i < ANALYSIS_FLAGS; i++) out[ANALYSIS_COUNT_KEYS[i]] = a.count(side, i);
  out.retransmission = a.retransmissions(side);
  return out;
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

function seconds(s0: number, n0: number, s1: number, n1: number): number {
  return round9((s1 - s0) + (n1 - n0) / 1e9);
}

function options(o: SynOptions | null): SynOptionsReport | null {
  return o === null ? null : { frame: o.frame, mss: o.mss, windowScale: o.windowScale, sackPermitted: o.sackPermitted, timestamps: o.timestamps };
}

export function analysisReport(c: Connection): AnalysisReport {
  const a = c.analysis;
  const cs = c.clientSide;
  const ss = cs === 0 ? 1 : 0;
  const frames: AnalysisFrame[] = [];
  const w = a.frames;
  for (let i = 0; i < a.frameCount; i++) {
    const o = i * FRAME_WORDS;
    const x = (w as Int32Array)[o + 3];
    const bits = x >>> 1;
    const from: Side = (x & 1) === cs ? 'client' : 'server';
    frames.push({
      frame: (w as Int32Array)[o] >>> 0,
      time: isoTime((w as Int32Array)[o + 1] >>> 0, (w as Int32Array)[o + 2], c.tsDigits),
      from,
      flags: flagList(bits),
      duplicateAck: (bits & AFlag.DuplicateAck) ? { number: (w as Int32Array)[o + 4], of: (w as Int32Array)[o + 5] >>> 0 } : null,
    });
  }
  const h = a.handshakeTimes();
  const co = a.synOptions(cs);
  const so = a.synOptions(ss);
  const both = co !== null && so !== null;
  // In effect only if both SYNs carried the option; a SYN whose options the snaplen cut may have
  // carried one it does not show: unknown (null), unless the other SYN, whole, did not carry it.
  const inEffect = (c: boolean, s: boolean): boolean | null => {
    if (co === null || so === null) return null;
    if (c && s) return true;
    return (!c && !co.cut) || (!s && !so.cut) ? false : null;
  };
  const scaling = inEffect(co?.windowScale != null, so?.windowScale != null);
  const defaultMss = c.ipVersion === 6 ? 1220 : 536;
  return {
    counts: { client: counts(c, cs), server: counts(c, ss) },
    frames,
    framesOmitted: a.dropped,
    handshakeRtt: h === null ? null : {
      initialSeconds: seconds(h.synSec, h.synNsec, h.ackSec, h.ackNsec),
      synToSynAckSeconds: h.synAckSet ? seconds(h.synSec, h.synNsec, h.synAckSec, h.synAckNsec) : null,
      synAckToAckSeconds: h.synAckSet ? seconds(h.synAckSec, h.synAckNsec, h.ackSec, h.ackNsec) : null,
      ackFrame: h.ackFrame,
    },
    options: {
      client: options(co),
      server: options(so),
      windowScaling: scaling,
      sackPermitted: both ? inEffect(co.sackPermitted, so.sackPermitted) : null,
      timestamps: both ? inEffect(co.timestamps, so.timestamps) : null,
      windowScale: {
        client: scaling === null ? null : scaling ? Math.min(co?.windowScale ?? 0, 14) : 0,
        server: scaling === null ? null : scaling ? Math.min(so?.windowScale ?? 0, 14) : 0,
      },
      maxSegmentSize: {
        client: so === null || (so.cut && so.mss === null) ? null : so.mss ?? defaultMss,
        server: co === null || (co.cut && co.mss === null) ? null : co.mss ?? defaultMss,
      },
    },
  };
}
