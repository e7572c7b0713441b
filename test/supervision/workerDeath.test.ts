import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerDiedError, type ActorRef, type ActorSystem, type SystemEvent } from '../../index.js';
import { Asker, Faulty, FarSupervisor, FaultySupervisor, RemoteKinds, Sleeper, SplitAll } from '../fixtures/supervision/faults.js';
import { OneForOne, type MemberMsg } from '../fixtures/supervision/tree.js';
import { journalOf, refOf, rejection, withSystem } from './helpers.js';

/**
 * A worker thread that dies (process.exit in a handler, an uncaught error in a timer, out of memory
 * under resourceLimits) is replaced: actors started from the main thread are re-hosted on the
 * successor with fresh state (or their snapshot when persistent), messages sent once the death is
 * known are held and delivered after the restart, asks pending at the death reject with
 * WorkerDiedError, and supervisors on other workers restart the children they lost.
 */

type F = 'inc' | 'get' | 'exit' | 'hang' | 'oom' | 'throw-async' | 'worker';

const diedOn = (worker: number) => (e: SystemEvent): boolean => e.type === 'worker-died' && e.worker === worker;
const restartedOn = (worker: number) => (e: SystemEvent): boolean => e.type === 'worker-restarted' && e.worker === worker;

interface Scene {
  victim: ActorRef<F>;
  bystander: ActorRef<F>;
  elsewhere: ActorRef<F>;
  sleeper: ActorRef<'slow' | 'get'>;
}

/** victim (args 5), bystander (args 50) and a sleeper on worker 2; elsewhere (args 7) on worker 1. */
async function scene(system: ActorSystem): Promise<Scene> {
  const victim = await system.spawn(Faulty, { id: 'victim', args: 5, placement: { worker: 2 } });
  const bystander = await system.spawn(Faulty, { id: 'bystander', args: 50, placement: { worker: 2 } });
  const elsewhere = await system.spawn(Faulty, { id: 'elsewhere', args: 7, placement: { worker: 1 } });
  const sleeper = await system.spawn(Sleeper, { id: 'sleeper', args: 20_000, placement: { worker: 2 } });
  for (let i = 0; i < 10; i++) victim.tell('inc');
  for (let i = 0; i < 3; i++) bystander.tell('inc');
  for (let i = 0; i < 2; i++) elsewhere.tell('inc');
  expect([await victim.ask('get'), await bystander.ask('get'), await elsewhere.ask('get')]).toEqual([15, 53, 9]);
  return { victim, bystander, elsewhere, sleeper };
}

/**
 * Kill worker 2 with `fault` sent to the victim, and check everything the recovery promises.
 * Returns the worker-died event.
 */
async function killAndCheck(system: ActorSystem, fault: F, s: Scene): Promise<SystemEvent> {
  // Pending at the moment of death: an ask the sleeper answers only after 20 s, and the fault itself.
  const slow = s.sleeper.ask('slow', { timeoutMs: 30_000 });
  const faultAsk = fault === 'throw-async' ? undefined : s.victim.ask(fault, { timeoutMs: 30_000 });
  if (fault === 'throw-async') s.victim.tell(fault);

  const died = await system.events.waitFor(diedOn(2), 15_000);
  const t0 = Date.now();
  // Sent once the death is known: held for the successor, delivered after the re-hosting.
  for (let i = 0; i < 3; i++) s.victim.tell('inc');
  for (let i = 0; i < 2; i++) s.bystander.tell('inc');
  const heldAsk = s.bystander.ask<number>('get', { timeoutMs: 10_000 });

  const slowErr = await rejection(slow, 10_000);
  expect(slowErr).toBeInstanceOf(WorkerDiedError);
  expect(Date.now() - t0).toBeLessThan(5000);
  if (faultAsk !== undefined) expect(await rejection(faultAsk, 10_000)).toBeInstanceOf(WorkerDiedError);

  const restarted = await system.events.waitFor(restartedOn(2), 15_000);
  // Everything spawned from the main thread on worker 2 came back.
  expect(restarted.rehosted).toBe(3);
  // Fresh state from init (args), plus exactly the held messages, in order before the held ask.
  expect(await heldAsk).toBe(52);
  expect(await s.victim.ask('get')).toBe(8);
  expect(await s.victim.ask('worker')).toBe(2);
  expect(await s.sleeper.ask('get')).toBe('awake');
  // Worker 1 was not touched.
  expect(await s.elsewhere.ask('get')).toBe(9);
  expect(system.events.recent().filter((e) => e.type === 'worker-died')).toHaveLength(1);
  return died;
}

