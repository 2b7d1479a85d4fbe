/**
 * `tcpscope extract`: the frames of the chosen connections, in a new pcap
 * or pcapng that keeps the link type, the timestamps and their precision.
 * Each output is read back with tcpscope's readers (every frame's time,
 * lengths, link type and bytes equal the input's), and with the real
 * readers tshark and tcpdump, which must open it and, for tshark, show the
 * same frames at the same times as `tshark -r input -Y "tcp.stream eq N"`.
 * Without tshark or tcpdump those checks are skipped with a message,
 * except in CI, which installs both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Frame } from '../../src/capture/frame.ts';
import { readFrames } from '../../src/capture/source.ts';
import type { ConnectionReport } from '../../src/report/types.ts';
import { concat, epb, idb, pcapFile, shb } from '../helpers/build.ts';
import { capture, tcpscope } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';
import { ethernet, ipv4, tcp } from '../decode/build.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-extract-'));
const inCI = !!process.env.CI;
const TSHARK = ['/usr/bin/tshark'].find(existsSync) ?? null;
const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find(existsSync) ?? null;
const need = (tool: string | null, name: string): void => {
  assert.ok(tool !== null || !inCI, `CI is set but ${name} is missing: CI must install it`);
};

interface Copy {
  number: number;
  tsSec: number;
  tsNsec: number;
  tsDigits: number;
  capLen: number;
  origLen: number;
  linkType: number;
  bytes: string;
}

async function frames(path: string): Promise<{ format: string; frames: Copy[] }> {
  const out: Copy[] = [];
  const s = await readFrames(path, (f: Frame) => out.push({
    number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, tsDigits: f.tsDigits, capLen: f.capLen, origLen: f.origLen, linkType: f.linkType,
    bytes: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex'),
  }));
  assert.deepEqual(s.warnings, []);
  return { format: s.format, frames: out };
}

/** The frames as they should come out: the input's, without their numbers. */
const same = (xs: Copy[]): Omit<Copy, 'number'>[] => xs.map(({ number: _, ...rest }) => rest);

async function reports(path: string): Promise<ConnectionReport[]> {
  const r = await tcpscope(['analyze', '--format', 'ndjson', path]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ConnectionReport);
}

async function extract(args: string[], input: string): Promise<string> {
  const r = await tcpscope(['extract', ...args, input]);
  assert.equal(r.code, 0, r.stderr);
  return r.stderr;
}

