/**
 * Runs tcpscope as a user would: a spawned process with real arguments,
 * standard output and error captured, and its exit code. By default through
 * tsx on the sources (no build step, no race between test files); `bin`
 * runs the built dist/src/cli/main.js instead.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { capturesDir, repoRoot } from './paths.ts';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The same, as the bytes written (to check that they are UTF-8). */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /** Peak resident set size of the process and its threads (KiB), with `measureRss`. */
  maxRssKb: number | null;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: Uint8Array | string;
  /** Run dist/src/cli/main.js (built by `npm run prepare`). */
  bin?: boolean;
  cwd?: string;
  /**
   * Run under /usr/bin/time and report the child's peak RSS (getrusage's
   * ru_maxrss: the whole process, worker threads included).
   */
  measureRss?: boolean;
}

/** GNU time, which CI installs; measureRss needs it. */
export const TIME = '/usr/bin/time';

/** The environment of a user at a terminal-less shell, in English, without colour forcing. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.NODE_TEST_CONTEXT;
  // A pipe gets the full layout unless COLUMNS is exported (cli/width.ts).
  delete env.COLUMNS;
  return { ...env, ...extra };
}

export function tcpscope(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = opts.bin
    ? [resolve(repoRoot, 'dist/src/cli/main.js'), ...args]
    : ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), ...args];
  const rssFile = opts.measureRss ? join(mkdtempSync(join(tmpdir(), 'tcpscope-rss-')), 'rss') : null;
  const [cmd, cmdArgs] = rssFile === null ? [process.execPath, argv] : [TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...argv]];
  return new Promise((done, fail) => {
    const child = spawn(cmd, cmdArgs, { cwd: opts.cwd ?? repoRoot, env: baseEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', fail);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      const stderrBytes = Buffer.concat(err);
      let maxRssKb: number | null = null;
      if (rssFile !== null) {
        // GNU time writes "Command exited with non-zero status N" before the number when the child fails.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        maxRssKb = Number(lines[lines.length - 1]);
        rmSync(dirname(rssFile), { recursive: true, force: true });
      }
      done({ code, stdout: stdoutBytes.toString('utf8'), stderr: stderrBytes.toString('utf8'), stdoutBytes, stderrBytes, maxRssKb });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A fixture capture's path relative to the repository (as a user would type it). */
export function capture(name: string): string {
  return `fixtures/captures/${name}`;
}

export const capturesAbs = capturesDir;

/** Escape sequences of ANSI colour. */
export const ANSI = /\u001b\[[0-9;]*m/;
