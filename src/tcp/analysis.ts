/**
 * Wireshark's TCP sequence analysis (the `tcp.analysis.*` flags tshark
 * shows per frame), the handshake's RTT and the options each side offered
 * in its SYN. It follows the rules of Wireshark's packet-tcp.c
 * (tcp_analyze_sequence_number and its callers) as tshark 4.0 applies them,
 * in its own code: users compare the flags with tshark's, frame by frame.
 *
 * It is independent of the endpoint state machines: a connection makes one
 * call per segment (SeqAnalysis.segment). The state of both directions is
 * one Int32Array of a fixed size, so a segment allocates nothing; the
 * frames that got a flag are kept in a second Int32Array, made at the first
 * flag and grown by doubling up to MAX_ANALYSIS_FRAMES entries (the rest
 * are counted, as notes.ts does), and every flag is counted per side.
 *
 * The rules are those of tshark 4.0, checked frame by frame against it
 * (test/tcp/analysis.test.ts): an out-of-order segment is one sent within
 * the initial RTT (3 ms without one) of the segment that last advanced the
 * sequence number, and an ACK of unseen data moves the boundary to the
 * peer's next expected sequence number. Later Wireshark releases (4.2 on)
 * decide both with their list of unacknowledged segments instead; this
 * keeps no such list, so its state stays the same size whatever the window.
 */
import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.ts';
import type { WordReader, WordWriter } from './words.ts';

/** Analysis flags (bits), in the order of ANALYSIS_FLAG_FIELDS. */
export const AFlag = {
  /** tcp.analysis.retransmission: a segment that does not advance the sequence number (and no better name fits). */
  Retransmission: 1 << 0,
  /** tcp.analysis.fast_retransmission: at the last ACK of 2 or more duplicate ACKs of the peer, within 20 ms of the last. */
  FastRetransmission: 1 << 1,
  /** tcp.analysis.spurious_retransmission: all of its data was already acknowledged. */
  SpuriousRetransmission: 1 << 2,
  /** tcp.analysis.out_of_order: not advancing, sent soon after (less than the initial RTT, or 3 ms) and not seen before. */
  OutOfOrder: 1 << 3,
  /** tcp.analysis.lost_segment ("previous segment not captured"): beyond the next expected sequence number. */
  LostSegment: 1 << 4,
  /** tcp.analysis.ack_lost_segment ("ACKed unseen segment"): acknowledges data the capture did not show. */
  AckLostSegment: 1 << 5,
  /** tcp.analysis.duplicate_ack: no data, same seq, ack and window as the previous segment of its direction. */
  DuplicateAck: 1 << 6,
  /** tcp.analysis.zero_window: it advertises a window of 0 (no SYN, FIN, RST). */
  ZeroWindow: 1 << 7,
  /** tcp.analysis.zero_window_probe: 1 byte at the next sequence number while the peer's window is 0. */
  ZeroWindowProbe: 1 << 8,
  /** tcp.analysis.zero_window_probe_ack: the ACK of a zero-window probe, window still 0. */
  ZeroWindowProbeAck: 1 << 9,
  /** tcp.analysis.window_full: its data reaches the right edge of the peer's advertised window. */
  WindowFull: 1 << 10,
  /** tcp.analysis.window_update: no data, same seq and ack as before, another (non-zero) window. */
  WindowUpdate: 1 << 11,
  /** tcp.analysis.keep_alive: 0 or 1 byte at the next sequence number - 1. */
  KeepAlive: 1 << 12,
  /** tcp.analysis.keep_alive_ack: repeats its direction's last ACK right after the peer's keep-alive. */
  KeepAliveAck: 1 << 13,
} as const;

/** tshark's field names (tcp.analysis.NAME) of the flags, bit i = name i. */
export const ANALYSIS_FLAG_FIELDS = [
  'retransmission', 'fast_retransmission', 'spurious_retransmission', 'out_of_order', 'lost_segment', 'ack_lost_segment',
  'duplicate_ack', 'zero_window', 'zero_window_probe', 'zero_window_probe_ack', 'window_full', 'window_update',
  'keep_alive', 'keep_alive_ack',
] as const;
export const ANALYSIS_FLAGS = ANALYSIS_FLAG_FIELDS.length;

