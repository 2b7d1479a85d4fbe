/**
 * `-w`: everything captured, written as it goes. The header is written when
 * the capture starts; records are gathered per chunk the reader consumed and
 * written with one synchronous write, so the file always ends at a record
 * boundary: a Ctrl-C, a crash or a kill leaves a valid capture (pcap, or
 * pcapng when the name ends in .pcapng/.ntar). Timestamps are nanoseconds.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Frame } from '../capture/frame.ts';
import { pcapHeader } from './cap.ts';

export type WriteFormat = 'pcap' | 'pcapng';

export function formatForPath(path: string): WriteFormat {
  return /\.(pcapng|ntar)(\.|$)/i.test(path) ? 'pcapng' : 'pcap';
}

export class CaptureWriter {
  private fd: number;
  private headerDone = false;
  private batch = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Frames written so far. */
  frames = 0;

  /** `snapLength`: the capture's snapshot length, recorded in the file header. */
  constructor(readonly path: string, private readonly snapLength = 262144, readonly format: WriteFormat = formatForPath(path)) {
    this.fd = openSync(path, 'w');
  }

  /** Write the file header now (the capture's link type is known). */
  start(linkType: number): void {
    if (this.headerDone) return;
    this.headerDone = true;
    writeSync(this.fd, this.format === 'pcap' ? pcapHeader(linkType, this.snapLength) : pcapngHead(linkType, this.snapLength));
  }

  add(f: Frame): void {
    if (!this.headerDone) this.start(f.linkType);
    const pad = this.format === 'pcapng' ? (4 - (f.capLen & 3)) & 3 : 0;
    const need = this.format === 'pcap' ? 16 + f.capLen : 32 + f.capLen + pad;
    if (this.used + need > this.batch.length) {
      this.flush();
      if (need > this.batch.length) this.batch = Buffer.allocUnsafe(need);
    }
    const b = this.batch;
    const o = this.used;
    if (this.format === 'pcap') {
      b.writeUInt32LE(f.tsSec >>> 0, o);
      b.writeUInt32LE(f.tsNsec, o + 4);
      b.writeUInt32LE(f.capLen, o + 8);
      b.writeUInt32LE(Math.max(f.origLen, f.capLen), o + 12);
      b.set(f.buf.subarray(f.offset, f.offset + f.capLen), o + 16);
    } else {
      // Enhanced Packet Block, interface 0 with if_tsresol 9 (ns).
      const ts = BigInt(f.tsSec) * 1000000000n + BigInt(f.tsNsec);
      b.writeUInt32LE(6, o);
      b.writeUInt32LE(need, o + 4);
      b.writeUInt32LE(0, o + 8);
      b.writeUInt32LE(Number(ts >> 32n), o + 12);
      b.writeUInt32LE(Number(ts & 0xffffffffn), o + 16);
      b.writeUInt32LE(f.capLen, o + 20);
      b.writeUInt32LE(Math.max(f.origLen, f.capLen), o + 24);
      b.set(f.buf.subarray(f.offset, f.offset + f.capLen), o + 28);
      b.fill(0, o + 28 + f.capLen, o + 28 + f.capLen + pad);
      b.writeUInt32LE(need, o + need - 4);
    }
    this.used = o + need;
    this.frames++;
  }

  /** Write what was gathered (whole records only). */
  flush(): void {
    if (this.used === 0) return;
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.batch, off, this.used - off);
    this.used = 0;
  }

  close(linkType: number): void {
    if (this.fd < 0) return;
    this.start(linkType);
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch {
      // not a regular file
    }
    closeSync(this.fd);
    this.fd = -1;
  }
}

function pcapngHead(linkType: number, snapLength: number): Buffer {
  // Section Header Block: no options.
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0);
  shb.writeUInt32LE(28, 4);
  shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12);
  shb.writeUInt16LE(0, 14);
  shb.writeInt32LE(-1, 16);
  shb.writeInt32LE(-1, 20);
  shb.writeUInt32LE(28, 24);
  // Interface Description Block with if_tsresol = 9 and opt_endofopt.
  const idb = Buffer.alloc(32);
  idb.writeUInt32LE(1, 0);
  idb.writeUInt32LE(32, 4);
  idb.writeUInt16LE(linkType, 8);
  idb.writeUInt16LE(0, 10);
  idb.writeUInt32LE(snapLength, 12);
  idb.writeUInt16LE(9, 16); // if_tsresol
  idb.writeUInt16LE(1, 18);
  idb.writeUInt8(9, 20);
  idb.writeUInt16LE(0, 24); // opt_endofopt
  idb.writeUInt16LE(0, 26);
  idb.writeUInt32LE(32, 28);
  return Buffer.concat([shb, idb]);
}
