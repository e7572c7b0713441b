/**
 * The contract every benchmark suite follows. A suite measures a Troupe hot path and, in the same
 * run, the raw primitive underneath it, and reports each figure with its baseline and the ratio
 * (Troupe over baseline; every metric is oriented so that higher is better).
 */
export interface BenchResult {
  suite: string;
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
}

export interface BenchContext {
  /** Smaller parameters so that the whole suite runs in under a minute. */
  readonly quick: boolean;
  /** Report progress; the runner renders it as a bar on a terminal and as plain lines otherwise. */
  progress(step: string, done?: number, total?: number): void;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/** Build a result; `higherIsBetter: false` inverts the ratio so that a higher ratio is always better. */
export function result(
  r: Omit<BenchResult, 'ratio'>,
  higherIsBetter = true,
): BenchResult {
  const ratio = higherIsBetter ? r.value / r.baselineValue : r.baselineValue / r.value;
  return { ...r, ratio: Math.round(ratio * 1000) / 1000 };
}
