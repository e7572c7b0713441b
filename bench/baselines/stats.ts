import { performance } from 'node:perf_hooks';

/** A throughput measurement: `count` units (messages, tasks) in `elapsedMs`. */
export interface Throughput {
  readonly count: number;
  readonly elapsedMs: number;
  /** Units per second. */
  readonly perSec: number;
}

/** Latency percentiles of a sequential request/response loop, in microseconds. */
export interface Latency {
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly minUs: number;
  readonly maxUs: number;
}

export function throughput(count: number, elapsedMs: number): Throughput {
  // A zero elapsed time only happens for absurdly small counts; clamp so a ratio never divides by 0.
  const ms = Math.max(elapsedMs, 1e-3);
  return { count, elapsedMs: ms, perSec: (count * 1000) / ms };
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The middle value; the mean of the middle two for an even count (repeated rounds of one figure). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function latency(samplesUs: Float64Array): Latency {
  const sorted = samplesUs.slice().sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    samples: sorted.length,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    meanUs: sum / sorted.length,
    minUs: sorted[0] ?? NaN,
    maxUs: sorted[sorted.length - 1] ?? NaN,
  };
}

export function now(): number {
  return performance.now();
}
