/** A message nobody could take, with why. */
export interface DeadLetter {
  target: string;
  type: string;
  reason: string;
  sender?: string;
  message: unknown;
  worker: number;
  at: number;
}

/** Something the system did on its own: a restart, an escalation, a worker death, an alert. */
export interface SystemEvent {
  type: string;
  actor?: string;
  worker?: number;
  at: number;
  [key: string]: unknown;
}

/** An observable stream that also keeps the most recent items for later inspection. */
export class RecentStream<T> {
  private readonly listeners = new Set<(item: T) => void>();
  private readonly buffer: T[] = [];
  private total = 0;

  constructor(private readonly keep = 1000) {}

  /** @internal */
  push(item: T): void {
    this.total++;
    this.buffer.push(item);
    if (this.buffer.length > this.keep) this.buffer.shift();
    for (const l of this.listeners) l(item);
  }

  /** Listen to new items; returns the unsubscribe function. */
  subscribe(listener: (item: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The most recent items, oldest first. */
  recent(limit = this.keep): T[] {
    return this.buffer.slice(-limit);
  }

  /** How many items were ever pushed. */
  get count(): number {
    return this.total;
  }

  /** Resolve with the first item matching `predicate` (already seen or future). */
  waitFor(predicate: (item: T) => boolean, timeoutMs = 5000): Promise<T> {
    const seen = this.buffer.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`no matching item within ${timeoutMs} ms`)); }, timeoutMs);
      const off = this.subscribe((item) => {
        if (predicate(item)) { clearTimeout(timer); off(); resolve(item); }
      });
    });
  }
}

export class DeadLetterStream extends RecentStream<DeadLetter> {}
export class EventStream extends RecentStream<SystemEvent> {}
