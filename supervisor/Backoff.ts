import { z } from 'zod';
import { parseOptions } from './parseOptions.js';

const ms = z.number().int().nonnegative();

/**
 * Exponential backoff between consecutive restarts of one child. OTP has none (it restarts at once
 * and relies on intensity alone); Troupe adds it because its children often fail on something
 * outside the process (a model endpoint, a disk) that an immediate restart would hammer.
 */
export const BackoffSchema = z
  .object({
    minMs: ms,
    maxMs: ms,
    // Share of the delay that may be shaved off at random, so children that failed together do not
    // come back in lockstep.
    jitter: z.number().min(0).max(1).default(0),
    factor: z.number().min(1).default(2),
    // How long a child must stay up before its next failure counts as a first failure again.
    // Defaults to maxMs: a child that outlived the longest wait we would impose has earned it.
    resetAfterMs: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.maxMs < options.minMs) {
      ctx.addIssue({ code: 'custom', path: ['maxMs'], message: `must be >= minMs (${options.minMs})` });
    }
  })
  .transform((options) => ({ ...options, resetAfterMs: options.resetAfterMs ?? Math.max(1, options.maxMs) }));

export type BackoffOptions = z.output<typeof BackoffSchema>;
export type BackoffInput = z.input<typeof BackoffSchema>;

/**
 * Delay before the `attempt`-th consecutive restart (1-based): `minMs * factor^(attempt-1)` capped at
 * `maxMs`, then reduced by up to `jitter` of itself. Jitter only ever shortens the delay so the cap
 * stays a hard ceiling and the curve stays monotone in expectation.
 */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(options.maxMs, options.minMs * Math.pow(options.factor, exponent));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base * (1 - options.jitter * r));
}

/** Consecutive-restart counter for one child, with the quiet-period reset. */
export class Backoff {
  readonly options: BackoffOptions;
  private attempt = 0;
  private lastStartAt: number | undefined;

  constructor(options: BackoffInput, private readonly random: () => number = Math.random) {
    this.options = parseOptions(BackoffSchema, options, 'backoff');
  }

  /**
   * Counts a restart decided at `now` and returns how long to wait before performing it. The quiet
   * period is measured from when the previous restart actually happened (decision time plus its
   * delay), i.e. how long the child really ran; measuring from the decision would let a child that
   * crashes instantly at the cap look "quiet" and reset itself to minMs.
   */
  next(now: number): number {
    if (this.lastStartAt !== undefined && now - this.lastStartAt >= this.options.resetAfterMs) this.attempt = 0;
    this.attempt += 1;
    const delay = backoffDelay(this.options, this.attempt, this.random);
    this.lastStartAt = now + delay;
    return delay;
  }

  /** Consecutive restarts counted so far (0 after a reset). */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
    this.lastStartAt = undefined;
  }
}
