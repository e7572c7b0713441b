import { describe, expect, it } from 'vitest';
import type { ActorSystem, SystemEvent, SystemOptions } from '../../index.js';
import { workerForId } from '../../runtime/Placement.js';
import { Burner, Faulty, Flaky, Hog, Slowpoke } from '../fixtures/supervision/faults.js';
import { SeqKeeper, type SeqState } from '../fixtures/runtime/migration.js';
import { eventually, settledWithin, sleep, withSystem } from './helpers.js';

/**
 * Health monitoring drives supervision. Each policy is induced on a live system and observed: an
 * unhealthy agent is restarted, an overloaded worker takes no new actors, producers outside the
 * system wait while the pool is overloaded, a worker over its heap threshold is recycled. Alerts
 * clear when the condition ends, past the hysteresis margin, and do not flap while it lasts.
 */

interface AlertView { kind: string; state: 'raised' | 'cleared'; subject: { workerId?: string; actorId?: string }; value: number; threshold: number }
type AlertEvent = SystemEvent & { alert: AlertView; actions: string[] };

const none = { restartUnhealthyAgents: false, drainOverloadedWorkers: false, backpressureOnLoad: false, recycleWorkersOverResourceLimit: false };

/** Fast sampling; every threshold out of reach and every policy off unless the test sets it. */
function monitored(monitoring: Record<string, unknown>, extra: SystemOptions = {}): SystemOptions {
  return {
    monitoring: {
      updateIntervalMs: 50, window: { ms: 2000 }, minMessages: 5, hysteresis: 0.05,
      systemLoad: 1, agentHealth: 0, resourceUsage: 1, communicationLatencyMs: 1e9,
      ...monitoring,
      policies: { ...none, ...(monitoring.policies as object) },
    },
    watchdog: { intervalMs: 50, unresponsiveMs: 5000 },
    ...extra,
  };
}

const isAlert = (kind: string, state: 'raised' | 'cleared', subject: (s: AlertView['subject']) => boolean) =>
  (e: SystemEvent): boolean => e.type === 'alert' && (e as AlertEvent).alert.kind === kind && (e as AlertEvent).alert.state === state && subject((e as AlertEvent).alert.subject);

const onWorker = (w: string) => (s: AlertView['subject']): boolean => s.workerId === w && s.actorId === undefined;
const onPool = (s: AlertView['subject']): boolean => s.workerId === undefined && s.actorId === undefined;

function alerts(system: ActorSystem, kind: string, subject: (s: AlertView['subject']) => boolean): AlertEvent[] {
  return system.events.recent().filter((e) => e.type === 'alert' && (e as AlertEvent).alert.kind === kind && subject((e as AlertEvent).alert.subject)) as AlertEvent[];
}

/** An id that hash placement puts on `worker` (of 2). */
function idOn(worker: number, prefix: string, skip = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const id = `${prefix}-${i}`;
    if (workerForId(id, 2) === worker && found++ === skip) return id;
  }
}

