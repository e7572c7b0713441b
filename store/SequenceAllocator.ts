import type { Database, RangeOptions, Transaction } from 'lmdb';
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
 * same owner would each count from their own cache. A thread taking an owner over calls `resync`.
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

  /**
   * Re-read the last number in `txn`, for an owner about to be hosted here again. The cache is per
   * thread and never re-read: if the owner lived on another thread since, it appended there past
   * what this cache holds, and counting on from it would hand out seqs that are still in the log
   * (overwriting pending entries) or that a snapshot already covers. The cached value wins when
   * higher: this thread's own latest appends may not have committed yet.
   */
  resync(ownerId: string, txn: Transaction): void {
    this.last.set(ownerId, Math.max(this.last.get(ownerId) ?? 0, this.read(ownerId, txn)));
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
    const last = this.read(ownerId, undefined);
    this.last.set(ownerId, last);
    return last;
  }

  private read(ownerId: string, transaction: Transaction | undefined): number {
    const stored = this.counters.get([this.kind, ownerId], transaction && { transaction }) ?? 0;
    let newest = 0;
    const range: RangeOptions = { start: [ownerId, Infinity], end: [ownerId, 0], reverse: true, limit: 1 };
    if (transaction) range.transaction = transaction;
    for (const key of this.log.getKeys(range)) newest = key[1];
    return Math.max(stored, newest);
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
