import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { RestartIntensity } from '../../supervisor/index.js';

describe('RestartIntensity', () => {
  it('defaults to 3 restarts within 5000 ms', () => {
    expect(new RestartIntensity().options).toEqual({ maxRestarts: 3, withinMs: 5000 });
  });

  it('is exceeded by the restart that makes more than maxRestarts within the window', () => {
    const intensity = new RestartIntensity({ maxRestarts: 3, withinMs: 5000 });
    expect([0, 1000, 2000].map((t) => intensity.record(t))).toEqual([false, false, false]);
    expect(intensity.record(3000)).toBe(true);
  });

  it('slides: restarts older than withinMs stop counting', () => {
    const intensity = new RestartIntensity({ maxRestarts: 2, withinMs: 1000 });
    intensity.record(0);
    intensity.record(500);
    expect(intensity.record(1001)).toBe(false); // 0 slid out
    expect(intensity.count(1001)).toBe(2);
    expect(intensity.record(1400)).toBe(true);
  });

  it('counts a restart exactly withinMs old, as OTP does', () => {
    const intensity = new RestartIntensity({ maxRestarts: 1, withinMs: 1000 });
    intensity.record(0);
    expect(intensity.record(1000)).toBe(true);
  });

  it('with maxRestarts 0 any restart exceeds', () => {
    expect(new RestartIntensity({ maxRestarts: 0, withinMs: 1000 }).record(0)).toBe(true);
  });

  it('keeps memory bounded over a long run', () => {
    const intensity = new RestartIntensity({ maxRestarts: 3, withinMs: 1_000_000 });
    for (let t = 0; t < 10_000; t++) intensity.record(t);
    expect(intensity.count(10_000)).toBe(4);
  });

  it('reset forgets all restarts', () => {
    const intensity = new RestartIntensity({ maxRestarts: 0, withinMs: 1000 });
    intensity.record(0);
    intensity.reset();
    expect(intensity.count(0)).toBe(0);
  });

  it('rejects bad options naming the field', () => {
    expect(() => new RestartIntensity({ withinMs: -5 })).toThrow(InvalidOptionError);
    expect(() => new RestartIntensity({ withinMs: -5 })).toThrow(/"withinMs"/);
    expect(() => new RestartIntensity({ maxRestarts: Number.NaN })).toThrow(/"maxRestarts"/);
  });
});
