import { describe, expect, it } from 'vitest';
import { nextSampleInterval } from '../../runtime/LocalNode.js';
import { Echo } from '../fixtures/behaviours.js';
import { eventually, withSystem } from './helpers.js';

/*
 * Per-behaviour wait and handling percentiles come from timed messages: one in 64 on a quiet
 * thread, fewer on a busy one (each sample reads the clock three times).
 */

describe('message sampling', () => {
  it('stretches the interval while samples come less than 1 ms apart, and shrinks it back to 64', () => {
    let every = 64;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((every = nextSampleInterval(every, 0.2)));
    expect(seen).toEqual([128, 256, 512, 1024, 2048, 4096, 4096, 4096]);
    expect(nextSampleInterval(4096, 1)).toBe(2048);
    expect(nextSampleInterval(128, 5)).toBe(64);
    expect(nextSampleInterval(64, 5)).toBe(64);
  });

  it('times messages on a worker: the wait and handling percentiles per behaviour come out', async () => {
    await withSystem(async (system) => {
      const echo = await system.spawn(Echo, { id: 'echo', placement: { worker: 1 } });
      // Asks one after another, each a round trip: about one in 64 is timed.
      for (let i = 0; i < 640; i++) await echo.ask(i);
      // Timings are reported per whole second (the window may be taken by a heartbeat first).
      const timings = await eventually(
        async () => (await system.stats()).find((s) => s.worker === 1)!.timings.find((t) => t.behaviour === 'Echo'),
        (t) => t !== undefined, 3000,
      );
      expect(timings!.samples).toBeGreaterThanOrEqual(1);
      expect(timings!.samples).toBeLessThanOrEqual(11);
      expect(timings!.handleP50Ms).toBeGreaterThanOrEqual(0);
      expect(timings!.waitP99Ms).toBeLessThan(1000);
    });
  });
});
