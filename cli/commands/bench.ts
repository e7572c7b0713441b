import { Command } from 'commander';
import { BENCH_REPORT, BENCH_RESULTS } from './defaults.js';

export function benchCommand(): Command {
  return new Command('bench')
    .summary('run the benchmarks; report them as a table, JSON or HTML')
    .description('run the benchmark suites (Savina-style actor benchmarks against their raw baselines) and report')
    .option('--quick', 'smaller parameters: every benchmark, in all, in under a minute')
    .option('--only <name>', 'run one suite (NAME) or one benchmark (NAME or SUITE/NAME)')
    .option('--json', 'print the results as JSON on stdout (progress and table go to stderr)')
    .option('--html [path]', `write a self-contained HTML report of the results (default ${BENCH_REPORT})`)
    .option('--no-run', 'do not run anything: report the results already written (with --html or --json)')
    .option('--results <file>', `results file to report with --no-run (default ${BENCH_RESULTS})`)
    .addHelpText('after', `
Results go to ${BENCH_RESULTS} (an array of { suite, name, metric, value, unit, baseline, baselineValue, ratio }).

Examples:
  $ troupe bench --quick
  $ troupe bench --only savina --html
  $ troupe bench --no-run --html report.html`)
    .action(async (opts: Record<string, unknown>) => {
      const { runBenchCommand } = await import('../bench.js');
      process.exitCode = await runBenchCommand(opts as never);
    });
}
