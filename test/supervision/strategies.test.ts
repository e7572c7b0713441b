import { describe, expect, it } from 'vitest';
import type { ActorRef, ActorSystem, DeadLetter } from '../../index.js';
import { Dynamic, OneForAllRoomy, OneForOne, RestForOne, Retrying, type MemberMsg } from '../fixtures/supervision/tree.js';
import { eventsOf, eventually, journalOf, refOf, sleep, waitForEvents, withSystem } from './helpers.js';

/**
 * Strategies on a live system: a child that throws (or whose promise rejects) is paused, its
 * supervisor restarts exactly the set its strategy names, in start order (after stopping the
 * others in reverse order), and the failing child's mailbox keeps the messages behind the failure.
 */

type Kids = { a: ActorRef<MemberMsg>; b: ActorRef<MemberMsg>; c: ActorRef<MemberMsg> };

async function startTree(system: ActorSystem, behaviour: typeof OneForOne): Promise<Kids> {
  await system.spawn(behaviour, { id: 'sup' });
  return {
    a: await refOf<MemberMsg>(system, 'sup/a'),
    b: await refOf<MemberMsg>(system, 'sup/b'),
    c: await refOf<MemberMsg>(system, 'sup/c'),
  };
}

function send(ref: ActorRef<MemberMsg>, ...msgs: MemberMsg[]): void {
  for (const m of msgs) ref.tell(m);
}

const journal = async (ref: ActorRef<MemberMsg>): Promise<string[]> => journalOf(await ref.ask<string[]>('journal'), 'sup');

function collect(system: ActorSystem): DeadLetter[] {
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((l) => letters.push(l));
  return letters;
}