/** tshark's reading of a file: time (epoch, ns), lengths, ports, flags. */
function tshark(path: string, filter?: string): string[] {
  const r = spawnSync(TSHARK as string, ['-n', '-r', path, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len',
    '-e', 'frame.interface_id', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').filter(Boolean);
}

function tcpdumpCount(path: string): number {
  const r = spawnSync(TCPDUMP as string, ['-nr', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').filter(Boolean).length;
}

describe('tcpscope extract', () => {
  it('writes one stream of a microsecond pcap as a pcap with its header and its frames as they were', async () => {
    const input = capture('timewait-reuse.pcap');
    const [, second] = await reports(input);
    const out = join(tmp, 'stream1.pcap');
    const said = await extract(['--stream', '1', '-o', out], input);
    assert.match(said, /^10 frames of stream 1 written as pcap to /);
    const orig = (await frames(join(repoRoot, input))).frames;
    const got = await frames(out);
    assert.equal(got.format, 'pcap');
    assert.deepEqual(same(got.frames), same(orig.filter((f) => f.number >= second.firstFrame && f.number <= second.lastFrame)));
    assert.equal(got.frames.length, second.packets);
    // The file header is the input's: magic, version, snaplen, link type.
    assert.deepEqual(readFileSync(out).subarray(0, 24), readFileSync(join(repoRoot, input)).subarray(0, 24));
  });

  it('keeps nanoseconds and the link type (Linux cooked v2)', async () => {
    for (const name of ['client-close-ns.pcap', 'client-close-sll2.pcap']) {
      const input = capture(name);
      const out = join(tmp, `x-${name}`);
      await extract(['--stream', '0', '-o', out], input);
      const orig = (await frames(join(repoRoot, input))).frames;
      const got = (await frames(out)).frames;
      assert.deepEqual(same(got), same(orig), name);
    }
    const ns = (await frames(join(tmp, 'x-client-close-ns.pcap'))).frames;
    assert.ok(ns.every((f) => f.tsDigits === 9) && ns.some((f) => f.tsNsec % 1000 !== 0), 'nanoseconds kept');
    assert.equal((await frames(join(tmp, 'x-client-close-sll2.pcap'))).frames[0].linkType, 276);
  });

  it('writes pcapng as pcapng, its interface description copied (if_tsresol kept), or as another format when asked', async () => {
    const input = capture('client-close.pcapng');
    const orig = (await frames(join(repoRoot, input))).frames;
    const ng = join(tmp, 'same.pcapng');
    await extract(['--filter', 'closed-by client', '-o', ng], input);
    const got = await frames(ng);
    assert.equal(got.format, 'pcapng');
    assert.deepEqual(same(got.frames), same(orig));
    // To pcap and back to pcapng: the times at the input's precision.
    const asPcap = join(tmp, 'as.pcap');
    await extract(['--stream', '0', '-f', 'pcap', '-o', asPcap], input);
    assert.equal((await frames(asPcap)).format, 'pcap');
    assert.deepEqual(same((await frames(asPcap)).frames), same(orig));
    const back = join(tmp, 'back.out');
    await extract(['--stream', '0', '-f', 'pcapng', '-o', back], asPcap);
    assert.equal((await frames(back)).format, 'pcapng');
    assert.deepEqual(same((await frames(back)).frames), same(orig));
    const nsNg = join(tmp, 'ns.pcapng');
    await extract(['--stream', '0', '-o', nsNg], capture('client-close-ns.pcap'));
    assert.deepEqual(same((await frames(nsNg)).frames), same((await frames(join(repoRoot, capture('client-close-ns.pcap')))).frames));
  });

  it('a pcapng of two sections in both byte orders and three interfaces: sections, interfaces and raw timestamps kept', async () => {
    // Connection A (ports 40000-80) on interface 0 (ns) and, in the second,
    // big-endian section, on its interface 0 (µs, if_tsoffset 100 s);
    // connection B (40001-80) on interface 1 (2^-20 s units) between them.
    const a = (flags: number, seq: number, ack: number, fromClient: boolean): Uint8Array => ethernet(0x0800, ipv4({ src: fromClient ? [10, 0, 0, 1] : [10, 0, 0, 2], dst: fromClient ? [10, 0, 0, 2] : [10, 0, 0, 1] },
      tcp({ sport: fromClient ? 40000 : 80, dport: fromClient ? 80 : 40000, flags, seq, ack })));
    const b = (flags: number, seq: number, ack: number, fromClient: boolean): Uint8Array => ethernet(0x0800, ipv4({ src: fromClient ? [10, 0, 0, 3] : [10, 0, 0, 2], dst: fromClient ? [10, 0, 0, 2] : [10, 0, 0, 3] },
      tcp({ sport: fromClient ? 40001 : 80, dport: fromClient ? 80 : 40001, flags, seq, ack })));
    const t0 = 1_700_000_000n;
    const file = concat(
      shb(true), idb(1, { tsresol: 9, snaplen: 65535 }), idb(1, { tsresol: 0x94 }),
      epb(0, t0 * 1_000_000_000n + 123_456_789n, a(0x02, 100, 0, true)),
      epb(1, t0 * 2n ** 20n + 5n, b(0x02, 500, 0, true)),
      epb(0, t0 * 1_000_000_000n + 123_556_789n, a(0x12, 900, 101, false)),
      epb(1, t0 * 2n ** 20n + 9n, b(0x12, 700, 501, false)),
      epb(0, t0 * 1_000_000_000n + 123_656_001n, a(0x10, 101, 901, true)),
      shb(false), idb(1, { le: false, tsresol: 6, tsoffset: 100n }),
      epb(0, (t0 - 100n) * 1_000_000n + 200_000n, a(0x11, 101, 901, true), { le: false }),
      epb(0, (t0 - 100n) * 1_000_000n + 200_100n, a(0x11, 901, 102, false), { le: false }),
      epb(0, (t0 - 100n) * 1_000_000n + 200_200n, a(0x10, 102, 902, true), { le: false }),
    );
    const input = join(tmp, 'sections.pcapng');
    writeFileSync(input, file);
    const conns = await reports(input);
    const streamA = conns.find((c) => c.client.port === 40000)!.stream;
    const out = join(tmp, 'sections-a.pcapng');
    await extract(['--stream', String(streamA), '-o', out], input);
    const orig = (await frames(input)).frames;
    const got = (await frames(out)).frames;
    assert.deepEqual(same(got), same(orig.filter((f) => [1, 3, 5, 6, 7, 8].includes(f.number))));
    // Two sections, the second big-endian; every interface description byte for byte.
    const bytes = readFileSync(out);
    assert.equal(bytes.indexOf(Buffer.from(idb(1, { tsresol: 0x94 }))) > 0, true, 'the unused interface of the first section is kept (interface numbers unchanged)');
    assert.ok(bytes.indexOf(Buffer.from(idb(1, { le: false, tsresol: 6, tsoffset: 100n }))) > 0);
    assert.ok(bytes.indexOf(Buffer.from(epb(0, (t0 - 100n) * 1_000_000n + 200_100n, a(0x11, 901, 102, false), { le: false }))) > 0, 'the big-endian packet block as it was');
    if (TSHARK !== null) {
      assert.deepEqual(tshark(out), tshark(input, `tcp.stream eq ${streamA}`));
    } else need(TSHARK, 'tshark');
  });

  it('several connections by --filter; none matched is a valid empty capture', async () => {
    const input = capture('timewait-reuse.pcap');
    const out = join(tmp, 'both.pcap');
    assert.match(await extract(['--filter', 'port 5000', '-o', out], input), /^20 frames of 2 connections written as pcap/);
    const none = join(tmp, 'none.pcapng');
    assert.match(await extract(['--filter', 'verdict full', '-o', none], input), /^0 frames of 0 connections written as pcapng/);
    assert.deepEqual((await frames(none)).frames, []);
    if (TSHARK !== null) assert.deepEqual(tshark(none), []);
  });

  it('writes the ICMP errors of a stream with its segments, the frames tshark\'s tcp.stream eq N shows (also after the last segment)', async () => {
    // tshark 4.0's tcp.stream of every frame (the fixtures' frames.tsv, `stream` column): the
    // ICMP / ICMPv6 errors are in the stream of the segment they quote.
    const want: Record<string, Record<number, number[]>> = {
      'icmp-reject.pcap': { 0: [1, 2], 1: [3, 4, 5, 6] },
      'icmp-reject-synack.pcap': { 0: [1, 2, 3, 4, 5, 6, 7, 8], 1: [9, 10, 11, 12, 13, 14], 2: [15, 16, 17, 18, 19, 20] },
    };
    for (const [name, streams] of Object.entries(want)) {
      const input = capture(name);
      const tsv = readFileSync(join(repoRoot, input.replace(/\.pcap$/, '.frames.tsv')), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split('\t'));
      const orig = (await frames(join(repoRoot, input))).frames;
      for (const [stream, numbers] of Object.entries(streams)) {
        assert.deepEqual(tsv.filter((r) => r[12] === stream).map((r) => Number(r[0])), numbers, `${name}: frames.tsv, stream ${stream}`);
        const out = join(tmp, `icmp-${name}-${stream}.pcap`);
        assert.match(await extract(['--stream', stream, '-o', out], input), new RegExp(`^${numbers.length} frames of stream ${stream} written`));
        assert.deepEqual(same((await frames(out)).frames), same(orig.filter((f) => numbers.includes(f.number))), `${name} stream ${stream}`);
      }
    }
    // --filter chooses connections; each is written as --stream writes it, its ICMP errors included.
    const out = join(tmp, 'rejected.pcap');
    assert.match(await extract(['--filter', 'handshake rejected-icmp', '-o', out], capture('icmp-reject-synack.pcap')), /^12 frames of 2 connections written/);
    const orig = (await frames(join(repoRoot, capture('icmp-reject-synack.pcap')))).frames;
    assert.deepEqual(same((await frames(out)).frames), same(orig.filter((f) => f.number >= 9)));
  });

  it('an ICMP error after a new SYN on the 4-tuple is the new connection\'s', async () => {
    // SYN (ISN 100), port unreachable quoting it, SYN with a new ISN, port unreachable quoting
    // that: tshark puts frames 1-2 in stream 0 and 3-4 in stream 1 ("port numbers reused").
    const syn = (seq: number): Uint8Array => ipv4({}, tcp({ sport: 40000, dport: 80, seq, ack: 0, flags: 0x002, window: 64240 }));
    const icmp = (quoted: Uint8Array): Uint8Array => ethernet(0x0800, ipv4({ src: [10, 0, 0, 2], dst: [10, 0, 0, 1], proto: 1 }, concat(new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0]), quoted)));
    const input = join(tmp, 'icmp-two.pcap');
    writeFileSync(input, pcapFile([ethernet(0x0800, syn(100)), icmp(syn(100)), ethernet(0x0800, syn(900_000)), icmp(syn(900_000))]
      .map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data }))));
    const orig = (await frames(input)).frames;
    for (const [stream, numbers] of [['0', [1, 2]], ['1', [3, 4]]] as const) {
      const out = join(tmp, `icmp-two-${stream}.pcap`);
      await extract(['--stream', stream, '-o', out], input);
      assert.deepEqual(same((await frames(out)).frames), same(orig.filter((f) => (numbers as readonly number[]).includes(f.number))), `stream ${stream}`);
      if (TSHARK !== null) assert.deepEqual(tshark(out), tshark(input, `tcp.stream eq ${stream}`));
    }
  });

  it('a stream an ICMP error began (no connection held its 4-tuple): the frames of tshark\'s tcp.stream', async () => {
    // fixtures/cut: tshark's stream of each frame stored beside each capture.
    for (const name of ['icmp-only', 'icmp-first']) {
      const input = join(repoRoot, 'fixtures/cut', `${name}.pcap`);
      const want = new Map<string, number[]>();
      for (const [frame, stream] of readFileSync(join(repoRoot, 'fixtures/cut', `${name}.streams.tsv`), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'))) {
        want.set(stream, [...(want.get(stream) ?? []), Number(frame)]);
      }
      const orig = (await frames(input)).frames;
      for (const [stream, numbers] of want) {
        const out = join(tmp, `cut-${name}-${stream}.pcap`);
        assert.match(await extract(['--stream', stream, '-o', out], input), new RegExp(`^${numbers.length} frames? of stream ${stream} written`));
        assert.deepEqual(same((await frames(out)).frames), same(orig.filter((f) => numbers.includes(f.number))), `${name} stream ${stream}`);
      }
    }
  });

  it('reads standard input and writes standard output', async () => {
    const input = readFileSync(join(repoRoot, capture('lost-fin.pcap')));
    const r = await tcpscope(['extract', '--stream', '0', '-f', 'pcapng', '-o', '-', '-'], { input });
    assert.equal(r.code, 0, r.stderr);
    const path = join(tmp, 'piped.pcapng');
    writeFileSync(path, r.stdoutBytes);
    assert.deepEqual(same((await frames(path)).frames), same((await frames(join(repoRoot, capture('lost-fin.pcap')))).frames));
  });

  it('replaces a link at the output name, never writes through it', async () => {
    const victim = join(tmp, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const out = join(tmp, 'linked.pcap');
    symlinkSync(victim, out);
    await extract(['--stream', '0', '-o', out], capture('client-close.pcap'));
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(lstatSync(out).isFile());
  });

  it('says what is wrong: no choice, a stream the capture lacks, a compressed output name', async () => {
    const input = capture('client-close.pcap');
    for (const [args, message] of [
      [['-o', join(tmp, 'a.pcap')], /choose the connections with --stream N or --filter EXPR/],
      [['--stream', '4', '-o', join(tmp, 'a.pcap')], /no stream 4 in fixtures\/captures\/client-close\.pcap \(streams 0-0\)/],
      [['--stream', '0', '-o', join(tmp, 'a.pcap.gz')], /extract writes uncompressed captures/],
      [['--filter', 'closed-by nobody', '-o', join(tmp, 'a.pcap')], /--filter: 'closed-by nobody'/],
    ] as const) {
      const r = await tcpscope(['extract', ...args, input]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!existsSync(join(tmp, 'a.pcap')));
    }
  });
});

describe('tcpscope extract read by tshark and tcpdump', { skip: (TSHARK === null || TCPDUMP === null) && !inCI ? 'tshark or tcpdump not installed; skipped' : false }, () => {
  it('both open every output; tshark shows the frames it shows for tcp.stream eq N of the input, at the same times', async () => {
    need(TSHARK, 'tshark');
    need(TCPDUMP, 'tcpdump');
    const cases: [string, string, string[]][] = [
      ['timewait-reuse.pcap', '1', []], ['client-close-ns.pcap', '0', []], ['client-close-sll2.pcap', '0', []],
      ['client-close.pcapng', '0', []], ['client-close.pcapng', '0', ['-f', 'pcap']], ['lost-fin.pcap', '0', ['-f', 'pcapng']],
      ['icmp-reject.pcap', '1', []], ['icmp-reject-synack.pcap', '1', ['-f', 'pcapng']],
    ];
    for (const [name, stream, more] of cases) {
      const input = join(repoRoot, capture(name));
      const out = join(tmp, `real-${name}-${more.join('')}.out`);
      await extract(['--stream', stream, ...more, '-o', out], input);
      // Across formats the interface number goes (pcap has none) or comes (0).
      const noInterface = (lines: string[]): string[] => (more.length === 0 ? lines : lines.map((l) => l.split('\t').filter((_, i) => i !== 3).join('\t')));
      const want = noInterface(tshark(input, `tcp.stream eq ${stream}`));
      const got = noInterface(tshark(out));
      assert.deepEqual(got, want, `${name} ${more.join(' ')}`);
      assert.equal(tcpdumpCount(out), want.length, `tcpdump reads ${name} ${more.join(' ')}`);
    }
  });
});
