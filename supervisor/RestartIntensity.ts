import { z } from 'zod';
import { parseOptions } from './parseOptions.js';

/**
 * OTP's intensity/period pair. The defaults are 3 restarts in 5000 ms, not OTP's 1 in 5 s: on the
 * BEAM a process restart costs microseconds and a second crash within 5 s almost always means a
 * persistent fault, but Troupe children live on worker threads and often wrap I/O or model calls,
 * where a short burst of two or three failures is routine (a recycled worker, a flaky upstream).
 * Three in five seconds tolerates such a burst yet still escalates a crash loop inside one window;
 * it is also Elixir's Supervisor default, so OTP users meet a familiar number.
 */
export const RestartIntensitySchema = z
  .object({
    maxRestarts: z.number().int().nonnegative().default(3),
    withinMs: z.number().int().positive().default(5000),
  })
  .strict();

export type RestartIntensityOptions = z.output<typeof RestartIntensitySchema>;
export type RestartIntensityInput = z.input<typeof RestartIntensitySchema>;

/** Sliding window of restart timestamps; decides when a supervisor must give up. */
export class RestartIntensity {
  readonly options: RestartIntensityOptions;
  private restarts: number[] = [];

  constructor(options: RestartIntensityInput = {}) {
    this.options = parseOptions(RestartIntensitySchema, options, 'restart intensity');
  }

  /**
   * Records a restart at `now` and returns true when the limit is exceeded, i.e. when more than
   * `maxRestarts` restarts (this one included) fall within the last `withinMs`. As in OTP's
   * add_restart, a restart exactly `withinMs` old still counts: the window is inclusive.
   */
  record(now: number): boolean {
    this.prune(now);
    this.restarts.push(now);
    // Only the newest maxRestarts + 1 entries can ever decide the outcome, so memory stays bounded
    // even for a supervisor that restarts children for weeks.
    if (this.restarts.length > this.options.maxRestarts + 1) this.restarts.shift();
    return this.restarts.length > this.options.maxRestarts;
  }

  /** Restarts that still count against the limit at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.restarts.length;
  }

  reset(): void {
    this.restarts = [];
  }

  private prune(now: number): void {
    const oldestCounted = now - this.options.withinMs;
    // Filter rather than shift from the front: an injected clock is not guaranteed to be monotonic,
    // and if it steps back, entries "from the future" keep counting rather than being forgiven.
    this.restarts = this.restarts.filter((at) => at >= oldestCounted);
  }
}