/** The three kinds of retransmission (tshark shows tcp.analysis.retransmission on each). */
export const RETRANSMISSION_KINDS = AFlag.Retransmission | AFlag.FastRetransmission | AFlag.SpuriousRetransmission;

/** Frames with a flag kept per connection; more are counted in `dropped`. */
export const MAX_ANALYSIS_FRAMES = 256;

/** Words per kept frame: frame, seconds, nanoseconds, side | flags << 1, duplicate ACK number, its original frame. */
export const FRAME_WORDS = 6;

/**
 * Wireshark's initial_rtt decides out-of-order against retransmission; 3 ms
 * when no handshake was timed (packet-tcp.c).
 */
const OOO_DEFAULT_NS = 3_000_000;
/** A fast retransmission comes within 20 ms of the duplicate ACK. */
const FAST_RTX_NS = 20_000_000;

// Words of one direction's state (Wireshark's tcp_flow_t and tcp_analyze_seq_flow_info_t).
/** Next expected sequence number (0: none yet, as Wireshark). */
const NEXTSEQ = 0;
const NEXTSEQ_SEC = 1;
const NEXTSEQ_NSEC = 2;
/** Highest contiguous sequence number seen, for "ACKed unseen segment". */
const MAXSEQ_TO_BE_ACKED = 3;
const LASTACK = 4;
const LASTACK_SEC = 5;
const LASTACK_NSEC = 6;
/** Last window field as sent (unscaled); -1 (2^32 - 1) before any segment. */
const WINDOW = 7;
const DUPACKS = 8;
const LAST_NON_DUP_ACK = 9;
/** Flags of the direction's last segment (and SENT_RST). */
const LAST_FLAGS = 10;
/** In LAST_FLAGS beside the analysis flags: the direction's last segment was a RST. */
const SENT_RST = 1 << 30;
/** Window scale shift; -1 unknown, -2 none in use. */
const WSCALE = 11;
/** A SYN sent and no ACK without SYN yet: its windows are not scaled yet. */
const FIRST_ACK = 12;
/** The options of the direction's first SYN: its frame (0: none captured), MSS (-1: absent), window scale (-1: absent), bits. */
const SYN_FRAME = 13;
const SYN_MSS = 14;
const SYN_WSCALE = 15;
const SYN_BITS = 16;
const DIR_WORDS = 17;

// Words of the connection.
const G = 2 * DIR_WORDS;
/** Most recent SYN without ACK (set: 1), and the most recent SYN+ACK. */
const SYN_SET = G;
const SYN_SEC = G + 1;
const SYN_NSEC = G + 2;
const SYNACK_SET = G + 3;
const SYNACK_SEC = G + 4;
const SYNACK_NSEC = G + 5;
/** The handshake timed (1), and the times of its SYN, SYN+ACK (0, 0 if none) and ACK. */
const RTT_SET = G + 6;
const RTT_SYN_SEC = G + 7;
const RTT_SYN_NSEC = G + 8;
const RTT_SYNACK_SEC = G + 9;
const RTT_SYNACK_NSEC = G + 10;
const RTT_ACK_SEC = G + 11;
const RTT_ACK_NSEC = G + 12;
const RTT_ACK_FRAME = G + 13;
const STATE_WORDS = G + 14;
const COUNTS = STATE_WORDS;

/**
 * How pack writes each state word: KIND_TIME for the seconds of a (seconds,
 * nanoseconds) pair, KIND_FRAME for a frame number, the index of the word it is written as a distance from
 * (written before it), or KIND_PLAIN.
 */
