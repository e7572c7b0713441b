import { describe, expect, it } from 'vitest';
import { ActorRef, type ActorSystem } from '../../index.js';
import { Cart, Counter, Recorder } from '../fixtures/behaviours.js';
import { Member, type Seen } from '../fixtures/runtime/actors.js';
import { collectTopic, eventually, sleep, withSystem } from './helpers.js';

const byMessage = (a: Seen, b: Seen): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

async function dump(system: ActorSystem, id: string): Promise<Seen[]> {
  return (await system.ask<Seen[]>(id, { type: '$dump' })).slice().sort(byMessage);
}

describe('registry', () => {
  it('lookup, exists and list reflect spawned and stopped actors', async () => {
    await withSystem(async (system) => {
      await system.spawn(Counter, { id: 'c1', placement: { worker: 1 } });
      await system.spawn(Counter, { id: 'c2', placement: { worker: 2 } });
      await system.spawn(Recorder, { id: 'r1', placement: { worker: 1 } });

      const ref = system.lookup('c2');
      expect(ref).toBeInstanceOf(ActorRef);
      expect(ref!.id).toBe('c2');
      ref!.tell('inc');
      expect(await ref!.ask('get')).toBe(1);
      expect(system.lookup('nope')).toBeUndefined();
      expect(system.exists('c1')).toBe(true);
      expect(system.exists('nope')).toBe(false);

      const ids = (infos: { id: string }[]): string[] => infos.map((i) => i.id).sort();
      expect(ids(system.list())).toEqual(['c1', 'c2', 'r1']);
      expect(ids(system.list({ behaviour: 'Counter' }))).toEqual(['c1', 'c2']);
      expect(ids(system.list({ worker: 1 }))).toEqual(['c1', 'r1']);
      expect(ids(system.list({ behaviour: 'Recorder', worker: 2 }))).toEqual([]);
      const c1 = system.list().find((i) => i.id === 'c1')!;
      expect(c1.worker).toBe(1);
      expect(c1.behaviour.endsWith('#Counter')).toBe(true);
      expect(c1.parent).toBeUndefined();

      await system.stopActor('c1');
      expect(system.exists('c1')).toBe(false);
      expect(system.lookup('c1')).toBeUndefined();
      expect(ids(system.list())).toEqual(['c2', 'r1']);

      const stats = await system.stats();
      expect(stats.map((s) => [s.worker, s.actors])).toEqual([[1, 1], [2, 1]]);
    });
  });

  it('ctx.lookup finds actors on any worker and the found ref works', async () => {
    await withSystem(async (system) => {
      await system.spawn(Member, { id: 'm1', placement: { worker: 1 } });
      await system.spawn(Member, { id: 'm2', placement: { worker: 2 } });
      await system.spawn(Counter, { id: 'target', placement: { worker: 2 } });
      const found = await system.ask<{ id: string; ref: ActorRef } | null>('m1', { type: '$lookup', id: 'target' });
      expect(found?.id).toBe('target');
      expect(found?.ref).toBeInstanceOf(ActorRef);
      expect(await found!.ref.ask('get')).toBe(0);
      expect(await system.ask('m1', { type: '$lookup', id: 'missing' })).toBe(null);
      expect(await system.ask('m1', { type: '$lookup-tell', id: 'target', message: 'inc' })).toBe(true);
      expect(await system.ask('m2', { type: '$lookup-tell', id: 'target', message: 'inc' })).toBe(true);
      expect(await eventually(() => system.ask('target', 'get'), (n) => n === 2, 2000)).toBe(2);
    });
  });
});

describe('broadcast', () => {
  it('from an actor reaches every other actor on every worker, never the sender', async () => {
    await withSystem(async (system) => {
      for (const [id, worker] of [['a', 1], ['b', 2], ['c', 1], ['d', 2]] as const) {
        await system.spawn(Member, { id, placement: { worker } });
      }
      expect(await system.ask('a', { type: '$broadcast', message: 'hello all' })).toBe('ok');
      for (const id of ['b', 'c', 'd']) {
        expect(await eventually(() => dump(system, id), (s) => s.length >= 1, 2000)).toEqual([{ m: 'hello all', from: 'a' }]);
      }
      await sleep(30);
      expect(await dump(system, 'a')).toEqual([]);
    });
  });

  it('to a group reaches only its members (except the sender)', async () => {
    await withSystem(async (system) => {
      await system.spawn(Member, { id: 'g1', placement: { worker: 1 }, groups: ['blue'] });
      await system.spawn(Member, { id: 'g2', placement: { worker: 2 }, groups: ['blue', 'red'] });
      await system.spawn(Member, { id: 'g3', placement: { worker: 2 }, groups: ['blue'] });
      await system.spawn(Member, { id: 'out', placement: { worker: 1 }, groups: ['red'] });
      await system.spawn(Member, { id: 'none', placement: { worker: 1 } });
      expect(await system.ask('g1', { type: '$broadcast', message: 'blue-only', group: 'blue' })).toBe('ok');
      system.broadcast('red-from-main', { group: 'red' });
      const expected: Record<string, Seen[]> = {
        g1: [],
        g2: [{ m: 'blue-only', from: 'g1' }, { m: 'red-from-main', from: null }].sort(byMessage),
        g3: [{ m: 'blue-only', from: 'g1' }],
        out: [{ m: 'red-from-main', from: null }],
        none: [],
      };
      await eventually(() => dump(system, 'g2'), (s) => s.length >= 2, 2000);
      await sleep(30);
      for (const [id, want] of Object.entries(expected)) expect({ id, seen: await dump(system, id) }).toEqual({ id, seen: want });
    });
  });

  it('from the main thread reaches everyone, except the one named in `except`', async () => {
    await withSystem(async (system) => {
      for (const [id, worker] of [['a', 1], ['b', 2], ['c', 1]] as const) await system.spawn(Member, { id, placement: { worker } });
      system.broadcast('to-all');
      system.broadcast('not-b', { except: 'b' });
      await eventually(() => dump(system, 'a'), (s) => s.length >= 2, 2000);
      await sleep(30);
      expect(await dump(system, 'a')).toEqual([{ m: 'not-b', from: null }, { m: 'to-all', from: null }]);
      expect(await dump(system, 'b')).toEqual([{ m: 'to-all', from: null }]);
      expect(await dump(system, 'c')).toEqual([{ m: 'not-b', from: null }, { m: 'to-all', from: null }]);
    });
  });
});

