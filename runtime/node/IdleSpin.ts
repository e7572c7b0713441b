/**
 * How long a worker polls its rings before it sleeps. Sleeping costs the next message a wake-up
 * (about 100 us on the machines measured, at worst several hundred); polling costs a core. The
 * window adapts to the traffic: a thread woken soon after it fell asleep doubles it (a longer poll
 * would have caught that message without a wake-up), one that slept long halves it back toward
 * the configured base. A steady stream of asks then never meets a sleeping worker, while a worker
 * that hears from no one spins no longer than the base after its last message.
 */
export class IdleSpin {
  /** The current window, in microseconds. */
  micros: number;
  private sleptAt = 0;

  constructor(private readonly base: number, private readonly max = Math.max(base, MAX_SPIN_MICROS)) {
    this.micros = base;
  }

  /** The thread goes to sleep now (performance.now()). */
  sleeping(now: number): void {
    this.sleptAt = now;
  }

  /** The thread was woken now (performance.now()). */
  woke(now: number): void {
    if (this.base === 0) return;
    const slept = (now - this.sleptAt) * 1000;
    // A wake-up's own latency is part of `slept`: allow for it before calling the sleep short.
    if (slept < this.micros + WAKE_UP_MICROS) this.micros = Math.min(this.max, this.micros * 2);
    else if (slept > 8 * this.micros) this.micros = Math.max(this.base, this.micros / 2);
  }
}

/** The longest a worker polls before it sleeps. */
const MAX_SPIN_MICROS = 1000;
/** What a wake-up through Atomics.waitAsync can take, on a loaded machine. */
const WAKE_UP_MICROS = 300;
