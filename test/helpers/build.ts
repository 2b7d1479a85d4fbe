/**
 * Builders of capture files byte by byte, for reader tests and for turning
 * frames of the real fixtures into other formats (big-endian, pcapng variants).
 */
export interface BuiltPacket {
  sec: number;
  /** Sub-second part in the file's units (µs or ns for pcap, interface units for pcapng). */
  frac: number;
  data: Uint8Array;
  origLen?: number;
  interfaceId?: number;
}

function w32(v: DataView, at: number, x: number, le: boolean): void {
  v.setUint32(at, x >>> 0, le);
}

export function pcapFile(packets: BuiltPacket[], opts: { le?: boolean; nanos?: boolean; linkType?: number; snaplen?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  w32(v, 0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  w32(v, 16, opts.snaplen ?? 262144, le);
  w32(v, 20, opts.linkType ?? 1, le);
  let at = 24;
  for (const p of packets) {
    w32(v, at, p.sec, le);
    w32(v, at + 4, p.frac, le);
    w32(v, at + 8, p.data.length, le);
    w32(v, at + 12, p.origLen ?? p.data.length, le);
    out.set(p.data, at + 16);
    at += 16 + p.data.length;
  }
  return out;
}

export type Option = { code: number; value: Uint8Array };

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export function pcapngBlock(type: number, body: Uint8Array, le = true): Uint8Array {
  const len = 12 + pad4(body.length);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  w32(v, 0, type, le);
  w32(v, 4, len, le);
  out.set(body, 8);
  w32(v, len - 4, len, le);
  return out;
}

function options(opts: Option[], le: boolean): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const size = opts.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const o of opts) {
    v.setUint16(at, o.code, le);
    v.setUint16(at + 2, o.value.length, le);
    out.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  return out;
}

export function shb(le = true): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  w32(v, 0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setUint16(6, 0, le);
  v.setInt32(8, -1, le);
  v.setInt32(12, -1, le);
  return pcapngBlock(0x0a0d0d0a, body, le);
}

export function idb(linkType: number, opts: { le?: boolean; snaplen?: number; tsresol?: number; tsoffset?: bigint } = {}): Uint8Array {
  const le = opts.le ?? true;
  const o: Option[] = [];
  if (opts.tsresol !== undefined) o.push({ code: 9, value: Uint8Array.of(opts.tsresol) });
  if (opts.tsoffset !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, opts.tsoffset, le);
    o.push({ code: 14, value: b });
  }
  const ob = options(o, le);
  const body = new Uint8Array(8 + ob.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, linkType, le);
  w32(v, 4, opts.snaplen ?? 0, le);
  body.set(ob, 8);
  return pcapngBlock(1, body, le);
}

/** Enhanced Packet Block with a 64-bit timestamp in interface units. */
export function epb(interfaceId: number, units: bigint, data: Uint8Array, opts: { le?: boolean; origLen?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const body = new Uint8Array(20 + pad4(data.length));
  const v = new DataView(body.buffer);
  w32(v, 0, interfaceId, le);
  w32(v, 4, Number(units >> 32n), le);
  w32(v, 8, Number(units & 0xffffffffn), le);
  w32(v, 12, data.length, le);
  w32(v, 16, opts.origLen ?? data.length, le);
  body.set(data, 20);
  return pcapngBlock(6, body, le);
}

export function spb(data: Uint8Array, le = true): Uint8Array {
  const body = new Uint8Array(4 + pad4(data.length));
  w32(new DataView(body.buffer), 0, data.length, le);
  body.set(data, 4);
  return pcapngBlock(3, body, le);
}

/** The obsolete Packet Block (type 2). */
export function pb(interfaceId: number, units: bigint, data: Uint8Array, le = true): Uint8Array {
  const body = new Uint8Array(20 + pad4(data.length));
  const v = new DataView(body.buffer);
  v.setUint16(0, interfaceId, le);
  w32(v, 4, Number(units >> 32n), le);
  w32(v, 8, Number(units & 0xffffffffn), le);
  w32(v, 12, data.length, le);
  w32(v, 16, data.length, le);
  body.set(data, 20);
  return pcapngBlock(2, body, le);
}

export { concatBytes as concat } from '../../src/capture/bytes.ts';

export function bytes(n: number, fill = 0xab): Uint8Array {
  return new Uint8Array(n).fill(fill);
}
