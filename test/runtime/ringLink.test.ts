import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ActorRef } from '../../runtime/ActorRef.js';
import { HEAD, TAIL, SharedRing } from '../../runtime/transport/SharedRing.js';
import { InboundLink, OutboundLink } from '../../runtime/transport/RingLink.js';
import { Kind } from '../../runtime/transport/Frames.js';
import { withSystem } from './helpers.js';
import { HeavyParent, QuietCounter, SpreadEcho } from '../fixtures/runtime/actors.js';

/*
 * What a long-running system does to its rings. A ring's head and tail are 32-bit word counters in
 * shared memory, and 2^31 words go through a busy ring in under a minute: crossing that line (and
 * 2^32, back to 0) must be invisible, so these tests start a ring just before it instead of sending
 * gigabytes. Correlation ids cross in a 32-bit word too. And the refs a link interns must not keep
 * the actors behind them alive.
 */

const RING_WORDS = 1024;

/** A ring whose counters start at `start` (an int32), with a producer and a consumer on it. */
function ringAt(start: number, maxRefs?: number): { out: OutboundLink; inbound: InboundLink; errors: unknown[] } {
  const sab = new SharedArrayBuffer((4 + RING_WORDS) * 4);
  const header = new Int32Array(sab, 0, 4);
  header[HEAD] = start;
  header[TAIL] = start;
  const errors: unknown[] = [];
  const out = new OutboundLink(sab, maxRefs);
  const inbound = new InboundLink(sab, 1, (id, node, behaviour) => new ActorRef(id, node, behaviour), (err) => errors.push(err), () => undefined);
  return { out, inbound, errors };
}

/** Messages of every encoding, some long enough to make the producer pad and wrap often. */
function message(i: number): unknown {
  switch (i % 4) {
    case 0: return i;
    case 1: return `text ${i} ${'x'.repeat(i % 150)}`;
    case 2: return { i, list: [i, i + 1], nested: { ok: true } };
    default: return i + 0.5;
  }
}

describe('ring counters that wrap at 32 bits', () => {
  for (const [label, start] of [['2^31 (int32 max to min)', 0x7fffffff - 300], ['2^32 (-1 to 0)', -300]] as const) {
    it(`delivers every frame, in order and intact, across ${label}`, () => {
      const { out, inbound, errors } = ringAt(start);
      const target = new ActorRef('t', 1, 'm#B');
      const got: { value: unknown; corr: number }[] = [];
      const handler = (_o: number, _k: number, _t: ActorRef | undefined, _s: ActorRef | undefined, corr: number, value: unknown): void => {
        got.push({ value, corr });
      };
      const sent: { value: unknown; corr: number }[] = [];
      // Bursts of up to 40 frames, then a drain: the ring fills (frames spill and are retried)
      // and empties many times over while its counters cross the line.
      for (let i = 0; i < 6000;) {
        const burst = 1 + (i % 40);
        for (let k = 0; k < burst && i < 6000; k++, i++) {
          const value = message(i);
          out.send(Kind.Tell, target, undefined, i + 1, value);
          sent.push({ value, corr: i + 1 });
        }
        out.flush();
        for (let rounds = 0; inbound.hasFrames() || out.backlog > 0; rounds++) {
          // A ring whose counters broke across the line looks full to the producer and empty to
          // the consumer for good: fail rather than spin.
          if (rounds > 100) throw new Error(`ring stuck after ${got.length} of ${sent.length} frames (${out.backlog} spilled)`);
          inbound.drain(handler, 1000);
          out.flush();
        }
      }
      expect(errors).toEqual([]);
      expect(got.length).toBe(sent.length);
      expect(got).toEqual(sent);
      // The counters did cross: far more than 300 words went through.
      const ring = new SharedRing(inbound.ring.sab);
      expect(((ring.readPos - start) | 0) > RING_WORDS * 10).toBe(true);
      expect(Math.sign(ring.readPos)).not.toBe(Math.sign(start));
    });
  }
});