describe('worker death', () => {
  it('process.exit in a handler: the worker is replaced, its actors re-hosted fresh, held messages delivered, pending asks reject', async () => {
    await withSystem(async (system) => {
      const s = await scene(system);
      // An ask from an actor on worker 1, pending at the death, fails the same way.
      const asker = await system.spawn(Asker, { id: 'asker', placement: { worker: 1 } });
      const viaActor = asker.ask({ target: s.sleeper, message: 'slow' }, { timeoutMs: 30_000 });
      const died = await killAndCheck(system, 'exit', s);
      expect((died.cause as { message: string }).message).toContain('code 3');
      expect(await viaActor).toBe('WorkerDiedError');
    });
  });

  it('an uncaught error in a timer kills the worker; same recovery', async () => {
    await withSystem(async (system) => {
      const died = await killAndCheck(system, 'throw-async', await scene(system));
      expect((died.cause as { message: string }).message).toContain('uncaught in a timer');
    });
  });

  it('out of memory under resourceLimits kills the worker; same recovery', async () => {
    await withSystem(async (system) => {
      const died = await killAndCheck(system, 'oom', await scene(system));
      expect(JSON.stringify(died.cause)).toMatch(/memory/i);
    }, { resourceLimits: { maxOldGenerationSizeMb: 48 } });
  });

  it('a supervisor on worker 1 restarts the child it lost with worker 2', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(FaultySupervisor, { id: 'fs', placement: { worker: 1 } });
      const x = await refOf<F>(system, 'fs/x');
      expect(await x.ask('worker')).toBe(2);
      for (let i = 0; i < 5; i++) x.tell('inc');
      expect(await x.ask('get')).toBe(105);

      x.tell('exit');
      await system.events.waitFor(diedOn(2), 10_000);
      const restart = await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.actor === 'fs', 10_000);
      expect(restart).toMatchObject({ child: 'x', restarted: ['x'], strategy: 'one-for-one' });
      expect(String(restart.cause)).toContain('worker-died');
      const restarted = await system.events.waitFor(restartedOn(2), 10_000);
      // The child is the supervisor's to restart, not the main thread's to re-host.
      expect(restarted.rehosted).toBe(0);

      const kids = (await sup.ask({ type: 'which-children' })) as { id: string; status: string }[];
      expect(kids.map((k) => [k.id, k.status])).toEqual([['x', 'running']]);
      const x2 = await refOf<F>(system, 'fs/x');
      expect(await x2.ask('get')).toBe(100);
      expect(await x2.ask('worker')).toBe(2);
      x2.tell('inc');
      expect(await x2.ask('get')).toBe(101);
      expect(system.events.recent().filter((e) => e.type === 'supervisor-restart')).toHaveLength(1);
    });
  });

  it('messages sent to a supervised child once its worker is known dead reach the restarted child', async () => {
    await withSystem(async (system) => {
      await system.spawn(FaultySupervisor, { id: 'fs', placement: { worker: 1 } });
      const x = await refOf<F>(system, 'fs/x');
      for (let i = 0; i < 5; i++) x.tell('inc');
      expect(await x.ask('get')).toBe(105);
      const dead: string[] = [];
      system.deadLetters.subscribe((l) => dead.push(`${l.target}:${l.type}:${l.reason}`));

      x.tell('exit');
      await system.events.waitFor(diedOn(2), 10_000);
      for (let i = 0; i < 3; i++) x.tell('inc');
      await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.actor === 'fs', 10_000);
      await system.events.waitFor(restartedOn(2), 10_000);
      const x2 = await refOf<F>(system, 'fs/x');
      // Fresh state (100) plus the three held increments: nothing sent after the death was dropped.
      expect(await x2.ask('get')).toBe(103);
      expect(dead).toEqual([]);
    });
  });

  it('a supervisor re-hosted with its worker starts its children again, in order', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(OneForOne, { id: 'sup', placement: { worker: 2 } });
      const killer = await system.spawn(Faulty, { id: 'killer', placement: { worker: 2 } });
      const a = await refOf<MemberMsg>(system, 'sup/a');
      a.tell('inc');
      expect(await a.ask('get')).toBe(1);

      killer.tell('exit');
      const restarted = await system.events.waitFor(restartedOn(2), 10_000);
      expect(restarted.rehosted).toBe(2);
      const kids = (await sup.ask({ type: 'which-children' })) as { id: string; status: string }[];
      expect(kids.map((k) => [k.id, k.status])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'running']]);
      const a2 = await refOf<MemberMsg>(system, 'sup/a');
      expect(await a2.ask('get')).toBe(0);
      // The successor is a fresh thread: its journal holds only the re-hosted supervisor's starts.
      expect(journalOf(await a2.ask<string[]>('journal'), 'sup')).toEqual(['start:a', 'start:b', 'start:c']);
      expect(await (await refOf<MemberMsg>(system, 'sup/c')).ask('get')).toBe(0);
    });
  });

  it('a supervisor lost with its worker takes its children on other workers down with it; the re-hosted one starts them fresh', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(FarSupervisor, { id: 'far', placement: { worker: 2 } });
      const killer = await system.spawn(Faulty, { id: 'killer', placement: { worker: 2 } });
      const x = await refOf<F>(system, 'far/x');
      expect(await x.ask('worker')).toBe(1);
      for (let i = 0; i < 5; i++) x.tell('inc');
      expect(await x.ask('get')).toBe(105);

      killer.tell('exit');
      await system.events.waitFor(restartedOn(2), 10_000);
      const kids = (await sup.ask({ type: 'which-children' })) as { id: string; status: string }[];
      expect(kids.map((k) => [k.id, k.status])).toEqual([['x', 'running']]);
      // OTP: children are linked to their supervisor and die with it; the re-hosted supervisor's
      // child starts from its spec, it is not the orphan of the dead one.
      const x2 = await refOf<F>(system, 'far/x');
      expect(await x2.ask('get')).toBe(100);
      expect(system.list().filter((a) => a.id === 'far/x')).toHaveLength(1);
    });
  });

  it('children lost with a worker are restarted per their restart type: permanent and transient come back, temporary is dropped', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(RemoteKinds, { id: 'rk', placement: { worker: 1 } });
      const killer = await system.spawn(Faulty, { id: 'killer', placement: { worker: 2 } });
      for (const id of ['p', 't', 'tmp']) (await refOf<F>(system, `rk/${id}`)).tell('inc');
      expect(await (await refOf<F>(system, 'rk/tmp')).ask('get')).toBe(31);

      killer.tell('exit');
      await system.events.waitFor(restartedOn(2), 10_000);
      await system.events.waitFor((e) => e.type === 'supervisor-child-removed' && e.child === 'tmp', 10_000);
      await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.child === 't', 10_000);
      await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.child === 'p', 10_000);
      const kids = (await sup.ask({ type: 'which-children' })) as { id: string; status: string }[];
      expect(kids.map((k) => [k.id, k.status])).toEqual([['p', 'running'], ['t', 'running']]);
      expect(await (await refOf<F>(system, 'rk/p')).ask('get')).toBe(10);
      expect(await (await refOf<F>(system, 'rk/t')).ask('get')).toBe(20);
      expect(system.lookup('rk/tmp')).toBeUndefined();
    });
  });

  it('one-for-all across workers: losing the child on worker 2 restarts its siblings on worker 1 too', async () => {
    await withSystem(async (system) => {
      const sup = await system.spawn(SplitAll, { id: 'sa', placement: { worker: 1 } });
      const [a, b, c] = [await refOf<F>(system, 'sa/a'), await refOf<F>(system, 'sa/b'), await refOf<F>(system, 'sa/c')];
      for (const r of [a, c]) { r.tell('inc'); r.tell('inc'); }
      expect([await a.ask('get'), await c.ask('get')]).toEqual([3, 5]);

      b.tell('exit');
      const restart = await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.actor === 'sa', 10_000);
      expect(restart).toMatchObject({ child: 'b', restarted: ['a', 'b', 'c'] });
      await system.events.waitFor(restartedOn(2), 10_000);
      await sup.ask({ type: 'which-children' });
      expect([await a.ask('get'), await (await refOf<F>(system, 'sa/b')).ask('get'), await c.ask('get')]).toEqual([1, 2, 3]);
      expect(await (await refOf<F>(system, 'sa/b')).ask('worker')).toBe(2);
    });
  });

  it('a persistent actor re-hosted after its worker died resumes from its LMDB state, then takes the held messages', async () => {
    const path = mkdtempSync(join(tmpdir(), 'troupe-supervision-'));
    try {
      await withSystem(async (system) => {
        const p = await system.spawn(Faulty, { id: 'durable', args: 0, placement: { worker: 2 }, persistent: { snapshotEvery: 1 } });
        const killer = await system.spawn(Faulty, { id: 'killer', placement: { worker: 2 } });
        for (let i = 0; i < 10; i++) await p.offer('inc');
        expect(await p.ask('get')).toBe(10);

        killer.tell('exit');
        await system.events.waitFor(diedOn(2), 10_000);
        for (let i = 0; i < 3; i++) p.tell('inc');
        const held = p.ask('get', { timeoutMs: 10_000 });
        await system.events.waitFor(restartedOn(2), 10_000);
        expect(await held).toBe(13);
        expect(await killer.ask('get')).toBe(0);
      }, { persistence: { path, noSync: true } });
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  it('an infinite loop: the watchdog replaces the worker; its actors are re-hosted and answer again', async () => {
    await withSystem(async (system) => {
      const hang = await system.spawn(Faulty, { id: 'spinner', args: 1, placement: { worker: 2 } });
      const bystander = await system.spawn(Faulty, { id: 'bystander', args: 50, placement: { worker: 2 } });
      const elsewhere = await system.spawn(Faulty, { id: 'elsewhere', args: 7, placement: { worker: 1 } });
      const sup = await system.spawn(FaultySupervisor, { id: 'fs', placement: { worker: 1 } });
      const x = await refOf<F>(system, 'fs/x');
      bystander.tell('inc');
      elsewhere.tell('inc');
      x.tell('inc');
      expect([await bystander.ask('get'), await elsewhere.ask('get'), await x.ask('get')]).toEqual([51, 8, 101]);

      hang.tell('hang');
      // Queued behind the loop: pending when the watchdog gives up on the worker.
      const stuck = bystander.ask('get', { timeoutMs: 30_000 });
      const unresponsive = await system.events.waitFor((e) => e.type === 'worker-unresponsive', 10_000);
      expect(unresponsive.worker).toBe(2);
      await system.events.waitFor(diedOn(2), 10_000);
      expect(await rejection(stuck, 5000)).toBeInstanceOf(WorkerDiedError);
      bystander.tell('inc');
      const restarted = await system.events.waitFor(restartedOn(2), 10_000);
      expect(restarted.rehosted).toBe(2);

      expect(await bystander.ask('get')).toBe(51);
      expect(await hang.ask('get')).toBe(1);
      expect(await elsewhere.ask('get')).toBe(8);
      await system.events.waitFor((e) => e.type === 'supervisor-restart' && e.actor === 'fs', 10_000);
      await sup.ask({ type: 'which-children' });
      expect(await (await refOf<F>(system, 'fs/x')).ask('get')).toBe(100);
      // Only worker 2 was replaced.
      expect(system.events.recent().filter((e) => e.type === 'worker-died').map((e) => e.worker)).toEqual([2]);
    }, { watchdog: { intervalMs: 100, unresponsiveMs: 800 } });
  });
});
