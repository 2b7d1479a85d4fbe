import { u32be, u32le } from './bytes.ts';
import { CaptureError, type CaptureReader, type Frame } from './frame.ts';
import { PushReader } from './push-reader.ts';

/** Block types of the pcapng specification (draft-ietf-opsawg-pcapng). */
export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002; // obsolete Packet Block
const BT_SPB = 0x00000003;
const BT_NRB = 0x00000004;
const BT_ISB = 0x00000005;
const BT_EPB = 0x00000006;
const BT_DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Wireshark refuses blocks over 16 MiB; so do we (a larger length is damage). */
const MAX_BLOCK = 16 * 1024 * 1024;
const KNOWN_BLOCKS = new Set([BT_SHB, BT_IDB, BT_PB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, BT_DSB, 0x00000bad, 0x40000bad, 0x80000001]);

interface Interface {
  globalId: number;
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^n or 2^n). */
  unitsPerSec: number;
  decimalExp: number; // -1 when the resolution is a power of 2
  tsDigits: number;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffset: number;
}

const TWO32 = 4294967296;

/**
 * Reader of pcapng: Section Header blocks of either byte order (several
 * sections per file), Interface Description (link type, if_tsresol in powers
 * of 10 and 2, if_tsoffset), Enhanced, Simple and the obsolete Packet block.
 * Other blocks are skipped. A block with an impossible length is reported and
 * the reader scans (4-byte aligned) for the next block whose length and
 * trailing length agree, so the rest of the file is still read.
 */
/** Interface descriptions kept per section (real captures have a handful); the rest are ignored. */
export const MAX_INTERFACES = 65_536;

