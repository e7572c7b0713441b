import { describe, expect, it } from 'vitest';
import {
  ActorFailedError, ActorNotFoundError, MailboxFullError, MessageValidationError, SystemStoppedError,
  UnserializableMessageError, type ActorRef,
} from '../../index.js';
import {
  BadAsyncInit, Flaky, Holder, InitThrowSpawner, Mirror, OverTicker, Plain, SetReplier, SignalWatcher, StrictParent,
  type OverTickerStatus, type SignalSeen,
} from '../fixtures/runtime/robustness.js';
import { collectDeadLetters, eventually, rejection, sleep, startSystem, thrown, within, withSystem } from './helpers.js';

describe('stop racing a failure', () => {
  it('stopActor while an async handler is in flight that then rejects: the actor stops, one terminated', async () => {
    await withSystem(async (system) => {
      const a = await system.spawn(Flaky, { id: 'flaky', placement: { worker: 1 } });
      const w = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: 1 } });
      expect(await w.ask({ type: 'watch', ref: a })).toBe('ok');
      a.tell('slow-fail');
      await sleep(50);
      await within(system.stopActor(a), 1500, 'stopActor');
      expect(system.exists('flaky')).toBe(false);
      expect(await rejection(a.ask('ping', { timeoutMs: 500 }))).toBeInstanceOf(ActorNotFoundError);
      // Give a (wrong) restart or second signal time to show up.
      await sleep(100);
      expect(system.exists('flaky')).toBe(false);
      expect(await w.ask<SignalSeen[]>('dump')).toEqual([{ type: 'terminated', ref: 'flaky', reason: 'normal' }]);
    }, { workers: 1 });
  });

  it('ctx.stop() and then a throw in the same handler: the actor stops (not restarted), one terminated', async () => {
    await withSystem(async (system) => {
      const a = await system.spawn(Flaky, { id: 'flaky', placement: { worker: 1 } });
      const w = await system.spawn(SignalWatcher, { id: 'w', placement: { worker: 1 } });
      expect(await w.ask({ type: 'watch', ref: a })).toBe('ok');
      a.tell('stop-then-throw');
      const seen = await eventually(() => w.ask<SignalSeen[]>('dump'), (s) => s.length >= 1, 1000);
      await sleep(100);
      expect(system.exists('flaky')).toBe(false);
      expect(system.list().map((i) => i.id)).toEqual(['w']);
      expect(await rejection(a.ask('ping', { timeoutMs: 500 }))).toBeInstanceOf(ActorNotFoundError);
      expect(seen).toEqual([{ type: 'terminated', ref: 'flaky', reason: 'normal' }]);
      expect(await w.ask<SignalSeen[]>('dump')).toEqual(seen);
    }, { workers: 1 });
  });

  it('stopActor during an async init that then rejects resolves promptly and the actor is gone', async () => {
    await withSystem(async (system) => {
      const spawned = rejection(system.spawn(BadAsyncInit, { id: 'bad', placement: { worker: 1 }, args: 200 }), 3000);
      await sleep(100);
      const t0 = performance.now();
      await within(system.stopActor('bad'), 1000, 'stopActor during init');
      // The init rejects ~100 ms after the stop; the ask timeout (3 s) must not be what ends it.
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(await spawned).toBeInstanceOf(Error);
      expect(system.exists('bad')).toBe(false);
      expect(system.list()).toEqual([]);
    }, { workers: 1, askTimeoutMs: 3000 });
  });
});

describe('registry', () => {
  it('a child whose init throws synchronously (named or numbered, on its parent\'s worker) is not registered', async () => {
    await withSystem(async (system) => {
      const s = await system.spawn(InitThrowSpawner, { id: 's', placement: { worker: 1 } });
      const ids = [await s.ask<string>({ id: 'named' }), await s.ask<string>({})];
      expect(ids.length).toBe(2);
      const left = await eventually(() => ids.filter((id) => system.exists(id)), (l) => l.length === 0, 1000);
      expect(left).toEqual([]);
      expect(system.list().map((i) => i.id)).toEqual(['s']);
      expect(thrown(() => system.tell(ids[0]!, 'x'))).toBeInstanceOf(ActorNotFoundError);
    }, { workers: 1 });
  });
});

