import type { Database, RangeOptions, RootDatabase, Transaction } from 'lmdb';
import type { CommitGate } from './CommitGate.js';
import { assertKeyPart } from './keyRanges.js';
import { SequenceAllocator, type CounterKey } from './SequenceAllocator.js';

export interface PendingMessage<E = unknown> {
  seq: number;
  envelope: E;
}

type LogKey = [actorId: string, seq: number];

/**
 * Per-actor durable mailbox: an envelope is appended before delivery and acked once processed, so
 * after a crash `pending` hands back exactly what was accepted but not finished, in order.
 *
 * Keys are [actorId, seq]: one actor's messages are contiguous and in sequence order, which makes
 * `pending` a range scan and `pendingActors` a skip scan (one seek per actor, not per message).
 *
 * `append` resolves when the transaction commits (visible to every thread, survives a process
 * crash). With the default sync mode, surviving power loss additionally needs `store.flushed`.
 */
export class DurableMailboxLog {
  private readonly log: Database<unknown, LogKey>;
  private readonly seqs: SequenceAllocator;

  constructor(
    root: RootDatabase,
    private readonly counters: Database<number, CounterKey>,
    private readonly gate: CommitGate,
  ) {
    // Strict order lets `drop`'s transaction run in line with puts queued around it in the same turn.
    this.log = gate.track(root.openDB<unknown, LogKey>({ name: 'mailbox', strictAsyncOrder: true }));
    this.seqs = new SequenceAllocator(counters, 'mailbox', this.log, gate);
  }

  /** Every append issued in one event turn commits in one transaction (lmdb-js event-turn batching). */
  append(actorId: string, envelope: unknown): Promise<{ seq: number }> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
      const seq = this.seqs.next(actorId);
      return this.gate.commit(this.gate.observe(this.log.put([actorId, seq], envelope)), { seq });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Removes a processed message. Acks issued in one turn share a transaction. */
  ack(actorId: string, seq: number): Promise<void> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
      this.seqs.removing(actorId, seq);
      return this.gate.commit(this.gate.observe(this.log.remove([actorId, seq])), undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Unprocessed messages of one actor, lowest seq first (committed appends only). `txn`: read in
   * that transaction (see Store.readLatest) instead of this thread's current one.
   */
  pending<E = unknown>(actorId: string, limit?: number, txn?: Transaction): PendingMessage<E>[] {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    const out: PendingMessage<E>[] = [];
    const range: RangeOptions = { start: [actorId, 0], end: [actorId, Infinity] };
    if (limit !== undefined) range.limit = limit;
    if (txn !== undefined) range.transaction = txn;
    for (const { key, value } of this.log.getRange(range)) {
      out.push({ seq: key[1], envelope: value as E });
    }
    return out;
  }

  /**
   * What a restore takes from the log, read in `txn` (from Store.readLatest, with the snapshot): the
   * pending messages, and the actor's seq counter re-read from the same view so that its next append
   * continues after every seq any thread handed out. This thread's cached counter is stale when
   * the actor was hosted elsewhere since its last stay here.
   */
  recover<E = unknown>(actorId: string, txn: Transaction): PendingMessage<E>[] {
    const pending = this.pending<E>(actorId, undefined, txn);
    this.seqs.resync(actorId, txn);
    return pending;
  }

  pendingCount(actorId: string): number {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    return this.log.getCount({ start: [actorId, 0], end: [actorId, Infinity] });
  }

  /** Actors with at least one pending message, in id order. */
  pendingActors(): string[] {
    this.gate.assertOpen();
    const actors: string[] = [];
    let start: LogKey | undefined;
    for (;;) {
      let found: LogKey | undefined;
      for (const key of this.log.getKeys(start ? { start, limit: 1 } : { limit: 1 })) found = key;
      if (!found) return actors;
      actors.push(found[0]);
      // [actor, Infinity] sorts after every [actor, seq]: the next seek lands on the next actor.
      start = [found[0], Infinity];
    }
  }

  /**
   * Every pending message of every actor in one range scan, grouped by actor in id order: what a
   * restart reads. Cheaper than pendingActors() + pending() per actor when most actors have few
   * messages, since it opens one cursor instead of two per actor.
   */
  pendingAll<E = unknown>(): Map<string, PendingMessage<E>[]> {
    this.gate.assertOpen();
    const byActor = new Map<string, PendingMessage<E>[]>();
    let actor: string | undefined;
    let list: PendingMessage<E>[] = [];
    for (const { key, value } of this.log.getRange()) {
      // Keys arrive grouped by actor, so only a change of actor touches the map.
      if (key[0] !== actor) {
        actor = key[0];
        list = [];
        byActor.set(actor, list);
      }
      list.push({ seq: key[1], envelope: value as E });
    }
    return byActor;
  }

  /** The last sequence number assigned to this actor (0 if none). */
  lastSeq(actorId: string): number {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    return this.seqs.current(actorId);
  }

  /**
   * Forgets the actor: pending messages and its sequence counter (a later actor with the same id
   * starts again at 1). Runs as a transaction in line with writes queued before it, so an append
   * issued earlier in the same turn is dropped too.
   */
  drop(actorId: string): Promise<void> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
    } catch (error) {
      return Promise.reject(error);
    }
    this.seqs.forget(actorId);
    const done = this.log.transaction(() => {
      const keys = [...this.log.getKeys({ start: [actorId, 0], end: [actorId, Infinity] })];
      for (const key of keys) this.log.removeSync(key);
      this.counters.removeSync(this.seqs.counterKey(actorId));
    });
    return this.gate.commit(done, undefined);
  }
}
