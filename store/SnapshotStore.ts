import type { Database, RootDatabase, Transaction } from 'lmdb';
import type { CommitGate } from './CommitGate.js';
import { assertKeyPart } from './keyRanges.js';

export interface Snapshot<S = unknown> {
  state: S;
  /** The journal/mailbox seq this state includes, so a restore replays only what came after. */
  seq: number;
  /** Which behaviour produced the state, to detect a restore into a different behaviour. */
  behaviour?: string;
  meta?: Record<string, unknown>;
}

export interface StoredSnapshot<S = unknown> extends Snapshot<S> {
  savedAt: number;
}

/** Latest state per actor, keyed by actor id: one snapshot per actor, each save replaces the last. */
export class SnapshotStore {
  private readonly db: Database<StoredSnapshot, string>;

  constructor(
    root: RootDatabase,
    private readonly gate: CommitGate,
  ) {
    this.db = gate.track(root.openDB<StoredSnapshot, string>({ name: 'snapshots' }));
  }

  save<S>(actorId: string, snapshot: Snapshot<S>): Promise<void> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
      const stored: StoredSnapshot<S> = { state: snapshot.state, seq: snapshot.seq, savedAt: Date.now() };
      if (snapshot.behaviour !== undefined) stored.behaviour = snapshot.behaviour;
      if (snapshot.meta !== undefined) stored.meta = snapshot.meta;
      return this.gate.commit(this.gate.observe(this.db.put(actorId, stored)), undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `txn`: read in that transaction (see Store.readLatest) instead of this thread's current one. */
  load<S = unknown>(actorId: string, txn?: Transaction): StoredSnapshot<S> | undefined {
    this.gate.assertOpen();
    assertKeyPart(actorId, 'actorId');
    return this.db.get(actorId, txn && { transaction: txn }) as StoredSnapshot<S> | undefined;
  }

  /** Resolves true if a snapshot existed. */
  delete(actorId: string): Promise<boolean> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(actorId, 'actorId');
      const existed = this.db.doesExist(actorId);
      return this.gate.commit(this.gate.observe(this.db.remove(actorId)), existed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Actor ids that have a snapshot, in id order. */
  list(): string[] {
    this.gate.assertOpen();
    return [...this.db.getKeys()];
  }

  /** Every snapshot in one pass, for restoring a whole system. */
  *entries<S = unknown>(): IterableIterator<[actorId: string, snapshot: StoredSnapshot<S>]> {
    this.gate.assertOpen();
    for (const { key, value } of this.db.getRange()) yield [key, value as StoredSnapshot<S>];
  }
}
