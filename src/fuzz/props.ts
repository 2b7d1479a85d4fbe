/**
 * Property-based tests of the hostile-input issue, as fast-check properties
 * that the test suite runs with a fixed seed and a small budget, and that
 * `npm run fuzz` (run.ts) runs longer with random seeds. Every property
 * turns its generated value into one capture file (`input`), so any failure
 * can be saved as a plain file in fixtures/regressions/ and replayed there.
 */
import { concatBytes } from '../capture/bytes.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { checkChunking, checkFront, checkPrefix, runFront } from './front.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Fixture {
  name: string;
  bytes: Uint8Array;
}

let fixtureCache: Fixture[] | null = null;

/**
 * The real captures of fixtures/captures and the hand-built ones of
 * fixtures/handmade (tunnels, other link types), pcap and pcapng, smallest
 * first.
 */
export function fixtures(): Fixture[] {
  if (fixtureCache) return fixtureCache;
  const all: Fixture[] = [];
  for (const sub of ['captures', 'handmade']) {
    const dir = join(ROOT, 'fixtures', sub);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /\.(pcap|pcapng)$/.test(n));
    } catch {
      names = [];
    }
    for (const name of names) all.push({ name: `${sub}/${name}`, bytes: new Uint8Array(readFileSync(join(dir, name))) });
  }
  fixtureCache = all.sort((a, b) => a.bytes.length - b.bytes.length || a.name.localeCompare(b.name));
  return fixtureCache;
}

// ------------------------------------------------------------ mutations ----

/** Values that sit on the edges of the readers' and decoders' checks. */
const INTERESTING32 = [
  0, 1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 15, 16, 20, 24, 27, 28, 31, 32, 40, 60, 64, 127, 128, 255, 256,
  1500, 1514, 65535, 65536, 262144, 262145, 0x100000, 0x1000000, 0x1000004, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff,
  0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2c3d4, 0xd4c3b2a1, 0x00000006, 0x06000000, 0x00000001, 0x01000000,
];
const INTERESTING8 = [0, 1, 2, 4, 5, 6, 0x0f, 0x10, 0x40, 0x45, 0x4f, 0x41, 0x50, 0x60, 0x7f, 0x80, 0xf0, 0xff];

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number; le: boolean }
  | { kind: 'u16'; at: number; value: number; le: boolean }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'copy'; from: number; at: number; count: number };

/** Positions are fractions of the current length (0..1), so they fit any file. */
const pos = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const mutationArb: fc.Arbitrary<{ kind: Mutation['kind']; p: number; q: number; v: number; le: boolean; bytes: Uint8Array }> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'flip', 'byte', 'u32', 'u32', 'u16', 'cut', 'insert', 'delete', 'copy'),
  p: pos,
  q: pos,
  v: fc.oneof(fc.constantFrom(...INTERESTING32), fc.nat({ max: 0xffffffff }), fc.constantFrom(...INTERESTING8)),
  le: fc.boolean(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
});

export type RawMutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

/** Apply mutations in order; returns the damaged file and the first damaged offset. */
export function mutate(input: Uint8Array, muts: readonly RawMutation[]): { bytes: Uint8Array; firstDamaged: number } {
  let b: Uint8Array = input.slice();
  let first = Infinity;
  for (const m of muts) {
    const n = b.length;
    if (n === 0) break;
    const at = Math.floor(m.p * n);
    switch (m.kind) {
      case 'flip': b[at] ^= 1 << (m.v & 7); break;
      case 'byte': b[at] = m.v & 0xff; break;
      case 'u32': {
        const i = Math.min(at & ~3, Math.max(0, n - 4));
        if (n >= 4) new DataView(b.buffer, b.byteOffset).setUint32(i, m.v >>> 0, m.le);
        first = Math.min(first, i);
        continue;
      }
      case 'u16': {
        const i = Math.min(at & ~1, Math.max(0, n - 2));
        if (n >= 2) new DataView(b.buffer, b.byteOffset).setUint16(i, m.v & 0xffff, m.le);
        first = Math.min(first, i);
        continue;
      }
      case 'cut': b = b.slice(0, at); break;
      case 'insert': b = concatBytes(b.subarray(0, at), m.bytes, b.subarray(at)); break;
      case 'delete': b = concatBytes(b.subarray(0, at), b.subarray(Math.min(n, at + 1 + (m.v % 64)))); break;
      case 'copy': {
        const from = Math.floor(m.q * n);
        const count = 1 + (m.v % 128);
        b = concatBytes(b.subarray(0, at), b.subarray(from, Math.min(n, from + count)), b.subarray(at));
        break;
      }
    }
    first = Math.min(first, at);
  }
  return { bytes: b, firstDamaged: first === Infinity ? b.length : first };
}

