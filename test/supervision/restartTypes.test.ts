import { describe, expect, it } from 'vitest';
import type { ActorRef, ActorSystem, DeadLetter } from '../../index.js';
import { Kinds, type MemberMsg } from '../fixtures/supervision/tree.js';
import { eventsOf, eventually, journalOf, refOf, waitForEvents, withSystem } from './helpers.js';

/**
 * OTP restart types on a live supervisor (Kinds: p permanent, t transient, tmp temporary):
 * permanent is always restarted, transient only after an abnormal exit, temporary never.
 */

type Child = { id: string; status: string; restart: string };

async function start(system: ActorSystem): Promise<{ sup: ActorRef; p: ActorRef<MemberMsg>; t: ActorRef<MemberMsg>; tmp: ActorRef<MemberMsg> }> {
  const sup = await system.spawn(Kinds, { id: 'sup' });
  return { sup, p: await refOf(system, 'sup/p'), t: await refOf(system, 'sup/t'), tmp: await refOf(system, 'sup/tmp') };
}

/** which-children; also a barrier: the supervisor answers only after it finished its last decision. */
const children = async (sup: ActorRef): Promise<[string, string][]> =>
  ((await sup.ask({ type: 'which-children' })) as Child[]).map((c) => [c.id, c.status]);

/** Start journal of the supervisor's children (stops are left out: see the postStop tests). */
const starts = async (ref: ActorRef<MemberMsg>): Promise<string[]> =>
  journalOf(await ref.ask<string[]>('journal'), 'sup').filter((e) => e.startsWith('start:'));

describe('restart types', () => {
  it('permanent: restarted after a failure and after a normal exit', async () => {
    await withSystem(async (system) => {
      const { sup, p, t } = await start(system);
      p.tell('inc');
      p.tell('inc');
      p.tell('boom');
      p.tell('inc');
      expect(await p.ask('get')).toBe(1);

      p.tell('quit');
      await waitForEvents(system, 'supervisor-restart', 2, (e) => e.child === 'p');
      expect(await children(sup)).toEqual([['p', 'running'], ['t', 'running'], ['tmp', 'running']]);
      const p2 = await refOf<MemberMsg>(system, 'sup/p');
      expect(await p2.ask('get')).toBe(0);
      expect(await starts(t)).toEqual(['start:p', 'start:t', 'start:tmp', 'start:p', 'start:p']);
      const restarts = eventsOf(system, 'supervisor-restart');
      expect(restarts.map((e) => [e.child, e.cause])).toEqual([['p', 'error: boom in sup/p'], ['p', 'normal']]);
    });
  });

  it('transient: restarted after a failure, not after a normal exit (spec kept: restart-child brings it back)', async () => {
    await withSystem(async (system) => {
      const { sup, p, t } = await start(system);
      t.tell('boom');
      t.tell('inc');
      expect(await t.ask('get')).toBe(1);
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.child)).toEqual(['t']);

      t.tell('quit');
      await waitForEvents(system, 'supervisor-child-removed', 1, (e) => e.child === 't');
      expect(await children(sup)).toEqual([['p', 'running'], ['t', 'stopped'], ['tmp', 'running']]);
      expect(await eventually(() => system.lookup('sup/t'), (r) => r === undefined)).toBeUndefined();
      expect(eventsOf(system, 'supervisor-restart')).toHaveLength(1);
      expect(await starts(p)).toEqual(['start:p', 'start:t', 'start:tmp', 'start:t']);

      // OTP restart_child: the kept spec starts again (and does not count as a restart).
      expect(await sup.ask({ type: 'restart-child', id: 't' })).toBe(true);
      expect(await children(sup)).toEqual([['p', 'running'], ['t', 'running'], ['tmp', 'running']]);
      const t2 = await refOf<MemberMsg>(system, 'sup/t');
      expect(await t2.ask('get')).toBe(0);
      expect(await starts(p)).toEqual(['start:p', 'start:t', 'start:tmp', 'start:t', 'start:t']);
    });
  });

  it('temporary: never restarted; its spec is dropped and the messages it still held become dead letters', async () => {
    await withSystem(async (system) => {
      const letters: DeadLetter[] = [];
      system.deadLetters.subscribe((l) => letters.push(l));
      const { sup, p, tmp } = await start(system);
      tmp.tell('inc');
      tmp.tell('boom');
      tmp.tell('inc');
      tmp.tell('inc');
      await waitForEvents(system, 'supervisor-child-removed', 1, (e) => e.child === 'tmp');
      expect(await children(sup)).toEqual([['p', 'running'], ['t', 'running']]);
      expect(await eventually(() => system.lookup('sup/tmp'), (r) => r === undefined)).toBeUndefined();
      expect(eventsOf(system, 'supervisor-restart')).toHaveLength(0);
      expect(await starts(p)).toEqual(['start:p', 'start:t', 'start:tmp']);
      // Nothing vanished: the failing message and the two behind it are accounted for.
      const mine = await eventually(() => letters.filter((l) => l.target === 'sup/tmp'), (ls) => ls.length >= 3);
      expect(mine.map((l) => [l.type, l.reason])).toEqual([['boom', 'handler-failed'], ['inc', 'stopped'], ['inc', 'stopped']]);
    });
  });

  it('temporary: a normal exit is not restarted either', async () => {
    await withSystem(async (system) => {
      const { sup, p, tmp } = await start(system);
      tmp.tell('quit');
      await waitForEvents(system, 'supervisor-child-removed', 1, (e) => e.child === 'tmp');
      expect(await children(sup)).toEqual([['p', 'running'], ['t', 'running']]);
      expect(await starts(p)).toEqual(['start:p', 'start:t', 'start:tmp']);
      expect(eventsOf(system, 'supervisor-restart')).toHaveLength(0);
    });
  });
});
