import { Command, Option } from 'commander';
import { DEFAULT_STORE } from './defaults.js';

export function historyCommand(): Command {
  return new Command('history')
    .summary('query the message history of a store')
    .description('query the message history of a store by agent, type, time, thread, session or tenant')
    .option('-s, --store <path>', 'store directory', DEFAULT_STORE)
    .option('-a, --agent <id>', 'messages sent or received by this actor')
    .option('-t, --type <type>', 'messages of this type')
    .option('--thread <id>', 'messages of this thread')
    .option('--session <id>', 'messages of this session')
    .option('--tenant <id>', 'messages of this tenant')
    .option('--from <time>', 'from this time on: epoch ms, ISO date, or a duration ago (15m, 2h, 7d)')
    .option('--to <time>', 'up to this time (same forms as --from)')
    .addOption(new Option('--order <order>', 'oldest or newest first').choices(['asc', 'desc']).default('asc'))
    .option('-n, --limit <n>', 'at most this many records', '100')
    .option('--all', 'every matching record (ignores --limit)')
    .option('--json', 'print a JSON array instead of a table')
    .addHelpText('after', `
Examples:
  $ troupe history --agent team-1/analyst-2 --from 15m
  $ troupe history --store ./data/troupe --thread team-3 --order desc -n 20
  $ troupe history --session 1f0c… --all --json > session.json`)
    .action(async (opts: Record<string, unknown>) => {
      const { runHistory } = await import('../history.js');
      await runHistory(opts as never);
    });
}
