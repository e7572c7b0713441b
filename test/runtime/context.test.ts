import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../index.js';
import {
  CtxKeeper, Parent, RestArgs, Sink, SpreadEcho, SinkParent, Stasher, Tally, Ticker, Watcher, type SinkPostStop, type Terminated, type TickerReport,
} from '../fixtures/runtime/actors.js';
import { collectDeadLetters, collectTopic, eventually, range, sleep, startSystem, within, withSystem } from './helpers.js';

const byId = (a: Terminated, b: Terminated): number => a.id.localeCompare(b.id);

describe('children (ctx.spawn)', () => {
  it('children are registered with their parent, live where placed, and stop when the parent stops', async () => {
    await withSystem(async (system) => {
      const parent = await system.spawn(Parent, { id: 'p', placement: { worker: 1 } });
      const watcher = await system.spawn(Watcher, { id: 'w', placement: { worker: 2 } });
      const children = await parent.ask<ActorRef[]>({ type: 'spawn', placements: ['local', 'local', { worker: 2 }] });
      expect(children.length).toBe(3);
      // (Whether a remote child's ref is usable at once is the next test; here wait until it runs.)
      await eventually(() => children[2]!.ask('where').then(() => true, () => false), (ok) => ok, 2000);
      const where = await Promise.all(children.map((c) => c.ask<{ id: string; worker: number; parent: string | null }>('where')));
      expect(where.map((w) => w.worker)).toEqual([1, 1, 2]);
      expect(where.every((w) => w.parent === 'p')).toBe(true);
      expect(new Set(where.map((w) => w.id)).size).toBe(3);
      const childIds = where.map((w) => w.id);
      for (const id of childIds) {
        expect(system.exists(id)).toBe(true);
        expect(system.list().find((i) => i.id === id)?.parent).toBe('p');
      }

      for (const c of [...children, parent as ActorRef]) expect(await watcher.ask({ type: 'watch', ref: c })).toBe('ok');
      // (That a watch is in force as soon as ctx.watch returned is a test of its own below.)
      await sleep(50);
      await system.stopActor(parent);

      const seen = await eventually(() => watcher.ask<Terminated[]>('dump'), (s) => s.length >= 4, 3000);
      expect(seen.slice().sort(byId)).toEqual([
        ...childIds.map((id) => ({ id, reason: 'parent-stopped' })),
        { id: 'p', reason: 'normal' },
      ].sort(byId));
      await eventually(() => childIds.filter((id) => system.exists(id)), (l) => l.length === 0, 2000);
      expect(childIds.filter((id) => system.exists(id))).toEqual([]);
      expect(system.exists('p')).toBe(false);
    });
  });

  it('a ref returned by ctx.spawn for a child on another worker is usable at once by whoever receives it', async () => {
    await withSystem(async (system) => {
      const failures: string[] = [];
      for (let i = 0; i < 10; i++) {
        const parent = await system.spawn(Parent, { id: `p${i}`, placement: { worker: 1 } });
        const [child] = await parent.ask<ActorRef[]>({ type: 'spawn', placements: [{ worker: 2 }] });
        // The parent handed the ref out only after ctx.spawn returned: the child exists for everyone.
        const answer = await child!.ask<{ id: string; parent: string | null }>('where', { timeoutMs: 2000 })
          .then((w) => `${w.id}<-${w.parent ?? 'none'}`, (e: Error) => `${e.name}: ${e.message}`);
        if (answer !== `p${i}/1<-p${i}`) failures.push(answer);
      }
      expect(failures).toEqual([]);
    });
  });

  it('watching an actor that is already gone delivers terminated at once', async () => {
    await withSystem(async (system) => {
      const watcher = await system.spawn(Watcher, { id: 'w', placement: { worker: 1 } });
      const parent = await system.spawn(Parent, { id: 'gone', placement: { worker: 2 } });
      await system.stopActor(parent);
      await watcher.ask({ type: 'watch', ref: parent as ActorRef });
      const seen = await eventually(() => watcher.ask<Terminated[]>('dump'), (s) => s.length >= 1, 2000);
      expect(seen.map((s) => s.id)).toEqual(['gone']);
    });
  });

  it('unwatch: no terminated signal after it', async () => {
    await withSystem(async (system) => {
      const watcher = await system.spawn(Watcher, { id: 'w', placement: { worker: 1 } });
      const a = await system.spawn(Parent, { id: 'a', placement: { worker: 2 } });
      const b = await system.spawn(Parent, { id: 'b', placement: { worker: 1 } });
      await watcher.ask({ type: 'watch', ref: a as ActorRef });
      await watcher.ask({ type: 'watch', ref: b as ActorRef });
      await watcher.ask({ type: 'unwatch', ref: a as ActorRef });
      await sleep(50);
      await system.stopActor(a);
      await system.stopActor(b);
      await eventually(() => watcher.ask<Terminated[]>('dump'), (s) => s.length >= 1, 2000);
      await sleep(50);
      expect(await watcher.ask('dump')).toEqual([{ id: 'b', reason: 'normal' }]);
    });
  });

  it('watch/unwatch are in force once their promise resolved: a stop that comes causally after them is seen accordingly', async () => {
    await withSystem(async (system) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i++) {
        const watcher = await system.spawn(Watcher, { id: `w${i}`, placement: { worker: 2 } });
        const watched = await system.spawn(Parent, { id: `watched${i}`, placement: { worker: 1 } });
        const unwatched = await system.spawn(Parent, { id: `unwatched${i}`, placement: { worker: 1 } });
        await watcher.ask({ type: 'watch', ref: unwatched as ActorRef });
        await sleep(20);
        // The watcher answers only after awaiting ctx.watch / ctx.unwatch; the stops come after that.
        await watcher.ask({ type: 'unwatch', ref: unwatched as ActorRef });
        await watcher.ask({ type: 'watch', ref: watched as ActorRef });
        await Promise.all([system.stopActor(unwatched), system.stopActor(watched)]);
        const seen = await eventually(() => watcher.ask<Terminated[]>('dump'), (s) => s.length >= 1, 2000);
        await sleep(30);
        outcomes.push(JSON.stringify(await watcher.ask<Terminated[]>('dump')));
        void seen;
      }
      const expected = Array.from({ length: 8 }, (_, i) => JSON.stringify([{ id: `watched${i}`, reason: 'normal' }]));
      expect(outcomes).toEqual(expected);
    });
  });
});

