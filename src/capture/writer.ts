/**
 * Writing captures: classic pcap (libpcap's format: a 24-byte file header,
 * a 16-byte header per record) and pcapng (draft-ietf-opsawg-pcapng:
 * Section Header, Interface Description and Enhanced Packet blocks). Used
 * by `tcpscope extract` to write the frames of chosen connections as they
 * were: the link type, the timestamps in the units the input had them
 * (microseconds or nanoseconds for pcap; each interface's if_tsresol for
 * pcapng, its Interface Description block copied as it was), the captured
 * and original lengths and the bytes.
 *
 * Bytes go into one reused buffer, handed to `flush` (which must copy or
 * write them before returning) whenever it fills: nothing is allocated per
 * frame.
 */
import { u32be } from './bytes.ts';
import { PCAP_MAGIC_NS, PCAP_MAGIC_NS_SWAPPED, PCAP_MAGIC_US, PCAP_MAGIC_US_SWAPPED } from './pcap.ts';

const BUFFER = 1 << 20;
/** Wireshark's largest packet; a record never needs more room than this. */
const MAX_RECORD = 262_144 + 64;

/** A growing run of bytes in one buffer, flushed when the next record may not fit. */
export class ByteBuffer {
  private buf = Buffer.allocUnsafe(BUFFER);
  private used = 0;

  constructor(private readonly flush: (bytes: Uint8Array) => void) {}

