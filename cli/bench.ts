import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { readResults, renderBenchReport } from './benchReport.js';
import { BENCH_REPORT as REPORT, BENCH_RESULTS as RESULTS } from './commands/defaults.js';
import { parseCli } from './cliOptions.js';
import { write } from './output.js';

const BenchArgs = z.object({
  quick: z.boolean().optional(),
  only: z.string().min(1).optional(),
  json: z.boolean().optional(),
  html: z.union([z.boolean(), z.string().min(1)]).optional(),
  run: z.boolean().default(true),
  results: z.string().min(1).optional(),
});

export type BenchArgs = z.input<typeof BenchArgs>;


/** Resolves with the exit code: 1 when a suite failed. */
export async function runBenchCommand(input: BenchArgs): Promise<number> {
  const a = parseCli(BenchArgs, input);
  const { fromRoot } = await import('../bench/paths.js');
  let resultsFile = a.results !== undefined ? resolve(a.results) : fromRoot(RESULTS);
  let code = 0;
  if (a.run) {
    const { runBench } = await import('../bench/main.js');
    const run = await runBench({
      ...(a.quick ? { quick: true } : {}),
      ...(a.only !== undefined ? { only: a.only } : {}),
      ...(a.json ? { json: true } : {}),
      ...(a.results !== undefined ? { out: resultsFile } : {}),
    });
    if (run.outFile !== undefined) resultsFile = run.outFile;
    code = run.failures.length > 0 ? 1 : 0;
  }
  if (!a.run && a.json) await write(JSON.stringify(await readResults(resultsFile), null, 2) + '\n');
  if (a.html !== undefined && a.html !== false) {
    const results = await readResults(resultsFile);
    const target = typeof a.html === 'string' ? resolve(a.html) : fromRoot(REPORT);
    const machine = `${availableParallelism()} × ${cpus()[0]?.model?.trim() ?? 'cpu'}, Node ${process.version}`;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, renderBenchReport(results, { source: resultsFile, machine }));
    (a.json ? process.stderr : process.stdout).write(`wrote the HTML report of ${results.length} results to ${target}\n`);
  }
  if (!a.run && !a.json && (a.html === undefined || a.html === false)) {
    process.stderr.write('nothing to do: --no-run needs --html or --json\n');
    code = 1;
  }
  return code;
}