describe('broadcast and the message schema', () => {
  it('a broadcast does not bypass a behaviour\'s message schema: invalid ones are refused, valid ones delivered', async () => {
    await withSystem(async (system) => {
      const cart = await system.spawn(Cart, { id: 'cart', placement: { worker: 1 }, groups: ['carts'] });
      system.broadcast({ type: 'add', item: '', qty: 1000 }, { group: 'carts' });
      system.broadcast({ type: 'add', item: 'ok', qty: 2 }, { group: 'carts' });
      system.broadcast({ type: 'add', item: 'ok', qty: -7 });
      await sleep(50);
      expect(await cart.ask({ type: 'total' })).toBe(2);
    });
  });
});

describe('topics', () => {
  it('publish/subscribe across workers, with a main-thread subscriber; the publisher does not hear itself', async () => {
    await withSystem(async (system) => {
      const main = collectTopic(system, 'news');
      await system.spawn(Member, { id: 's1', placement: { worker: 1 }, args: ['news'] });
      await system.spawn(Member, { id: 's2', placement: { worker: 2 }, args: ['news'] });
      await system.spawn(Member, { id: 's3', placement: { worker: 1 }, args: ['sport'] });
      await system.spawn(Member, { id: 's4', placement: { worker: 2 } });

      expect(await system.ask('s1', { type: '$publish', topic: 'news', message: 'from-s1' })).toBe('ok');
      system.publish('news', { type: 'headline', n: 1 });
      await eventually(() => dump(system, 's2'), (s) => s.length >= 2, 2000);
      await eventually(() => main.items.length, (n) => n >= 2, 2000);
      await sleep(30);

      expect(await dump(system, 's1')).toEqual([{ m: { type: 'headline', n: 1 }, from: null }]);
      expect(await dump(system, 's2')).toEqual([{ m: { type: 'headline', n: 1 }, from: null }, { m: 'from-s1', from: 's1' }].sort(byMessage));
      expect(await dump(system, 's3')).toEqual([]);
      expect(await dump(system, 's4')).toEqual([]);
      expect(main.items.slice().sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
        [{ message: 'from-s1', sender: 's1' }, { message: { type: 'headline', n: 1 }, sender: undefined }]
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
    });
  });

  it('unsubscribe (main thread and ctx) stops deliveries; subscribing later starts them', async () => {
    await withSystem(async (system) => {
      const main = collectTopic(system, 'feed');
      await system.spawn(Member, { id: 'x', placement: { worker: 1 }, args: ['feed'] });
      await system.spawn(Member, { id: 'y', placement: { worker: 2 } });
      system.publish('feed', 1);
      await eventually(() => dump(system, 'x'), (s) => s.length >= 1, 2000);
      main.off();
      expect(await system.ask('x', { type: '$unsubscribe', topic: 'feed' })).toBe('ok');
      expect(await system.ask('y', { type: '$subscribe', topic: 'feed' })).toBe('ok');
      system.publish('feed', 2);
      await eventually(() => dump(system, 'y'), (s) => s.length >= 1, 2000);
      await sleep(30);
      expect(main.items).toEqual([{ message: 1, sender: undefined }]);
      expect(await dump(system, 'x')).toEqual([{ m: 1, from: null }]);
      expect(await dump(system, 'y')).toEqual([{ m: 2, from: null }]);
    });
  });

  it('many publishes from one actor reach a subscriber on another worker in order', async () => {
    await withSystem(async (system) => {
      const main = collectTopic(system, 'seq');
      await system.spawn(Member, { id: 'pub', placement: { worker: 1 } });
      await system.spawn(Member, { id: 'sub', placement: { worker: 2 }, args: ['seq'] });
      for (let i = 0; i < 500; i++) system.tell('pub', { type: '$publish', topic: 'seq', message: i });
      await eventually(() => main.items.length, (n) => n >= 500, 5000);
      const seen = await eventually(() => system.ask<Seen[]>('sub', { type: '$dump' }), (s) => s.length >= 500, 5000);
      expect(seen.map((s) => s.m)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(main.items.map((i) => i.message)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    });
  });
});
