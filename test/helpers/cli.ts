/**
 * Runs tcpscope as a user would: a spawned process with real arguments,
 * standard output and error captured, and its exit code. By default through
 * tsx on the sources (no build step, no race between test files); `bin`
 * runs the built dist/src/cli/main.js instead.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { capturesDir, repoRoot } from './paths.ts';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: Uint8Array | string;
  /** Run dist/src/cli/main.js (built by `npm run prepare`). */
  bin?: boolean;
  cwd?: string;
}

/** The environment of a user at a terminal-less shell, in English, without colour forcing. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.NODE_TEST_CONTEXT;
  return { ...env, ...extra };
}

export function tcpscope(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = opts.bin
    ? [resolve(repoRoot, 'dist/src/cli/main.js'), ...args]
    : ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), ...args];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { cwd: opts.cwd ?? repoRoot, env: baseEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
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
