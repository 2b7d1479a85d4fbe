import { PendingBytes, u16be, u16le, u32be, u32le } from './bytes.ts';
import { newFrame, type CaptureWarning, type Frame } from './frame.ts';

/**
 * What the pcap and pcapng readers share: the pending bytes, the one reused
 * Frame, the frame count, byte order, and the two ways reading can stop short
 * (the input ends inside a record; no good record after a damaged one), each
 * reported as a warning with the frame number and byte offset.
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

  protected u32(b: Uint8Array, i: number): number {
    return this.littleEndian ? u32le(b, i) : u32be(b, i);
  }

  protected u16(b: Uint8Array, i: number): number {
    return this.littleEndian ? u16le(b, i) : u16be(b, i);
  }

  /** The input ended inside `what` (e.g. "the record", "a block"): report what was left and drop it. */
  protected cutOff(needed: number, what: string): void {
    const p = this.pending;
    this.warnings.push({
      frame: this.frameNumber + 1, offset: p.offset, skippedBytes: p.available,
      message: `frame ${this.frameNumber + 1} at offset ${p.offset}: file ends inside ${what} (${p.available} of ${needed} bytes present)`,
    });
    p.start = p.end;
  }

  /** The input ended while scanning past damage: nothing after it was good (`what`: "plausible record", "good block"). */
  protected finishResync(what: string): void {
    const p = this.pending;
    const skipped = p.base + p.end - this.resyncFrom;
    this.warnings.push({
      frame: this.frameNumber + 1, offset: this.resyncFrom, skippedBytes: skipped,
      message: `${this.resyncReason}; no ${what} after it (${skipped} bytes at the end not read)`,
    });
    p.start = p.end;
    this.resyncFrom = -1;
  }
}
