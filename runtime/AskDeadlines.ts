/**
 * Deadlines of pending asks, kept in 5 ms buckets behind one timer, instead of a timer per ask:
 * a burst of 100,000 asks (a pool actor fed from the main thread) would otherwise create and cancel
 * 100,000 timers. A deadline fires within one bucket of its time.
 */
export class AskDeadlines {
  private readonly buckets = new Map<number, number[]>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(private readonly expire: (corr: number) => void, private readonly resolutionMs = 5) {}

  add(corr: number, deadline: number): void {
    const at = Math.ceil(deadline / this.resolutionMs) * this.resolutionMs;
    let list = this.buckets.get(at);
    if (list === undefined) {
      this.buckets.set(at, (list = []));
      if (at < this.armedAt) this.arm(at);
    }
    list.push(corr);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - performance.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [at, list] of this.buckets) {
      if (at <= now) {
        this.buckets.delete(at);
        for (const corr of list) this.expire(corr);
      } else if (at < next) {
        next = at;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  };

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.buckets.clear();
  }
}