/** Cut points for chunked feeding (sorted, inside the input). */
const cutsArb = fc.array(pos, { maxLength: 12 });
function cutsFor(fracs: readonly number[], n: number): number[] {
  return [...new Set(fracs.map((f) => Math.floor(f * n)))].filter((c) => c > 0 && c < n).sort((a, b) => a - b);
}

// ------------------------------------------------------ frame generator ----

/** A random but mostly well-formed frame of a supported link type, for the decoders. */
const tcpArb = fc.record({
  sport: fc.nat({ max: 65535 }), dport: fc.nat({ max: 65535 }), seq: fc.nat({ max: 0xffffffff }), ack: fc.nat({ max: 0xffffffff }),
  doff: fc.oneof(fc.constant(-1), fc.nat({ max: 15 })), flags: fc.nat({ max: 0x1ff }),
  options: fc.oneof(
    fc.constant([] as number[]),
    fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 8, 30, 34), fc.nat({ max: 255 })), { maxLength: 44 }),
    fc.constantFrom([2, 4, 5, 180, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7], [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2], [2, 0], [2, 1], [8, 1, 1], [3]),
  ),
  payload: fc.nat({ max: 40 }),
});

function tcpBytes(t: { sport: number; dport: number; seq: number; ack: number; doff: number; flags: number; options: readonly number[]; payload: number }): Uint8Array {
  const opts = [...t.options];
  while (opts.length % 4 !== 0) opts.push(0);
  const doff = t.doff >= 0 ? t.doff : Math.min(15, 5 + opts.length / 4);
  const h = new Uint8Array(20 + opts.length + t.payload).fill(0x61);
  const v = new DataView(h.buffer);
  v.setUint16(0, t.sport); v.setUint16(2, t.dport); v.setUint32(4, t.seq >>> 0); v.setUint32(8, t.ack >>> 0);
  h[12] = (doff << 4) | ((t.flags >> 8) & 1); h[13] = t.flags & 0xff;
  v.setUint16(14, 65535); v.setUint16(16, 0); v.setUint16(18, 0);
  h.set(opts, 20);
  return h;
}

const ipArb = fc.record({
  v6: fc.boolean(),
  ihl: fc.oneof(fc.constant(-1), fc.nat({ max: 15 })),
  totalDelta: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -60, max: 60 }), fc.constant(-100000)),
  proto: fc.oneof(fc.constant(6), fc.constant(6), fc.constantFrom(4, 41, 47, 0, 43, 44, 51, 60, 17, 50, 59)),
  frag: fc.oneof(fc.constant(0), fc.nat({ max: 0xffff })),
  ext: fc.array(fc.tuple(fc.constantFrom(0, 43, 44, 51, 60), fc.nat({ max: 6 })), { maxLength: 3 }),
});

