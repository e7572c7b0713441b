import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorPersistence } from '../../runtime/persistence/ActorPersistence.js';
import type { ActorRef } from '../../runtime/ActorRef.js';
import { Store } from '../../store/index.js';
import type { LaterIncarnation } from './fixtures/laterIncarnation.js';

const ACTOR = 'ledger';
const BEHAVIOUR = 'Ledger';
const fixture = fileURLToPath(new URL('./fixtures/laterIncarnation.js', import.meta.url));

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const noSenders = (): ActorRef => {
  throw new Error('the logged messages have no sender');
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function openStore(): { store: Store; path: string } {
  const path = mkdtempSync(join(tmpdir(), 'troupe-recovery-'));
  cleanups.push(() => rmSync(path, { recursive: true, force: true }));
  const store = Store.open({ path });
  cleanups.push(() => store.close());
  return { store, path };
}

/** First incarnation, on this thread: messages 1..logged logged, a snapshot at `snapshotSeq` and its acks. */
async function firstIncarnation(store: Store, logged: number, snapshotSeq: number): Promise<void> {
  await Promise.all(range(1, logged).map((i) => store.mailboxes.append(ACTOR, { m: i })));
  await store.snapshots.save(ACTOR, { state: { ids: range(1, snapshotSeq) }, seq: snapshotSeq, behaviour: BEHAVIOUR });
  await Promise.all(range(1, snapshotSeq).map((s) => store.mailboxes.ack(ACTOR, s)));
}

/** Runs the next incarnation on a worker thread; `flag` turns non-zero once its commits landed. */
function laterIncarnation(path: string, append: [number, number], snapshotSeq: number): { flag: Int32Array; exited: Promise<unknown[]> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const job: LaterIncarnation = { path, actorId: ACTOR, behaviour: BEHAVIOUR, append, snapshotSeq, done: flag.buffer as SharedArrayBuffer };
  const worker = new Worker(fixture, { workerData: job });
  return { flag, exited: once(worker, 'exit') };
}

describe('restoring a durable actor another thread hosted last', () => {
  it('reads the newest snapshot and the log after it, even if this thread read the store earlier in the same turn', async () => {
    const { store, path } = openStore();
    await firstIncarnation(store, 10, 5);
    // Any read (another actor's restore, a history query) starts this thread's read transaction,
    // which lmdb-js keeps until the turn ends or this thread commits.
    expect(store.snapshots.load(ACTOR)?.seq).toBe(5);

    // The actor lives on on another thread: 11..20 logged, snapshot at 15, 1..15 gone from the log.
    // Blocking (not awaiting) keeps everything below in the turn of the read above.
    const { flag, exited } = laterIncarnation(path, [11, 20], 15);
    Atomics.wait(flag, 0, 0, 20_000);
    expect(Atomics.load(flag, 0)).toBe(1);

    const persistence = new ActorPersistence(store, ACTOR, BEHAVIOUR, { snapshotEvery: 5 });
    const replay = persistence.recover(noSenders);
    // A stale read restores the first snapshot (1..5) with the log as it was (6..10): 11..20 lost.
    expect(persistence.restored?.state).toEqual({ ids: range(1, 15) });
    expect(replay.map((r) => r.message.seq)).toEqual(range(16, 20));
    expect(replay.map((r) => r.message.message)).toEqual(range(16, 20));

    await exited;
    const next = persistence.journal(21, undefined);
    expect(next.entry.seq).toBe(21);
    await next.committed;
    expect(store.mailboxes.pending(ACTOR).map((p) => p.seq)).toEqual(range(16, 21));
  });

  it('continues the seq counter where the other thread left it, not where this thread last counted', async () => {
    const { store, path } = openStore();
    // This thread counted to 10 for the actor...
    await firstIncarnation(store, 10, 10);
    // ...then another thread hosted it and counted to 20, every message covered by its snapshot.
    const { flag, exited } = laterIncarnation(path, [11, 20], 20);
    await exited;
    expect(Atomics.load(flag, 0)).toBe(1);

    const persistence = new ActorPersistence(store, ACTOR, BEHAVIOUR, { snapshotEvery: 5 });
    expect(persistence.recover(noSenders)).toEqual([]);
    expect(persistence.restored?.state).toEqual({ ids: range(1, 20) });
    // Seq 11 again would sit below the snapshot's 20: processed, it would move the snapshot seq
    // back and the log would replay messages the state already holds.
    const next = persistence.journal(21, undefined);
    expect(next.entry.seq).toBe(21);
    await next.committed;
    expect(store.mailboxes.pending(ACTOR)).toEqual([{ seq: 21, envelope: { m: 21 } }]);
  });
});
