import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../index.js';
import { WhereAmI } from '../fixtures/runtime/actors.js';
import { rejection, withSystem } from './helpers.js';

/** FNV-1a, written out independently of the runtime: hash placement must be this, so it is stable. */
function fnv1a(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const IDS = Array.from({ length: 16 }, (_, i) => `actor-${i}`);

describe('placement', () => {
  it('hash places by id deterministically (same id, same worker, across systems)', async () => {
    const runs: Record<string, number>[] = [];
    for (let run = 0; run < 2; run++) {
      await withSystem(async (system) => {
        const placed: Record<string, number> = {};
        for (const id of IDS) {
          const ref = await system.spawn(WhereAmI, { id, placement: 'hash' });
          const where = await ref.ask<{ id: string; worker: number }>('where');
          expect(system.list().find((i) => i.id === id)!.worker).toBe(where.worker);
          placed[id] = where.worker;
        }
        runs.push(placed);
      });
    }
    const expected = Object.fromEntries(IDS.map((id) => [id, (fnv1a(id) % 2) + 1]));
    expect(runs[0]).toEqual(expected);
    expect(runs[1]).toEqual(expected);
    // And the hash spreads: both workers are used.
    expect(new Set(Object.values(expected)).size).toBe(2);
  });

  it('the default placement is hash', async () => {
    await withSystem(async (system) => {
      for (const id of IDS.slice(0, 6)) {
        const ref = await system.spawn(WhereAmI, { id });
        expect((await ref.ask<{ worker: number }>('where')).worker).toBe((fnv1a(id) % 2) + 1);
      }
    });
  });

  it('least-loaded balances the number of actors per worker', async () => {
    await withSystem(async (system) => {
      for (let i = 0; i < 10; i++) await system.spawn(WhereAmI, { id: `ll-${i}`, placement: 'least-loaded' });
      const perWorker = (): number[] => [1, 2].map((w) => system.list({ worker: w }).length);
      expect(perWorker()).toEqual([5, 5]);
      // Make worker 1 lighter: the next ones go there until balanced again.
      const onOne = system.list({ worker: 1 }).map((i) => i.id).slice(0, 3);
      for (const id of onOne) await system.stopActor(id);
      expect(perWorker()).toEqual([2, 5]);
      for (let i = 10; i < 13; i++) {
        const ref = await system.spawn(WhereAmI, { id: `ll-${i}`, placement: 'least-loaded' });
        expect((await ref.ask<{ worker: number }>('where')).worker).toBe(1);
      }
      expect(perWorker()).toEqual([5, 5]);
      const stats = await system.stats();
      expect(stats.map((s) => s.actors)).toEqual([5, 5]);
    });
  });

  it('least-loaded as the system default', async () => {
    await withSystem(async (system) => {
      for (let i = 0; i < 8; i++) await system.spawn(WhereAmI, { id: `d-${i}` });
      expect([1, 2].map((w) => system.list({ worker: w }).length)).toEqual([4, 4]);
    }, { placement: 'least-loaded' });
  });

  it('{ worker: n } pins the actor to worker n; a worker that does not exist is an InvalidOptionError', async () => {
    await withSystem(async (system) => {
      for (const w of [1, 2, 2, 1, 1]) {
        const ref = await system.spawn(WhereAmI, { placement: { worker: w } });
        expect((await ref.ask<{ worker: number }>('where')).worker).toBe(w);
        expect(system.list().find((i) => i.id === ref.id)!.worker).toBe(w);
      }
      const err = await rejection(system.spawn(WhereAmI, { id: 'nowhere', placement: { worker: 3 } }));
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).context.option).toBe('placement.worker');
      expect(system.exists('nowhere')).toBe(false);
      const zero = await rejection(system.spawn(WhereAmI, { placement: { worker: 0 } }));
      expect(zero).toBeInstanceOf(InvalidOptionError);
    });
  });
});