describe('after system.stop()', () => {
  it('stopActor() and stats() reject at once with SystemStoppedError', async () => {
    const system = await startSystem({ workers: 1, askTimeoutMs: 4000 });
    const a = await system.spawn(Plain, { id: 'a', placement: { worker: 1 } });
    await system.stop({ deadlineMs: 500 });
    const t0 = performance.now();
    expect(await rejection(system.stopActor(a), 3000)).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(system.stopActor('a'), 3000)).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(system.stats(), 3000)).toBeInstanceOf(SystemStoppedError);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('bounded mailboxes', () => {
  it('a repeating timer overfilling a bounded (reject) mailbox does not kill the worker: ticks are dead letters', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const t = await system.spawn(OverTicker, { id: 'ticker', placement: { worker: 1 }, mailbox: { capacity: 2, overflow: 'reject' }, args: 8 });
      // 8 ticks at 20 ms each, with a tick every 1 ms: the mailbox is full most of that time.
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'ticker'), (l) => l.length >= 20, 1500);
      expect(letters.length).toBeGreaterThanOrEqual(20);
      expect(letters.every((l) => l.reason === 'mailbox-full' && l.message === 'tick' && l.worker === 1)).toBe(true);
      // Once the timer is cancelled the mailbox drains and the actor answers, on the same worker.
      const status = await eventually(
        () => t.ask<OverTickerStatus>('status', { timeoutMs: 1000 }).catch((e: unknown) => e),
        (s) => !(s instanceof Error) && !(s as OverTickerStatus).timer,
        1500,
      );
      expect(status).toMatchObject({ worker: 1, timer: false });
      // The 8th tick cancels the timer; at most `capacity` (2) ticks were still queued then.
      expect((status as OverTickerStatus).handled).toBeGreaterThanOrEqual(8);
      expect((status as OverTickerStatus).handled).toBeLessThanOrEqual(10);
      expect(system.events.recent().filter((e) => e.type === 'worker-died' || e.type === 'worker-restarted')).toEqual([]);
      expect(system.list().map((i) => ({ id: i.id, worker: i.worker }))).toEqual([{ id: 'ticker', worker: 1 }]);
    }, { workers: 1, monitoring: false });
  });

  for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
    it(`an ask dropped by '${overflow}' rejects with MailboxFullError saying dropped; the ask is a dead letter`, async () => {
      await withSystem(async (system) => {
        const dead = collectDeadLetters(system);
        const a = await system.spawn(Holder, { id: 'held', placement: { worker: 1 }, mailbox: { capacity: 1, overflow } });
        expect(await a.ask({ hold: 300 })).toBe('held');
        let asked: Promise<unknown>;
        if (overflow === 'drop-oldest') { asked = a.ask('x', { timeoutMs: 2000 }); a.tell('filler'); } // the ask is the oldest
        else { a.tell('filler'); asked = a.ask('x', { timeoutMs: 2000 }); } // the ask is the newest
        const t0 = performance.now();
        const err = await rejection(asked, 3000);
        expect(err).toBeInstanceOf(MailboxFullError);
        expect(performance.now() - t0).toBeLessThan(1000); // at once, not at the ask timeout
        const e = err as MailboxFullError;
        expect(e.code).toBe('ERR_MAILBOX_FULL');
        expect(e.message).toContain("'held'");
        expect(e.message).toContain('dropped');
        expect(e.context).toMatchObject({ actor: 'held', capacity: 1, policy: overflow });
        const letters = await eventually(() => dead.letters.filter((l) => l.target === 'held'), (l) => l.length >= 1, 1000);
        expect(letters.map((l) => ({ message: l.message, reason: l.reason }))).toEqual([
          { message: 'x', reason: `mailbox-full:dropped-${overflow === 'drop-newest' ? 'newest' : 'oldest'}` },
        ]);
      }, { workers: 1 });
    });
  }
});

describe('crossing threads', () => {
  it('with a small ring, a message too big for it sent while the ring is backed up throws RangeError; the ring still works', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => { uncaught.push(err); };
    process.on('uncaughtException', onUncaught);
    try {
      await withSystem(async (system) => {
        const a = await system.spawn(Holder, { id: 'h', placement: { worker: 1 } });
        const big = { blob: 'z'.repeat(40_000) };
        expect(thrown(() => a.tell(big))).toBeInstanceOf(RangeError);
        expect(await a.ask({ answer: 'warm' })).toBe('warm');
        a.tell({ busy: 150 }); // keeps the worker from draining the ring
        await sleep(20);
        for (let i = 0; i < 2500; i++) a.tell({ n: i, pad: 'p'.repeat(20) }); // ~100 KB: more than the 64 KiB ring holds
        // Internal field, read only to check that frames did spill (the ring is backed up).
        const links = (system as unknown as { node: { out: ({ backlog: number } | undefined)[] } }).node.out;
        expect(links[1]!.backlog).toBeGreaterThan(0);
        expect(thrown(() => a.tell(big))).toBeInstanceOf(RangeError);
        expect(await a.ask({ answer: 'alive' }, { timeoutMs: 2000 })).toBe('alive');
        expect(await a.ask({ answer: 'still' }, { timeoutMs: 2000 })).toBe('still');
      }, { workers: 1, ringBytes: 65536, monitoring: false, watchdog: false });
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('an offer whose message fails the schema on the receiving worker rejects with MessageValidationError', async () => {
    await withSystem(async (system) => {
      const parent = await system.spawn(StrictParent, { id: 'p', placement: { worker: 1 } });
      const kid = await parent.ask<ActorRef>('child');
      await eventually(() => system.exists(kid.id), (e) => e, 1000);
      expect(await kid.ask({ n: 1 })).toEqual([1]);
      const t0 = performance.now();
      expect(await rejection(kid.offer({ n: 'nope' } as unknown as { n: number }), 2000)).toBeInstanceOf(MessageValidationError);
      expect(performance.now() - t0).toBeLessThan(1000);
      // The kid is unharmed and never saw the bad message.
      expect(await kid.ask({ n: 2 })).toEqual([1, 2]);
    });
  });

  it('a reply that is a Set holding a function rejects the ask with ActorFailedError; such a tell throws', async () => {
    await withSystem(async (system) => {
      const a = await system.spawn(SetReplier, { id: 'bad', placement: { worker: 1 } });
      const err = await rejection(a.ask('setfn', { timeoutMs: 2000 }), 3000);
      expect(err).toBeInstanceOf(ActorFailedError);
      expect((err as Error).message).toContain('a Set');
      expect(thrown(() => a.tell(new Set([() => 1])))).toBeInstanceOf(UnserializableMessageError);
      expect(await a.ask('other')).toBe('?');
    }, { workers: 1 });
  });

  it('a bare 200,000-character ASCII string crosses to a worker and back intact with a 1 MiB ring', async () => {
    await withSystem(async (system) => {
      const m = await system.spawn(Mirror, { id: 'm', placement: { worker: 1 } });
      const s = 'x'.repeat(199_999) + 'y';
      const back = await m.ask<string>(s, { timeoutMs: 3000 });
      expect(typeof back).toBe('string');
      expect(back.length).toBe(200_000);
      expect(back === s).toBe(true);
    }, { workers: 1, ringBytes: 1 << 20 });
  });
});
