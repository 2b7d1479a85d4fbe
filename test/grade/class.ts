/**
 * A fake class built from the kernel fixtures (fixtures/captures): correct
 * traces, a RST-only trace, a trace without its handshake, a truncated file,
 * a text file renamed .pcap, a pcapng, gzips, two students with the same
 * file, one with the same connection re-compressed, an empty file. Captures
 * are found through their <stem>.expected.json by scenario and format.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { capturesDir } from '../helpers/paths.ts';

interface Expected {
  capture: string;
  scenario: string;
  format: string;
}

const all: Expected[] = readdirSync(capturesDir)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => JSON.parse(readFileSync(join(capturesDir, f), 'utf8')) as Expected);

/** Path of the capture of `scenario` in `format` (pcap, pcapng). */
export function fixture(scenario: string, format = 'pcap'): string {
  const e = all.find((x) => x.scenario === scenario && x.format === format);
  if (!e) throw new Error(`no fixture for ${scenario} (${format})`);
  return join(capturesDir, e.capture);
}

export interface TsvFrame {
  frame: number;
  src: string;
  sport: number;
  seq: number;
  ack: number;
  flags: number;
}

/** The tshark view of a fixture (<capture>.frames.tsv without the .pcap: see fixtures/README). */
export function frames(scenario: string, format = 'pcap'): TsvFrame[] {
  const cap = fixture(scenario, format);
  const tsv = cap.replace(/\.pcap$/, '') + '.frames.tsv';
  const lines = readFileSync(tsv, 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const c = l.split('\t');
    return { frame: Number(c[0]), src: c[4], sport: Number(c[6]), seq: Number(c[8]), ack: Number(c[9]), flags: parseInt(c[10], 16) };
  });
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const ACK = 0x10;

/** A classic little-endian pcap without its first `drop` records (a capture started mid-connection). */
export function dropRecords(pcap: Buffer, drop: number): Buffer {
  if (pcap.readUInt32LE(0) !== 0xa1b2c3d4 && pcap.readUInt32LE(0) !== 0xa1b23c4d) throw new Error('expected a little-endian pcap');
  let off = 24;
  for (let i = 0; i < drop; i++) off += 16 + pcap.readUInt32LE(off + 8);
  return Buffer.concat([pcap.subarray(0, 24), pcap.subarray(off)]);
}

/** Student id -> how their file is made. */
export function buildClass(): { dir: string; classDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-grade-'));
  const classDir = join(dir, 'class');
  mkdirSync(classDir);
  const put = (name: string, data: Buffer | string): void => writeFileSync(join(classDir, name), data);
  const cp = (name: string, scenario: string, format = 'pcap'): void => copyFileSync(fixture(scenario, format), join(classDir, name));
  const four = readFileSync(fixture('four-way-close'));
  cp('s01.pcap', 'four-way-close');
  cp('s02.pcapng', 'client-close', 'pcapng');
  cp('s03.pcap', 'server-close');
  cp('s04.pcap', 'rst-abort');
  put('s05.pcap', dropRecords(four, 3));
  put('s06.pcap', four.subarray(0, four.length - 30));
  put('s07.pcap', 'Wireshark capture of my lab\nSYN SYN+ACK ACK FIN ACK FIN ACK\n');
  put('s08.pcap.gz', gzipSync(readFileSync(fixture('three-way-close'))));
  cp('s09.pcap', 'half-close');
  cp('s10.pcap', 'half-close');
  put('s11.pcap', '');
  cp('s12.pcap', 'lost-fin');
  put('s13.cap', readFileSync(fixture('client-close')));
  put('s14.pcap.gz', gzipSync(four));
  put('notes.txt', 'not a submission');
  return { dir, classDir };
}