export class PcapngReader extends PushReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  private inSection = false;
  private interfaces: Interface[] = [];
  /** Interface descriptions of this section beyond MAX_INTERFACES, not kept. */
  private interfacesIgnored = 0;
  private interfaceCount = 0;
  private readonly seenLinkTypes = new Set<number>();
  sections = 0;
  /**
   * For writers that copy frames out (tcpscope extract): the last frame's
   * timestamp as its block had it (units of its interface's if_tsresol) and
   * its interface's index in its section.
   */
  tsHigh = 0;
  tsLow = 0;
  sectionInterface = 0;
  /** Told of each section header (its byte order) and each interface description (a copy of the block), in order. */
  onSection: ((littleEndian: boolean) => void) | null = null;
  onInterface: ((block: Uint8Array) => void) | null = null;

  /** Length of a well-formed block starting at i, or -1 (needs its 8 first bytes). */
  private blockLength(b: Uint8Array, i: number, type: number): number {
    let len: number;
    if (type === BT_SHB) {
      const bom = u32le(b, i + 8);
      if (bom === BYTE_ORDER_MAGIC) len = u32le(b, i + 4);
      else if (bom === 0x4d3c2b1a) len = u32be(b, i + 4);
      else return -1;
      return len >= 28 && len % 4 === 0 && len <= MAX_BLOCK ? len : -1;
    }
    len = this.u32(b, i + 4);
    return len >= 12 && len % 4 === 0 && len <= MAX_BLOCK ? len : -1;
  }

  next(): Frame | undefined {
    for (;;) {
      const f = this.nextInBuffer();
      // Out of bytes in a stitched buffer: go on in the rest of its chunk.
      if (f !== undefined || !this.pending.promote()) return f;
    }
  }

  private nextInBuffer(): Frame | undefined {
    const p = this.pending;
    for (;;) {
      if (this.resyncFrom >= 0 && !this.resync()) {
        if (this.ended) this.finishResync('good block');
        return undefined;
      }
      const need = this.inSection ? 8 : 12;
      if (p.available < need) {
        if (this.ended && p.available > 0) this.cutOff(need, 'a block header');
        if (this.ended && !this.inSection && this.sections === 0) {
          throw new CaptureError('pcapng section header cut off', 0, p.offset);
        }
        return undefined;
      }
      const b = p.buf;
      const s = p.start;
      // The SHB type reads the same in both byte orders.
      const type = u32le(b, s) === BT_SHB ? BT_SHB : this.u32(b, s);
      if (type === BT_SHB && p.available < 12) {
        // Its byte-order magic decides how to read its length.
        if (this.ended) this.cutOff(12, 'a block header');
        return undefined;
      }
      if (!this.inSection && type !== BT_SHB) {
        throw new CaptureError(`not a pcapng file (first block type 0x${type.toString(16)})`, 0, p.offset);
      }
      const len = this.blockLength(b, s, type);
      if (len < 0) {
        if (type === BT_SHB && this.sections === 0) {
          throw new CaptureError('pcapng section header has a bad byte-order magic or length', 0, p.offset);
        }
        this.startResync(`block at offset ${p.offset} (type 0x${type.toString(16)}) has an impossible length ${this.u32(b, s + 4)}`);
        continue;
      }
      if (p.available < len) {
        if (this.ended) this.cutOff(len, 'a block');
        return undefined;
      }
      // A section header's own byte-order magic says how to read its trailing
      // length; the section's byte order changes only once the block is whole.
      const le = type === BT_SHB ? u32le(b, s + 8) === BYTE_ORDER_MAGIC : this.littleEndian;
      const trailer = le ? u32le(b, s + len - 4) : u32be(b, s + len - 4);
      if (trailer !== len) {
        if (type === BT_SHB && !this.inSection) {
          // The first section header is damaged, but its byte-order magic
          // still tells how to read the blocks after it: read on.
          this.littleEndian = le;
          this.inSection = true;
          this.sections++;
          this.interfaces = [];
          this.interfacesIgnored = 0;
        }
        this.startResync(`block at offset ${p.offset} (type 0x${type.toString(16)}): length ${len} disagrees with its trailing copy ${trailer}`);
        continue;
      }
      if (type === BT_SHB) this.littleEndian = le;
      p.start = s + len;
      const f = this.block(type, b, s, len, p.base + s);
      if (f) return f;
    }
  }

  /** Handle one whole block; return a frame for packet blocks. */
  private block(type: number, b: Uint8Array, s: number, len: number, fileOffset: number): Frame | undefined {
    switch (type) {
      case BT_SHB:
        this.inSection = true;
        this.sections++;
        this.interfaces = [];
        this.interfacesIgnored = 0;
        this.onSection?.(this.littleEndian);
        return undefined;
      case BT_IDB:
        this.interfaceDescription(b, s, len, fileOffset);
        this.onInterface?.(b.slice(s, s + len));
        return undefined;
      case BT_EPB: {
        if (len < 32) return this.badPacket(fileOffset, len, 'enhanced packet block too short');
        const ifId = this.u32(b, s + 8);
        const capLen = this.u32(b, s + 20);
        if (28 + capLen + 4 > len) return this.badPacket(fileOffset, len, `captured length ${capLen} runs past the block (${len} bytes)`);
        return this.packet(ifId, this.u32(b, s + 12), this.u32(b, s + 16), capLen, this.u32(b, s + 24), b, s + 28, fileOffset, len);
      }
      case BT_SPB: {
        if (len < 16) return this.badPacket(fileOffset, len, 'simple packet block too short');
        const iface = this.interfaces[0];
        if (!iface) return this.badPacket(fileOffset, len, 'simple packet block before any interface description');
        const origLen = this.u32(b, s + 8);
        let capLen = Math.min(origLen, len - 16);
        if (iface.snaplen > 0) capLen = Math.min(capLen, iface.snaplen);
        // SPBs carry no timestamp: Wireshark shows them at time 0.
        return this.packet(0, 0, 0, capLen, origLen, b, s + 12, fileOffset, len);
      }
      case BT_PB: {
        if (len < 32) return this.badPacket(fileOffset, len, 'packet block too short');
        const capLen = this.u32(b, s + 20);
        if (28 + capLen + 4 > len) return this.badPacket(fileOffset, len, `captured length ${capLen} runs past the block (${len} bytes)`);
        return this.packet(this.u16(b, s + 8), this.u32(b, s + 12), this.u32(b, s + 16), capLen, this.u32(b, s + 24), b, s + 28, fileOffset, len);
      }
      default:
        return undefined;
    }
  }

  /** A whole packet block that cannot be a frame: its bytes are skipped (and counted as such). */
  private badPacket(offset: number, len: number, why: string): undefined {
    this.warn({ frame: this.frameNumber + 1, offset, skippedBytes: len, message: `frame ${this.frameNumber + 1} at offset ${offset}: ${why}; ${len}-byte block skipped` });
    return undefined;
  }

  private packet(ifId: number, tsHigh: number, tsLow: number, capLen: number, origLen: number, b: Uint8Array, data: number, fileOffset: number, len: number): Frame | undefined {
    const iface = this.interfaces[ifId];
    if (!iface) {
      if (ifId < this.interfaces.length + this.interfacesIgnored) return this.badPacket(fileOffset, len, `packet on interface ${ifId}, one of those ignored (more than ${MAX_INTERFACES} in the section)`);
      return this.badPacket(fileOffset, len, `packet names interface ${ifId}, but the section describes ${this.interfaces.length}`);
    }
    const f = this.frame;
    f.number = ++this.frameNumber;
    this.tsHigh = tsHigh;
    this.tsLow = tsLow;
    this.sectionInterface = ifId;
    splitTimestamp(tsHigh, tsLow, iface, f);
    f.tsDigits = iface.tsDigits;
    f.capLen = capLen;
    f.origLen = origLen;
    f.linkType = iface.linkType;
    f.interfaceId = iface.globalId;
    f.buf = b;
    f.offset = data;
    f.fileOffset = fileOffset;
    return f;
  }

  private interfaceDescription(b: Uint8Array, s: number, len: number, fileOffset: number): void {
    if (len < 20) {
      this.warn({ frame: this.frameNumber + 1, offset: fileOffset, skippedBytes: 0, message: `interface description at offset ${fileOffset} too short (${len} bytes)` });
      return;
    }
    if (this.interfaces.length >= MAX_INTERFACES) {
      // A section of more interfaces than any capture has (a file made of them):
      // keeping each would make memory grow with the file.
      if (this.interfacesIgnored++ === 0) {
        this.warn({ frame: this.frameNumber + 1, offset: fileOffset, skippedBytes: len, message: `interface description at offset ${fileOffset}: more than ${MAX_INTERFACES} in one section; this one and the rest of the section's are ignored, and so are the packets on them` });
      }
      return;
    }
    const iface: Interface = {
      globalId: this.interfaceCount++,
      linkType: this.u16(b, s + 8),
      snaplen: this.u32(b, s + 12),
      unitsPerSec: 1e6, decimalExp: 6, tsDigits: 6, tsOffset: 0,
    };
    const end = s + len - 4;
    let i = s + 16;
    while (i + 4 <= end) {
      const code = this.u16(b, i);
      const olen = this.u16(b, i + 2);
      const v = i + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 9 && olen >= 1) this.setResolution(iface, b[v], fileOffset);
      else if (code === 14 && olen >= 8) {
        const hi = this.littleEndian ? u32le(b, v + 4) : u32be(b, v);
        const lo = this.littleEndian ? u32le(b, v) : u32be(b, v + 4);
        iface.tsOffset = (hi | 0) * TWO32 + lo;
      }
      i = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(iface);
    // A Set beside the list: a file of a million interfaces of 65,536 link types took minutes in includes().
    if (!this.seenLinkTypes.has(iface.linkType)) {
      this.seenLinkTypes.add(iface.linkType);
      this.linkTypes.push(iface.linkType);
    }
  }

  private setResolution(iface: Interface, v: number, fileOffset: number): void {
    const exp = v & 0x7f;
    if (v & 0x80) {
      if (exp > 60) return this.absurdResolution(v, fileOffset);
      iface.unitsPerSec = 2 ** exp;
      iface.decimalExp = -1;
      iface.tsDigits = Math.min(9, Math.ceil(exp * Math.LOG10E * Math.LN2));
    } else {
      if (exp > 18) return this.absurdResolution(v, fileOffset);
      iface.unitsPerSec = 10 ** exp;
      iface.decimalExp = exp;
      iface.tsDigits = Math.min(9, exp);
    }
  }

  private absurdResolution(v: number, fileOffset: number): void {
    this.warn({ frame: this.frameNumber + 1, offset: fileOffset, skippedBytes: 0, message: `interface description at offset ${fileOffset}: if_tsresol 0x${v.toString(16)} is absurd; timestamps read as microseconds` });
  }

  private startResync(reason: string): void {
    this.resyncFrom = this.pending.offset;
    this.resyncReason = reason;
    this.pending.start += 4;
  }

  private resync(): boolean {
    const p = this.pending;
    const b = p.buf;
    let i = p.start;
    for (; i + 12 <= p.end; i += 4) {
      let type = this.u32(b, i);
      if (u32le(b, i) === BT_SHB) type = BT_SHB;
      if (!KNOWN_BLOCKS.has(type)) continue;
      const len = this.blockLength(b, i, type);
      if (len < 0) continue;
      if (i + len > p.end) {
        if (this.ended) continue;
        p.start = i;
        return false;
      }
      const le = type === BT_SHB ? u32le(b, i + 8) === BYTE_ORDER_MAGIC : this.littleEndian;
      if ((le ? u32le(b, i + len - 4) : u32be(b, i + len - 4)) !== len) continue;
      const skipped = p.base + i - this.resyncFrom;
      this.warn({
        frame: this.frameNumber + 1, offset: this.resyncFrom, skippedBytes: skipped,
        message: `${this.resyncReason}; skipped ${skipped} bytes to the next good block at offset ${p.base + i}`,
      });
      p.start = i;
      this.resyncFrom = -1;
      return true;
    }
    p.start = i;
    return false;
  }

}

