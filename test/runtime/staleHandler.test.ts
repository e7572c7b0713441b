import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../index.js';
import { Recorder } from '../fixtures/behaviours.js';
import { LatePair, type StaleMsg, type StaleReport } from '../fixtures/runtime/staleHandler.js';
import { eventually, sleep, withSystem } from './helpers.js';

describe('a handler that outlives its incarnation', () => {
  it('can no longer act for the actor: each capability fails with ActorFailedError, and the new incarnation is untouched', async () => {
    await withSystem(async (system) => {
      await system.spawn(LatePair, { id: 'sup', placement: { worker: 1 } });
      const b = await eventually(() => system.lookup<StaleMsg>('sup/b'), (r) => r !== undefined, 1000);
      const probe = await system.spawn(Recorder, { id: 'probe', placement: { worker: 1 } });
      b!.tell({ type: 'act-later', ms: 300, probe: probe as ActorRef<StaleReport> });
      await sleep(50);
      system.tell('sup/a', { type: 'boom' }); // one-for-all: b is restarted while its handler sleeps
      const seen = await eventually(() => probe.ask<StaleReport[]>('dump'), (s) => s.length >= 1, 3000);
      expect(seen).toHaveLength(1); // only the report: the old handler's own tell never arrived
      const { outcomes } = seen[0]!;
      for (const op of ['tell', 'ask', 'spawn', 'timer', 'publish', 'watch', 'stop']) {
        expect(outcomes[op], op).toMatch(/^ActorFailedError: actor 'sup\/b' has been restarted: a handler of its previous incarnation cannot /);
      }
      // The new incarnation is alive (the old handler's stop did not reach it), has no child from
      // the old handler's spawn, and no timer of the old one fired into it.
      await sleep(100);
      expect(await b!.ask<string>({ type: 'children' }, { timeoutMs: 2000 })).toBe('sup/b');
      expect(system.exists('sup/b/late-child')).toBe(false);
      const restarts = system.events.recent().filter((e) => e.type === 'supervisor-restart');
      expect(restarts).toHaveLength(1);
    }, { workers: 1, askTimeoutMs: 3000 });
  });
});