describe('monitoring policies', () => {
  it('restart-actor: an agent below the health threshold is restarted; the alert clears once it is healthy again', async () => {
    await withSystem(async (system) => {
      const onTopic: AlertView[] = [];
      system.subscribe('troupe.alerts', (a) => onTopic.push(a as AlertView));
      const flaky = await system.spawn(Flaky, { id: 'flaky', placement: { worker: 1 } });
      for (let i = 0; i < 5; i++) flaky.tell('ok');
      for (let i = 0; i < 5; i++) flaky.tell('fail');

      const raised = (await system.events.waitFor(isAlert('agentHealth', 'raised', (s) => s.actorId === 'flaky'), 5000)) as AlertEvent;
      expect(raised.actions).toEqual(['restart-actor']);
      expect(raised.alert.value).toBeLessThan(0.9);
      expect(raised.alert.subject.workerId).toBe('1');
      // Each failure was a default in-place restart (1 + 5 starts); the policy's restart is one more.
      expect(await eventually(() => flaky.ask<number>('starts'), (n) => n >= 7)).toBe(7);
      expect(system.events.recent().filter((e) => e.type === 'restart' && e.actor === 'flaky')).toHaveLength(5);
      expect(system.alerts.current().map((a) => [a.kind, a.subject.actorId])).toContainEqual(['agentHealth', 'flaky']);

      // Healthy again: 0.9 × (1 + 0.05) = 0.945 must be reached before it clears.
      for (let i = 0; i < 200; i++) flaky.tell('ok');
      expect(await flaky.ask('get')).toBe(200);
      const cleared = (await system.events.waitFor(isAlert('agentHealth', 'cleared', (s) => s.actorId === 'flaky'), 5000)) as AlertEvent;
      expect(cleared.alert.value).toBeGreaterThanOrEqual(0.945);
      expect(system.alerts.current().filter((a) => a.kind === 'agentHealth')).toEqual([]);
      // One episode, one restart: the policy did not fire again while the alert was up.
      expect(alerts(system, 'agentHealth', (s) => s.actorId === 'flaky').map((e) => e.alert.state)).toEqual(['raised', 'cleared']);
      expect(await flaky.ask('starts')).toBe(7);
      expect(system.alerts.recent().find((a) => a.kind === 'agentHealth')?.state).toBe('cleared');
      // Alerts are also published on the troupe.alerts topic.
      expect(onTopic.map((a) => [a.kind, a.state, a.subject.actorId])).toEqual([['agentHealth', 'raised', 'flaky'], ['agentHealth', 'cleared', 'flaky']]);
    }, monitored({ agentHealth: 0.9, policies: { restartUnhealthyAgents: true } }));
  });

  it('drain-worker: while worker 1 is overloaded new actors avoid it (hash and least-loaded); once the alert clears it takes actors again', async () => {
    await withSystem(async (system) => {
      const burner = await system.spawn(Burner, { id: 'burner', placement: { worker: 1 } });
      burner.tell({ t: 'burn', until: Date.now() + 3500 });
      const raised = (await system.events.waitFor(isAlert('systemLoad', 'raised', onWorker('1')), 6000)) as AlertEvent;
      expect(raised.actions).toEqual(['drain-worker']);
      expect(raised.alert.value).toBeGreaterThan(0.7);

      // Ids that hash placement would put on worker 1 go to worker 2 instead.
      const hashed = [];
      for (let k = 0; k < 4; k++) hashed.push(await system.spawn(Faulty, { id: idOn(1, 'hashed', k) }));
      // Worker 2 now has more actors, yet least-loaded does not pick worker 1 either.
      const least = [];
      for (let k = 0; k < 3; k++) least.push(await system.spawn(Faulty, { id: `least-${k}`, placement: 'least-loaded' }));
      const stillRaised = system.alerts.current().some((a) => a.kind === 'systemLoad' && a.subject.workerId === '1');
      expect(stillRaised).toBe(true);
      expect(hashed.map((r) => system.list().find((a) => a.id === r.id)?.worker)).toEqual([2, 2, 2, 2]);
      expect(least.map((r) => system.list().find((a) => a.id === r.id)?.worker)).toEqual([2, 2, 2]);
      // They work where they are.
      for (const r of [...hashed, ...least]) expect(await r.ask('worker')).toBe(2);
      // The pool as a whole was not overloaded: no backpressure episode.
      expect(alerts(system, 'systemLoad', onPool)).toEqual([]);

      const cleared = (await system.events.waitFor(isAlert('systemLoad', 'cleared', onWorker('1')), 8000)) as AlertEvent;
      // Hysteresis: cleared only at or below 0.7 × (1 − 0.05).
      expect(cleared.alert.value).toBeLessThanOrEqual(0.7 * 0.95);
      // One raise and one clear for the whole episode: no flapping while the load lasted.
      expect(alerts(system, 'systemLoad', onWorker('1')).map((e) => e.alert.state)).toEqual(['raised', 'cleared']);
      expect(system.alerts.current()).toEqual([]);
      const back = await system.spawn(Faulty, { id: idOn(1, 'back') });
      expect(system.list().find((a) => a.id === back.id)?.worker).toBe(1);
      expect(await back.ask('worker')).toBe(1);
    }, monitored({ systemLoad: 0.7, policies: { drainOverloadedWorkers: true } }));
  });

  it('drain-worker: the actor with the deepest mailbox on the overloaded worker migrates to a calmer one with its state and backlog', async () => {
    await withSystem(async (system) => {
      const burner = await system.spawn(Burner, { id: 'burner', placement: { worker: 1 } });
      const keeper = await system.spawn(SeqKeeper, { id: 'keeper', placement: { worker: 1 } });
      for (let i = 1; i <= 2_000; i++) keeper.tell(i);
      burner.tell({ t: 'burn', until: Date.now() + 3000 });
      const moved = await system.events.waitFor((e) => e.type === 'actor-migrated', 8000);
      expect(moved).toMatchObject({ actor: 'keeper', from: 1, to: 2 });
      expect(await keeper.ask('where', { timeoutMs: 20_000 })).toBe(2);
      const s = await keeper.ask<SeqState>('state', { timeoutMs: 20_000 });
      expect(s.seen.length).toBe(2_000);
      expect(s.seen.every((v, i) => v === i + 1)).toBe(true);
    }, monitored({ systemLoad: 0.7, policies: { drainOverloadedWorkers: true } }));
  }, 40_000);

  it('apply-backpressure: while the whole pool is overloaded system.offer waits; it goes through once the alert clears', async () => {
    await withSystem(async (system) => {
      const target = await system.spawn(Faulty, { id: 'target', placement: { worker: 1 } });
      await system.offer(target, 'inc');
      const until = Date.now() + 3000;
      for (const w of [1, 2]) (await system.spawn(Burner, { id: `burner-${w}`, placement: { worker: w } })).tell({ t: 'burn', until });

      const raised = (await system.events.waitFor(isAlert('systemLoad', 'raised', onPool), 6000)) as AlertEvent;
      expect(raised.actions).toEqual(['apply-backpressure']);
      const offered = system.offer(target, 'inc');
      const early = await settledWithin(offered, 300);
      const stillRaised = system.alerts.current().some((a) => a.kind === 'systemLoad' && a.subject.workerId === undefined);
      expect([early, stillRaised]).toEqual(['pending', true]);

      const cleared = (await system.events.waitFor(isAlert('systemLoad', 'cleared', onPool), 8000)) as AlertEvent;
      expect(cleared.actions).toEqual(['release-backpressure']);
      expect(cleared.alert.value).toBeLessThanOrEqual(0.6 * 0.95);
      expect(await settledWithin(offered, 2000)).toBe('resolved');
      // Held, not dropped: both offers reached the actor.
      expect(await target.ask('get')).toBe(2);
      expect(alerts(system, 'systemLoad', onPool).map((e) => e.alert.state)).toEqual(['raised', 'cleared']);
      // With the pool overloaded there is nowhere to drain to: no worker was drained.
      await system.offer(target, 'inc');
      expect(await target.ask('get')).toBe(3);
    }, monitored({ systemLoad: 0.6, policies: { backpressureOnLoad: true } }));
  });

  it('recycle-worker: a worker over the heap threshold is replaced, its actors re-hosted fresh; the alert clears with it', async () => {
    await withSystem(async (system) => {
      const hog = await system.spawn(Hog, { id: 'hog', placement: { worker: 2 } });
      const calm = await system.spawn(Faulty, { id: 'calm', args: 1, placement: { worker: 1 } });
      calm.tell('inc');
      expect(await calm.ask('get')).toBe(2);
      expect(await hog.ask({ t: 'hold', mb: 40 })).toBe(40);

      const raised = (await system.events.waitFor(isAlert('resourceUsage', 'raised', onWorker('2')), 5000)) as AlertEvent;
      expect(raised.actions).toEqual(['recycle-worker']);
      expect(raised.alert.value).toBeGreaterThan(0.3);
      const died = await system.events.waitFor((e) => e.type === 'worker-died' && e.worker === 2, 5000);
      expect(died.at).toBeGreaterThanOrEqual(raised.at);
      const restarted = await system.events.waitFor((e) => e.type === 'worker-restarted' && e.worker === 2, 10_000);
      expect(restarted.rehosted).toBe(1);
      await system.events.waitFor(isAlert('resourceUsage', 'cleared', onWorker('2')), 5000);

      // Fresh state on a fresh heap; worker 1 untouched.
      expect(await hog.ask({ t: 'held' })).toBe(0);
      expect(await calm.ask('get')).toBe(2);
      // The successor stays under the threshold: no second recycle.
      await sleep(400);
      expect(alerts(system, 'resourceUsage', onWorker('2')).map((e) => e.alert.state)).toEqual(['raised', 'cleared']);
      expect(system.events.recent().filter((e) => e.type === 'worker-died').map((e) => e.worker)).toEqual([2]);
    }, monitored({ resourceUsage: 0.3, policies: { recycleWorkersOverResourceLimit: true } }, { resourceLimits: { maxOldGenerationSizeMb: 64 } }));
  });
});
