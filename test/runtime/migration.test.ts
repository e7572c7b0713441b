import { describe, expect, it } from 'vitest';
import { ActorSystem, type ActorRef } from '../../index.js';
import { SeqKeeper, type SeqState } from '../fixtures/runtime/migration.js';

describe('actor migration', () => {
  it('moves an actor with its state and a backlog to another worker; nothing lost, nothing reordered, old refs still work', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', monitoring: false });
    try {
      const keeper: ActorRef<number | 'state' | 'where'> = await system.spawn(SeqKeeper, { id: 'keeper', placement: { worker: 1 } });
      expect(await keeper.ask('where')).toBe(1);
      for (let i = 1; i <= 3000; i++) keeper.tell(i);
      const pendingAsk = keeper.ask<SeqState>('state', { timeoutMs: 20_000 });
      const moving = system.migrate(keeper, 2);
      for (let i = 3001; i <= 6000; i++) keeper.tell(i); // sent while it moves, through the old ref
      await moving;
      const during = await pendingAsk; // asked before the move, answered wherever the actor was
      expect(during.seen.length).toBe(3000);
      expect(await keeper.ask('where', { timeoutMs: 20_000 })).toBe(2);
      const after = await keeper.ask<SeqState>('state', { timeoutMs: 20_000 });
      expect(after.seen).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
      expect(system.list().find((a) => a.id === 'keeper')?.worker).toBe(2);
      // A fresh lookup goes straight to the new worker.
      expect(await system.lookup<number | 'state' | 'where'>('keeper')!.ask('where')).toBe(2);
    } finally {
      await system.stop();
    }
  }, 60_000);

  it('works with a very short askTimeoutMs: the runtime\'s own control requests are not held to it', async () => {
    // askTimeoutMs is for the application's asks; a migration (and stop, watch, ...) used to time
    // out after it ("control 'migrate-in' to worker 2 timed out after 1 ms").
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', monitoring: false, askTimeoutMs: 1 });
    try {
      const keeper: ActorRef<number | 'state' | 'where'> = await system.spawn(SeqKeeper, { id: 'keeper', placement: { worker: 1 } });
      for (let i = 1; i <= 100; i++) keeper.tell(i);
      await system.migrate(keeper, 2);
      expect(await keeper.ask('where', { timeoutMs: 5000 })).toBe(2);
      expect((await keeper.ask<SeqState>('state', { timeoutMs: 5000 })).seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      await system.stopActor(keeper);
      expect(system.exists('keeper')).toBe(false);
    } finally {
      await system.stop();
    }
  });

  it('refuses a worker that does not exist, naming it', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', monitoring: false });
    try {
      const keeper = await system.spawn(SeqKeeper, { id: 'k2', placement: { worker: 1 } });
      await expect(system.migrate(keeper, 7)).rejects.toThrow(/worker 7 does not exist/);
    } finally {
      await system.stop();
    }
  });
});
