import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ActorRef as Ref } from '../../runtime/ActorRef.js';
import { ActorSystem, MailboxFullError, MessageValidationError, TaskAbortedError, type ActorRef } from '../../index.js';
import { Picky, Spin, Square } from '../fixtures/runtime/tasks.js';
import { Forwarder, Recorder } from '../fixtures/behaviours.js';

describe('pool actors (piscina)', () => {
  it('answers every ask with its own result, in any volume', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const pool = await system.spawnPool(Square, { threads: 2 });
      const results = await Promise.all(Array.from({ length: 20_000 }, (_, i) => pool.ask<number>(i)));
      expect(results).toEqual(Array.from({ length: 20_000 }, (_, i) => i * i));
    } finally {
      await system.stop();
    }
  });

  it('a failing input rejects its own ask only; a bad input fails its zod schema at once', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const picky = await system.spawnPool(Picky, { threads: 1 });
      const settled = await Promise.allSettled([1, 2, 3, 4, 6, 7].map((n) => picky.ask<number>(n)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((settled[2] as PromiseRejectedResult).reason.message)).toContain('no multiples of 3: 3');
      const square = await system.spawnPool(Square, { threads: 1 });
      expect(() => (square as ActorRef<unknown>).tell('seven')).toThrow(MessageValidationError);
    } finally {
      await system.stop();
    }
  });

  it('CPU-heavy tasks are handed out one at a time: a long task does not hold the ones queued after it', { timeout: 30_000 }, async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const spin = await system.spawnPool(Spin, { threads: 2 });
      await Promise.all([spin.ask(30), spin.ask(30)]); // the pool has now seen how long a task takes
      const done: number[] = [];
      // One 1.2 s task, then eight 20 ms ones, all in one tick. Batched by count (as it used to
      // be: a quarter of the queue per batch) the long one would share its batch with two others.
      // The long one is long enough that a loaded CI machine (test files run in parallel) still
      // gets the eight short ones through the other thread first: at 400 ms, it once did not.
      const asks = [1200, 20, 20, 20, 20, 20, 20, 20, 20].map((ms, i) => spin.ask<number>(ms, { timeoutMs: 20_000 }).then(() => { done.push(i); }));
      await Promise.all(asks);
      expect(done[done.length - 1]).toBe(0);
      expect(done.slice(0, 8).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await system.stop();
    }
  });

  it('a batch over its time limit is aborted with TaskAbortedError', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const spin = await system.spawnPool(Spin, { threads: 1, timeoutMs: 100 });
      await expect(spin.ask(1000, { timeoutMs: 10_000 })).rejects.toThrow(TaskAbortedError);
    } finally {
      await system.stop();
    }
  });

  it('a full queue refuses asks with MailboxFullError, while offer waits for room instead of failing', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const spin = await system.spawnPool(Spin, { threads: 1, maxQueue: 4, maxBatch: 1 });
      const flood = Array.from({ length: 12 }, () => spin.ask<number>(20, { timeoutMs: 20_000 }).then(() => 'ok', (e: unknown) => e));
      const outcomes = await Promise.all(flood);
      expect(outcomes.some((o) => o instanceof MailboxFullError)).toBe(true);
      // offer: producers wait instead of failing.
      for (let i = 0; i < 12; i++) await spin.offer(5);
      // Once the offered inputs have run, the queue has room again and an ask goes through.
      let done: unknown;
      for (let attempt = 0; attempt < 50 && done === undefined; attempt++) {
        done = await spin.ask<number>(1, { timeoutMs: 20_000 }).catch((e: unknown) => (e instanceof MailboxFullError ? undefined : Promise.reject(e)));
        if (done === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(done).toBe(1);
    } finally {
      await system.stop();
    }
  });

  it('is a ref like any other: an actor on a worker asks it and forwards the result', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent' });
    try {
      const pool = await system.spawnPool(Square, { threads: 1 });
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 2 } });
      // A forwarder on worker 1 sends to the pool with itself as sender; the pool tells results back.
      const fwd = await system.spawn(Forwarder, { id: 'fwd', args: pool as ActorRef, placement: { worker: 1 } });
      for (let i = 1; i <= 5; i++) fwd.tell(i);
      void rec;
      await new Promise((r) => setTimeout(r, 300));
      expect(await pool.ask(12)).toBe(144);
    } finally {
      await system.stop();
    }
  });
  it('a ref to an actor on the calling thread (here the pool) is a ref: it prints and serializes as one, not as the actor', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      const pool = await system.spawnPool(Square, { threads: 1, id: 'squares' });
      expect(pool).toBeInstanceOf(Ref);
      expect(inspect(pool)).toBe('ActorRef(squares)');
      expect(inspect({ to: pool })).toBe('{ to: ActorRef(squares) }');
      expect(JSON.parse(JSON.stringify({ to: pool }))).toEqual({ to: { id: 'squares', worker: 0 } });
      expect(pool.equals(system.lookup('squares'))).toBe(true);
      // It lives on the main thread: migrating it is refused, and it keeps working.
      await expect(system.migrate(pool, 1)).rejects.toThrow(/actor 'squares' runs on the main thread \(a pool actor\) and cannot move/);
      expect(await pool.ask(7)).toBe(49);
    } finally {
      await system.stop();
    }
  });
});
