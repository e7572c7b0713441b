import { describe, expect, it } from 'vitest';
import { MailboxFullError, type ActorSystem, type OverflowPolicy } from '../../index.js';
import { Sink } from '../fixtures/runtime/actors.js';
import { collectDeadLetters, collectTopic, eventually, range, rejection, sleep, within, withSystem } from './helpers.js';

/** A sink with a bounded mailbox that publishes each processed message to `topic`. */
async function boundedSink(system: ActorSystem, overflow: OverflowPolicy, capacity: number, worker = 1) {
  const processed = collectTopic(system, 'out');
  const sink = await system.spawn(Sink, {
    id: 'bounded', placement: { worker }, mailbox: { capacity, overflow }, args: { topic: 'out', ms: 0, publishEach: true },
  });
  return { sink, processed };
}

describe('bounded mailboxes', () => {
  it('drop-newest keeps the first `capacity` messages; the dropped newer ones are dead letters', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const { sink, processed } = await boundedSink(system, 'drop-newest', 3);
      expect(await sink.ask({ type: 'hold', ms: 500 })).toBe('held');
      for (let i = 1; i <= 10; i++) sink.tell(i);
      await eventually(() => processed.items.length, (n) => n >= 3, 3000);
      await sleep(30);
      expect(processed.items.map((i) => i.message)).toEqual([1, 2, 3]);
      const letters = dead.letters.filter((l) => l.target === 'bounded');
      expect(letters.map((l) => l.message)).toEqual(range(4, 11));
      expect(letters.every((l) => l.reason === 'mailbox-full:dropped-newest')).toBe(true);
    });
  });

  it('drop-oldest keeps the newest `capacity` messages; the dropped older ones are dead letters, in order', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const { sink, processed } = await boundedSink(system, 'drop-oldest', 3, 2);
      expect(await sink.ask({ type: 'hold', ms: 500 })).toBe('held');
      for (let i = 1; i <= 10; i++) sink.tell(i);
      await eventually(() => processed.items.length, (n) => n >= 3, 3000);
      await sleep(30);
      expect(processed.items.map((i) => i.message)).toEqual([8, 9, 10]);
      const letters = dead.letters.filter((l) => l.target === 'bounded');
      expect(letters.map((l) => l.message)).toEqual(range(1, 8));
      expect(letters.every((l) => l.reason === 'mailbox-full:dropped-oldest' && l.worker === 2)).toBe(true);
    });
  });

  it('drop-oldest: tells and asks that come behind waiting offers wait behind them, so one sender\'s order holds', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const { sink, processed } = await boundedSink(system, 'drop-oldest', 2);
      expect(await sink.ask({ type: 'hold', ms: 400 })).toBe('held');
      sink.tell(1);
      sink.tell(2); // full
      const offers = [sink.offer(3), sink.offer(4)]; // wait for room
      sink.tell(5); // used to drop 1 and overtake the offers
      // Sink does not answer numbers: the ask only has to wait its turn (it then times out).
      const asked = sink.ask<unknown>(6, { timeoutMs: 1500 }).catch(() => undefined);
      sink.tell(7);
      await within(Promise.all(offers), 3000, 'offers');
      await eventually(() => processed.items.length, (n) => n >= 7, 3000);
      await asked;
      expect(processed.items.map((i) => i.message)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(dead.letters.filter((l) => l.target === 'bounded')).toEqual([]);
    });
  });

  it('reject: an ask to a full mailbox rejects with MailboxFullError naming actor and capacity', async () => {
    await withSystem(async (system) => {
      const { sink, processed } = await boundedSink(system, 'reject', 3);
      expect(await sink.ask({ type: 'hold', ms: 500 })).toBe('held');
      for (let i = 1; i <= 3; i++) sink.tell(i);
      const err = await rejection(sink.ask(4, { timeoutMs: 3000 }));
      expect(err).toBeInstanceOf(MailboxFullError);
      const e = err as MailboxFullError;
      expect(e.code).toBe('ERR_MAILBOX_FULL');
      expect(e.context).toMatchObject({ actor: 'bounded', capacity: 3 });
      expect(e.message).toContain('bounded');
      await eventually(() => processed.items.length, (n) => n >= 3, 3000);
      await sleep(30);
      expect(processed.items.map((i) => i.message)).toEqual([1, 2, 3]);
      // Once there is room again, asks are accepted.
      expect(await sink.ask({ type: 'dump' })).toEqual([1, 2, 3]);
    });
  });

  it('reject: tells to a full mailbox are not silently lost (they become dead letters)', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const { sink, processed } = await boundedSink(system, 'reject', 3);
      expect(await sink.ask({ type: 'hold', ms: 500 })).toBe('held');
      for (let i = 1; i <= 8; i++) sink.tell(i);
      await eventually(() => processed.items.length, (n) => n >= 3, 3000);
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'bounded'), (l) => l.length >= 5, 1000);
      expect(processed.items.map((i) => i.message)).toEqual([1, 2, 3]);
      expect(letters.map((l) => l.message)).toEqual([4, 5, 6, 7, 8]);
      expect(letters.every((l) => l.reason.startsWith('mailbox-full'))).toBe(true);
    });
  });
});