function ipBytes(ip: { v6: boolean; ihl: number; totalDelta: number; proto: number; frag: number; ext: readonly (readonly [number, number])[] }, payload: Uint8Array): Uint8Array {
  if (!ip.v6) {
    const ihlWords = ip.ihl >= 0 ? ip.ihl : 5;
    const hdr = Math.max(20, ihlWords * 4);
    const h = new Uint8Array(hdr + payload.length);
    const v = new DataView(h.buffer);
    h[0] = 0x40 | (ihlWords & 0xf);
    const total = ip.totalDelta === -100000 ? 0 : Math.max(0, Math.min(65535, hdr + payload.length + ip.totalDelta));
    v.setUint16(2, total); v.setUint16(6, ip.frag & 0xffff); h[8] = 64; h[9] = ip.proto;
    v.setUint32(12, 0x0a000001); v.setUint32(16, 0x0a000002);
    h.set(payload, hdr);
    return h;
  }
  // Extension headers, then the payload.
  const exts: number[] = [];
  const chain = [...ip.ext];
  let first = chain.length ? chain[0][0] : ip.proto;
  for (let i = 0; i < chain.length; i++) {
    const [type, units] = chain[i];
    const next = i + 1 < chain.length ? chain[i + 1][0] : ip.proto;
    const len = type === 51 ? (units + 2) * 4 : type === 44 ? 8 : (units + 1) * 8;
    const e = new Array<number>(len).fill(0);
    e[0] = next; e[1] = type === 44 ? 0 : units;
    if (type === 0 && len >= 8) { e[2] = 0xc2; e[3] = 4; e[4] = 0; e[5] = 0; e[6] = 0x01; e[7] = 0x00; }
    if (type === 44) { e[2] = (ip.frag >> 8) & 0xff; e[3] = ip.frag & 0xff; }
    exts.push(...e);
  }
  if (chain.length === 0) first = ip.proto;
  const h = new Uint8Array(40 + exts.length + payload.length);
  const v = new DataView(h.buffer);
  h[0] = 0x60;
  const plen = ip.totalDelta === -100000 ? 0 : Math.max(0, Math.min(65535, exts.length + payload.length + ip.totalDelta));
  v.setUint16(4, plen); h[6] = first; h[7] = 64;
  h[23] = 1; h[39] = 2;
  h.set(exts, 40);
  h.set(payload, 40 + exts.length);
  return h;
}

const LINKS = [1, 113, 276, 101, 12, 14, 228, 229, 0, 108, 104, 239, 9, 50, 105, 127, 192, 242] as const;

/** How an outer IP packet carries the next one in (decode/encapsulation.ts): by its protocol alone, or a tunnel header. */
const WRAPS = ['proto', 'gre', 'vxlan', 'gpe', 'geneve', 'gtpu', 'teredo', 'l2tp', 'etherip', 'pptp', 'erspan', 'mpls-gre'] as const;
const wrapArb = fc.record({
  kind: fc.constantFrom(...WRAPS),
  /** Flags / options / id bytes of the tunnel header, often plausible. */
  flags: fc.oneof(fc.constant(0), fc.nat({ max: 0xffff })),
  id: fc.nat({ max: 0xffffffff }),
  /** Extra header words (GENEVE options, GTP-U extension, ...). */
  words: fc.nat({ max: 3 }),
});

const frameArb = fc.record({
  link: fc.oneof(fc.constantFrom(...LINKS), fc.nat({ max: 300 })),
  vlans: fc.array(fc.constantFrom(0x8100, 0x88a8, 0x9100), { maxLength: 3 }),
  outer: fc.array(ipArb, { minLength: 1, maxLength: 3 }),
  wraps: fc.array(wrapArb, { minLength: 2, maxLength: 2 }),
  /** Between the link layer and the outer IP: nothing, an MPLS stack, a PPPoE session. */
  l2: fc.constantFrom('none', 'none', 'mpls', 'pppoe'),
  tcp: tcpArb,
  capCut: fc.oneof(fc.constant(-1), fc.constant(-1), fc.nat({ max: 140 })),
  origDelta: fc.oneof(fc.constant(0), fc.integer({ min: -100, max: 100000 })),
  pktType: fc.constantFrom(0, 4, 1),
  junk: fc.uint8Array({ maxLength: 8 }),
});

