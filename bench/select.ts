import type { BenchContext, BenchSuite } from './harness.js';

/**
 * The context the runner actually hands to suites. `only` is set when `--only` names a benchmark
 * rather than a suite: the runner cannot know a suite's benchmark names before running it, so a
 * suite that checks `wants()` can skip the expensive ones instead of running them to be filtered
 * out afterwards. Suites that ignore it still work; their other results are dropped by the runner.
 */
export interface RunnerContext extends BenchContext {
  readonly only?: string;
}

export function wants(ctx: BenchContext, benchmark: string): boolean {
  const only = (ctx as RunnerContext).only;
  return only === undefined || only === benchmark;
}

/**
 * A suite that lists its benchmark names up front. With `--only BENCHMARK` the runner skips such a
 * suite outright when the name is not in its list, instead of starting it to find out.
 */
export interface ListedSuite extends BenchSuite {
  readonly benchmarks: readonly string[];
}

export function listedBenchmarks(suite: BenchSuite): readonly string[] | undefined {
  const list = (suite as Partial<ListedSuite>).benchmarks;
  return Array.isArray(list) ? list : undefined;
}