const KIND_PLAIN = -1;
const KIND_TIME = -2;
/** A frame number, 0 for none (WordWriter.frame: from the connection's first). */
const KIND_FRAME = -3;
const PACK_KIND: Int32Array = (() => {
  const k = new Int32Array(STATE_WORDS).fill(KIND_PLAIN);
  for (const d of [0, DIR_WORDS]) {
    k[d + NEXTSEQ_SEC] = KIND_TIME;
    k[d + LASTACK_SEC] = KIND_TIME;
    k[d + MAXSEQ_TO_BE_ACKED] = d + NEXTSEQ;
    k[d + LAST_NON_DUP_ACK] = KIND_FRAME;
    k[d + SYN_FRAME] = KIND_FRAME;
  }
  k[RTT_ACK_FRAME] = KIND_FRAME;
  // The ACK side 1 last sent is near side 0's next sequence number (written first), and
  // side 1's next sequence number near the ACK side 0 last sent.
  k[DIR_WORDS + LASTACK] = NEXTSEQ;
  k[DIR_WORDS + NEXTSEQ] = LASTACK;
  for (const i of [SYN_SEC, SYNACK_SEC, RTT_SYN_SEC, RTT_SYNACK_SEC, RTT_ACK_SEC]) k[i] = KIND_TIME;
  return k;
})();

const SYN_SACK_PERMITTED = 1;
const SYN_TIMESTAMPS = 2;
/** The snaplen cut the SYN's options: what it offered is known only as far as they were captured. */
const SYN_OPTIONS_CUT = 4;

/** What one side's SYN (or SYN+ACK) offered. */
export interface SynOptions {
  frame: number;
  /** MSS option, null when absent. */
  mss: number | null;
  /** Window scale shift as sent (RFC 7323 2.3: values above 14 are used as 14), null when absent. */
  windowScale: number | null;
  sackPermitted: boolean;
  timestamps: boolean;
  /** The snaplen cut its options (Segment.optionsTruncated): an option absent above may have been offered. */
  cut: boolean;
}

/** The handshake's times: SYN (the last copy before the first ACK), SYN+ACK, and the first ACK without SYN. */
export interface HandshakeTimes {
  synSec: number;
  synNsec: number;
  /** synAckSet false: no SYN+ACK seen between the SYN and the ACK. */
  synAckSet: boolean;
  synAckSec: number;
  synAckNsec: number;
  ackFrame: number;
  ackSec: number;
  ackNsec: number;
}

/** Nanoseconds from (s0, n0) to (s1, n1); 0 when not later (Wireshark does the same for a capture out of order). */
function nsAfter(s1: number, n1: number, s0: number, n0: number): number {
  if (s1 > s0) return (s1 - s0) * 1e9 + (n1 - n0);
  if (s1 === s0 && n1 > n0) return n1 - n0;
  return 0;
}

