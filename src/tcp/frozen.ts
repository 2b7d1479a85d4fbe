/**
 * Connections the tracker holds but that are over (both ends CLOSED or in
 * TIME_WAIT) linger for 2MSL of capture time, so that a late retransmitted
 * FIN, a RST or a reuse of the 4-tuple still lands in their report. On a
 * busy link that is most of the table: at 1 500 new connections a second,
 * 360 000 of them under the RFC's 240 s. As objects (a Connection, two
 * Endpoints, their transitions and copies) each takes about 4 KB and keeps
 * the garbage collector busy; packed (pack/unpack in connection.ts and
 * endpoint.ts, variable-length fields as in words.ts) it takes about 510
 * bytes (the generated benchmark capture's average: 320 for the two
 * endpoints, 90 for Wireshark's sequence analysis; a SYN flood's half-open
 * connection about 260) in one typed array the
 * collector never scans; the tracker's slot of the connection (table.ts)
 * says where. A packed connection is unpacked, exactly as it was, when a
 * segment arrives for it or when it is emitted.
 */
import { WordReader, WordWriter } from './words.ts';

/** Where each slot's record is (SlotTable's block, off, len): the arena's block, and its place in it. */
export interface RecordPlaces {
  readonly block: Int32Array;
  readonly off: Int32Array;
  readonly len: Int32Array;
}

/** A connection with more records than this (a few thousand transitions, copies, RSTs) stays an object. */
const MAX_RECORD = 16384;

/**
 * Words per block (1 MiB). Records go into fixed-size blocks rather than one
 * array that doubles: growing never copies nor holds two arrays at once, and
 * a block is let go of as soon as its last record is.
 */
const BLOCK = 1 << 18;

/** Emptied blocks kept for reuse (Arena.spareBlocks). */
const SPARE_BLOCKS = 2;

/** Packed connections, one after the other in blocks of BLOCK words. */
export class Arena {
  /** Blocks (null once emptied and let go of); records are written in the last one. */
  private blocks: (Int32Array | null)[] = [];
  /** Words of live records per block. */
  private live: number[] = [];
  /** Words of live records in all. */
  private liveWords = 0;
  /** Blocks held. */
  private held = 0;
  /**
   * Blocks let go of, kept for the next ones (up to SPARE_BLOCKS). Connections
   * leave the table about in the order they were packed, so blocks empty one
   * after the other: a SYN flood through a full table emptied one every 6 500
   * connections, and V8 only looks for dead array buffers once 64 MB of them
   * have piled up (peak RSS 60 MB over the steady state).
   */
  private readonly spareBlocks: Int32Array[] = [];
  readonly writer = new WordWriter();
  readonly reader = new WordReader();

  private readonly maxRecord: number;
  private top: number;

  /** `blockWords`: words per block (tests use small ones); a record may take up to all of one. */
  constructor(private readonly blockWords = BLOCK) {
    this.maxRecord = Math.min(MAX_RECORD, blockWords);
    this.top = blockWords;
  }

  /** The writer, set to write a record at the top (at most maxRecord words). */
  begin(): WordWriter {
    if (this.top + this.maxRecord > this.blockWords) this.newBlock();
    this.writer.reset(this.blocks[this.blocks.length - 1] as Int32Array, this.top, this.top + this.maxRecord);
    return this.writer;
  }

  /** Keep the record the writer wrote (when it is ok) as slot `s`'s: its place in `at`. */
  commit(at: RecordPlaces, s: number): void {
    const b = this.blocks.length - 1;
    const len = this.writer.n - this.top;
    at.block[s] = b;
    at.off[s] = this.top;
    at.len[s] = len;
    this.top = this.writer.n;
    this.live[b] += len;
    this.liveWords += len;
  }

  /** Keep a copy of a record `pack` wrote elsewhere as slot `s`'s (at most maxRecord words: false, and nothing kept, if longer). */
  copyIn(src: Int32Array, at: RecordPlaces, s: number): boolean {
    if (src.length > this.maxRecord) return false;
    if (this.top + src.length > this.blockWords) this.newBlock();
    const b = this.blocks.length - 1;
    (this.blocks[b] as Int32Array).set(src, this.top);
    at.block[s] = b;
    at.off[s] = this.top;
    at.len[s] = src.length;
    this.top += src.length;
    this.live[b] += src.length;
    this.liveWords += src.length;
    return true;
  }

  /** The block of slot `s`'s record (its words from at.off[s]). */
  words(at: RecordPlaces, s: number): Int32Array {
    return this.blocks[at.block[s]] as Int32Array;
  }

  /** The record of slot `s` is no longer needed. */
  free(at: RecordPlaces, s: number): void {
    const b = at.block[s];
    this.live[b] -= at.len[s];
    this.liveWords -= at.len[s];
    if (this.live[b] === 0 && b !== this.blocks.length - 1) this.dropBlock(b);
  }

  /** Bytes held in blocks. */
  get bytes(): number {
    return this.held * this.blockWords * 4;
  }

  /** Worth compacting: more than half of the blocks held are freed records. */
  get wasteful(): boolean {
    return this.held > 4 && this.liveWords * 2 < this.held * this.blockWords;
  }

  /** Move every live record (of the slots `live`, all of them, in any order) into new blocks, in order. */
  compact(at: RecordPlaces, live: number[]): void {
    const recs = live.sort((a, b) => at.block[a] - at.block[b] || at.off[a] - at.off[b]);
    const old = this.blocks;
    const oldLive = this.live;
    this.blocks = [];
    this.live = [];
    this.top = this.blockWords;
    this.liveWords = 0;
    this.held = 0;
    for (let i = 0; i < recs.length; i++) {
      const s = recs[i];
      const len = at.len[s];
      if (this.top + len > this.blockWords) this.newBlock();
      const b = this.blocks.length - 1;
      const from = at.block[s];
      const off = at.off[s];
      (this.blocks[b] as Int32Array).set((old[from] as Int32Array).subarray(off, off + len), this.top);
      at.block[s] = b;
      at.off[s] = this.top;
      this.top += len;
      this.live[b] += len;
      this.liveWords += len;
      // Let go of an old block once its last record moved.
      oldLive[from] -= len;
      if (oldLive[from] === 0) {
        this.spare(old[from]);
        old[from] = null;
      }
    }
  }

  /** Forget every record. */
  reset(): void {
    this.blocks = [];
    this.live = [];
    this.top = this.blockWords;
    this.liveWords = 0;
    this.held = 0;
  }

  private newBlock(): void {
    this.blocks.push(this.spareBlocks.pop() ?? new Int32Array(this.blockWords));
    this.live.push(0);
    this.held++;
    this.top = 0;
  }

  private dropBlock(b: number): void {
    this.spare(this.blocks[b]);
    this.blocks[b] = null;
    this.held--;
  }

  private spare(block: Int32Array | null): void {
    if (block !== null && this.spareBlocks.length < SPARE_BLOCKS) this.spareBlocks.push(block);
  }
}
