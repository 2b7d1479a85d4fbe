/**
 * A slow reader on a pipe (`tcpscope analyze -f ndjson big.pcap | slow`)
 * must not make tcpscope hold its whole output in memory: reading waits
 * for the output (Output.caughtUp). Peak RSS is read from /proc while the
 * child runs, with a reader that takes nothing for a while, against the same
 * run written to /dev/null.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { generateTo } from '../../src/bench/generate.ts';
import { baseEnv } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';

const hasProc = existsSync('/proc/self/status');

/** Peak RSS (VmHWM, MB) of the child, read just before it exits. */
async function run(file: string, env: NodeJS.ProcessEnv, slowReader: boolean): Promise<{ peakMb: number; bytes: number; code: number | null }> {
  const args = ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'analyze', '--format', 'ndjson', '--msl', '1', file];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot, env: baseEnv(env),
    stdio: ['ignore', slowReader ? 'pipe' : openSync('/dev/null', 'w'), 'ignore'],
  });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 20);
  let bytes = 0;
  if (slowReader && child.stdout) {
    const out = child.stdout;
    out.pause();
    // Take nothing for 3 s, then read everything.
    setTimeout(() => {
      out.on('data', (b: Buffer) => {
        bytes += b.length;
      });
      out.resume();
    }, 3000);
  }
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  clearInterval(poll);
  return { peakMb: peak, bytes, code };
}

describe('output back-pressure', { skip: hasProc ? false : 'needs /proc' }, () => {
  for (const thread of ['off', 'on']) {
    it(`a slow pipe reader does not make memory grow with the output (report thread ${thread})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tcpscope-bp-'));
      try {
        // About 24 000 connections: some 90 MB of NDJSON, most of it written
        // while reading (2MSL of 2 s), the rest at the end.
        const file = join(dir, 'gen.pcap');
        const meta = generateTo(file, { segments: 800_000, seed: 3 });
        const env = { TCPSCOPE_REPORT_THREAD: thread };
        const devNull = await run(file, env, false);
        const slow = await run(file, env, true);
        assert.equal(devNull.code, 0);
        assert.equal(slow.code, 0);
        assert.ok(slow.bytes > 80e6, `${slow.bytes} bytes of ${meta.connections} connections`);
        // Without back-pressure most of the output (> 80 MB) waited in memory.
        // With it, the slow run holds the output backlog (8 MB), the batches
        // in flight and the pipe's buffer over the /dev/null run: measured
        // +2 to +37 MB on a loaded 2-core machine (report thread on).
        assert.ok(slow.peakMb < devNull.peakMb + 50, `peak ${slow.peakMb.toFixed(0)} MB with a slow reader, ${devNull.peakMb.toFixed(0)} MB to /dev/null`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