describe('correlation ids that wrap', () => {
  it('asks across threads are answered when the id passes 2^31 - 1 and starts again at 1', async () => {
    await withSystem(async (system) => {
      const echo = await system.spawn(SpreadEcho, { id: 'echo', placement: { worker: 1 } });
      const node = (system as unknown as { node: { nextCorr: number } }).node;
      node.nextCorr = 0x7fffffff - 10;
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => echo.ask(`m${i}`, { timeoutMs: 3000 })));
      expect(answers).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}!`));
      expect(node.nextCorr).toBeGreaterThan(0);
      expect(node.nextCorr).toBeLessThan(100);
    });
  });
});

describe('refs interned on a link', () => {
  it('are not kept alive by the link: a sender that sent once and was dropped can be collected', async () => {
    // A full GC on demand, for this test only.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { out, inbound } = ringAt(0);
    const target = new ActorRef('t', 1, 'm#B');
    const drain = (): void => { out.flush(); inbound.drain(() => undefined, 1000); };
    // Stands for a stopped actor's cell with its state: only the link would still hold it.
    let sender: ActorRef | undefined = Object.assign(new ActorRef('short-lived', 0, 'm#A'), { state: new Array(100_000).fill(1) });
    const weak = new WeakRef(sender);
    out.send(Kind.Tell, target, sender, 0, 'once');
    sender = undefined;
    drain();
    // The link remembers the last two refs it interned: two others push the sender out of that.
    for (const id of ['a', 'b']) out.send(Kind.Tell, target, new ActorRef(id, 0, 'm#A'), 0, 'x');
    drain();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(weak.deref()).toBeUndefined();
  });
});

describe('a stopped actor', () => {
  it('leaves no state in its cell, which refs to it (and link tables holding those) may keep', async () => {
    await withSystem(async (system) => {
      const parent = await system.spawn(HeavyParent, { id: 'heavy-parent', placement: { worker: 1 } });
      expect(await parent.ask('run', { timeoutMs: 3000 })).toEqual({ before: true, after: false });
    });
  });
});

describe('a link that starts a fresh table of refs', () => {
  it('sends every message to its target from its sender, also when interning the sender starts the table', () => {
    // A table of 4 refs: a new one every few messages instead of every 2^20 refs.
    const { out, inbound, errors } = ringAt(0, 4);
    const target = new ActorRef('target', 1, 'm#B');
    const other = new ActorRef('other', 1, 'm#B');
    const got: string[] = [];
    const handler = (_o: number, _k: number, t: ActorRef | undefined, s: ActorRef | undefined, _c: number, value: unknown): void => {
      got.push(`${String(value)}: ${s?.id ?? '-'} -> ${t?.id ?? '-'}`);
    };
    const want: string[] = [];
    for (let i = 0; i < 40; i++) {
      // Short-lived senders, each telling the same long-lived target once; now and then another
      // target, so that the reset falls at every position in the table.
      const to = i % 3 === 0 ? other : target;
      out.send(Kind.Tell, to, new ActorRef(`short-${i}`, 0, 'm#A'), 0, `m${i}`);
      want.push(`m${i}: short-${i} -> ${to.id}`);
      out.flush();
      inbound.drain(handler, 100);
    }
    expect(errors).toEqual([]);
    expect(got).toEqual(want);
  });
});

describe('deadlines of answered asks, once ids have wrapped', () => {
  it('do not time out a newer ask that took the same id', async () => {
    await withSystem(async (system) => {
      const echo = await system.spawn(SpreadEcho, { id: 'echo2', placement: { worker: 1 } });
      const mute = await system.spawn(QuietCounter, { id: 'mute', placement: { worker: 2 } });
      const node = (system as unknown as { node: { nextCorr: number } }).node;
      const reused = node.nextCorr;
      expect(await echo.ask('a', { timeoutMs: 300 })).toBe('a!');
      // 2^31 ids later the same id comes round again (set back here instead).
      node.nextCorr = reused;
      const started = Date.now();
      const err = await mute.ask('b', { timeoutMs: 1500 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/timed out after \d+ ms \(limit 1500 ms\)/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    });
  });
});
