import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../index.js';
import { Recorder } from '../fixtures/behaviours.js';
import { LatePair, StopsThenActs, TopAllSupervisor, TopSupervisor, type StaleMsg, type StaleReport } from '../fixtures/runtime/staleHandler.js';
import { collectDeadLetters, eventually, sleep, withSystem } from './helpers.js';

describe('a handler that outlives its incarnation', () => {
  it('can no longer act for the actor: what needs an answer fails, sends go to dead letters, the rest does nothing, and the worker survives', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      await system.spawn(LatePair, { id: 'sup', placement: { worker: 1 } });
      const b = await eventually(() => system.lookup<StaleMsg>('sup/b'), (r) => r !== undefined, 1000);
      const probe = await system.spawn(Recorder, { id: 'probe', placement: { worker: 1 } });
      b!.tell({ type: 'act-later', ms: 300, probe: probe as ActorRef<StaleReport> });
      await sleep(50);
      system.tell('sup/a', { type: 'boom' }); // one-for-all: b is restarted while its handler sleeps
      const seen = await eventually(() => probe.ask<StaleReport[]>('dump'), (s) => s.length >= 1, 3000);
      expect(seen).toHaveLength(1); // only the report: the old handler's own tell never arrived
      const { outcomes } = seen[0]!;
      const failed = /^ActorFailedError: actor 'sup\/b' has been restarted: a handler of its previous incarnation cannot /;
      expect(outcomes.ask).toMatch(failed);
      expect(outcomes.spawn).toMatch(failed);
      for (const op of ['tell', 'timer', 'keptTimer', 'publish', 'watch', 'unwatch', 'stop']) expect(outcomes[op], op).toBe('done');
      // Its tell and publish are dead letters that say why.
      const letters = await eventually(() => dead.letters.filter((l) => l.reason === 'sender-restarted'), (l) => l.length >= 2, 1000);
      expect(letters.map((l) => l.target).sort()).toEqual(['probe', 'topic:late-topic']);
      // The new incarnation is alive (the old handler's stop did not reach it), has no child from
      // the old handler's spawn, and no timer of the old one fired into it ('boom' would restart it).
      await sleep(100);
      expect(await b!.ask<string>({ type: 'children' }, { timeoutMs: 2000 })).toBe('sup/b');
      expect(system.exists('sup/b/late-child')).toBe(false);
      const events = system.events.recent();
      expect(events.filter((e) => e.type === 'supervisor-restart')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'worker-died')).toEqual([]);
    }, { workers: 1, askTimeoutMs: 3000 });
  });
  it('of an actor that stopped can no longer act for it either: sends are dead letters (sender-stopped), asks fail, timers set nothing', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const probe = await system.spawn(Recorder, { id: 'probe2', placement: { worker: 1 } });
      const actor = await system.spawn(StopsThenActs, { id: 'gone', placement: { worker: 1 } });
      actor.tell({ ms: 200, probe: probe as ActorRef<StaleReport> });
      const seen = await eventually(() => probe.ask<StaleReport[]>('dump'), (s) => s.length >= 1, 3000);
      await sleep(150); // room for the timers, had they been set, to fire and reach dead letters
      expect(seen).toHaveLength(1); // only the report: the stopped actor's own tell never arrived
      const { outcomes } = seen[0]!;
      expect(outcomes.ask).toMatch(/^ActorFailedError: actor 'gone' has stopped: its code still running cannot ask 'probe2'/);
      for (const op of ['tell', 'timer', 'keptTimer', 'publish']) expect(outcomes[op], op).toBe('done');
      const letters = dead.letters.filter((l) => l.reason === 'sender-stopped');
      expect(letters.map((l) => l.target).sort()).toEqual(['probe2', 'topic:late-topic']);
      // No timer message went to the stopped actor (it would be a dead letter for 'gone').
      expect(dead.letters.filter((l) => l.target === 'gone')).toEqual([]);
      expect(system.events.recent().filter((e) => e.type === 'worker-died')).toEqual([]);
    }, { workers: 1, askTimeoutMs: 3000 });
  });

  for (const [strategy, Top] of [['one-for-one', TopSupervisor], ['one-for-all', TopAllSupervisor]] as const) {
  it(`a nested ${strategy} supervisor restarted while it waits out a backoff leaves its new children alone, and its worker survives`, async () => {
    await withSystem(async (system) => {
      await system.spawn(Top, { id: 'top', placement: { worker: 1 } });
      await eventually(() => system.exists('top/inner/k'), (e) => e, 1000);
      system.tell('top/inner/w', 'quit'); // inner restarts w after a 300 ms backoff...
      await sleep(50);
      system.tell('top/x', 'boom'); // ...but top (one-for-all) restarts inner while it waits
      await sleep(800); // past the old handler's backoff, which once escalated or paused k
      for (const id of ['top/inner/w', 'top/inner/k', 'top/x']) {
        const ref = system.lookup(id);
        expect(ref, id).toBeDefined();
        expect(await ref!.ask('ping', { timeoutMs: 1000 }), id).toBe('pong');
      }
      // k keeps answering: the old handler does not pause it again and again.
      const k = system.lookup<'inc'>('top/inner/k')!;
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        counts.push(await k.ask<number>('inc', { timeoutMs: 1000 }));
        await sleep(100);
      }
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      const events = system.events.recent();
      expect(events.filter((e) => e.type === 'worker-died')).toEqual([]);
      expect(events.filter((e) => e.type === 'supervisor-restart' && e.actor === 'top')).toHaveLength(1);
    }, { workers: 1, askTimeoutMs: 3000 });
  });
  }
});
