import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';
import { parseOptions } from './parseOptions.js';

const LatencyHistogramOptionsSchema = z
  .object({
    /** Values below this land in one bucket; they are all "instant" for alerting purposes. */
    resolutionMs: z.number().positive().default(0.01),
    /** Values above this land in one overflow bucket and report as the largest value seen. */
    maxMs: z.number().positive().default(3_600_000),
    /** Buckets per doubling: 8 keeps every reported percentile within ~9% of the true value. */
    bucketsPerDoubling: z.number().int().min(1).max(64).default(8),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.maxMs <= options.resolutionMs) {
      ctx.addIssue({ code: 'custom', path: ['maxMs'], message: 'must be greater than resolutionMs' });
    }
  });

export type LatencyHistogramOptions = z.input<typeof LatencyHistogramOptionsSchema>;

/**
 * Log-bucketed latency histogram: O(1) `record`, fixed memory (a few hundred counters), percentiles
 * by one pass over the buckets. Relative error is bounded rather than absolute, which is what
 * latency needs: 1 ms vs 2 ms matters, 10 001 ms vs 10 002 ms does not. Written here instead of
 * pulling in hdr-histogram-js because the monitor needs only p50/p99 and a package with a WASM build
 * would have to load in every worker thread.
 */
export class LatencyHistogram {
  private readonly resolutionMs: number;
  private readonly perDoubling: number;
  private readonly counts: Float64Array;
  private total = 0;
  private minSeen = Infinity;
  private maxSeen = -Infinity;

  constructor(options: LatencyHistogramOptions = {}) {
    const parsed = parseOptions(LatencyHistogramOptionsSchema, options, 'latency histogram');
    this.resolutionMs = parsed.resolutionMs;
    this.perDoubling = parsed.bucketsPerDoubling;
    const lastRegular = Math.ceil(Math.log2(parsed.maxMs / parsed.resolutionMs) * this.perDoubling);
    // Bucket 0 is "below resolution", the last one is overflow. Float64 counts stay exact to 2^53,
    // which a Uint32 would not after four billion messages.
    this.counts = new Float64Array(lastRegular + 2);
  }

  /** Records one latency in milliseconds; negative or non-finite values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) return;
    this.counts[this.bucketOf(ms)]! += 1;
    this.total += 1;
    if (ms < this.minSeen) this.minSeen = ms;
    if (ms > this.maxSeen) this.maxSeen = ms;
  }

  get count(): number {
    return this.total;
  }

  get min(): number | undefined {
    return this.total === 0 ? undefined : this.minSeen;
  }

  get max(): number | undefined {
    return this.total === 0 ? undefined : this.maxSeen;
  }

  /**
   * The value at quantile `q` in [0, 1] (nearest rank), reported as the upper edge of its bucket and
   * clamped to the observed min/max, so it never understates a latency. Undefined when empty.
   */
  percentile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const quantile = Math.min(1, Math.max(0, q));
    const rank = Math.max(1, Math.ceil(quantile * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(this.maxSeen, Math.max(this.minSeen, this.upperEdge(bucket)));
    }
    return this.maxSeen;
  }

  p50(): number | undefined {
    return this.percentile(0.5);
  }

  p99(): number | undefined {
    return this.percentile(0.99);
  }

  /** Adds another histogram's counts (same options), e.g. to roll per-actor histograms up per worker. */
  merge(other: LatencyHistogram): void {
    if (other.counts.length !== this.counts.length || other.resolutionMs !== this.resolutionMs) {
      throw new InvalidOptionError('LatencyHistogram.merge: both histograms must be built with the same options', {
        option: 'other',
      });
    }
    for (let bucket = 0; bucket < this.counts.length; bucket++) this.counts[bucket]! += other.counts[bucket]!;
    this.total += other.total;
    this.minSeen = Math.min(this.minSeen, other.minSeen);
    this.maxSeen = Math.max(this.maxSeen, other.maxSeen);
  }

  /** Empties the histogram, for windowed percentiles (record, read at the sample tick, reset). */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.minSeen = Infinity;
    this.maxSeen = -Infinity;
  }

  private bucketOf(ms: number): number {
    if (ms < this.resolutionMs) return 0;
    const bucket = 1 + Math.floor(Math.log2(ms / this.resolutionMs) * this.perDoubling);
    return Math.min(bucket, this.counts.length - 1);
  }

  private upperEdge(bucket: number): number {
    if (bucket === 0) return this.resolutionMs;
    if (bucket === this.counts.length - 1) return this.maxSeen;
    return this.resolutionMs * Math.pow(2, bucket / this.perDoubling);
  }
}
