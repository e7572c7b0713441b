import { describe, expect, it } from 'vitest';
import { SystemStoppedError, type ActorRef } from '../../index.js';
import { Fragile, Patient, Root, RootWithTransient, type MemberMsg } from '../fixtures/supervision/tree.js';
import { eventsOf, eventually, journalOf, refOf, rejection, startSystem, waitForEvents, withSystem } from './helpers.js';

/**
 * Restart intensity: more than maxRestarts within withinMs and the supervisor stops its children and
 * fails itself; its parent restarts it (nested), and at the root the system reports and stops.
 */

type Child = { id: string; status: string };

describe('restart intensity and escalation', () => {
  it('a nested supervisor that exceeds its intensity stops its children (reverse order) and is restarted by its parent', async () => {
    await withSystem(async (system) => {
      const root = await system.spawn(Root, { id: 'root' });
      const solo = await refOf<MemberMsg>(system, 'root/solo');
      const a = await refOf<MemberMsg>(system, 'root/team/a');
      solo.tell('inc');
      solo.tell('inc');
      expect(await solo.ask('get')).toBe(2);

      // team is one-for-all with the default intensity (3 in 5 s): the fourth failure escalates.
      for (let i = 0; i < 4; i++) a.tell('boom');
      await waitForEvents(system, 'supervisor-restart', 1, (e) => e.actor === 'root');
      const rootKids = (await root.ask({ type: 'which-children' })) as Child[];
      expect(rootKids.map((c) => [c.id, c.status])).toEqual([['solo', 'running'], ['team', 'running']]);
      const team = await refOf(system, 'root/team');
      const teamKids = (await team.ask({ type: 'which-children' })) as Child[];
      expect(teamKids.map((c) => [c.id, c.status])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'running']]);

      const teamRestarts = eventsOf(system, 'supervisor-restart', (e) => e.actor === 'root/team');
      expect(teamRestarts.map((e) => e.restarted)).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
      const escalations = eventsOf(system, 'supervisor-escalate');
      expect(escalations).toHaveLength(1);
      expect(escalations[0]).toMatchObject({ actor: 'root/team', child: 'a', reason: 'shutdown' });
      const rootRestarts = eventsOf(system, 'supervisor-restart', (e) => e.actor === 'root');
      expect(rootRestarts).toHaveLength(1);
      expect(rootRestarts[0]).toMatchObject({ child: 'team', restarted: ['team'], strategy: 'one-for-one' });
      expect(String(rootRestarts[0]!.cause)).toContain("supervisor 'root/team' gave up");

      // solo is untouched (one-for-one at the root); the team's children are fresh.
      expect(await solo.ask('get')).toBe(2);
      const b = await refOf<MemberMsg>(system, 'root/team/b');
      expect(await b.ask('get')).toBe(0);
      const starts = journalOf(await solo.ask<string[]>('journal'), 'root').filter((e) => e.startsWith('start:'));
      const gen = ['start:team/a', 'start:team/b', 'start:team/c'];
      // initial, three one-for-all restarts, then the restarted team starts its children anew.
      expect(starts).toEqual(['start:solo', ...gen, ...gen, ...gen, ...gen, ...gen]);
      expect(system.running).toBe(true);
    });
  });

  it('the children of a supervisor that gives up are stopped last-started first, each exactly once', async () => {
    await withSystem(async (system) => {
      await system.spawn(Root, { id: 'root' });
      const solo = await refOf<MemberMsg>(system, 'root/solo');
      const a = await refOf<MemberMsg>(system, 'root/team/a');
      for (let i = 0; i < 4; i++) a.tell('boom');
      await waitForEvents(system, 'supervisor-restart', 1, (e) => e.actor === 'root');
      await (await refOf(system, 'root/team')).ask({ type: 'which-children' });
      const life = journalOf(await solo.ask<string[]>('journal'), 'root');
      // After the third one-for-all restart (the last `start:team/c` before the escalation) come
      // the stops of the escalation, then the starts of the restarted team.
      const lastStarts = life.lastIndexOf('start:team/a');
      const escalationStart = life.lastIndexOf('start:team/c', lastStarts - 1);
      const between = life.slice(escalationStart + 1, lastStarts);
      // b and c were running: stopped c then b, once each. a had crashed (OTP: already dead) and
      // runs no postStop; no child is stopped twice.
      expect(between).toEqual(['stop:team/c', 'stop:team/b']);
    });
  });

  it('a root supervisor that exceeds its intensity stops its child, reports root-escalation and the system stops', async () => {
    const system = await startSystem();
    try {
      await system.spawn(Fragile, { id: 'frag' });
      const a = await refOf<MemberMsg>(system, 'frag/a');
      a.tell('inc');
      expect(await a.ask('get')).toBe(1);
      // intensity 2 in 10 s: two restarts, the third failure escalates.
      a.tell('boom');
      a.tell('boom');
      a.tell('boom');
      const root = await system.events.waitFor((e) => e.type === 'root-escalation', 5000);
      expect(root).toMatchObject({ actor: 'frag' });
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.child)).toEqual(['a', 'a']);
      expect(eventsOf(system, 'supervisor-escalate')).toHaveLength(1);
      expect(eventsOf(system, 'supervisor-escalate')[0]).toMatchObject({ actor: 'frag', child: 'a', reason: 'shutdown' });
      expect(await eventually(() => system.running, (r) => !r)).toBe(false);
      expect(await rejection(system.ask(a as ActorRef<MemberMsg>, 'get'))).toBeInstanceOf(SystemStoppedError);
    } finally {
      await system.stop({ deadlineMs: 1000 });
    }
  });

  it('the root of a nested tree escalates when its own child keeps failing: the whole tree and the system stop', async () => {
    const system = await startSystem();
    try {
      await system.spawn(Root, { id: 'root' });
      const solo = await refOf<MemberMsg>(system, 'root/solo');
      for (let i = 0; i < 4; i++) solo.tell('boom');
      const ev = await system.events.waitFor((e) => e.type === 'root-escalation', 5000);
      expect(ev).toMatchObject({ actor: 'root' });
      expect(eventsOf(system, 'supervisor-restart', (e) => e.actor === 'root').map((e) => e.child)).toEqual(['solo', 'solo', 'solo']);
      expect(eventsOf(system, 'supervisor-escalate').map((e) => [e.actor, e.child])).toEqual([['root', 'solo']]);
      expect(await eventually(() => system.running, (r) => !r)).toBe(false);
    } finally {
      await system.stop({ deadlineMs: 1000 });
    }
  });

  it('exactly maxRestarts failures within the window are tolerated', async () => {
    await withSystem(async (system) => {
      await system.spawn(Fragile, { id: 'frag' });
      const a = await refOf<MemberMsg>(system, 'frag/a');
      a.tell('boom');
      a.tell('boom');
      a.tell('inc');
      expect(await a.ask('get')).toBe(1);
      expect(eventsOf(system, 'supervisor-escalate')).toHaveLength(0);
      expect(system.running).toBe(true);
    });
  });

  it('backoff: consecutive restarts of a child wait minMs, then minMs × factor', async () => {
    await withSystem(async (system) => {
      await system.spawn(Patient, { id: 'pat' });
      const a = await refOf<MemberMsg>(system, 'pat/a');
      let t0 = Date.now();
      a.tell('boom');
      a.tell('inc');
      expect(await a.ask('get')).toBe(1);
      const first = Date.now() - t0;
      t0 = Date.now();
      a.tell('boom');
      a.tell('inc');
      expect(await a.ask('get')).toBe(1);
      const second = Date.now() - t0;
      expect(eventsOf(system, 'supervisor-restart').map((e) => e.delayMs)).toEqual([150, 300]);
      expect(first).toBeGreaterThanOrEqual(140);
      expect(second).toBeGreaterThanOrEqual(290);
    });
  });

  it('a transient nested supervisor that gives up is not restarted by its parent (it exits with shutdown, as in OTP)', async () => {
    await withSystem(async (system) => {
      const root = await system.spawn(RootWithTransient, { id: 'root' });
      // Fragile allows 2 restarts: the third failure makes it give up.
      for (let i = 0; i < 3; i++) {
        const a = await refOf<MemberMsg>(system, 'root/sub/a');
        a.tell('boom');
        await waitForEvents(system, i < 2 ? 'supervisor-restart' : 'supervisor-escalate', i < 2 ? i + 1 : 1, (e) => e.actor === 'root/sub');
      }
      const kids = await eventually(async () => (await root.ask({ type: 'which-children' })) as Child[], (k) => k[0]?.status !== 'running', 2000);
      expect(kids.map((c) => [c.id, c.status])).toEqual([['sub', 'stopped']]);
      expect(eventsOf(system, 'supervisor-restart', (e) => e.actor === 'root')).toEqual([]);
      expect(system.exists('root/sub')).toBe(false);
    });
  });
});