describe('timers', () => {
  it('once fires exactly once; re-arming the same key replaces the earlier timer', async () => {
    await withSystem(async (system) => {
      const t = await system.spawn(Ticker, { id: 't', placement: { worker: 1 } });
      await t.ask({ type: 'once', key: 'k', ms: 30, payload: 'first' });
      await t.ask({ type: 'once', key: 'k', ms: 30, payload: 'second' });
      await t.ask({ type: 'once', key: 'other', ms: 10, payload: 'other' });
      const before = await t.ask<TickerReport>({ type: 'state', keys: ['k', 'other', 'never'] });
      expect(before.active.k).toBe(true);
      expect(before.active.never).toBe(false);
      await eventually(() => t.ask<TickerReport>({ type: 'state', keys: [] }), (r) => r.fired.length >= 2, 2000);
      await sleep(80);
      const after = await t.ask<TickerReport>({ type: 'state', keys: ['k', 'other'] });
      expect(after.fired.slice().sort()).toEqual(['other', 'second']);
      expect(after.active).toEqual({ k: false, other: false });
    });
  });

  it('repeat fires until cancelled, then never again', async () => {
    await withSystem(async (system) => {
      const t = await system.spawn(Ticker, { id: 't', placement: { worker: 2 } });
      await t.ask({ type: 'repeat', key: 'r', ms: 10 });
      const running = await eventually(() => t.ask<TickerReport>({ type: 'state', keys: ['r'] }), (r) => r.ticks >= 4, 3000);
      expect(running.ticks).toBeGreaterThanOrEqual(4);
      expect(running.active.r).toBe(true);
      await t.ask({ type: 'cancel', key: 'r' });
      const atCancel = await t.ask<TickerReport>({ type: 'state', keys: ['r'] });
      await sleep(100);
      const later = await t.ask<TickerReport>({ type: 'state', keys: ['r'] });
      expect(later.ticks).toBe(atCancel.ticks);
      expect(later.active.r).toBe(false);
    });
  });

  it('a stopped actor\'s timers do not fire into dead letters', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const t = await system.spawn(Ticker, { id: 't', placement: { worker: 1 } });
      await t.ask({ type: 'repeat', key: 'r', ms: 5 });
      await t.ask({ type: 'once', key: 'o', ms: 40, payload: 'x' });
      await system.stopActor(t);
      await sleep(100);
      expect(dead.letters.filter((l) => l.target === 't')).toEqual([]);
    });
  });
});

describe('stash', () => {
  it('unstashAll puts stashed messages back in front, in their original order', async () => {
    await withSystem(async (system) => {
      const s = await system.spawn(Stasher, { id: 's', placement: { worker: 1 } });
      for (let i = 0; i < 100; i++) s.tell(i);
      s.tell('open');
      for (let i = 100; i < 200; i++) s.tell(i);
      expect(await s.ask('dump')).toEqual(range(0, 200));
    });
  });

  it('stash/unstash repeatedly; a stashed ask is answered after unstash', async () => {
    await withSystem(async (system) => {
      const s = await system.spawn(Stasher, { id: 's', placement: { worker: 2 } });
      s.tell(1);
      const answer = s.ask<number>({ type: 'q', v: 2 }, { timeoutMs: 3000 });
      s.tell(3);
      await sleep(30);
      s.tell('open');
      expect(await within(answer, 2000, 'the stashed ask')).toBe(20);
      s.tell(4);
      s.tell('close');
      s.tell(5);
      s.tell(6);
      s.tell('open');
      s.tell(7);
      expect(await s.ask('dump')).toEqual([1, 'q2', 3, 4, 5, 6, 7]);
    });
  });
});

