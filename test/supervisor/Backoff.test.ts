import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { Backoff, BackoffSchema, backoffDelay } from '../../supervisor/index.js';

const options = (input: Record<string, unknown>) => BackoffSchema.parse(input);
const noJitter = () => 0;

describe('backoffDelay', () => {
  it('grows by factor from minMs and is capped at maxMs', () => {
    const o = options({ minMs: 100, maxMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(o, n, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('honours a custom factor', () => {
    const o = options({ minMs: 10, maxMs: 10_000, factor: 3 });
    expect([1, 2, 3, 4].map((n) => backoffDelay(o, n, noJitter))).toEqual([10, 30, 90, 270]);
  });

  it('stays finite at the cap for huge attempt numbers', () => {
    expect(backoffDelay(options({ minMs: 100, maxMs: 5000 }), 1e6, noJitter)).toBe(5000);
  });

  it('keeps jittered delays within [base × (1 − jitter), base], never above maxMs', () => {
    const o = options({ minMs: 100, maxMs: 1000, jitter: 0.3 });
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(1000, 100 * 2 ** (attempt - 1));
      const delays = Array.from({ length: 200 }, () => backoffDelay(o, attempt, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(Math.floor(base * 0.7));
      expect(Math.max(...delays)).toBeLessThanOrEqual(base);
      expect(new Set(delays).size).toBeGreaterThan(1); // jitter actually varies the delay
    }
    expect(backoffDelay(o, 1, () => 0)).toBe(100);
    expect(backoffDelay(o, 1, () => 0.999999)).toBe(70);
  });

  it('clamps a misbehaving random source into [0, 1]', () => {
    const o = options({ minMs: 100, maxMs: 1000, jitter: 1 });
    expect(backoffDelay(o, 1, () => 7)).toBe(0);
    expect(backoffDelay(o, 1, () => -3)).toBe(100);
  });
});

describe('Backoff', () => {
  it('counts consecutive restarts', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000 }, noJitter);
    expect([0, 150, 400].map((t) => backoff.next(t))).toEqual([100, 200, 400]);
    expect(backoff.attempts).toBe(3);
  });

  it('resets once the child has run for resetAfterMs since its delayed start', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, resetAfterMs: 5000 }, noJitter);
    backoff.next(0); // start at 100
    backoff.next(200); // start at 400
    expect(backoff.next(400 + 4999)).toBe(400); // not quiet long enough
    expect(backoff.next(400 + 4999 + 400 + 5000)).toBe(100);
  });

  it('does not reset a child crash-looping at the cap', () => {
    const backoff = new Backoff({ minMs: 500, maxMs: 1000 }, noJitter);
    let t = 0;
    for (let i = 0; i < 10; i++) t += backoff.next(t); // crashes the instant it starts
    expect(backoff.attempts).toBe(10);
    expect(backoff.next(t)).toBe(1000);
  });

  it('reset() starts over', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000 }, noJitter);
    backoff.next(0);
    backoff.next(0);
    backoff.reset();
    expect(backoff.next(0)).toBe(100);
  });

  it('rejects bad options naming the field', () => {
    expect(() => new Backoff({ minMs: 100, maxMs: 1000, jitter: -0.1 })).toThrow(InvalidOptionError);
    expect(() => new Backoff({ minMs: 100, maxMs: 1000, jitter: -0.1 })).toThrow(/"jitter"/);
    expect(() => new Backoff({ minMs: 100, maxMs: 50 })).toThrow(/"maxMs"/);
    expect(() => new Backoff({ minMs: 100, maxMs: 1000, factor: 0 })).toThrow(/"factor"/);
  });
});
