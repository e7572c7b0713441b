import { describe, expect, it } from 'vitest';
import { InvalidOptionError, type ActorRef } from '../../index.js';
import { Recorder, Sleeper, Stasher, type RecorderMsg, type SleeperMsg, type StasherMsg } from '../fixtures/runtime/migrationFixes.js';
import { Bomb, SlowParent, type SpawnKid } from '../fixtures/runtime/lifecycleFixes.js';
import { Plain, SignalWatcher, StrictParent, type SignalSeen } from '../fixtures/runtime/robustness.js';
import { collectDeadLetters, eventually, rejection, sleep, within, withSystem } from './helpers.js';

const signals = (w: ActorRef): Promise<SignalSeen[]> => w.ask<SignalSeen[]>('dump');

describe('what a migrating actor takes with it', () => {
  it('stashed messages and a stashed ask move with it: after open it has seen them all in order, the ask gets its answer', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const st: ActorRef<StasherMsg> = await system.spawn(Stasher, { id: 'st', placement: { worker: 1 } });
      st.tell(1); st.tell(2); st.tell(3);
      const stashedAsk = st.ask<string>({ ask: 4 }, { timeoutMs: 1500 });
      void stashedAsk.catch(() => undefined); // awaited below; not unhandled if an assertion fails first
      st.tell(5);
      expect(await st.ask('dump')).toEqual([]); // all five are stashed now
      await within(system.migrate(st, 2), 1000, 'migrate');
      expect(await st.ask('where')).toBe(2);
      st.tell('open');
      st.tell(6);
      expect(await st.ask('dump')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await within(stashedAsk, 1500, 'the stashed ask')).toBe('answer-4');
      expect(dead.letters).toEqual([]);
    });
  });

  it('an actor with offers parked on its full mailbox refuses to migrate; every offer settles once it drains, nothing lost', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const rec: ActorRef<RecorderMsg> = await system.spawn(Recorder, { id: 'rec', placement: { worker: 1 }, mailbox: { capacity: 2 } });
      rec.tell({ busy: 300 });
      await sleep(20); // it is spinning now: the offers below find the mailbox as they left it
      const settled: string[] = [];
      const offers = [1, 2, 3, 4, 5].map((i) => rec.offer(i).then(() => { settled.push(`${i}:ok`); }, (e: unknown) => { settled.push(`${i}:${(e as Error).name}`); }));
      // Sent while the actor is still busy: it arrives right behind the offers, 3 to 5 of them parked.
      const err = await rejection(system.migrate(rec, 2), 2000);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as Error).message).toContain("'rec'");
      expect((err as Error).message).toContain('offers waiting');
      await within(Promise.all(offers), 1500, 'the offers');
      expect(settled.sort()).toEqual(['1:ok', '2:ok', '3:ok', '4:ok', '5:ok']);
      expect(await rec.ask('dump')).toEqual([1, 2, 3, 4, 5]);
      expect(system.list().find((i) => i.id === 'rec')?.worker).toBe(1);
      // Once they are accepted it migrates.
      await within(system.migrate(rec, 2), 1000, 'migrate after the drain');
      expect(await rec.ask('where')).toBe(2);
      expect(await rec.ask('dump')).toEqual([1, 2, 3, 4, 5]);
      expect(dead.letters).toEqual([]);
    }, { watchdog: false });
  });
});