describe('restart strategies on a live tree', () => {
  it('one-for-one: only the failed child restarts; the messages behind the failure are processed exactly once', async () => {
    await withSystem(async (system) => {
      const { a, b, c } = await startTree(system, OneForOne);
      const letters = collect(system);
      send(a, 'inc', 'inc', 'inc');
      send(c, 'inc', 'inc', 'inc', 'inc');
      expect([await a.ask('get'), await c.ask('get')]).toEqual([3, 4]);

      // Two handled, the third throws, three wait behind it: after the restart (fresh state) the
      // count is exactly the three that waited.
      send(b, 'inc', 'inc', 'boom', 'inc', 'inc', 'inc');
      expect(await b.ask('get')).toBe(3);

      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'start:b']);
      expect([await a.ask('get'), await c.ask('get')]).toEqual([3, 4]);
      const restarts = eventsOf(system, 'supervisor-restart');
      expect(restarts).toHaveLength(1);
      expect(restarts[0]).toMatchObject({ actor: 'sup', child: 'b', strategy: 'one-for-one', restarted: ['b'] });
      expect(String(restarts[0]!.cause)).toContain('boom in sup/b');
      // Nothing lost: the only message that did not complete is the one that threw.
      expect(letters.map((l) => [l.target, l.type, l.reason])).toEqual([['sup/b', 'boom', 'handler-failed']]);
    });
  });

  it('one-for-one: a handler whose promise rejects is restarted the same way', async () => {
    await withSystem(async (system) => {
      const { a, c } = await startTree(system, OneForOne);
      send(c, 'inc', 'reject', 'inc', 'inc');
      expect(await c.ask('get')).toBe(2);
      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'start:c']);
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.restarted)).toEqual([['c']]);
    });
  });

  it('one-for-all: every child restarts; others stop in reverse order, all start in order', async () => {
    await withSystem(async (system) => {
      const { a, b, c } = await startTree(system, OneForAllRoomy);
      const letters = collect(system);
      send(a, 'inc', 'inc', 'inc');
      send(c, 'inc', 'inc', 'inc', 'inc');
      expect([await a.ask('get'), await c.ask('get')]).toEqual([3, 4]);

      send(b, 'inc', 'boom', 'inc', 'inc');
      expect(await b.ask('get')).toBe(2);
      await waitForEvents(system, 'supervisor-restart', 1);

      expect(await journal(a)).toEqual([
        'start:a', 'start:b', 'start:c',
        'stop:c', 'stop:a',
        'start:a', 'start:b', 'start:c',
      ]);
      // The siblings were restarted too: fresh state.
      expect([await a.ask('get'), await c.ask('get')]).toEqual([0, 0]);
      const restarts = eventsOf(system, 'supervisor-restart');
      expect(restarts).toHaveLength(1);
      expect(restarts[0]).toMatchObject({ actor: 'sup', child: 'b', strategy: 'one-for-all', restarted: ['a', 'b', 'c'] });
      expect(letters.map((l) => [l.target, l.type, l.reason])).toEqual([['sup/b', 'boom', 'handler-failed']]);
    });
  });

  it('rest-for-one: the failed child and those started after it restart; earlier ones keep their state', async () => {
    await withSystem(async (system) => {
      const { a, b, c } = await startTree(system, RestForOne);
      send(a, 'inc', 'inc', 'inc');
      send(b, 'inc', 'inc');
      send(c, 'inc', 'inc', 'inc', 'inc');
      expect([await a.ask('get'), await b.ask('get'), await c.ask('get')]).toEqual([3, 2, 4]);

      send(b, 'boom', 'inc');
      expect(await b.ask('get')).toBe(1);
      await waitForEvents(system, 'supervisor-restart', 1);

      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'start:b', 'start:c']);
      expect([await a.ask('get'), await c.ask('get')]).toEqual([3, 0]);
      expect(eventsOf(system, 'supervisor-restart')[0]).toMatchObject({ child: 'b', strategy: 'rest-for-one', restarted: ['b', 'c'] });
    });
  });

  it('rest-for-one: a failure of the last child restarts only it', async () => {
    await withSystem(async (system) => {
      const { a, b, c } = await startTree(system, RestForOne);
      send(a, 'inc');
      send(b, 'inc');
      send(c, 'boom', 'inc', 'inc');
      expect(await c.ask('get')).toBe(2);
      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'start:c']);
      expect([await a.ask('get'), await b.ask('get')]).toEqual([1, 1]);
    });
  });

  it('repeated failures: each is one restart, the mailbox survives every one of them', async () => {
    await withSystem(async (system) => {
      const { a, b } = await startTree(system, OneForOne);
      send(b, 'inc', 'boom', 'inc', 'boom', 'inc', 'inc', 'boom', 'inc', 'inc', 'inc');
      expect(await b.ask('get')).toBe(3);
      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'start:b', 'start:b', 'start:b']);
      expect(eventsOf(system, 'supervisor-restart')).toHaveLength(3);
    });
  });

  it('simple-one-for-one: dynamic children start at run time; a failed one restarts alone, a transient one that ends normally is gone', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(Dynamic, { id: 'sup' });
      const started: ActorRef<MemberMsg>[] = [];
      for (const id of ['w1', 'w2', 'w3']) started.push((await sup.ask({ type: 'start-child', id })) as ActorRef<MemberMsg>);
      expect(started.map((r) => r.id)).toEqual(['sup/w1', 'sup/w2', 'sup/w3']);
      const [w1, w2, w3] = started as [ActorRef<MemberMsg>, ActorRef<MemberMsg>, ActorRef<MemberMsg>];
      send(w1, 'inc');
      send(w2, 'inc', 'boom', 'inc', 'inc');
      expect(await w2.ask('get')).toBe(2);
      expect(await w1.ask('get')).toBe(1);
      w3.tell('quit');
      await waitForEvents(system, 'supervisor-child-removed', 1);
      const children = (await sup.ask({ type: 'which-children' })) as { id: string; status: string }[];
      expect(children.map((c) => [c.id, c.status])).toEqual([['w1', 'running'], ['w2', 'running']]);
      expect(await journal(w1)).toEqual(['start:w1', 'start:w2', 'start:w3', 'start:w2', 'stop:w3']);
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.restarted)).toEqual([['w2']]);
    });
  });

  it('one-for-all: a sibling restarted while an async handler is in flight starts from fresh state (the old handler cannot write into it)', async () => {
    await withSystem(async (system) => {
      const { a, b } = await startTree(system, OneForAllRoomy);
      send(a, 'inc', 'inc', 'inc', 'inc', 'inc');
      expect(await a.ask('get')).toBe(5);
      // a is inside an async handler (300 ms) that will return { n: 6 } when b fails.
      a.tell('slow-inc');
      await sleep(50);
      b.tell('boom');
      await waitForEvents(system, 'supervisor-restart', 1);
      await sleep(400);
      expect(await journal(a)).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'stop:a', 'start:a', 'start:b', 'start:c']);
      expect(await a.ask('get')).toBe(0);
    });
  });

  it('a restart whose init fails is retried (OTP try_again): the child comes back, nothing escalates', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(Retrying, { id: 'sup' });
      const a = await refOf<MemberMsg>(system, 'sup/a');
      const b = await refOf<MemberMsg>(system, 'sup/b');
      // The restart after this failure runs init a second time, which throws; the third start works.
      a.tell('boom');
      await waitForEvents(system, 'supervisor-restart', 2);
      const kids = await eventually(
        async () => ((await sup.ask({ type: 'which-children' })) as { id: string; status: string }[]).map((k) => [k.id, k.status]),
        (k) => k[0]?.[1] === 'running', 3000, 50);
      expect(kids).toEqual([['a', 'running'], ['b', 'running']]);
      const a2 = await refOf<MemberMsg>(system, 'sup/a');
      expect(await a2.ask('get')).toBe(0);
      expect(journalOf(await b.ask<string[]>('journal'), 'sup').filter((e) => e === 'start:a')).toEqual(['start:a', 'start:a', 'start:a']);
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.child)).toEqual(['a', 'a']);
      expect(eventsOf(system, 'supervisor-escalate')).toEqual([]);
      expect(system.running).toBe(true);
    });
  });
});

