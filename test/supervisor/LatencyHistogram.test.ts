import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { LatencyHistogram } from '../../supervisor/index.js';

const relativeError = 2 ** (1 / 8) - 1; // one bucket at 8 buckets per doubling

function exactPercentile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('LatencyHistogram', () => {
  it('reports nothing when empty', () => {
    const h = new LatencyHistogram();
    expect([h.count, h.p50(), h.p99(), h.min, h.max]).toEqual([0, undefined, undefined, undefined, undefined]);
  });

  it('reports a single value exactly', () => {
    const h = new LatencyHistogram();
    h.record(123.4);
    expect([h.p50(), h.p99()]).toEqual([123.4, 123.4]);
  });

  it('never understates and overstates by at most one bucket', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 16807) % 2147483647;
      const v = Math.exp((seed / 2147483647) * 9); // 1 ms .. 8 s, log-spread
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = exactPercentile(values, q);
      const reported = h.percentile(q)!;
      expect(reported).toBeGreaterThanOrEqual(exact);
      expect(reported).toBeLessThanOrEqual(exact * (1 + relativeError) + 1e-9);
    }
    expect(h.count).toBe(5000);
  });

  it('puts sub-resolution values in the first bucket and huge ones in overflow', () => {
    const h = new LatencyHistogram({ resolutionMs: 1, maxMs: 1000 });
    h.record(0);
    h.record(0.2);
    h.record(50_000);
    expect(h.percentile(0.5)).toBe(1);
    expect(h.p99()).toBe(50_000);
    expect(h.min).toBe(0);
  });

  it('ignores negative and non-finite values', () => {
    const h = new LatencyHistogram();
    [-1, Number.NaN, Infinity].forEach((v) => h.record(v));
    expect(h.count).toBe(0);
  });

  it('merges and resets', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 99; i++) a.record(10);
    b.record(2000);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.max).toBe(2000);
    expect(a.percentile(1)).toBe(2000);
    expect(a.p50()).toBeGreaterThanOrEqual(10);
    expect(a.p50()).toBeLessThanOrEqual(10 * (1 + relativeError));
    a.reset();
    expect(a.count).toBe(0);
    expect(a.p99()).toBeUndefined();
    expect(() => a.merge(new LatencyHistogram({ bucketsPerDoubling: 4 }))).toThrow(InvalidOptionError);
  });

  it('rejects bad options naming the field', () => {
    expect(() => new LatencyHistogram({ bucketsPerDoubling: 0 })).toThrow(/"bucketsPerDoubling"/);
    expect(() => new LatencyHistogram({ resolutionMs: 10, maxMs: 5 })).toThrow(/"maxMs"/);
  });
});
