/**
 * Cut a classic pcap at record boundaries: each part is a capture of its
 * own (the same 24-byte global header, then its records as they were), as
 * `editcap -c` or a tcpdump -C rotation leaves them. Cut points are frame
 * numbers (0-based): [3, 7] gives frames 0-2, 3-6 and 7-end.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The records of a classic pcap: [start, end) byte offsets of each, after the global header. */
export function pcapRecords(bytes: Uint8Array): { header: Uint8Array; records: [number, number][] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = true;
  else throw new Error('not a classic pcap (pcapng is not cut here)');
  const records: [number, number][] = [];
  let at = 24;
  while (at + 16 <= bytes.length) {
    const caplen = dv.getUint32(at + 8, little);
    const end = at + 16 + caplen;
    if (end > bytes.length) throw new Error(`record at byte ${at} runs past the end`);
    records.push([at, end]);
    at = end;
  }
  return { header: bytes.subarray(0, 24), records };
}

/** Write the parts of `file` cut before the frames `cuts` into `dir` as NAME-partK.pcap; their paths in order. */
export function cutPcap(file: string, cuts: number[], dir: string, name = 'part'): string[] {
  const bytes = readFileSync(file);
  const { header, records } = pcapRecords(bytes);
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < records.length), records.length];
  const paths: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [from, to] = [bounds[k], bounds[k + 1]];
    const body = from === to ? new Uint8Array(0) : bytes.subarray(records[from][0], records[to - 1][1]);
    const p = join(dir, `${name}-${k}.pcap`);
    writeFileSync(p, Buffer.concat([header, body]));
    paths.push(p);
  }
  return paths;
}

/** The number of frames in a classic pcap. */
export function frameCount(file: string): number {
  return pcapRecords(readFileSync(file)).records.length;
}