/** One frame's bytes and its record fields. */
export function buildFrame(f: typeof frameArb extends fc.Arbitrary<infer T> ? T : never): { link: number; data: Uint8Array; origLen: number } {
  let net = tcpBytes(f.tcp);
  // Innermost IP first; outer ones wrap it (IP-in-IP by protocol, or a tunnel header).
  for (let i = 0; i < f.outer.length; i++) {
    const ip = f.outer[i];
    if (i === 0) {
      net = ipBytes(ip, net);
      continue;
    }
    const w = f.wraps[(i - 1) % f.wraps.length];
    const { proto, payload } = wrap(w, f.outer[i - 1].v6, net, ip.proto);
    net = ipBytes({ ...ip, proto }, payload);
  }
  const inner = f.outer[f.outer.length - 1];
  let etherType = inner.v6 ? 0x86dd : 0x0800;
  if (f.l2 === 'mpls') {
    net = concatBytes(new Uint8Array([0, 0x10, 0, 64, 0, 0x11, 0x01, 64]), net);
    etherType = 0x8847;
  } else if (f.l2 === 'pppoe') {
    net = concatBytes(new Uint8Array([0x11, 0, 0, 7, (net.length + 2) >> 8, (net.length + 2) & 0xff, 0, inner.v6 ? 0x57 : 0x21]), net);
    etherType = 0x8864;
  }
  const tags: number[] = [];
  const types = [...f.vlans, etherType];
  for (let i = 0; i < f.vlans.length; i++) tags.push(0, 1, types[i + 1] >> 8, types[i + 1] & 0xff);
  const llc = [0xaa, 0xaa, 0x03, 0, 0, 0, etherType >> 8, etherType & 0xff];
  const wlan = [0x88, 0x01, 0x2c, 0, ...new Array(18).fill(2), 0x10, 0, 0, 0, ...llc];
  let head: number[];
  switch (f.link) {
    case 1: head = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, types[0] >> 8, types[0] & 0xff, ...tags]; break;
    case 113: head = [0, f.pktType, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, types[0] >> 8, types[0] & 0xff, ...tags]; break;
    case 276: head = [types[0] >> 8, types[0] & 0xff, 0, 0, 0, 0, 0, 1, 0, 1, f.pktType, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...tags]; break;
    case 0: head = inner.v6 ? [30, 0, 0, 0] : [2, 0, 0, 0]; break;
    case 108: head = inner.v6 ? [0, 0, 0, 24] : [0, 0, 0, 2]; break;
    case 104: head = [0x0f, 0, etherType >> 8, etherType & 0xff]; break;
    case 239: {
      const tlvLen = 4 + net.length;
      head = [inner.v6 ? 10 : 2, 0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 0, tlvLen & 0xff, tlvLen >> 8, 9, 0];
      break;
    }
    case 9: case 50: head = [0xff, 0x03, 0, inner.v6 ? 0x57 : 0x21]; break;
    case 105: head = wlan; break;
    case 127: head = [0, 0, 9, 0, 2, 0, 0, 0, f.pktType === 1 ? 0x30 : 0x10, ...wlan]; break;
    case 192: head = [0, 0, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, types[0] >> 8, types[0] & 0xff, ...tags]; break;
    case 242: head = [...new Array(40).fill(0), etherType >> 8, etherType & 0xff, 0, 0]; break;
    default: head = [];
  }
  let data = concatBytes(new Uint8Array(head), net, f.junk);
  const origLen = Math.max(0, data.length + f.origDelta);
  if (f.capCut >= 0 && f.capCut < data.length) data = data.slice(0, f.capCut);
  return { link: f.link, data, origLen };
}

