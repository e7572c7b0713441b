import { describe, expect, it } from 'vitest';
import {
  createRing,
  directCallLoop,
  erlangAvailable,
  erlangBaseline,
  plainActorAlloc,
  plainQueueLoop,
  rawPiscina,
  rawPiscinaCpu,
  rawPostMessageBatched,
  rawPostMessagePerMessage,
  rawPostMessageRoundTrip,
  RingReader,
  RingWriter,
  runPipe,
} from '../../bench/baselines/index.js';
import { suites } from '../../bench/suites/index.js';

// Tiny sizes: these check that the worker scripts resolve from dist, that every message arrives
// (each pipe verifies a checksum) and that each call returns with its threads gone, not speed.

const positive = (x: number): void => {
  expect(Number.isFinite(x)).toBe(true);
  expect(x).toBeGreaterThan(0);
};

describe('same-thread baselines', () => {
  it('queue loop, direct call and actor allocation return throughputs', () => {
    for (const t of [plainQueueLoop(10_000, { warmup: false }), directCallLoop(10_000, { warmup: false }), plainActorAlloc(10_000)]) {
      expect(t.count).toBe(10_000);
      positive(t.perSec);
    }
  });
});

describe('SPSC ring', () => {
  it('round-trips numbers, strings and objects across the wrap, in order, on one thread', () => {
    for (const records of [false, true]) {
      const sab = createRing(1024);
      const w = new RingWriter(sab, { records });
      const r = new RingReader(sab, { records });
      const sent: unknown[] = [];
      const got: unknown[] = [];
      for (let i = 0; i < 2_000; i++) {
        const m = i % 3 === 0 ? i * 0.5 : i % 3 === 1 ? `s${i}é` : { type: 'inc', n: i, bin: new Uint8Array([i & 255]) };
        // When full, drain as the consumer would and retry the same message. Every 50th goes
        // through the batch frame with its successor.
        if (i % 50 === 49) {
          const m2 = { type: 'inc', n: -i, bin: new Uint8Array([1, 2]) };
          while (!w.writeBatch([m, m2])) {
            w.publish();
            r.drain((x) => got.push(x));
          }
          sent.push(m, m2);
          continue;
        }
        while (!w.write(m)) {
          w.publish();
          r.drain((x) => got.push(x));
        }
        sent.push(m);
      }
      while (!w.flushPending()) {
        w.publish();
        r.drain((x) => got.push(x));
      }
      w.publish();
      r.drain((x) => got.push(x));
      // msgpackr hands binary back as a Buffer; compare the bytes, not the class.
      const norm = (x: unknown): unknown =>
        typeof x === 'object' && x !== null ? { ...x, bin: [...(x as { bin: Uint8Array }).bin] } : x;
      expect(got.map(norm)).toEqual(sent.map(norm));
    }
  });
});

describe('cross-thread baselines', () => {
  it('postMessage per message, batched, and every pipe encoding deliver every message', async () => {
    positive((await rawPostMessagePerMessage(2_000)).perSec);
    positive((await rawPostMessageBatched(2_000, 64, { payload: 'number' })).perSec);
    const cases = [
      ['msgpack-batch', 'object'],
      ['sab-ring', 'object'],
      ['sab-ring', 'number'],
      ['sab-ring', 'string'],
      ['sab-ring-records', 'object'],
      ['sab-ring-batch', 'object'],
    ] as const;
    // A 4 KiB ring fills many times over, so the producer's wait-for-space path runs too.
    for (const [encoding, payload] of cases) {
      positive((await runPipe({ encoding, payload, count: 3_000, batch: 50, ringBytes: 4096 })).perSec);
    }
  });

  it('round trip returns ordered percentiles', async () => {
    const rt = await rawPostMessageRoundTrip(200, { warmup: 20 });
    expect(rt.samples).toBe(200);
    positive(rt.p50Us);
    expect(rt.p99Us).toBeGreaterThanOrEqual(rt.p50Us);
  });

  it('piscina trivial and CPU-bound tasks', async () => {
    positive((await rawPiscina(500, { threads: 1 })).perSec);
    const cpu = await rawPiscinaCpu(1, 2, { steps: 10_000 });
    positive(cpu.perSec);
    positive(cpu.result);
  });
});

describe('erlang baseline', () => {
  it('returns undefined without erl, a figure with it', async () => {
    const r = await erlangBaseline('pingpong', { n: 1_000 });
    if (!(await erlangAvailable())) {
      expect(r).toBeUndefined();
      return;
    }
    expect(r?.name).toBe('pingpong');
    expect(r?.messages).toBe(2_000);
    positive(r!.value);
  });
});

describe('suite registry', () => {
  it('lists the baselines and transport suites, each with a unique name', () => {
    const names = suites.map((s) => s.name);
    expect(names).toContain('transport');
    expect(names).toContain('baselines');
    expect(new Set(names).size).toBe(names.length);
  });
});
