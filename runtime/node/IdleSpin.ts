/**
 * How long a worker polls its rings before it sleeps. Sleeping costs the next message a wake-up
 * (about 100 us on the machines measured, at worst several hundred); polling costs a core. The
 * window adapts to the traffic. A thread that had to sleep after polling its whole window doubles
 * the window when the poll and the sleep together took less than about two wake-ups' time
 * (polling that long would have saved the wake-up at no more than its cost), and halves it back
 * toward the configured base otherwise (the whole window was polled in vain). A steady stream of
 * asks then never meets a sleeping worker (polls that catch a message change nothing), while a
 * worker that hears from someone every millisecond or so polls about the base after each message.
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
    // `slept` includes the wake-up's own latency. The gap since the last message was the whole
    // window polled plus the sleep: polling that long is worth it only when it is short.
    const slept = (now - this.sleptAt) * 1000;
    if (this.micros + slept < 2 * WAKE_UP_MICROS) this.micros = Math.min(this.max, this.micros * 2);
    else this.micros = Math.max(this.base, this.micros / 2); // a whole window polled in vain
  }
}

/** The longest a worker polls before it sleeps. */
const MAX_SPIN_MICROS = 1000;
/** What a wake-up through Atomics.waitAsync can take, on a loaded machine. */
const WAKE_UP_MICROS = 300;