  /** Room for `n` more bytes; returns the offset to write them at. */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) {
      this.drain();
      // A record larger than the buffer (a jumbo pcapng block): grow once for it.
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, MAX_RECORD));
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  get bytes(): Buffer {
    return this.buf;
  }

  drain(): void {
    if (this.used === 0) return;
    this.flush(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

/**
 * A time of a pcap record (seconds and a fraction in 10^-6 or 10^-9 s) as
 * a pcapng timestamp in those units, high and low 32 bits, without a float
 * past 2^53 and without allocating: units = sec * 2^k * m + frac, with
 * 10^6 = 2^6 * 15625 and 10^9 = 2^9 * 1953125.
 */
export function pcapngUnits(sec: number, frac: number, nanos: boolean, out: { high: number; low: number }): void {
  const k = nanos ? 9 : 6;
  const a = sec * (nanos ? 1_953_125 : 15_625);
  let high = Math.floor(a / 2 ** (32 - k));
  let low = (a - high * 2 ** (32 - k)) * 2 ** k + frac;
  if (low >= 2 ** 32) {
    low -= 2 ** 32;
    high++;
  }
  out.high = high;
  out.low = low;
}

/** A frame as a writer needs it: time, lengths and bytes. */
export interface FrameBytes {
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  buf: Uint8Array;
  offset: number;
}

export class PcapWriter {
  private readonly le: boolean;
  private readonly nanos: boolean;

  /**
   * `header`: the input's 24-byte file header, written as it is (magic,
   * version, snaplen, link type and its FCS bits); the records follow in
   * its byte order and precision.
   */
  constructor(private readonly out: ByteBuffer, header: Uint8Array) {
    // The magic as it reads in big-endian order says the byte order and the precision.
    const m = u32be(header, 0);
    this.le = m === PCAP_MAGIC_US_SWAPPED || m === PCAP_MAGIC_NS_SWAPPED;
    this.nanos = m === PCAP_MAGIC_NS || m === PCAP_MAGIC_NS_SWAPPED;
    const at = out.reserve(24);
    out.bytes.set(header.subarray(0, 24), at);
  }

  /** A file header for frames that come from elsewhere (pcapng): little-endian, version 2.4. */
  static header(linkType: number, snaplen: number, nanos: boolean): Uint8Array {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(linkType, 20);
    return h;
  }

  write(f: FrameBytes): void {
    const at = this.out.reserve(16 + f.capLen);
    const b = this.out.bytes;
    const frac = this.nanos ? f.tsNsec : Math.floor(f.tsNsec / 1000);
    if (this.le) {
      b.writeUInt32LE(f.tsSec >>> 0, at);
      b.writeUInt32LE(frac, at + 4);
      b.writeUInt32LE(f.capLen, at + 8);
      b.writeUInt32LE(f.origLen, at + 12);
    } else {
      b.writeUInt32BE(f.tsSec >>> 0, at);
      b.writeUInt32BE(frac, at + 4);
      b.writeUInt32BE(f.capLen, at + 8);
      b.writeUInt32BE(f.origLen, at + 12);
    }
    b.set(f.buf.subarray(f.offset, f.offset + f.capLen), at + 16);
  }
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * pcapng, section by section: each section in its own byte order, its
 * Interface Description blocks as given (copied from the input, or made
 * for a pcap input), its packets as Enhanced Packet blocks naming their
 * interface by its index in the section.
 */
export class PcapngWriter {
  private le = true;

  constructor(private readonly out: ByteBuffer) {}

  private u32(b: Buffer, v: number, at: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, at);
    else b.writeUInt32BE(v >>> 0, at);
  }

  private u16(b: Buffer, v: number, at: number): void {
    if (this.le) b.writeUInt16LE(v, at);
    else b.writeUInt16BE(v, at);
  }

  /** A Section Header block (version 1.0, section length unknown) with shb_userappl. */
  section(littleEndian: boolean): void {
    this.le = littleEndian;
    const appl = Buffer.from('tcpscope extract');
    const opts = 4 + pad4(appl.length) + 4;
    const len = 28 + opts;
    const at = this.out.reserve(len);
    const b = this.out.bytes;
    this.u32(b, BT_SHB, at);
    this.u32(b, len, at + 4);
    this.u32(b, 0x1a2b3c4d, at + 8);
    this.u16(b, 1, at + 12);
    this.u16(b, 0, at + 14);
    // Section length: -1, not known in advance.
    b.writeInt32LE(-1, at + 16);
    b.writeInt32LE(-1, at + 20);
    this.u16(b, 4, at + 24); // shb_userappl
    this.u16(b, appl.length, at + 26);
    b.fill(0, at + 28, at + 28 + pad4(appl.length));
    appl.copy(b, at + 28);
    this.u32(b, 0, at + 28 + pad4(appl.length)); // opt_endofopt
    this.u32(b, len, at + len - 4);
  }

  /** An Interface Description block as the input had it (in this section's byte order). */
  interfaceBlock(block: Uint8Array): void {
    const at = this.out.reserve(block.length);
    this.out.bytes.set(block, at);
  }

  /** An Interface Description block for a pcap input's link: its snaplen and, for nanoseconds, if_tsresol 9. */
  interface(linkType: number, snaplen: number, nanos: boolean): void {
    const len = 20 + (nanos ? 8 : 0) + 4;
    const at = this.out.reserve(len);
    const b = this.out.bytes;
    this.u32(b, BT_IDB, at);
    this.u32(b, len, at + 4);
    this.u16(b, linkType, at + 8);
    this.u16(b, 0, at + 10);
    this.u32(b, snaplen, at + 12);
    let o = at + 16;
    if (nanos) {
      this.u16(b, 9, o); // if_tsresol: 10^-9
      this.u16(b, 1, o + 2);
      b.writeUInt32LE(0, o + 4);
      b[o + 4] = 9;
      o += 8;
    }
    this.u32(b, 0, o); // opt_endofopt
    this.u32(b, len, at + len - 4);
  }

  /** An Enhanced Packet block; the timestamp in the interface's units (high and low 32 bits). */
  packet(iface: number, tsHigh: number, tsLow: number, f: FrameBytes): void {
    const len = 32 + pad4(f.capLen);
    const at = this.out.reserve(len);
    const b = this.out.bytes;
    this.u32(b, BT_EPB, at);
    this.u32(b, len, at + 4);
    this.u32(b, iface, at + 8);
    this.u32(b, tsHigh, at + 12);
    this.u32(b, tsLow, at + 16);
    this.u32(b, f.capLen, at + 20);
    this.u32(b, f.origLen, at + 24);
    b.set(f.buf.subarray(f.offset, f.offset + f.capLen), at + 28);
    b.fill(0, at + 28 + f.capLen, at + 28 + pad4(f.capLen));
    this.u32(b, len, at + len - 4);
  }
}
