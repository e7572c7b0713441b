import { Command } from 'commander';
import { DEFAULT_STORE } from './defaults.js';

export function inspectCommand(): Command {
  return new Command('inspect')
    .summary("show a store's sessions, actors, mailboxes, snapshots")
    .description("show a store's sessions, actors, mailbox depths and snapshots")
    .option('-s, --store <path>', 'store directory', DEFAULT_STORE)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Examples:
  $ troupe inspect
  $ troupe inspect --store ./data/troupe --json`)
    .action(async (opts: Record<string, unknown>) => {
      const { runInspect } = await import('../inspect.js');
      await runInspect(opts as never);
    });
}
