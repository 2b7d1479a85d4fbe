/**
 * Byte builders for the decoder tests: each returns the bytes of one header
 * (with its payload) so a test reads as the stack it builds, outermost last:
 * ethernet(0x0800, ipv4({}, tcp({ flags: SYN }))).
 */
import { newFrame, type Frame } from '../../src/capture/frame.ts';

import { concatBytes as cat } from '../../src/capture/bytes.ts';

export { cat };

export const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
export const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
export const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
export const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

export interface TcpSpec {
  sport?: number; dport?: number; seq?: number; ack?: number; flags?: number;
  window?: number; urgent?: number;
  /** Raw option bytes (padded with EOL to a multiple of 4 unless dataOffset is given). */
  options?: number[];
  /** Override the data offset field (in 32-bit words). */
  dataOffset?: number;
  payload?: number;
}

export function tcp(s: TcpSpec = {}): Uint8Array {
  const opts = [...(s.options ?? [])];
  while (opts.length % 4 !== 0) opts.push(0);
  const doff = s.dataOffset ?? 5 + opts.length / 4;
  const flags = s.flags ?? 0x10;
  return cat(
    be16(s.sport ?? 40000), be16(s.dport ?? 80), be32(s.seq ?? 1000), be32(s.ack ?? 2000),
    [(doff << 4) | ((flags >> 8) & 1), flags & 0xff], be16(s.window ?? 65535), [0, 0], be16(s.urgent ?? 0),
    opts, new Uint8Array(s.payload ?? 0).fill(0x61),
  );
}

export interface Ipv4Spec {
  src?: number[]; dst?: number[]; proto?: number; ttl?: number; id?: number;
  /** Raw option bytes (padded to a multiple of 4). */
  options?: number[];
  /** Override IHL (32-bit words) / total length. */
  ihl?: number; totalLength?: number;
  moreFragments?: boolean; fragOffset?: number; dontFragment?: boolean;
}

export function ipv4(s: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const opts = [...(s.options ?? [])];
  while (opts.length % 4 !== 0) opts.push(0);
  const ihl = s.ihl ?? 5 + opts.length / 4;
  const total = s.totalLength ?? 20 + opts.length + payload.length;
  const frag = (s.moreFragments ? 0x2000 : 0) | (s.dontFragment ? 0x4000 : 0) | ((s.fragOffset ?? 0) & 0x1fff);
  return cat(
    [0x40 | (ihl & 0xf), 0], be16(total), be16(s.id ?? 0x1234), be16(frag),
    [s.ttl ?? 64, s.proto ?? 6], [0, 0], s.src ?? [10, 0, 0, 1], s.dst ?? [10, 0, 0, 2], opts, payload,
  );
}

/** IPv6 address from 8 groups. */
export function v6(...groups: number[]): number[] {
  return groups.flatMap((g) => be16(g));
}

export interface Ipv6Spec {
  src?: number[]; dst?: number[]; next?: number; hopLimit?: number; payloadLength?: number;
}

export function ipv6(s: Ipv6Spec, payload: Uint8Array): Uint8Array {
  return cat(
    [0x60, 0, 0, 0], be16(s.payloadLength ?? payload.length), [s.next ?? 6, s.hopLimit ?? 64],
    s.src ?? v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), s.dst ?? v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2), payload,
  );
}

/** A hop-by-hop / routing / destination options header of 8*(len+1) bytes. */
export function ext6(next: number, lenUnits: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(8 * (lenUnits + 1) - 2);
  body[0] = 1; // PadN covering the rest
  body[1] = body.length - 2;
  return cat([next, lenUnits], body, payload);
}

export function frag6(next: number, offsetBytes: number, more: boolean, payload: Uint8Array): Uint8Array {
  return cat([next, 0], be16((offsetBytes & 0xfff8) | (more ? 1 : 0)), be32(0xabcd), payload);
}

export function ethernet(etherType: number, payload: Uint8Array, tags: [number, number][] = []): Uint8Array {
  // Outer type is the first tag's TPID; each tag then names the next type.
  const types = [...tags.map(([tpid]) => tpid), etherType];
  const inner: number[] = [];
  for (let i = 0; i < tags.length; i++) inner.push(...be16(tags[i][1]), ...be16(types[i + 1]));
  return cat([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], be16(types[0]), inner, payload);
}

export function sll(pktType: number, protocol: number, payload: Uint8Array): Uint8Array {
  return cat(be16(pktType), be16(1), be16(6), [2, 0, 0, 0, 0, 1, 0, 0], be16(protocol), payload);
}

export function sll2(pktType: number, protocol: number, ifIndex: number, payload: Uint8Array): Uint8Array {
  return cat(be16(protocol), [0, 0], be32(ifIndex), be16(772), [pktType, 6], [0, 0, 0, 0, 0, 0, 0, 0], payload);
}

/**
 * A Frame over `bytes`, placed at a non-zero offset in a larger buffer whose
 * bytes around the frame are 0xee junk, so a read outside [offset, offset +
 * capLen) shows up as a wrong result.
 */
export function frame(linkType: number, bytes: Uint8Array, opts: { capLen?: number; origLen?: number; number?: number; interfaceId?: number } = {}): Frame {
  const capLen = opts.capLen ?? bytes.length;
  const buf = new Uint8Array(capLen + 64).fill(0xee);
  buf.set(bytes.subarray(0, capLen), 32);
  const f = newFrame();
  f.linkType = linkType;
  f.buf = buf;
  f.offset = 32;
  f.capLen = capLen;
  f.origLen = opts.origLen ?? bytes.length;
  f.number = opts.number ?? 1;
  f.interfaceId = opts.interfaceId ?? 0;
  return f;
}
