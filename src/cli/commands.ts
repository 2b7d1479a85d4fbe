import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  program.command('analyze').argument('<capture...>').action(() => {});
}
