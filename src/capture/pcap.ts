import { u32be, u16be, u16le } from './bytes.ts';
import { CaptureError, type CaptureReader, type Frame } from './frame.ts';
import { PushReader } from './push-reader.ts';

/** Classic pcap magics as they read in big-endian order. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD: no sane record is larger. */
const MAX_RECORD = 262144;
/** Timestamps of neighbouring records rarely differ by more than this when resynchronising. */
const RESYNC_MAX_TIME_JUMP = 86400 * 30;

/**
 * Reader of classic libpcap files: both byte orders, microsecond and
 * nanosecond magics. A record header that cannot be right (a length past the
 * snaplen or past any real packet) is reported and skipped by scanning for the
 * next plausible header, so frames after the damage are still read.
 */
export class PcapReader extends PushReader implements CaptureReader {
  readonly format = 'pcap' as const;
  private headerRead = false;
  private nanos = false;
  private snaplen = 0;
  private maxRecord = MAX_RECORD;
  private linkType = 1;
  private lastSec = 0;
  private haveLastSec = false;
  private header: Uint8Array | null = null;

  /** The file header as read (24 bytes: magic, version, snaplen, link type and FCS bits), once read. */
  get fileHeader(): Uint8Array | null {
    return this.header;
  }

  /** Byte order and precision, known once the file header is read. */
  get description(): { byteOrder: 'little-endian' | 'big-endian'; tsPrecision: 'us' | 'ns'; snaplen: number } {
    return { byteOrder: this.littleEndian ? 'little-endian' : 'big-endian', tsPrecision: this.nanos ? 'ns' : 'us', snaplen: this.snaplen };
  }

  private readHeader(): boolean {
    const p = this.pending;
    if (p.available < FILE_HEADER) {
      if (this.ended) {
        throw new CaptureError(`pcap file header cut off (${p.available} of 24 bytes)`, 1, p.offset);
      }
      return false;
    }
    const b = p.buf;
    const s = p.start;
    const magic = u32be(b, s);
    switch (magic) {
      case PCAP_MAGIC_US: this.littleEndian = false; this.nanos = false; break;
      case PCAP_MAGIC_NS: this.littleEndian = false; this.nanos = true; break;
      case PCAP_MAGIC_US_SWAPPED: this.littleEndian = true; this.nanos = false; break;
      case PCAP_MAGIC_NS_SWAPPED: this.littleEndian = true; this.nanos = true; break;
      default: throw new CaptureError(`not a pcap file (magic 0x${magic.toString(16).padStart(8, '0')})`, 0, p.offset);
    }
    const major = this.littleEndian ? u16le(b, s + 4) : u16be(b, s + 4);
    if (major !== 2) {
      this.warn({ frame: 1, offset: p.offset + 4, skippedBytes: 0, message: `unusual pcap version ${major}; reading as 2.4` });
    }
    this.snaplen = this.u32(b, s + 16);
    // Bits 0-15 are the link type; the upper bits may carry FCS information.
    this.linkType = this.u32(b, s + 20) & 0xffff;
    this.linkTypes.push(this.linkType);
    // Records up to 64 KiB pass even under a smaller snaplen (some writers
    // set it wrong); past that, the snaplen (at most Wireshark's 256 KiB) rules.
    this.maxRecord = Math.min(MAX_RECORD, Math.max(65535, this.snaplen));
    this.header = b.slice(s, s + FILE_HEADER);
    p.start += FILE_HEADER;
    this.headerRead = true;
    return true;
  }

  /** Could a record header start at `i`? Used only to find the way back after damage. */
  private plausible(b: Uint8Array, i: number): boolean {
    const sec = this.u32(b, i);
    const frac = this.u32(b, i + 4);
    const incl = this.u32(b, i + 8);
    const orig = this.u32(b, i + 12);
    if (frac >= (this.nanos ? 1e9 : 1e6)) return false;
    if (incl > this.maxRecord || incl > orig || orig > 0x100000) return false;
    if (this.haveLastSec && Math.abs(sec - this.lastSec) > RESYNC_MAX_TIME_JUMP) return false;
    return true;
  }

  /** Scan for the next plausible record; true when found (pending.start moved there). */
  private resync(): boolean {
    const p = this.pending;
    const b = p.buf;
    for (let i = p.start; i + RECORD_HEADER <= p.end; i++) {
      if (!this.plausible(b, i)) continue;
      const next = i + RECORD_HEADER + this.u32(b, i + 8);
      if (next + RECORD_HEADER <= p.end) {
        if (!this.plausible(b, next)) continue;
      } else if (this.ended) {
        // No more bytes will come: a record running past the end of the
        // input is no way back (keep scanning); one that fits is taken.
        if (next > p.end) continue;
      } else {
        // Cannot confirm yet: wait for more bytes, keeping i as the new start.
        p.start = i;
        return false;
      }
      const skipped = p.base + i - this.resyncFrom;
      this.warn({
        frame: this.frameNumber + 1, offset: this.resyncFrom, skippedBytes: skipped,
        message: `${this.resyncReason}; skipped ${skipped} bytes to the next plausible record at offset ${p.base + i}`,
      });
      p.start = i;
      this.resyncFrom = -1;
      return true;
    }
    // Keep the last 15 bytes: a header may straddle the chunk boundary.
    p.start = Math.max(p.start, p.end - (RECORD_HEADER - 1));
    return false;
  }

  next(): Frame | undefined {
    for (;;) {
      const f = this.nextInBuffer();
      // Out of bytes in a stitched buffer: go on in the rest of its chunk.
      if (f !== undefined || !this.pending.promote()) return f;
    }
  }

  private nextInBuffer(): Frame | undefined {
    if (!this.headerRead && !this.readHeader()) return undefined;
    const p = this.pending;
    for (;;) {
      if (this.resyncFrom >= 0) {
        if (!this.resync()) {
          if (this.ended) this.finishResync('plausible record');
          return undefined;
        }
      }
      if (p.available < RECORD_HEADER) {
        if (this.ended && p.available > 0) this.cutOff(RECORD_HEADER, 'the record header');
        return undefined;
      }
      const b = p.buf;
      const s = p.start;
      const incl = this.u32(b, s + 8);
      const orig = this.u32(b, s + 12);
      const frac = this.u32(b, s + 4);
      if (incl > this.maxRecord || frac >= (this.nanos ? 1e9 : 1e6)) {
        this.resyncFrom = p.offset;
        this.resyncReason = incl > this.maxRecord
          ? `frame ${this.frameNumber + 1} at offset ${p.offset}: record length ${incl} is larger than the snaplen allows (${this.maxRecord}, file snaplen ${this.snaplen})`
          : `frame ${this.frameNumber + 1} at offset ${p.offset}: timestamp fraction ${frac} out of range`;
        p.start += 1;
        continue;
      }
      if (p.available < RECORD_HEADER + incl) {
        if (this.ended) this.cutOff(RECORD_HEADER + incl, 'the record');
        return undefined;
      }
      const f = this.frame;
      f.number = ++this.frameNumber;
      const sec = this.u32(b, s);
      f.tsSec = sec;
      f.tsNsec = this.nanos ? frac : frac * 1000;
      f.tsDigits = this.nanos ? 9 : 6;
      f.capLen = incl;
      f.origLen = orig;
      f.linkType = this.linkType;
      f.interfaceId = 0;
      f.buf = b;
      f.offset = s + RECORD_HEADER;
      f.fileOffset = p.base + s;
      this.lastSec = sec;
      this.haveLastSec = true;
      p.start = s + RECORD_HEADER + incl;
      return f;
    }
  }

}