/** The payload of an outer IP packet carrying `inner` (an IPv6 packet when `v6`), and the outer protocol. */
function wrap(
  w: { kind: (typeof WRAPS)[number]; flags: number; id: number; words: number }, v6: boolean, inner: Uint8Array, proto: number,
): { proto: number; payload: Uint8Array } {
  const et = v6 ? [0x86, 0xdd] : [0x08, 0x00];
  const id = [w.id >>> 24, (w.id >>> 16) & 0xff, (w.id >>> 8) & 0xff, w.id & 0xff];
  const eth = (): Uint8Array => concatBytes(new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...et]), inner);
  const extra = new Array<number>(4 * w.words).fill(w.flags & 0xff);
  const udp = (port: number, body: Uint8Array): { proto: number; payload: Uint8Array } => {
    const len = 8 + body.length;
    return { proto: 17, payload: concatBytes(new Uint8Array([0xc3, 0x50, port >> 8, port & 0xff, len >> 8, len & 0xff, 0, 0]), body) };
  };
  const b = (...parts: (number[] | Uint8Array)[]): Uint8Array => concatBytes(...parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p))));
  switch (w.kind) {
    case 'proto':
      // The outer protocol as generated: IP-in-IP when it says 4 or 41, GRE around it when 47.
      return { proto, payload: proto === 47 ? b([0, 0, ...et], inner) : inner };
    case 'gre': {
      const flags = w.flags & 0xf0ff;
      const opt = ((flags & 0x8000) || (flags & 0x4000) ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
      return { proto: 47, payload: b([flags >> 8, flags & 0xff, ...et], new Array<number>(opt).fill(0), (flags & 0x4000) ? [0, 0, 0, 0] : [], inner) };
    }
    case 'mpls-gre': return { proto: 47, payload: b([0, 0, 0x88, 0x47, 0, 0x10, 0x01, 64], inner) };
    case 'erspan': return { proto: 47, payload: b([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, ...id.slice(2), 0, 0, 0, 0], eth()) };
    case 'pptp': {
      const ppp = b([0xff, 0x03, 0, v6 ? 0x57 : 0x21], inner);
      return { proto: 47, payload: b([0x30, 0x01, 0x88, 0x0b, ppp.length >> 8, ppp.length & 0xff, ...id.slice(2), 0, 0, 0, 1], ppp) };
    }
    case 'etherip': return { proto: 97, payload: b([0x30, 0], eth()) };
    case 'vxlan': return udp(4789, b([0x08, 0, 0, 0, ...id.slice(1), 0], eth()));
    case 'gpe': return udp(4790, b([0x0c, 0, 0, v6 ? 2 : 1, ...id.slice(1), 0], inner));
    case 'geneve': return udp(6081, b([w.words, 0, ...et, ...id.slice(1), 0], extra, inner));
    case 'gtpu': {
      const ext = w.words > 0 ? [0, 1, 0, 0x85, w.words, ...new Array<number>(4 * w.words - 2).fill(0), 0] : [];
      const body = b(ext, inner);
      return udp(2152, b([w.words > 0 ? 0x34 : 0x30, 0xff, body.length >> 8, body.length & 0xff, ...id], body));
    }
    case 'teredo': return udp(3544, w.flags & 1 ? b([0, 0, 1, 2, 3, 4, 5, 6], inner) : inner);
    case 'l2tp': return udp(1701, b([0x08, 0x02, 0, 7, 0, 9, 0, 1, 0, 2, 0xff, 0x03, 0, v6 ? 0x57 : 0x21], inner));
  }
}

/** A classic pcap (little-endian, µs) holding frames of one link type. */
export function pcapOf(link: number, frames: { data: Uint8Array; origLen: number }[]): Uint8Array {
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.data.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true); v.setUint16(4, 2, true); v.setUint16(6, 4, true);
  v.setUint32(16, 262144, true); v.setUint32(20, link, true);
  let at = 24;
  frames.forEach((f, i) => {
    v.setUint32(at, 1700000000 + i, true); v.setUint32(at + 4, i, true);
    v.setUint32(at + 8, f.data.length, true); v.setUint32(at + 12, f.origLen, true);
    out.set(f.data, at + 16);
    at += 16 + f.data.length;
  });
  return out;
}

// ----------------------------------------------------------- properties ----

export interface FrontProperty {
  name: string;
  /** Builds the fast-check property; `onInput` sees each generated capture before it is checked (the runner saves failing ones). */
  property(onInput: (input: Uint8Array, meta: Record<string, unknown>) => void): fc.IProperty<never[]> | fc.IProperty<unknown[]>;
  /** Runs for the default `npm test` budget. */
  testRuns: number;
}

/** Mutations of the real fixtures: bit flips, field overwrites, cuts, inserts, splices, in random chunkings. */
export const mutatedFixtures: FrontProperty = {
  name: 'mutated-fixture',
  testRuns: 150,
  property(onInput) {
    const fx = fixtures();
    return fc.property(
      fc.nat({ max: Math.max(0, fx.length - 1) }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), cutsArb,
      (k, muts, cutFracs) => {
        const original = fx[k].bytes;
        const { bytes, firstDamaged } = mutate(original, muts);
        const cuts = cutsFor(cutFracs, bytes.length);
        onInput(bytes, { fixture: fx[k].name, firstDamaged, cuts });
        const whole = runFront(bytes);
        checkFront(bytes, whole);
        checkChunking(whole, runFront(bytes, cuts), cuts);
        checkPrefix(original, runFront(original), whole, firstDamaged);
      },
    ) as fc.IProperty<unknown[]>;
  },
};

