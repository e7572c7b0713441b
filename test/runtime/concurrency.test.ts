import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../index.js';
import {
  Flood, Flooder, Neighbour, Probe, Sleeper, type NeighbourReport, type SleeperReport,
} from '../fixtures/runtime/actors.js';
import { Forwarder, Slow } from '../fixtures/behaviours.js';
import { range, sleep, withSystem } from './helpers.js';

describe('one message at a time', () => {
  it('an async handler never runs concurrently with itself, and messages are handled in arrival order', async () => {
    await withSystem(async (system) => {
      const sleeper = await system.spawn(Sleeper, { id: 'sleeper', placement: { worker: 1 } });
      for (let n = 0; n < 20; n++) sleeper.tell({ type: 'sleep', n, ms: 5 });
      const report = await sleeper.ask<SleeperReport>({ type: 'report' }, { timeoutMs: 10_000 });
      expect(report.maxActive).toBe(1);
      expect(report.started).toEqual(range(0, 20));
      expect(report.done).toEqual(range(0, 20));
    });
  });

  it('messages from several senders on several threads arriving while the handler awaits still run one at a time', async () => {
    await withSystem(async (system) => {
      const slow = await system.spawn(Slow, { id: 'slow', placement: { worker: 2 } });
      // Two senders: the main thread, and an actor on the other worker forwarding its messages.
      const fwd = await system.spawn(Forwarder, { id: 'fwd', placement: { worker: 1 }, args: slow as ActorRef });
      for (let n = 0; n < 10; n++) {
        slow.tell({ type: 'work', n, ms: 3 });
        fwd.tell({ type: 'work', n: 100 + n, ms: 2 });
      }
      await sleep(100);
      const report = await slow.ask<{ maxActive: number; done: number[] }>({ type: 'report' }, { timeoutMs: 10_000 });
      expect(report.maxActive).toBe(1);
      expect(report.done.length).toBe(20);
      expect(report.done.filter((n) => n < 100)).toEqual(range(0, 10));
      expect(report.done.filter((n) => n >= 100)).toEqual(range(100, 110));
    });
  });

  it('while an actor awaits, its neighbours on the same worker keep running', async () => {
    await withSystem(async (system) => {
      const sleeper = await system.spawn(Sleeper, { id: 'sleeper', placement: { worker: 1 } });
      const neighbour = await system.spawn(Neighbour, { id: 'neighbour', placement: { worker: 1 } });
      const MSGS = 4;
      for (let n = 0; n < MSGS; n++) sleeper.tell({ type: 'sleep', n, ms: 300 });
      // Ask the neighbour five times while the sleeper is busy with its first messages: if an awaiting
      // actor blocked its worker, the neighbour could only answer after the sleeper finished everything.
      const answers: NeighbourReport[] = [];
      for (let i = 0; i < 5; i++) answers.push(await neighbour.ask<NeighbourReport>('progress', { timeoutMs: 10_000 }));
      expect(answers.map((a) => a.handled)).toEqual(range(1, 6));
      expect(Math.max(...answers.map((a) => a.sleeperDone))).toBeLessThan(MSGS);
      const report = await sleeper.ask<SleeperReport>({ type: 'report' }, { timeoutMs: 10_000 });
      expect(report).toEqual({ maxActive: 1, started: range(0, MSGS), done: range(0, MSGS) });
      // And the neighbour sees the finished count now.
      const after = await neighbour.ask<NeighbourReport>('progress');
      expect(after.sleeperDone).toBe(MSGS);
      expect(after.sleeperActive).toBe(0);
    });
  });
});

describe('fairness', () => {
  const FLOOD = 200_000;

  it('an actor with 200,000 queued messages (flooded from its own worker) does not starve a neighbour', async () => {
    await withSystem(async (system) => {
      const flood = await system.spawn(Flood, { id: 'flood', placement: { worker: 1 }, args: 5 });
      const flooder = await system.spawn(Flooder, { id: 'flooder', placement: { worker: 1 }, args: flood as ActorRef });
      const probe = await system.spawn(Probe, { id: 'probe', placement: { worker: 1 } });
      expect(await flooder.ask({ type: 'flood', n: FLOOD })).toBe(FLOOD);
      const seenByProbe = await probe.ask<number>('progress', { timeoutMs: 60_000 });
      // The probe answered while most of the flood was still queued.
      expect(seenByProbe).toBeLessThan(FLOOD / 2);
      // ...and the flood is then handled completely, exactly once each.
      expect(await flood.ask('count', { timeoutMs: 60_000 })).toBe(FLOOD);
      expect(await probe.ask('progress', { timeoutMs: 60_000 })).toBe(FLOOD);
    });
  }, 120_000);

  it('an actor flooded with 200,000 messages from the main thread does not starve a neighbour', async () => {
    await withSystem(async (system) => {
      const flood = await system.spawn(Flood, { id: 'flood', placement: { worker: 2 }, args: 5 });
      const probe = await system.spawn(Probe, { id: 'probe', placement: { worker: 2 } });
      for (let i = 0; i < FLOOD; i++) flood.tell(i);
      const seenByProbe = await probe.ask<number>('progress', { timeoutMs: 60_000 });
      expect(seenByProbe).toBeLessThan(FLOOD / 2);
      expect(await flood.ask('count', { timeoutMs: 60_000 })).toBe(FLOOD);
    });
  }, 120_000);

  it('turns alternate: between two turns of a neighbour, the flooded actor handles at most ~one throughput of messages', async () => {
    await withSystem(async (system) => {
      const THROUGHPUT = 100;
      const flood = await system.spawn(Flood, { id: 'flood', placement: { worker: 1 }, args: 1, throughput: THROUGHPUT });
      const flooder = await system.spawn(Flooder, { id: 'flooder', placement: { worker: 1 }, args: flood as ActorRef });
      const probe = await system.spawn(Probe, { id: 'probe', placement: { worker: 1 } });
      // The probe re-queues itself behind the flood 10 times; each sample is the flood's count then.
      await flooder.ask({ type: 'flood', n: FLOOD, probe: probe as ActorRef, samples: 10 });
      const samples = await probe.ask<number[]>('samples', { timeoutMs: 20_000 });
      expect(samples.length).toBe(10);
      const gaps = samples.map((s, i) => s - (i === 0 ? 0 : samples[i - 1]!));
      // Every gap is at most two turns of the flooded actor: 10 probe turns done by ~2,000 flood messages of 200,000.
      expect(gaps.filter((g) => g > 2 * THROUGHPUT)).toEqual([]);
      expect(samples[9]!).toBeLessThanOrEqual(20 * THROUGHPUT);
      expect(await flood.ask('count', { timeoutMs: 20_000 })).toBe(FLOOD);
    });
  });
});
