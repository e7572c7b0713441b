import { describe, expect, it } from 'vitest';
import type { ActorRef, ActorSystem } from '../../index.js';
import { ItemChecker, Producer, Sequencer, type SequencerReport } from '../fixtures/runtime/actors.js';
import { Recorder } from '../fixtures/behaviours.js';
import { eventually, range, sleep, withSystem } from './helpers.js';

/** Wait until the sequencer counted `n` messages, then check nothing more shows up. */
async function settledReport(seq: ActorRef, n: number): Promise<SequencerReport> {
  const report = await eventually(
    () => seq.ask<SequencerReport>({ type: 'report' }, { timeoutMs: 10_000 }),
    (r) => r.count >= n,
    15_000,
    20,
  );
  if (report.count !== n) return report;
  await sleep(50);
  return seq.ask<SequencerReport>({ type: 'report' });
}

async function produce(system: ActorSystem, producerWorker: number, targetWorker: number, n: number, chunk: number): Promise<SequencerReport> {
  const seq = await system.spawn(Sequencer, { id: 'seq', placement: { worker: targetWorker } });
  const producer = await system.spawn(Producer, { id: 'producer', placement: { worker: producerWorker }, args: seq as ActorRef });
  producer.tell({ type: 'produce', from: 0, to: n, chunk });
  return settledReport(seq as ActorRef, n);
}

describe('message ordering (one sender, one receiver)', () => {
  it('main thread → actor: 30,000 tells arrive in order, none lost, none duplicated', async () => {
    await withSystem(async (system) => {
      const seq = await system.spawn(Sequencer, { id: 'seq', placement: { worker: 1 } });
      const N = 30_000;
      for (let i = 0; i < N; i++) seq.tell(i);
      const report = await settledReport(seq as ActorRef, N);
      expect(report).toEqual({ count: N, violations: 0, first: null, next: { main: N } });
    });
  });

  it('main thread → actor: 60,000 tells spread over many ticks (ring spills and refills) keep order', async () => {
    await withSystem(async (system) => {
      const seq = await system.spawn(Sequencer, { id: 'seq', placement: { worker: 2 } });
      const N = 60_000;
      // Bursts larger than the ring (1 MiB holds ~43k small frames) mixed with yields to the loop.
      for (let i = 0; i < N; i++) {
        seq.tell(i);
        if (i % 15_000 === 14_999) await sleep(1);
      }
      const report = await settledReport(seq as ActorRef, N);
      expect(report).toEqual({ count: N, violations: 0, first: null, next: { main: N } });
    });
  });

  it('main thread → actor: 20,000 structured messages arrive in order with their exact content', async () => {
    await withSystem(async (system) => {
      const checker = await system.spawn(ItemChecker, { id: 'checker', placement: { worker: 1 } });
      const N = 20_000;
      for (let i = 0; i < N; i++) checker.tell({ type: 'item', i, s: `v${i}`, nested: { i, list: [i, i + 1] } });
      // `report` was sent after all items on the same path, so it sees every one of them.
      expect(await checker.ask({ type: 'report' }, { timeoutMs: 20_000 })).toEqual({ count: N, bad: 0, first: null });
    });
  });

  it('main thread → actor: the exact sequence of mixed values is preserved (Recorder)', async () => {
    await withSystem(async (system) => {
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 2 } });
      const sent = range(0, 2000).map((i) => (i % 4 === 0 ? i : i % 4 === 1 ? `s${i}` : i % 4 === 2 ? { type: 'o', i } : [i, null, true]));
      for (const m of sent) rec.tell(m);
      expect(await rec.ask('dump', { timeoutMs: 10_000 })).toEqual(sent);
    });
  });

  it('actor → actor on the same worker: 50,000 tells in order (one turn)', async () => {
    await withSystem(async (system) => {
      const report = await produce(system, 1, 1, 50_000, 50_000);
      expect(report).toEqual({ count: 50_000, violations: 0, first: null, next: { producer: 50_000 } });
    });
  });

  it('actor → actor on the same worker: 50,000 tells in order (1,000 per turn)', async () => {
    await withSystem(async (system) => {
      const report = await produce(system, 2, 2, 50_000, 1000);
      expect(report).toEqual({ count: 50_000, violations: 0, first: null, next: { producer: 50_000 } });
    });
  });

  it('actor → actor across workers: 50,000 tells in one turn (more than the ring holds) in order', async () => {
    await withSystem(async (system) => {
      const report = await produce(system, 1, 2, 50_000, 50_000);
      expect(report).toEqual({ count: 50_000, violations: 0, first: null, next: { producer: 50_000 } });
    });
  });

  it('actor → actor across workers: 50,000 tells, 500 per turn, in order', async () => {
    await withSystem(async (system) => {
      const report = await produce(system, 2, 1, 50_000, 500);
      expect(report).toEqual({ count: 50_000, violations: 0, first: null, next: { producer: 50_000 } });
    });
  });

  it('several senders at once (main + same worker + other worker): each sender\'s stream stays in order', async () => {
    await withSystem(async (system) => {
      const seq = await system.spawn(Sequencer, { id: 'seq', placement: { worker: 1 } });
      const local = await system.spawn(Producer, { id: 'local', placement: { worker: 1 }, args: seq as ActorRef });
      const remote = await system.spawn(Producer, { id: 'remote', placement: { worker: 2 }, args: seq as ActorRef });
      const N = 20_000;
      local.tell({ type: 'produce', from: 0, to: N, chunk: 700 });
      remote.tell({ type: 'produce', from: 0, to: N, chunk: 900 });
      for (let i = 0; i < N; i++) seq.tell(i);
      const report = await settledReport(seq as ActorRef, 3 * N);
      expect(report).toEqual({ count: 3 * N, violations: 0, first: null, next: { main: N, local: N, remote: N } });
    });
  });
});
