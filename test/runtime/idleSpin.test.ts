import { describe, expect, it } from 'vitest';
import { IdleSpin } from '../../runtime/node/IdleSpin.js';

/** Sleep at `at` ms and wake `afterMicros` later; answer the window that results. */
function cycle(spin: IdleSpin, at: number, afterMicros: number): number {
  spin.sleeping(at);
  spin.woke(at + afterMicros / 1000);
  return spin.micros;
}

describe('IdleSpin (how long a worker polls before it sleeps)', () => {
  it('doubles after each short sleep while that pays, and halves back to the base after long ones', () => {
    const spin = new IdleSpin(100);
    expect(spin.micros).toBe(100);
    // Woken 150 us after falling asleep (wake-up latency included): a longer poll would have caught it.
    const grown = [1, 2, 3].map((i) => cycle(spin, i, 150));
    expect(grown).toEqual([200, 400, 800]);
    // Now the poll alone (800 us) is past two wake-ups' time: that window was polled in vain.
    expect(cycle(spin, 4, 150)).toBe(400);
    // Nobody wrote for 50 ms at a time: the window shrinks, never under the base.
    const shrunk = [1, 2, 3, 4, 5].map((i) => cycle(spin, i * 100, 50_000));
    expect(shrunk).toEqual([200, 100, 100, 100, 100]);
  });

  it('does not grow for traffic every millisecond or two: waiting out such gaps costs more than the wake-ups', () => {
    const spin = new IdleSpin(100);
    // A message every 1 ms: after each 100 us poll the thread sleeps about 900 us.
    expect([1, 2, 3, 4].map((i) => cycle(spin, i, 900))).toEqual([100, 100, 100, 100]);
  });

  it('never spins on a thread configured not to (base 0, the main thread)', () => {
    const spin = new IdleSpin(0);
    expect([cycle(spin, 0, 10), cycle(spin, 1, 10)]).toEqual([0, 0]);
  });
});
