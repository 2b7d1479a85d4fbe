#!/usr/bin/env node
/**
 * tcpscope's command line. Exit codes: 0 done, 1 internal error, 2 bad usage
 * or unreadable input, 3 a --fail-on condition held, 128 + N when signal N
 * cut an analysis short (its report still written; cli/interrupt.ts).
 */
import { Command, CommanderError } from 'commander';
import { CaptureError } from '../capture/frame.ts';
import { termLines, termText } from '../render/escape/terminal.ts';
import { registerCommands } from './commands.ts';
import { tuneHeap } from './heap.ts';
import { UsageError, version } from './util.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('tcpscope')
    .description('TCP connection lifecycle analyzer: who closed, did TIME_WAIT last 2MSL, which FINs were retransmitted')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) })
    .showHelpAfterError('(run with --help for usage)');
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version exit through here with code 0.
    return e.exitCode === 0 ? 0 : 2;
  }
  // Messages name files and may quote what a capture holds: escaped for the
  // terminal (a usage error may span lines, e.g. a rubric's problems).
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${termLines(e.message)}\n`);
    return 2;
  }
  if (e instanceof CaptureError) {
    process.stderr.write(`error: ${termText(e.message)}\n`);
    return 2;
  }
  if ((e as { code?: string }).code === 'EPIPE') return 0;
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`tcpscope: internal error: ${termText(msg)}\n`);
  if (process.env.TCPSCOPE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 1;
}

// `head` closing our stdout is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

tuneHeap();
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tcpscope: internal error: ${termText(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 1;
  },
);