/** a > b in 32-bit sequence space. */
function gt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
function lt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
function le(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export class SeqAnalysis {
  /**
   * Both directions' state (side 0 from word 0, side 1 from DIR_WORDS), the
   * connection's, then the flags counted per side (from COUNTS: side *
   * ANALYSIS_FLAGS + bit): one allocation a connection.
   */
  readonly s = new Int32Array(COUNTS + 2 * ANALYSIS_FLAGS);
  /** Frames with a flag, FRAME_WORDS each (null until the first). */
  frames: Int32Array | null = null;
  frameCount = 0;
  dropped = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    const s = this.s;
    s.fill(0);
    s[WINDOW] = s[DIR_WORDS + WINDOW] = -1;
    s[WSCALE] = s[DIR_WORDS + WSCALE] = -1;
    s[SYN_MSS] = s[DIR_WORDS + SYN_MSS] = -1;
    s[SYN_WSCALE] = s[DIR_WORDS + SYN_WSCALE] = -1;
    this.frames = null;
    this.frameCount = 0;
    this.dropped = 0;
  }

  /** One segment from side `dir` (the hook of Connection.process). */
  segment(seg: Segment, dir: 0 | 1): void {
    const s = this.s;
    const f = seg.flags;
    const fwd = dir === 0 ? 0 : DIR_WORDS;
    const rev = dir === 0 ? DIR_WORDS : 0;
    const seq = seg.seq >>> 0;
    const ack = seg.ack >>> 0;
    const len = seg.payloadLen;
    const win = seg.window;
    const sec = seg.tsSec;
    const nsec = seg.tsNsec;
    const synFinRst = (f & (SYN | FIN | RST)) !== 0;
    const nextseq0 = s[fwd + NEXTSEQ] >>> 0;
    const lastack0 = s[fwd + LASTACK] >>> 0;
    const fwdWindow = s[fwd + WINDOW] >>> 0;
    let flags = 0;
    let dupNum = 0;
    let dupFrame = 0;

    // The checks of tcp_analyze_sequence_number, in its order. The first
    // four that match end the forward checks ("finished_fwd").
    fwdChecks: {
      if (len === 1 && seq === nextseq0 && s[rev + WINDOW] === 0) {
        flags |= AFlag.ZeroWindowProbe;
        break fwdChecks;
      }
      if (win === 0 && !synFinRst) flags |= AFlag.ZeroWindow;
      if (nextseq0 !== 0 && gt(seq, nextseq0) && !(f & RST)) flags |= AFlag.LostSegment;
      if ((len === 0 || len === 1) && seq === ((nextseq0 - 1) >>> 0) && !synFinRst) flags |= AFlag.KeepAlive;
      const sameAck = len === 0 && seq === nextseq0 && ack === lastack0 && !synFinRst;
      if (sameAck && win !== 0 && win !== fwdWindow) flags |= AFlag.WindowUpdate;
      if (len > 0 && s[rev + WSCALE] !== -1 && !synFinRst) {
        const ws = s[rev + WSCALE];
        const shift = s[rev + FIRST_ACK] !== 0 || ws === -2 ? 0 : ws;
        if (((seq + len) >>> 0) === ((s[rev + LASTACK] + (s[rev + WINDOW] << shift)) >>> 0)) flags |= AFlag.WindowFull;
      }
      if (sameAck && win !== 0 && win === fwdWindow && (s[rev + LAST_FLAGS] & AFlag.KeepAlive)) {
        flags |= AFlag.KeepAliveAck;
        break fwdChecks;
      }
      if (len === 0 && win === 0 && fwdWindow === 0 && seq === nextseq0 && !synFinRst &&
        (ack === lastack0 || ack === ((lastack0 + 1) >>> 0)) && (s[rev + LAST_FLAGS] & AFlag.ZeroWindowProbe)) {
        flags |= AFlag.ZeroWindowProbeAck;
        // The receiver took the probe's byte.
        if (ack !== lastack0) {
          s[rev + NEXTSEQ] = ack | 0;
          s[rev + MAXSEQ_TO_BE_ACKED] = ack | 0;
        }
        break fwdChecks;
      }
      if (sameAck && win !== 0 && win === fwdWindow) {
        if (s[fwd + DUPACKS] === -1) s[fwd + DUPACKS] = 1; else s[fwd + DUPACKS]++;
        flags |= AFlag.DuplicateAck;
        dupNum = s[fwd + DUPACKS];
        dupFrame = s[fwd + LAST_NON_DUP_ACK];
      }
    }
    if (ack !== lastack0) {
      s[fwd + LAST_NON_DUP_ACK] = seg.frame;
      s[fwd + DUPACKS] = 0;
    }

    // ACKED UNSEEN SEGMENT: beyond the highest contiguous data seen from the
    // peer; the boundary moves to the peer's next expected sequence number.
    const maxAcked = s[rev + MAXSEQ_TO_BE_ACKED] >>> 0;
    if (maxAcked !== 0 && gt(ack, maxAcked) && (f & ACK)) {
      s[rev + MAXSEQ_TO_BE_ACKED] = s[rev + NEXTSEQ];
      flags |= AFlag.AckLostSegment;
    }

    // The sequence number after this segment (SYN and FIN take one).
    const nextseq = (seq + len + ((f & (SYN | FIN)) ? 1 : 0)) >>> 0;

    // RETRANSMISSION / FAST RETRANSMISSION / SPURIOUS / OUT-OF-ORDER.
    if ((len > 0 || (f & (SYN | FIN))) && !(flags & AFlag.KeepAlive)) {
      let notAdvanced = nextseq0 !== 0 && lt(seq, nextseq0);
      if (len > 1 && ((nextseq0 - 1) >>> 0) === seq) notAdvanced = false;
      const revLastack = s[rev + LASTACK] >>> 0;
      if (len > 0 && revLastack !== 0 && le((seq + len) >>> 0, revLastack)) {
        flags |= AFlag.SpuriousRetransmission;
      } else if (notAdvanced) {
        const t = nsAfter(sec, nsec, s[rev + LASTACK_SEC] >>> 0, s[rev + LASTACK_NSEC]);
        if (t < FAST_RTX_NS && s[rev + DUPACKS] >= 2 && revLastack === seq) {
          flags |= AFlag.FastRetransmission;
        } else {
          // Out of order: soon (within the initial RTT, or 3 ms) after the segment that
          // last advanced the sequence number, and not ending where it ended.
          const thres = s[RTT_SET] !== 0 ? this.initialRttNs() : OOO_DEFAULT_NS;
          const t2 = nsAfter(sec, nsec, s[fwd + NEXTSEQ_SEC] >>> 0, s[fwd + NEXTSEQ_NSEC]);
          if (t2 < thres && nextseq0 !== nextseq) flags |= AFlag.OutOfOrder;
          else flags |= AFlag.Retransmission;
        }
      }
    }

    // What the segment leaves for the next ones.
    const probe = (flags & AFlag.ZeroWindowProbe) !== 0;
    // A SYN right after its direction's RST starts the direction's sequence
    // over from it, whatever the RST's seq was (tshark 4.0: the SYN sent again
    // after the RST answering an old connection's ACK is a retransmission,
    // and the data after it is in sequence).
    const synAfterRst = (f & (SYN | ACK)) === SYN && (s[fwd + LAST_FLAGS] & SENT_RST) !== 0;
    if (((gt(nextseq, nextseq0) || nextseq0 === 0) && !probe) || synAfterRst) {
      s[fwd + NEXTSEQ] = nextseq | 0;
      s[fwd + NEXTSEQ_SEC] = sec;
      s[fwd + NEXTSEQ_NSEC] = nsec;
    }
    const maxSeq = s[fwd + MAXSEQ_TO_BE_ACKED] >>> 0;
    if ((seq === maxSeq || maxSeq === 0) && !probe) s[fwd + MAXSEQ_TO_BE_ACKED] = s[fwd + NEXTSEQ];
    s[fwd + WINDOW] = win;
    s[fwd + LASTACK] = ack | 0;
    s[fwd + LASTACK_SEC] = sec;
    s[fwd + LASTACK_NSEC] = nsec;
    s[fwd + LAST_FLAGS] = (f & RST) ? flags | SENT_RST : flags;

    // After the sequence analysis (dissect_tcp): the SYN's options, window scaling, the handshake's times.
    if (f & SYN) this.syn(seg, fwd, rev, (f & ACK) !== 0);
    if ((f & (SYN | ACK)) === ACK) {
      if (s[SYN_SET] !== 0 && s[RTT_SET] === 0 && (sec !== s[SYN_SEC] >>> 0 || nsec !== s[SYN_NSEC])) {
        s[RTT_SET] = 1;
        s[RTT_SYN_SEC] = s[SYN_SEC];
        s[RTT_SYN_NSEC] = s[SYN_NSEC];
        if (s[SYNACK_SET] !== 0 && nsAfter(s[SYNACK_SEC] >>> 0, s[SYNACK_NSEC], s[SYN_SEC] >>> 0, s[SYN_NSEC]) > 0) {
          s[RTT_SYNACK_SEC] = s[SYNACK_SEC];
          s[RTT_SYNACK_NSEC] = s[SYNACK_NSEC];
        }
        s[RTT_ACK_SEC] = sec;
        s[RTT_ACK_NSEC] = nsec;
        s[RTT_ACK_FRAME] = seg.frame;
      }
      s[fwd + FIRST_ACK] = 0;
    }

    if (flags !== 0) this.record(seg, dir, flags, dupNum, dupFrame);
  }

  /** The SYN's options (the first SYN of each side), window scaling as Wireshark settles it, the SYN's time. */
  private syn(seg: Segment, fwd: number, rev: number, synAck: boolean): void {
    const s = this.s;
    if (s[fwd + SYN_FRAME] === 0) {
      s[fwd + SYN_FRAME] = seg.frame;
      s[fwd + SYN_MSS] = seg.mss;
      s[fwd + SYN_WSCALE] = seg.wscale;
      s[fwd + SYN_BITS] = (seg.sackPermitted ? SYN_SACK_PERMITTED : 0) | (seg.hasTimestamp ? SYN_TIMESTAMPS : 0) |
        (seg.optionsTruncated ? SYN_OPTIONS_CUT : 0);
    }
    if (seg.wscale >= 0) s[fwd + WSCALE] = Math.min(seg.wscale, 14);
    // verify_tcp_window_scaling: scaling is in use only when both SYNs carried the option.
    if (s[fwd + WSCALE] === -1) {
      s[fwd + WSCALE] = -2;
      s[rev + WSCALE] = -2;
    } else if (synAck && s[rev + WSCALE] === -2) {
      s[fwd + WSCALE] = -2;
    }
    s[fwd + FIRST_ACK] = 1;
    if (synAck) {
      s[SYNACK_SET] = 1;
      s[SYNACK_SEC] = seg.tsSec;
      s[SYNACK_NSEC] = seg.tsNsec;
    } else {
      s[SYN_SET] = 1;
      s[SYN_SEC] = seg.tsSec;
      s[SYN_NSEC] = seg.tsNsec;
    }
  }

  private initialRttNs(): number {
    const s = this.s;
    return nsAfter(s[RTT_ACK_SEC] >>> 0, s[RTT_ACK_NSEC], s[RTT_SYN_SEC] >>> 0, s[RTT_SYN_NSEC]);
  }

  private record(seg: Segment, dir: 0 | 1, flags: number, dupNum: number, dupFrame: number): void {
    const c = this.s;
    const base = COUNTS + dir * ANALYSIS_FLAGS;
    for (let i = 0; i < ANALYSIS_FLAGS; i++) if (flags & (1 << i)) c[base + i]++;
    if (this.frameCount >= MAX_ANALYSIS_FRAMES) {
      this.dropped++;
      return;
    }
    this.ensure(this.frameCount + 1);
    const w = this.frames as Int32Array;
    const o = this.frameCount * FRAME_WORDS;
    w[o] = seg.frame;
    w[o + 1] = seg.tsSec;
    w[o + 2] = seg.tsNsec;
    w[o + 3] = dir | (flags << 1);
    w[o + 4] = dupNum;
    w[o + 5] = dupFrame;
    this.frameCount++;
  }

  /** Room for `n` frames (grown by doubling: at most log2(MAX_ANALYSIS_FRAMES) allocations a connection). */
  private ensure(n: number): void {
    const have = this.frames === null ? 0 : this.frames.length / FRAME_WORDS;
    if (n <= have) return;
    // A power of two from 4: the same whether grown a frame at a time or unpacked at once.
    let room = 4;
    while (room < n) room *= 2;
    const grown = new Int32Array(Math.min(MAX_ANALYSIS_FRAMES, room) * FRAME_WORDS);
    if (this.frames !== null) grown.set(this.frames);
    this.frames = grown;
  }

  /** The options side `side` offered in its first SYN, null if none was captured. */
  synOptions(side: 0 | 1): SynOptions | null {
    const s = this.s;
    const d = side === 0 ? 0 : DIR_WORDS;
    if (s[d + SYN_FRAME] === 0) return null;
    return {
      frame: s[d + SYN_FRAME] >>> 0,
      mss: s[d + SYN_MSS] < 0 ? null : s[d + SYN_MSS],
      windowScale: s[d + SYN_WSCALE] < 0 ? null : s[d + SYN_WSCALE],
      sackPermitted: (s[d + SYN_BITS] & SYN_SACK_PERMITTED) !== 0,
      timestamps: (s[d + SYN_BITS] & SYN_TIMESTAMPS) !== 0,
      cut: (s[d + SYN_BITS] & SYN_OPTIONS_CUT) !== 0,
    };
  }

  /** The handshake as Wireshark times it (tcp.analysis.initial_rtt = ACK - SYN), null when no SYN preceded an ACK. */
  handshakeTimes(): HandshakeTimes | null {
    const s = this.s;
    if (s[RTT_SET] === 0) return null;
    const synAckSet = s[RTT_SYNACK_SEC] !== 0 || s[RTT_SYNACK_NSEC] !== 0;
    return {
      synSec: s[RTT_SYN_SEC] >>> 0, synNsec: s[RTT_SYN_NSEC],
      synAckSet, synAckSec: s[RTT_SYNACK_SEC] >>> 0, synAckNsec: s[RTT_SYNACK_NSEC],
      ackFrame: s[RTT_ACK_FRAME] >>> 0, ackSec: s[RTT_ACK_SEC] >>> 0, ackNsec: s[RTT_ACK_NSEC],
    };
  }

  /** Frames with flag `bit` sent by `side`. */
  count(side: 0 | 1, bit: number): number {
    return this.s[COUNTS + side * ANALYSIS_FLAGS + bit];
  }

  /** Retransmissions of any kind (tshark's tcp.analysis.retransmission) by `side`. */
  retransmissions(side: 0 | 1): number {
    return this.count(side, 0) + this.count(side, 1) + this.count(side, 2);
  }

  /**
   * Pack the state (Connection.pack, after its w.base): times relative to the
   * connection's first segment, sequence numbers but the two next expected
   * ones as distances from them, counts only where not zero. A SYN scan's
   * half-open connection takes about 50 bytes more this way.
   */
  pack(w: WordWriter): void {
    const s = this.s;
    for (let i = 0; i < STATE_WORDS; i++) {
      const k = PACK_KIND[i];
      if (k === KIND_TIME) {
        if (s[i] === 0 && s[i + 1] === 0) w.uint(0);
        else {
          w.uint(1);
          w.time(s[i] >>> 0, s[i + 1]);
        }
        i++;
      } else if (k === KIND_FRAME) w.frame(s[i] >>> 0);
      else if (k >= 0) w.i32((s[i] - s[k]) | 0);
      else w.i32(s[i]);
    }
    let nonZero = 0;
    for (let i = 0; i < 2 * ANALYSIS_FLAGS; i++) if (s[COUNTS + i] !== 0) nonZero |= 1 << i;
    w.u32(nonZero >>> 0);
    for (let i = 0; i < 2 * ANALYSIS_FLAGS; i++) if (nonZero & (1 << i)) w.u32(s[COUNTS + i]);
    w.u32(this.frameCount);
    w.u32(this.dropped);
    const fr = this.frames;
    for (let i = 0; i < this.frameCount; i++) {
      const o = i * FRAME_WORDS;
      const x = fr as Int32Array;
      w.moment(x[o] >>> 0, x[o + 1] >>> 0, x[o + 2]);
      w.u32(x[o + 3] >>> 0);
      w.u32(x[o + 4] >>> 0);
      w.frame(x[o + 5] >>> 0);
    }
  }

  /** Unpack what pack wrote (into a reset object). */
  unpack(r: WordReader): void {
    const s = this.s;
    for (let i = 0; i < STATE_WORDS; i++) {
      const k = PACK_KIND[i];
      if (k === KIND_TIME) {
        if (r.uint() === 0) {
          s[i] = 0;
          s[i + 1] = 0;
        } else {
          s[i] = r.time();
          s[i + 1] = r.nsec;
        }
        i++;
      } else if (k === KIND_FRAME) s[i] = r.frame() | 0;
      else if (k >= 0) s[i] = (r.i32() + s[k]) | 0;
      else s[i] = r.i32();
    }
    const nonZero = r.u32();
    for (let i = 0; i < 2 * ANALYSIS_FLAGS; i++) s[COUNTS + i] = nonZero & (1 << i) ? r.u32() : 0;
    const n = r.u32();
    this.dropped = r.u32();
    if (n > 0) this.ensure(n);
    const x = this.frames;
    for (let i = 0; i < n; i++) {
      const o = i * FRAME_WORDS;
      (x as Int32Array)[o] = r.frame();
      (x as Int32Array)[o + 1] = r.time();
      (x as Int32Array)[o + 2] = r.nsec;
      (x as Int32Array)[o + 3] = r.u32();
      (x as Int32Array)[o + 4] = r.u32();
      (x as Int32Array)[o + 5] = r.frame();
    }
    this.frameCount = n;
  }
}

/** Flags of a retransmission of any kind (tshark sets tcp.analysis.retransmission on all three). */
export function isRetransmission(flags: number): boolean {
  return (flags & RETRANSMISSION_KINDS) !== 0;
}