describe('offer (backpressure)', () => {
  it('sequential offers to a slow actor with a bounded mailbox: never over capacity, all processed in order', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const processed = collectTopic(system, 'out');
      const CAP = 4;
      const N = 40;
      const sink = await system.spawn(Sink, {
        id: 'slow-bounded', placement: { worker: 1 }, mailbox: { capacity: CAP }, args: { topic: 'out', ms: 5, publishEach: true },
      });
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const stats = await system.stats();
          peak = Math.max(peak, stats.find((s) => s.worker === 1)!.mailboxes);
          await sleep(2);
        }
      })();
      try {
        for (let i = 0; i < N; i++) await within(sink.offer(i), 3000, `offer #${i}`);
      } finally {
        sampling = false;
        await sampler;
      }
      await eventually(() => processed.items.length, (n) => n >= N, 5000);
      expect(processed.items.map((i) => i.message)).toEqual(range(0, N));
      expect(dead.letters.length).toBe(0);
      expect(peak).toBeLessThanOrEqual(CAP);
    });
  });

  it('many offers in flight at once all resolve, none is dropped, order is kept', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const processed = collectTopic(system, 'out');
      const N = 30;
      const sink = await system.spawn(Sink, {
        id: 'slow-bounded', placement: { worker: 2 }, mailbox: { capacity: 2, overflow: 'drop-newest' }, args: { topic: 'out', ms: 3, publishEach: true },
      });
      await within(Promise.all(range(0, N).map((i) => sink.offer(i))), 5000, 'all offers');
      await eventually(() => processed.items.length, (n) => n >= N, 5000);
      expect(processed.items.map((i) => i.message)).toEqual(range(0, N));
      expect(dead.letters.length).toBe(0);
    });
  });

  it('offers still waiting for room when the actor stops reject, and their messages are dead letters', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const sink = await system.spawn(Sink, { id: 'tiny', placement: { worker: 1 }, mailbox: { capacity: 1 }, args: { topic: 'out', ms: 0 } });
      expect(await sink.ask({ type: 'hold', ms: 200 })).toBe('held');
      await within(sink.offer(1), 2000, 'offer #1');
      // The mailbox is full: these two wait for room that never comes.
      const waiting = [sink.offer(2), sink.offer(3)].map((p) => rejection(p, 1500));
      await sleep(20);
      await system.stopActor(sink);
      const outcomes = await Promise.all(waiting);
      expect(outcomes.map((e) => `${(e as Error).name}: ${(e as Error).message}`)).toEqual([
        expect.stringMatching(/^ActorNotFoundError: /), expect.stringMatching(/^ActorNotFoundError: /),
      ]);
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'tiny'), (l) => l.length >= 3, 1000);
      expect(letters.map((l) => l.message)).toEqual([1, 2, 3]);
    });
  });

  it('offer to an unbounded mailbox resolves; offer to a stopped actor rejects', async () => {
    await withSystem(async (system) => {
      const processed = collectTopic(system, 'out');
      const sink = await system.spawn(Sink, { id: 'free', placement: { worker: 1 }, args: { topic: 'out', ms: 0, publishEach: true } });
      for (let i = 0; i < 100; i++) await within(sink.offer(i), 2000, `offer #${i}`);
      await eventually(() => processed.items.length, (n) => n >= 100, 3000);
      expect(processed.items.map((i) => i.message)).toEqual(range(0, 100));
      await system.stopActor(sink);
      const err = await rejection(sink.offer(1), 2000);
      expect((err as Error).name).toBe('ActorNotFoundError');
    });
  });
});
