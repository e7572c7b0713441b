import { Command, Option } from 'commander';

export function demoCommand(): Command {
  return new Command('demo')
    .summary('run the main job: a live, supervised multi-agent workload')
    .description('run the main job: a multi-agent workload on the worker pool, a fault the supervisor repairs, a live dashboard and a summary')
    .option('-w, --workers <n>', 'worker threads (default: one per core)')
    .option('-d, --duration <seconds>', 'how long the workload runs', '20')
    .option('--teams <n>', 'teams of analysts (default: two per worker)')
    .option('--analysts <n>', 'CPU-bound analysts per team', '3')
    .option('--data <path>', 'LMDB store the run is persisted to', './data/troupe')
    .option('--no-data', 'persist nothing')
    .option('--serve', 'keep the workload and the dashboard running until Ctrl-C')
    .option('-p, --port <n>', 'dashboard port (0: any free port)', '0')
    .option('--host <address>', 'dashboard interface', '127.0.0.1')
    .addOption(new Option('--log-level <level>', 'level of the runtime logs on stderr').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('error'))
    .addHelpText('after', `
Examples:
  $ troupe demo                      # ~25 s, then a summary
  $ troupe demo --serve --port 7070  # keep it running and watch http://127.0.0.1:7070/
  $ troupe demo --workers 2 --duration 10 --no-data`)
    .action(async (opts: Record<string, unknown>) => {
      const { runDemoCommand } = await import('../demoCommand.js');
      await runDemoCommand(opts);
    });
}
