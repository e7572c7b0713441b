import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActorFailedError, ActorNotFoundError, type ActorRef, type ActorSystem } from '../../index.js';
import {
  AllForOnePair, Bomb, Linker, SlowParent, type SlowAnswerMsg, type SpawnKid, type Where,
} from '../fixtures/runtime/lifecycleFixes.js';
import { Plain, SignalWatcher, type SignalSeen } from '../fixtures/runtime/robustness.js';
import { eventually, rejection, sleep, startSystem, within, withSystem } from './helpers.js';

/** A fresh file under the OS temp dir for postStops to append to; removed by `done`. */
function journalFile(): { file: string; lines: () => string[]; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-lifecycle-'));
  const file = join(dir, 'journal.txt');
  const lines = (): string[] => {
    try { return readFileSync(file, 'utf8').split('\n').filter((l) => l !== ''); } catch { return []; }
  };
  return { file, lines, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const signals = (w: ActorRef): Promise<SignalSeen[]> => w.ask<SignalSeen[]>('dump');

describe('supervisor restart with an async handler in flight', () => {
  it('the in-flight ask rejects at once with ActorFailedError; a later ask gets its own answer, not the old one', async () => {
    await withSystem(async (system) => {
      await system.spawn(AllForOnePair, { id: 'sup', placement: { worker: 1 } });
      const b = await eventually(() => system.lookup<SlowAnswerMsg>('sup/b'), (r) => r !== undefined, 1000);
      expect(b).toBeDefined();
      const t0 = performance.now();
      const ask1 = rejection(b!.ask({ type: 'slow', ms: 300, tag: 'answer-to-ask1' }, { timeoutMs: 3000 }), 4000);
      await sleep(50);
      system.tell('sup/a', { type: 'boom' }); // one-for-all: b is taken down (mid-handler) and restarted
      await sleep(50);
      // In flight when the old handler of ask1 finishes (at ~300 ms) and replies.
      const ask2 = b!.ask<string>({ type: 'slow', ms: 300, tag: 'answer-to-ask2' }, { timeoutMs: 3000 });
      const err = await ask1;
      expect(performance.now() - t0).toBeLessThan(1000); // not the 3 s ask timeout
      expect(err).toBeInstanceOf(ActorFailedError);
      expect((err as Error).message).toContain("'sup/b'");
      expect((err as Error).message).toContain('taken down by its supervisor');
      expect(await within(ask2, 2000, 'ask2')).toBe('answer-to-ask2');
      const restarts = system.events.recent().filter((e) => e.type === 'supervisor-restart');
      expect(restarts).toHaveLength(1);
      expect(restarts[0]).toMatchObject({ actor: 'sup', child: 'a', strategy: 'one-for-all' });
    }, { workers: 1, askTimeoutMs: 3000 });
  });
});

describe('a stopping parent waits for its children', () => {
  it('stopActor(parent) resolves after both children\'s async postStops (own worker and another); the parent\'s runs last', async () => {
    const j = journalFile();
    try {
      await withSystem(async (system) => {
        const p = await system.spawn(SlowParent, { id: 'p', placement: { worker: 1 }, args: j.file });
        const local = await p.ask<ActorRef>({ id: 'local', ms: 300 } satisfies SpawnKid);
        const remote = await p.ask<ActorRef>({ id: 'remote', ms: 300, placement: { worker: 2 } } satisfies SpawnKid);
        expect(await local.ask<Where>('where')).toEqual({ id: 'p/local', worker: 1 });
        expect(await remote.ask<Where>('where')).toEqual({ id: 'p/remote', worker: 2 });
        const t0 = performance.now();
        // Bounded generously: the whole suite runs files in parallel on 2 cores.
        await within(system.stopActor(p), 5000, 'stopActor(parent)');
        const took = performance.now() - t0;
        const lines = j.lines();
        expect(took).toBeGreaterThanOrEqual(250); // the children's 300 ms postStops were waited for
        expect(lines.slice(0, 2).sort()).toEqual(['p/local child postStop', 'p/remote child postStop']);
        expect(lines.slice(2)).toEqual(['p parent postStop']);
        // The registry hears from each worker on its own ring: a moment after, not necessarily before.
        const exists = await eventually(() => ['p', 'p/local', 'p/remote'].map((id) => system.exists(id)), (e) => e.every((x) => !x), 2000);
        expect(exists).toEqual([false, false, false]);
      });
    } finally {
      j.done();
    }
  });
});

describe('a parent id reused right after a stop', () => {
  for (const [kind, kid] of [
    ['numbered child on another worker', { ms: 300, placement: { worker: 2 } }],
    ['named child on the parent\'s worker', { id: 'k', ms: 300 }],
  ] as const) {
    it(`the new parent's ${kind} outlives the old child's stop and stops with the new parent`, async () => {
      await withSystem(async (system) => {
        let p = await system.spawn(SlowParent, { id: 'p', placement: { worker: 1 } });
        const old = await p.ask<ActorRef>(kid satisfies SpawnKid);
        await within(system.stopActor(p), 1500, 'stopActor(old parent)');
        p = await system.spawn(SlowParent, { id: 'p', placement: { worker: 1 } });
        const fresh = await p.ask<ActorRef>({ ...kid, ms: 10 } satisfies SpawnKid);
        expect(fresh.id).toBe(old.id);
        // Time for any late report about the old child to reach the main thread.
        await sleep(200);
        expect(system.exists(fresh.id)).toBe(true);
        expect(await fresh.ask<Where>('where', { timeoutMs: 1000 })).toEqual({ id: fresh.id, worker: 'placement' in kid ? 2 : 1 });
        expect(system.list().filter((i) => i.parent === 'p').map((i) => i.id)).toEqual([fresh.id]);
        await within(system.stopActor(p), 1500, 'stopActor(new parent)');
        expect(system.exists('p')).toBe(false);
        expect(system.exists(fresh.id)).toBe(false);
        expect(await rejection(fresh.ask('where', { timeoutMs: 500 }), 1000)).toBeInstanceOf(ActorNotFoundError);
        expect(system.list()).toEqual([]);
      }, { workers: 'placement' in kid ? 2 : 1 });
    });
  }
});

describe('links and watches end with the actor', () => {
  for (const [wa, wb] of [[1, 1], [1, 2]] as const) {
    const where = wa === wb ? 'on the same worker' : 'on different workers';
    const workers = wa === wb ? 1 : 2;

    it(`${where}: after a normal stop of the linker, a new actor with its id survives the other end's crash`, async () => {
      await withSystem(async (system) => {
        const a = await system.spawn(Linker, { id: 'a', placement: { worker: wa } });
        const b = await system.spawn(Linker, { id: 'b', placement: { worker: wb } });
        // A control linked to b the same way, still running: it must go down with b's crash.
        const c = await system.spawn(Linker, { id: 'c', placement: { worker: wa } });
        expect(await a.ask({ type: 'link', ref: b })).toBe('ok');
        expect(await c.ask({ type: 'link', ref: b })).toBe('ok');
        await system.stopActor(a); // normal exit: the link ends at both ends
        const a2 = await system.spawn(Plain, { id: 'a', placement: { worker: wa } }); // unrelated, never linked
        b.tell({ type: 'crash' });
        expect(await eventually(() => system.exists('c'), (e) => !e, 1500)).toBe(false);
        await sleep(100);
        expect(system.exists('a')).toBe(true);
        expect(await a2.ask('dump', { timeoutMs: 1000 })).toEqual([]);
        expect(system.events.recent().filter((e) => e.type === 'stopped').map((e) => e.actor)).toEqual(['c']);
      }, { workers });
    });

    it(`${where}: after a normal stop of the watcher, a new actor with its id hears nothing when the watched actor stops`, async () => {
      await withSystem(async (system) => {
        const w = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: wa } });
        const x = await system.spawn(Plain, { id: 'x', placement: { worker: wb } });
        // A control watching x the same way, still running: it must hear x stop.
        const control = await system.spawn(SignalWatcher, { id: 'control', placement: { worker: wa } });
        expect(await w.ask({ type: 'watch', ref: x })).toBe('ok');
        expect(await control.ask({ type: 'watch', ref: x })).toBe('ok');
        await system.stopActor(w);
        const w2 = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: wa } }); // never watched x
        await system.stopActor(x);
        const heard = await eventually(() => signals(control), (s) => s.length >= 1, 1500);
        expect(heard).toEqual([{ type: 'terminated', ref: 'x', reason: 'normal' }]);
        await sleep(100);
        expect(await signals(w2)).toEqual([]);
      }, { workers });
    });
  }
});

