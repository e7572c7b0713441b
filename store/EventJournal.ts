import type { Database, RangeOptions, RootDatabase } from 'lmdb';
import type { CommitGate } from './CommitGate.js';
import { assertKeyPart } from './keyRanges.js';
import { SequenceAllocator, type CounterKey } from './SequenceAllocator.js';

export interface JournalEntry<E = unknown> {
  seq: number;
  event: E;
}

type JournalKey = [actorId: string, seq: number];

/**
 * Per-actor event journal for event-sourced actors: keys [actorId, seq], so replay from a
 * snapshot's seq is one range scan. Sequence numbers continue after truncation and reopen.
 */
export class EventJournal {
  private readonly log: Database<unknown, JournalKey>;
  private readonly seqs: SequenceAllocator;

  constructor(
    root: RootDatabase,
    private readonly counters: Database<number, CounterKey>,
    private readonly gate: CommitGate,
  ) {
    // Strict order keeps truncate/drop transactions in line with appends queued around them.
    this.log = gate.track(root.openDB<unknown, JournalKey>({ name: 'journal', strictAsyncOrder: true }));
    this.seqs = new SequenceAllocator(counters, 'journal', this.log, gate);
  }

  /** Resolves with the event's sequence number once committed. */
  append(actorId: string, event: unknown): Promise<number> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
      const seq = this.seqs.next(actorId);
      return this.gate.commit(this.gate.observe(this.log.put([actorId, seq], event)), seq);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Events with seq >= fromSeq, in order. */
  read<E = unknown>(actorId: string, fromSeq = 1, limit?: number): JournalEntry<E>[] {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    const range: RangeOptions = { start: [actorId, fromSeq], end: [actorId, Infinity] };
    if (limit !== undefined) range.limit = limit;
    const out: JournalEntry<E>[] = [];
    for (const { key, value } of this.log.getRange(range)) out.push({ seq: key[1], event: value as E });
    return out;
  }

  /** The last sequence number assigned (0 if none), even if those events were truncated. */
  lastSeq(actorId: string): number {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    return this.seqs.current(actorId);
  }

  /** Deletes events with seq < `seq` (typically after a snapshot at seq - 1). Resolves with how many. */
  truncateBefore(actorId: string, seq: number): Promise<number> {
    return this.removeRange(actorId, seq, false);
  }

  /** Deletes the actor's events and its sequence counter. */
  drop(actorId: string): Promise<number> {
    return this.removeRange(actorId, Infinity, true);
  }

  private removeRange(actorId: string, beforeSeq: number, forget: boolean): Promise<number> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
    } catch (error) {
      return Promise.reject(error);
    }
    if (forget) this.seqs.forget(actorId);
    else this.seqs.removing(actorId, beforeSeq - 1);
    let removed = 0;
    const done = this.log.transaction(() => {
      const keys = [...this.log.getKeys({ start: [actorId, 0], end: [actorId, beforeSeq] })];
      for (const key of keys) this.log.removeSync(key);
      removed = keys.length;
      if (forget) this.counters.removeSync(this.seqs.counterKey(actorId));
    });
    return this.gate.commit(done, undefined).then(() => removed);
  }
}
