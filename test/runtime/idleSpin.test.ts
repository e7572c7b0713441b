import { describe, expect, it } from 'vitest';
import { IdleSpin } from '../../runtime/node/IdleSpin.js';

/** Sleep at `at` ms and wake `afterMicros` later; answer the window that results. */
function cycle(spin: IdleSpin, at: number, afterMicros: number): number {
  spin.sleeping(at);
  spin.woke(at + afterMicros / 1000);
  return spin.micros;
}

describe('IdleSpin (how long a worker polls before it sleeps)', () => {
  it('doubles after each short sleep, up to 1 ms, and halves back to the base after long ones', () => {
    const spin = new IdleSpin(100);
    expect(spin.micros).toBe(100);
    // Woken 150 us after falling asleep (wake-up latency included): a longer poll would have caught it.
    const grown = [1, 2, 3, 4, 5].map((i) => cycle(spin, i, 150));
    expect(grown).toEqual([200, 400, 800, 1000, 1000]);
    // Nobody wrote for 50 ms at a time: the window shrinks, never under the base.
    const shrunk = [1, 2, 3, 4, 5].map((i) => cycle(spin, i * 100, 50_000));
    expect(shrunk).toEqual([500, 250, 125, 100, 100]);
  });

  it('leaves a window alone when the sleep was neither short nor long', () => {
    const spin = new IdleSpin(100);
    cycle(spin, 0, 150);
    expect(cycle(spin, 10, 1_000)).toBe(200); // 1 ms: more than 200 + 300 us, less than 8 x 200 us
  });

  it('never spins on a thread configured not to (base 0, the main thread)', () => {
    const spin = new IdleSpin(0);
    expect([cycle(spin, 0, 10), cycle(spin, 1, 10)]).toEqual([0, 0]);
  });
});