describe('reaching a migrated actor', () => {
  it('restartWorkers: after its old worker dies and is replaced, the spawn ref, lookup(id) and system.ask(id) still reach it', async () => {
    await withSystem(async (system) => {
      const rec: ActorRef<RecorderMsg> = await system.spawn(Recorder, { id: 'rec', placement: { worker: 1 } });
      const bomb = await system.spawn(Bomb, { id: 'bomb', placement: { worker: 1 } });
      expect(await bomb.ask('where')).toBe(1);
      rec.tell(1);
      await within(system.migrate(rec, 2), 1000, 'migrate');
      rec.tell(2);
      expect(await rec.ask('where')).toBe(2);
      bomb.tell('die');
      await system.events.waitFor((e) => e.type === 'worker-died' && e.worker === 1, 3000);
      await system.events.waitFor((e) => e.type === 'worker-restarted' && e.worker === 1, 3000);
      const answers = await Promise.all([
        rec.ask('where', { timeoutMs: 1000 }),
        system.lookup<RecorderMsg>('rec')!.ask('where', { timeoutMs: 1000 }),
        system.ask('rec', 'where', { timeoutMs: 1000 }),
      ].map((p) => p.catch((e: unknown) => `${(e as Error).name}: ${(e as Error).message}`)));
      expect(answers).toEqual([2, 2, 2]);
      rec.tell(3);
      expect(await rec.ask('dump', { timeoutMs: 1000 })).toEqual([1, 2, 3]);
      expect(system.list().find((i) => i.id === 'rec')?.worker).toBe(2);
    }, { restartWorkers: true, watchdog: false });
  });

  it('an ask relayed by the old worker keeps its own timeout, not the system default', async () => {
    await withSystem(async (system) => {
      const sl: ActorRef<SleeperMsg> = await system.spawn(Sleeper, { id: 'sl', placement: { worker: 1 } });
      // A copy of its ref from before the move (not the one spawn returned): it still routes via worker 1.
      // The setup asks carry their own timeout: the system default here is deliberately short.
      const stale = await sl.ask<ActorRef<SleeperMsg>>('self', { timeoutMs: 5000 });
      await within(system.migrate(sl, 2), 3000, 'migrate');
      expect(await sl.ask('where', { timeoutMs: 5000 })).toBe(2);
      const t0 = performance.now();
      // The system default is 200 ms; this ask allows 5000 ms and the handler takes 500 ms (the
      // bounds are loose for a loaded machine: a relay on the default would fail at 200 ms).
      const answer = await within(stale.ask<string>({ sleep: 500, answer: 'done' }, { timeoutMs: 5000 }), 4000, 'the relayed ask');
      expect(answer).toBe('done');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    }, { askTimeoutMs: 200 });
  });

  it('messages that reach it while its behaviour is still loading on the new worker are checked against its schema', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const p = await system.spawn(StrictParent, { id: 'p', placement: { worker: 1 } });
      const kid = await p.ask<ActorRef<{ n: number }>>('child'); // 'p/kid' on worker 2; worker 3 never loaded Strict
      await eventually(() => system.exists(kid.id), (e) => e, 1000);
      expect(await kid.ask({ n: 1 })).toEqual([1]);
      const moving = system.migrate(kid, 3);
      // Forwarded by worker 2 right behind the actor: they land before Strict has loaded on worker 3.
      kid.tell({ n: 'bad' } as unknown as { n: number });
      kid.tell({ n: 2 });
      kid.tell({ n: 'worse' } as unknown as { n: number });
      await within(moving, 1500, 'migrate');
      expect(await kid.ask({ n: 3 })).toEqual([1, 2, 3]); // the handler never saw the invalid ones
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'p/kid'), (l) => l.length >= 2, 1000);
      await sleep(50);
      expect(letters.map((l) => ({ message: l.message, reason: l.reason }))).toEqual([
        { message: { n: 'bad' }, reason: 'invalid-message' },
        { message: { n: 'worse' }, reason: 'invalid-message' },
      ]);
      expect(dead.letters.filter((l) => l.target === 'p/kid')).toHaveLength(2);
      expect(system.list().find((i) => i.id === 'p/kid')?.worker).toBe(3);
    }, { workers: 3 });
  });
});

describe('a watcher that migrates', () => {
  for (const to of [2, 3]) {
    it(`watching an actor on worker 2 from worker 1 and moved to worker ${to}, it gets exactly one terminated`, async () => {
      await withSystem(async (system) => {
        const w = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: 1 } });
        const x = await system.spawn(Plain, { id: 'x', placement: { worker: 2 } });
        expect(await w.ask({ type: 'watch', ref: x })).toBe('ok');
        await within(system.migrate(w, to), 1000, 'migrate');
        expect(system.list().find((i) => i.id === 'w')?.worker).toBe(to);
        expect(await signals(w)).toEqual([]);
        await system.stopActor(x);
        const seen = await eventually(() => signals(w), (s) => s.length >= 1, 1000);
        await sleep(100);
        expect(seen).toEqual([{ type: 'terminated', ref: 'x', reason: 'normal' }]);
        expect(await signals(w)).toEqual(seen);
      }, { workers: 3 });
    });
  }
});

describe('a child id already taken on the child\'s worker by an unrelated actor', () => {
  for (const [kind, parentId, holderId, kid] of [
    ['named child', 'p', 'p/k', { id: 'k', ms: 0, placement: { worker: 2 } }],
    ['numbered child', 'q', 'q/1', { ms: 0, placement: { worker: 2 } }],
  ] as const) {
    it(`${kind}: the holder keeps its registry entry and outlives the parent's stop`, async () => {
      await withSystem(async (system) => {
        const holder = await system.spawn(Plain, { id: holderId, placement: { worker: 2 } }); // top-level, unrelated
        holder.tell('mine');
        const before = system.list().find((i) => i.id === holderId);
        expect(before).toMatchObject({ id: holderId, worker: 2 });
        expect(before?.parent).toBeUndefined();
        const parent = await system.spawn(SlowParent, { id: parentId, placement: { worker: 1 } });
        // Whatever the parent's spawn gives it, the holder must be left alone.
        await parent.ask<ActorRef>(kid satisfies SpawnKid).catch((e: unknown) => e);
        await sleep(100);
        expect(system.list().find((i) => i.id === holderId)).toEqual(before);
        await within(system.stopActor(parent), 1500, 'stopActor(parent)');
        await sleep(100);
        expect(system.exists(parentId)).toBe(false);
        expect(system.exists(holderId)).toBe(true);
        expect(await holder.ask('dump', { timeoutMs: 1000 })).toEqual(['mine']);
        expect(system.list().find((i) => i.id === holderId)).toEqual(before);
      });
    });
  }
});
