/**
 * One in-process measurement, run by bench.ts in a child process so that each
 * gets its own peak RSS and CPU time:
 *
 *   node --import tsx src/bench/worker.ts MODE FILE
 *
 * MODE: read (our reader alone), decode (reader + Decoder into one Segment),
 * pcap-parser (the npm baseline), noop (startup cost only). Prints one JSON
 * line: counts, the time spent reading (startup excluded), and the process's
 * own resource usage.
 */
import { createRequire } from 'node:module';
import { readFrames } from '../capture/source.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';

export interface WorkerResult {
  mode: string;
  frames: number;
  /** Frames decoded as TCP (decode mode), or frames (other modes). */
  segments: number;
  /** Captured bytes of the frames. */
  bytes: number;
  /** A value derived from the decoded fields, so the work cannot be optimised away. */
  check: number;
  /** Milliseconds from opening the file to the last frame (runtime startup excluded). */
  ms: number;
  /** CPU milliseconds (user + system, all threads) over the same span. */
  cpuMs: number;
  maxRssKb: number;
  userMs: number;
  sysMs: number;
}

interface PcapParserPacket {
  header: { capturedLength: number };
  data: Buffer;
}
interface PcapParser {
  on(ev: 'packet', f: (p: PcapParserPacket) => void): void;
  on(ev: 'end', f: () => void): void;
  on(ev: 'error', f: (e: Error) => void): void;
}

async function run(mode: string, file: string): Promise<WorkerResult> {
  let frames = 0;
  let segments = 0;
  let bytes = 0;
  let check = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  switch (mode) {
    case 'noop':
      break;
    case 'read':
      await readFrames(file, (f) => {
        frames++;
        bytes += f.capLen;
      });
      segments = frames;
      break;
    case 'decode': {
      const decoder = new Decoder();
      const seg = new Segment();
      await readFrames(file, (f) => {
        bytes += f.capLen;
        if (decoder.decode(f, seg) === DecodeStatus.Tcp) {
          segments++;
          check = (check + seg.seq + seg.ack + seg.flags + seg.payloadLen + seg.srcPort) | 0;
        }
      });
      frames = decoder.stats.frames;
      break;
    }
    case 'pcap-parser': {
      const require = createRequire(import.meta.url);
      const pcapp = require('pcap-parser') as { parse(path: string): PcapParser };
      await new Promise<void>((resolve, reject) => {
        const parser = pcapp.parse(file);
        parser.on('packet', (p) => {
          frames++;
          bytes += p.header.capturedLength;
        });
        parser.on('end', resolve);
        parser.on('error', reject);
      });
      segments = frames;
      break;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const ru = process.resourceUsage();
  return {
    mode, frames, segments, bytes, check, ms, cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKb: ru.maxRSS, userMs: ru.userCPUTime / 1000, sysMs: ru.systemCPUTime / 1000,
  };
}

const [mode, file] = process.argv.slice(2);
if (mode === undefined || (file === undefined && mode !== 'noop')) {
  process.stderr.write('usage: node --import tsx src/bench/worker.ts read|decode|pcap-parser|noop FILE\n');
  process.exit(2);
}
run(mode, file ?? '').then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: unknown) => {
    process.stderr.write(`worker ${mode}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