/** Two fixtures spliced: a prefix of one and a suffix of another (or of itself). */
export const splicedFixtures: FrontProperty = {
  name: 'spliced-fixtures',
  testRuns: 60,
  property(onInput) {
    const fx = fixtures();
    const idx = fc.nat({ max: Math.max(0, fx.length - 1) });
    return fc.property(idx, idx, pos, pos, cutsArb, (a, b, pa, pb, cutFracs) => {
      const A = fx[a].bytes;
      const B = fx[b].bytes;
      const at = Math.floor(pa * A.length);
      const bytes = concatBytes(A.subarray(0, at), B.subarray(Math.floor(pb * B.length)));
      const cuts = cutsFor(cutFracs, bytes.length);
      onInput(bytes, { fixtures: [fx[a].name, fx[b].name], firstDamaged: at, cuts });
      const whole = runFront(bytes);
      checkFront(bytes, whole);
      checkChunking(whole, runFront(bytes, cuts), cuts);
      checkPrefix(A, runFront(A), whole, at);
    }) as fc.IProperty<unknown[]>;
  },
};

/** Generated frames of every supported link type (and unknown ones), well-formed or not, then mutated. */
export const generatedFrames: FrontProperty = {
  name: 'generated-frames',
  testRuns: 150,
  property(onInput) {
    return fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 6 }), fc.array(mutationArb, { maxLength: 3 }), cutsArb,
      (frames, muts, cutFracs) => {
        const built = frames.map(buildFrame);
        const original = pcapOf(built[0].link, built);
        const { bytes, firstDamaged } = muts.length ? mutate(original, muts) : { bytes: original, firstDamaged: original.length };
        const cuts = cutsFor(cutFracs, bytes.length);
        onInput(bytes, { firstDamaged, cuts });
        const whole = runFront(bytes);
        checkFront(bytes, whole);
        checkChunking(whole, runFront(bytes, cuts), cuts);
        if (muts.length) checkPrefix(original, runFront(original), whole, firstDamaged);
      },
    ) as fc.IProperty<unknown[]>;
  },
};

/** Any bytes behind a valid pcap header or pcapng SHB + IDB (the readers' own loops on noise). */
export const noiseAfterHeader: FrontProperty = {
  name: 'noise-after-header',
  testRuns: 150,
  property(onInput) {
    const heads = [pcapOf(1, []), fixtures().find((f) => f.name.endsWith('.pcapng'))?.bytes.subarray(0, 48) ?? pcapOf(1, [])];
    return fc.property(fc.nat({ max: heads.length - 1 }), fc.uint8Array({ maxLength: 600 }), cutsArb, (h, noise, cutFracs) => {
      const bytes = concatBytes(heads[h], noise);
      const cuts = cutsFor(cutFracs, bytes.length);
      onInput(bytes, { cuts });
      const whole = runFront(bytes);
      checkFront(bytes, whole);
      checkChunking(whole, runFront(bytes, cuts), cuts);
    }) as fc.IProperty<unknown[]>;
  },
};

export const FRONT_PROPERTIES: FrontProperty[] = [mutatedFixtures, splicedFixtures, generatedFrames, noiseAfterHeader];

/**
 * Truncation at every offset of a file: each cut reads exactly the frames
 * that lie wholly before it, plus a warning for the rest. Deterministic.
 */
export function checkEveryCut(original: Uint8Array, onInput?: (input: Uint8Array, meta: Record<string, unknown>) => void): number {
  const ro = runFront(original);
  checkFront(original, ro);
  for (let at = 0; at <= original.length; at++) {
    const bytes = original.subarray(0, at);
    onInput?.(bytes, { firstDamaged: at });
    const r = runFront(bytes);
    checkFront(bytes, r);
    checkPrefix(original, ro, r, at);
  }
  return original.length + 1;
}