describe('watches across a worker death', () => {
  async function watchScene(system: ActorSystem): Promise<{ w: ActorRef; x: ActorRef; bomb: ActorRef<'die' | 'where'> }> {
    const w = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: 1 } });
    const x = await system.spawn(Plain, { id: 'x', placement: { worker: 2 } });
    const bomb = await system.spawn(Bomb, { id: 'bomb', placement: { worker: 2 } });
    expect(await bomb.ask('where')).toBe(2);
    expect(await w.ask({ type: 'watch', ref: x })).toBe('ok');
    return { w, x, bomb };
  }

  it('restartWorkers: a watched actor that stopped normally is not reported again when its worker dies later', async () => {
    await withSystem(async (system) => {
      const { w, x, bomb } = await watchScene(system);
      await system.stopActor(x);
      const first = await eventually(() => signals(w), (s) => s.length >= 1, 1000);
      expect(first).toEqual([{ type: 'terminated', ref: 'x', reason: 'normal' }]);
      bomb.tell('die');
      await system.events.waitFor((e) => e.type === 'worker-died' && e.worker === 2, 3000);
      await system.events.waitFor((e) => e.type === 'worker-restarted' && e.worker === 2, 3000);
      await sleep(150);
      expect(await signals(w)).toEqual([{ type: 'terminated', ref: 'x', reason: 'normal' }]);
    }, { restartWorkers: true });
  });

  it('no restartWorkers: the watcher on another worker hears once that the actor died with its worker', async () => {
    const system = await startSystem({ restartWorkers: false });
    try {
      const { w, bomb } = await watchScene(system);
      bomb.tell('die');
      await system.events.waitFor((e) => e.type === 'worker-died' && e.worker === 2, 3000);
      const seen = await eventually(() => signals(w), (s) => s.length >= 1, 1500);
      await sleep(100);
      expect(seen).toEqual([{ type: 'terminated', ref: 'x', reason: 'worker-died' }]);
      expect(await signals(w)).toEqual(seen);
    } finally {
      // system.stop() settles although a worker died for good (it used to wait for that worker's
      // 'exit', emitted long before).
      const stopped = await Promise.race([system.stop({ deadlineMs: 200 }).then(() => 'stopped'), sleep(3000).then(() => 'hung')]);
      expect(stopped).toBe('stopped');
    }
  });
});
