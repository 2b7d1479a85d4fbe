import { PendingBytes, u16be, u16le, u32be, u32le } from './bytes.ts';
import { newFrame, type CaptureWarning, type Frame } from './frame.ts';

/**
 * Warnings a reader lists; past these, one more warning counts the rest.
 * A file of nothing but bad records (32-byte pcapng blocks naming no
 * interface: 8 million in 256 MB, or in a 1 MB gzip) made one warning each
 * and took gigabytes to hold.
 */
export const MAX_WARNINGS = 1000;

/**
 * What the pcap and pcapng readers share: the pending bytes, the one reused
 * Frame, the frame count, byte order, and the two ways reading can stop short
 * (the input ends inside a record; no good record after a damaged one), each
 * reported as a warning with the frame number and byte offset. At most
 * MAX_WARNINGS warnings are listed; the last one counts those not listed and
 * the bytes they skipped (so that damage is still seen as damage).
 */
export abstract class PushReader {
  readonly warnings: CaptureWarning[] = [];
  readonly linkTypes: number[] = [];
  protected readonly pending = new PendingBytes();
  protected readonly frame: Frame = newFrame();
  protected frameNumber = 0;
  protected littleEndian = true;
  protected ended = false;
  /** Offset where damage started, while scanning for the next good record; -1 when not scanning. */
  protected resyncFrom = -1;
  protected resyncReason = '';

  get frames(): number {
    return this.frameNumber;
  }

  get bytesRead(): number {
    return this.pending.offset;
  }

  /** The byte order of the file (pcap) or of the current section (pcapng). */
  get isLittleEndian(): boolean {
    return this.littleEndian;
  }

  append(chunk: Uint8Array): void {
    this.pending.append(chunk);
  }

  end(): void {
    // No byte may stay queued behind a stitched buffer once nothing more comes.
    this.pending.promote();
    this.ended = true;
  }

  /** Not listed (past MAX_WARNINGS): how many, and the bytes they skipped. */
  private unlisted: CaptureWarning | null = null;
  private unlistedCount = 0;

  protected warn(w: CaptureWarning): void {
    if (this.warnings.length < MAX_WARNINGS) {
      this.warnings.push(w);
      return;
    }
    if (this.unlisted === null) {
      this.unlisted = { frame: w.frame, offset: w.offset, skippedBytes: 0, message: '' };
      this.warnings.push(this.unlisted);
    }
    this.unlistedCount++;
    this.unlisted.skippedBytes += w.skippedBytes;
    this.unlisted.message = `${this.unlistedCount} more warning(s) from frame ${this.unlisted.frame} at offset ${this.unlisted.offset} on, not listed` +
      (this.unlisted.skippedBytes > 0 ? `; ${this.unlisted.skippedBytes} more bytes skipped` : '');
  }

  protected u32(b: Uint8Array, i: number): number {
    return this.littleEndian ? u32le(b, i) : u32be(b, i);
  }

  protected u16(b: Uint8Array, i: number): number {
    return this.littleEndian ? u16le(b, i) : u16be(b, i);
  }

  /** The input ended inside `what` (e.g. "the record", "a block"): report what was left and drop it. */
  protected cutOff(needed: number, what: string): void {
    const p = this.pending;
    this.warn({
      frame: this.frameNumber + 1, offset: p.offset, skippedBytes: p.available,
      message: `frame ${this.frameNumber + 1} at offset ${p.offset}: file ends inside ${what} (${p.available} of ${needed} bytes present)`,
    });
    p.start = p.end;
  }

  /** The input ended while scanning past damage: nothing after it was good (`what`: "plausible record", "good block"). */
  protected finishResync(what: string): void {
    const p = this.pending;
    const skipped = p.base + p.end - this.resyncFrom;
    this.warn({
      frame: this.frameNumber + 1, offset: this.resyncFrom, skippedBytes: skipped,
      message: `${this.resyncReason}; no ${what} after it (${skipped} bytes at the end not read)`,
    });
    p.start = p.end;
    this.resyncFrom = -1;
  }
}