describe('stopping the system', () => {
  it('postStop runs for every actor (children included) on system.stop()', async () => {
    const system = await startSystem();
    const reports = collectTopic(system, 'bye');
    try {
      await system.spawn(Sink, { id: 'one', placement: { worker: 1 }, args: { topic: 'bye', ms: 0 } });
      await system.spawn(Sink, { id: 'two', placement: { worker: 2 }, args: { topic: 'bye', ms: 0 } });
      await system.spawn(Sink, { id: 'three', placement: { worker: 2 }, args: { topic: 'bye', ms: 0 } });
      system.tell('one', 'a');
      system.tell('two', 'b');
    } finally {
      await system.stop();
    }
    const got = reports.items.map((i) => i.message as SinkPostStop).sort((a, b) => a.id.localeCompare(b.id));
    expect(got.map((g) => [g.id, g.processed])).toEqual([['one', ['a']], ['three', []], ['two', ['b']]]);
  });

  it('children stop before their parent (postStop order), on stopActor and on system.stop()', async () => {
    const system = await startSystem();
    const reports = collectTopic(system, 'family');
    try {
      await system.spawn(SinkParent, { id: 'fam1', placement: { worker: 1 }, args: { topic: 'family', children: ['a', 'b'] } });
      await system.spawn(SinkParent, { id: 'fam2', placement: { worker: 2 }, args: { topic: 'family', children: ['c'] } });
      expect(system.list().filter((i) => i.parent !== undefined).map((i) => [i.id, i.parent]).sort()).toEqual([
        ['fam1/a', 'fam1'], ['fam1/b', 'fam1'], ['fam2/c', 'fam2'],
      ]);
      await system.stopActor('fam1');
      const first = (await eventually(() => reports.items, (r) => r.length >= 3, 2000)).map((i) => (i.message as SinkPostStop).id);
      expect(first.slice().sort()).toEqual(['fam1', 'fam1/a', 'fam1/b']);
      expect(first[2]).toBe('fam1');
    } finally {
      await system.stop();
    }
    const all = reports.items.map((i) => (i.message as SinkPostStop).id);
    expect(all.slice(3)).toEqual(['fam2/c', 'fam2']);
  });

  it('system.stop() lets queued messages drain before stopping (graceful)', async () => {
    const system = await startSystem();
    const reports = collectTopic(system, 'drain');
    const dead = collectDeadLetters(system);
    try {
      const sink = await system.spawn(Sink, { id: 'busy', placement: { worker: 1 }, args: { topic: 'drain', ms: 3 } });
      for (let i = 0; i < 40; i++) sink.tell(i);
    } finally {
      await system.stop({ deadlineMs: 3000 });
    }
    const report = reports.items.map((i) => i.message as SinkPostStop).find((m) => m.id === 'busy');
    expect(report?.processed).toEqual(range(0, 40));
    expect(dead.letters.length).toBe(0);
  });
});

describe('a receive that declares no context', () => {
  it('keeps its state, fails an ask with its error, and its signals still get a context', async () => {
    await withSystem(async (system) => {
      const watched = await system.spawn(Sink, { id: 'watched', placement: { worker: 1 } });
      const tally = await system.spawn(Tally, { id: 'tally', placement: { worker: 1 }, args: watched });
      const published = collectTopic(system, 'tally');
      for (let i = 0; i < 3; i++) tally.tell('add');
      await expect(tally.ask('boom', { timeoutMs: 3000 })).rejects.toThrow(/tally failed at 3/);
      // The failure restarted it (state 0 again, init ran again); it keeps counting from there.
      tally.tell('add');
      await system.stopActor(watched);
      await eventually(() => published.items.length, (n) => n >= 1, 3000);
      expect(published.items[0]).toEqual({ message: 1, sender: 'tally' });
      // A context kept from init still answers the message in hand.
      const keeper = await system.spawn(CtxKeeper, { id: 'keeper', placement: { worker: 2 } });
      expect(await keeper.ask('one', { timeoutMs: 3000 })).toBe('one!');
      expect(await keeper.ask('two', { timeoutMs: 3000 })).toBe('two!');
      const rest = await system.spawn(RestArgs, { id: 'rest', placement: { worker: 2 } });
      expect(await rest.ask('hi', { timeoutMs: 3000 })).toEqual({ arity: 3, self: 'rest' });
      // A behaviour spread from one whose receive declares no context, with a receive that does.
      const spread = await system.spawn(SpreadEcho, { id: 'spread', placement: { worker: 2 } });
      expect(await spread.ask('hi', { timeoutMs: 3000 })).toBe('hi!');
    });
  });
});
