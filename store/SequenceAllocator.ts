import type { Database } from 'lmdb';
import type { CommitGate } from './CommitGate.js';

export type CounterKey = [kind: string, ownerId: string];

/**
 * Per-owner sequence numbers (1, 2, 3...) for a log keyed [ownerId, seq] that survive reopen.
 *
 * The newest key of the log already records the last number, so appends write nothing extra. The
 * number is only at risk when the newest entry is removed (ack, truncate), so that is when the
 * counter row is written: from a microtask, once per owner per synchronous run of removals, which
 * lands in the same lmdb-js event-turn transaction as the removal itself. On first use the last
 * number is max(counter row, newest key).
 *
 * One thread appends to a given owner at a time (the actor's host); two threads appending to the
 * same owner would each count from their own cache.
 */
export class SequenceAllocator {
  private readonly last = new Map<string, number>();
  private readonly dirty = new Map<string, number>();
  private flushQueued = false;

  constructor(
    private readonly counters: Database<number, CounterKey>,
    private readonly kind: string,
    private readonly log: Database<unknown, [string, number]>,
    private readonly gate: CommitGate,
  ) {}

  next(ownerId: string): number {
    const seq = (this.last.get(ownerId) ?? this.load(ownerId)) + 1;
    this.last.set(ownerId, seq);
    return seq;
  }

  /** Call before removing entries up to `seq`: if that may include the newest, persist the counter. */
  removing(ownerId: string, seq: number): void {
    const current = this.current(ownerId);
    if (seq < current) return;
    this.dirty.set(ownerId, current);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** The highest sequence number handed out so far (0 if none). */
  current(ownerId: string): number {
    return this.last.get(ownerId) ?? this.load(ownerId);
  }

  /** Drop the cached value; the caller removes the persisted counter in the same transaction. */
  forget(ownerId: string): void {
    this.last.delete(ownerId);
    this.dirty.delete(ownerId);
  }

  counterKey(ownerId: string): CounterKey {
    return [this.kind, ownerId];
  }

  private load(ownerId: string): number {
    const stored = this.counters.get([this.kind, ownerId]) ?? 0;
    let newest = 0;
    for (const key of this.log.getKeys({ start: [ownerId, Infinity], end: [ownerId, 0], reverse: true, limit: 1 })) {
      newest = key[1];
    }
    const last = Math.max(stored, newest);
    this.last.set(ownerId, last);
    return last;
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    // Store.close lets queued microtasks run before closing the environment, so this only trips if
    // the environment closed under us; the newest log key then still bounds the counter on reopen.
    if (this.gate.environmentClosed) return;
    for (const [ownerId, seq] of this.dirty) this.gate.observe(this.counters.put([this.kind, ownerId], seq));
    this.dirty.clear();
  };
}
