/** Percentiles of one sampling window: what a "latency over time" chart plots per point. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Latencies recorded since the last `take()`. Keeps at most `capacity` values (reservoir sampling
 * past that), so a burst of millions of asks costs fixed memory and the percentiles stay unbiased.
 */
export class LatencyWindow {
  private values: number[] = [];
  private seen = 0;

  constructor(private readonly capacity = 10_000) {}

  record(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) return;
    this.seen++;
    if (this.values.length < this.capacity) {
      this.values.push(ms);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.values[slot] = ms;
  }

  /** The window's summary; starts a new window. */
  take(): LatencySummary {
    const values = this.values.sort((a, b) => a - b);
    const count = this.seen;
    this.values = [];
    this.seen = 0;
    if (values.length === 0) return { count: 0, p50: null, p99: null, max: null };
    const at = (q: number): number => values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))]!;
    return { count, p50: at(0.5), p99: at(0.99), max: values[values.length - 1]! };
  }
}