/**
 * Split a 64-bit count of interface time units into seconds and nanoseconds
 * without going through a float (a nanosecond count since 1970 needs 61 bits).
 * Long division in 16-bit steps keeps every intermediate below 2^53 for up to
 * 2^37 units per second; finer resolutions fall back to BigInt.
 */
function splitTimestamp(high: number, low: number, iface: Interface, out: Frame): void {
  const d = iface.unitsPerSec;
  let sec: number;
  let rem: number;
  if (d <= 2 ** 37) {
    const q1 = Math.floor(high / d);
    let r = high - q1 * d;
    let t = r * 65536 + (low >>> 16);
    const q2 = Math.floor(t / d);
    r = t - q2 * d;
    t = r * 65536 + (low & 0xffff);
    const q3 = Math.floor(t / d);
    rem = t - q3 * d;
    sec = q1 * TWO32 + q2 * 65536 + q3;
  } else {
    const units = (BigInt(high) << 32n) | BigInt(low);
    const bd = BigInt(d);
    sec = Number(units / bd);
    // The remainder can pass 2^53 (10^-18 units): a float would round it up
    // to a whole second; take the nanoseconds in BigInt.
    out.tsSec = sec + iface.tsOffset;
    out.tsNsec = Number(((units % bd) * 1_000_000_000n) / bd);
    return;
  }
  let ns: number;
  const e = iface.decimalExp;
  if (e >= 0 && e <= 9) ns = rem * 10 ** (9 - e);
  else if (e > 9) ns = Math.floor(rem / 10 ** (e - 9));
  // rem * 1e9 may pass 2^53 for 2^-30 .. 2^-37 units: never let rounding reach a whole second.
  else ns = Math.min(999_999_999, Math.floor((rem * 1e9) / d));
  out.tsSec = sec + iface.tsOffset;
  out.tsNsec = ns;
}
