/**
 * One in-process measurement, run by bench.ts in a child process so that each
 * gets its own peak RSS and CPU time:
 *
 *   node --import tsx src/bench/worker.ts MODE FILE
 *
 * MODE: read (our reader alone), decode (reader + Decoder into one Segment),
 * track (+ the Tracker, finished connections dropped), report (+ buildReport
 * for each), ndjson (+ the NDJSON lines written to /dev/null), all on one
 * thread; csv (report + the CSV rows, csvLine, written to /dev/null: the
 * other writer); pcap-parser (the npm baseline), noop (startup cost only).
 * Each of read ... ndjson does one stage more than the one before, so their
 * differences are the stages' costs. Prints one JSON line: counts, the time
 * spent reading (startup excluded), and the process's own resource usage.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Pipeline } from '../analyze/analyze.ts';
import { readFrames } from '../capture/source.ts';
import { Decoder } from '../decode/decoder.ts';
import { DecodeStatus, Segment } from '../decode/segment.ts';
import { csvLine } from '../render/csv.ts';
import { NdjsonWriter } from '../render/json.ts';
import { makeSettings } from '../report/settings.ts';
import { Tracker } from '../tcp/tracker.ts';

export interface WorkerResult {
  mode: string;
  frames: number;
  /** Frames decoded as TCP (decode, track, report, ndjson), or frames (other modes). */
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

/** analyze's default --max-connections. */
const MAX_CONNECTIONS = 100_000;

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
    case 'track': {
      const decoder = new Decoder();
      const seg = new Segment();
      const tracker = new Tracker({ lingerSeconds: makeSettings().timeWaitSeconds, maxConnections: MAX_CONNECTIONS, reuseDone: true }, (c) => {
        check = (check + c.packets) | 0;
      });
      await readFrames(file, (f) => {
        bytes += f.capLen;
        if (decoder.decode(f, seg) === DecodeStatus.Tcp) tracker.push(seg);
        else tracker.observeTime(f.tsSec, f.tsNsec);
      });
      tracker.finish();
      frames = decoder.stats.frames;
      segments = decoder.stats.tcp;
      break;
    }
    case 'report':
    case 'ndjson':
    case 'csv': {
      // As `analyze -f ndjson` on one thread: the report of each connection as it is let go of.
      const out = mode !== 'report' ? openSync('/dev/null', 'w') : -1;
      const w = new NdjsonWriter();
      let rows = '';
      const p = new Pipeline(makeSettings(), (r) => {
        check = (check + r.stream) | 0;
        if (out < 0) return;
        if (mode === 'csv') {
          rows += csvLine(r, file);
          if (rows.length >= 1 << 19) {
            writeSync(out, rows);
            rows = '';
          }
          return;
        }
        w.line(r, file);
        if (w.size >= 1 << 19) writeSync(out, w.take());
      }, { keepConnections: false, maxConnections: MAX_CONNECTIONS });
      await readFrames(file, (f) => {
        bytes += f.capLen;
        p.onFrame(f);
      });
      p.tracker.finish();
      if (out >= 0) {
        writeSync(out, rows);
        writeSync(out, w.take());
        closeSync(out);
      }
      frames = p.decoder.stats.frames;
      segments = p.decoder.stats.tcp;
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
  process.stderr.write('usage: node --import tsx src/bench/worker.ts read|decode|track|report|ndjson|csv|pcap-parser|noop FILE\n');
  process.exit(2);
}
run(mode, file ?? '').then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: unknown) => {
    process.stderr.write(`worker ${mode}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
