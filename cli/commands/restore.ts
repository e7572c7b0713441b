import { Command } from 'commander';
import { DEFAULT_STORE } from './defaults.js';

export function restoreCommand(): Command {
  return new Command('restore')
    .summary('restore a session into another store or a JSON bundle')
    .description("restore a session from a store: its data, history, agents' snapshots and pending messages, into another store (--into) or a JSON bundle (--out)")
    .argument('<session>', 'session id (see `troupe inspect`)')
    .option('-s, --store <path>', 'store to read the session from', DEFAULT_STORE)
    .option('--into <path>', 'store to restore the session into (created if missing)')
    .option('-o, --out <file>', 'write the session as a JSON bundle to this file')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Without --into or --out the session is read and checked, and nothing is written.
Progress shows on a terminal; plain lines otherwise.

Examples:
  $ troupe restore 1f0c2d4e-… --store ./backup --into ./data/troupe
  $ troupe restore 1f0c2d4e-… --out session.json`)
    .action(async (session: string, opts: Record<string, unknown>) => {
      const { runRestore } = await import('../restore.js');
      await runRestore({ ...opts, session } as never);
    });
}
