/**
 * Runs the live commands the way main.ts runs the others (one-line errors,
 * exit 2 for usage), without depending on commands.ts wiring them in.
 * Usage: node --import tsx test/live/harness.ts live -i lo ...
 */
import { Command, CommanderError } from 'commander';
import { registerLiveCommands } from '../../src/cli/live.ts';
import { registerCommands } from '../../src/cli/commands.ts';
import { UsageError } from '../../src/cli/util.ts';

const program = new Command();
program.name('tcpscope').exitOverride().configureOutput({ outputError: (s, write) => write(s) });
registerCommands(program);
if (!program.commands.some((c) => c.name() === 'live')) registerLiveCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`tcpscope: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  }
}
