import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem, type SystemEvent, type SystemOptions } from '../../index.js';
import { EsCounter, IdLedger, SupOwner, Member, WhereAmI, WorkerKiller, type EsState, type IdsState, type SignalSeen } from '../fixtures/persistence/reviewFixes.js';
import { eventually, eventsOf, refOf, waitForEvents } from '../supervision/helpers.js';

/**
 * Regressions found in review: event-sourced snapshots that recorded a stale event seq (events
 * applied twice after a restore), snapshots never taken without a durable mailbox, a non-root
 * supervisor giving up stopping the whole system, and sessions restoring pinned actors on the
 * wrong worker.
 */

const dirs: string[] = [];
function tempStore(): string {
  const d = mkdtempSync(join(tmpdir(), 'troupe-review-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const start = (path: string, more: SystemOptions = {}): Promise<ActorSystem> =>
  ActorSystem.start({ workers: 2, persistence: { path }, logLevel: 'silent', ...more });

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const restartedOn = (worker: number) => (e: SystemEvent): boolean => e.type === 'worker-restarted' && e.worker === worker;

/** Crash worker `worker` with a killer actor placed on it, and wait until its successor is up. */
async function crashWorker(system: ActorSystem, worker: number): Promise<void> {
  const killer = await system.spawn(WorkerKiller, { id: `killer-${worker}`, placement: { worker } });
  const restarted = system.events.waitFor(restartedOn(worker), 5000);
  killer.tell('die');
  await restarted;
}

describe('event-sourced snapshots record the events they include', () => {
  it('over several graceful lives on the same store, each event is applied exactly once', async () => {
    const path = tempStore();
    let total = 0;
    for (let life = 1; life <= 2; life++) {
      const system = await start(path);
      try {
        const c = await system.spawn(EsCounter, { id: 'c', persistent: { snapshotEvery: 3 } });
        // The restored state: every event of the earlier lives, once.
        const restored = await c.ask<EsState>({ type: 'get' });
        expect({ life, ...restored }).toEqual({ life, n: total, applied: range(1, total) });
        // A burst of events whose commits are still in flight when the count snapshot is taken.
        for (let i = 0; i < 4; i++) c.tell({ type: 'inc', id: ++total });
        const now = await c.ask<EsState>({ type: 'get' });
        expect({ life, ...now }).toEqual({ life, n: total, applied: range(1, total) });
        // One more event, and the actor stops itself in the same turn: its final snapshot is taken
        // before that event's commit resolves, and must still count it.
        c.tell({ type: 'inc', id: ++total, stop: true });
        expect(await eventually(() => system.exists('c'), (e) => !e, 1000)).toBe(false);
      } finally {
        await system.stop();
      }
    }
    // A last life only to check what the second one left.
    const system = await start(path);
    try {
      const c = await system.spawn(EsCounter, { id: 'c', persistent: { snapshotEvery: 3 } });
      expect(await c.ask<EsState>({ type: 'get' })).toEqual({ n: 10, applied: range(1, 10) });
    } finally {
      await system.stop();
    }
  });

  it('after a worker crash, the events a count snapshot includes are not applied again', async () => {
    const path = tempStore();
    const system = await start(path);
    try {
      const c = await system.spawn(EsCounter, { id: 'c', persistent: { snapshotEvery: 5 }, placement: { worker: 1 } });
      for (let i = 1; i <= 5; i++) c.tell({ type: 'inc', id: i });
      expect(await c.ask<EsState>({ type: 'get' })).toEqual({ n: 5, applied: range(1, 5) });
      // The 5th event triggered a snapshot (before its commits resolved): wait until it is stored.
      const snap = await eventually(() => system.store!.snapshots.load('c'), (s) => s !== undefined, 1000);
      expect(snap?.state).toEqual({ n: 5, applied: range(1, 5) });

      await crashWorker(system, 1);
      // Restored from the snapshot plus the journal after it: each event once.
      expect(await c.ask<EsState>({ type: 'get' })).toEqual({ n: 5, applied: range(1, 5) });
      c.tell({ type: 'inc', id: 6 });
      expect(await c.ask<EsState>({ type: 'get' })).toEqual({ n: 6, applied: range(1, 6) });
    } finally {
      await system.stop();
    }
  });
});

describe('snapshots without a durable mailbox', () => {
  it('persistent: { mailbox: false, snapshotEvery: 2 } takes snapshots, and a worker crash restores from them', async () => {
    const path = tempStore();
    const system = await start(path);
    try {
      const l = await system.spawn(IdLedger, { id: 'l', persistent: { mailbox: false, snapshotEvery: 2 }, placement: { worker: 1 } });
      for (let i = 1; i <= 10; i++) l.tell(i);
      expect((await l.ask<IdsState>('state')).ids).toEqual(range(1, 10));
      const snap = await eventually(
        () => system.store!.snapshots.load('l'),
        (s) => (s?.state as IdsState | undefined)?.ids.length === 10,
        1000,
      );
      expect(snap?.state).toEqual({ ids: range(1, 10) });

      await crashWorker(system, 1);
      expect((await l.ask<IdsState>('state')).ids).toEqual(range(1, 10));
    } finally {
      await system.stop();
    }
  });
});

describe('a supervisor started as an ordinary child gives up', () => {
  it('its parent hears it terminated (escalated); the system and unrelated actors keep running', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent' });
    try {
      const owner = await system.spawn(SupOwner, { id: 'owner' });
      const bystander = await system.spawn(Member, { id: 'bystander' });
      bystander.tell('inc');

      const a = await refOf<'boom'>(system, 'owner/sup/a');
      a.tell('boom');
      // Restarted once (within the intensity)...
      await waitForEvents(system, 'supervisor-restart', 1, (e) => e.actor === 'owner/sup');
      // ...the second failure exceeds it: the supervisor gives up.
      (await refOf<'boom'>(system, 'owner/sup/a')).tell('boom');
      await waitForEvents(system, 'stopped', 1, (e) => e.actor === 'owner/sup', 1500);

      expect(system.running).toBe(true);
      const signals = await eventually(() => owner.ask<SignalSeen[]>('signals'), (s) => s.length > 0, 1000);
      expect(signals).toEqual([{ type: 'terminated', id: 'owner/sup', reason: 'escalated' }]);
      expect(eventsOf(system, 'root-escalation')).toEqual([]);
      bystander.tell('inc');
      expect(await bystander.ask<number>('get')).toBe(2);
      expect(system.running).toBe(true);
    } finally {
      await system.stop();
    }
  });
});

describe('sessions keep pinned placement', () => {
  it('actors spawned with placement { worker } come back on that worker after restoreSession', async () => {
    const path = tempStore();
    const pinned = new Map<string, number>();
    let system = await start(path);
    let session: string;
    try {
      for (const name of ['a', 'b', 'c', 'd']) {
        for (const worker of [1, 2]) {
          const ref = await system.spawn(WhereAmI, { id: `${name}${worker}`, placement: { worker } });
          expect(await ref.ask<number>('where')).toBe(worker);
          pinned.set(ref.id, worker);
        }
      }
      session = await system.saveSession();
    } finally {
      await system.stop();
    }

    system = await start(path);
    try {
      await system.restoreSession(session);
      const where = Object.fromEntries(system.list().filter((i) => pinned.has(i.id)).map((i) => [i.id, i.worker]));
      expect(where).toEqual(Object.fromEntries(pinned));
      for (const [id, worker] of pinned) expect([id, await system.ask<number>(id, 'where')]).toEqual([id, worker]);
    } finally {
      await system.stop();
    }
  });
});
