import { ActorSystem, type ActorRef } from '../../index.js';
import { result, type BenchResult } from '../harness.js';
import { wants, type ListedSuite } from '../select.js';
import { Noop, Trapezoid } from '../actors/tasks.js';
import { Sink, Source } from '../actors/crossworker.js';
import { Echo } from '../actors/echo.js';
import { median, rawPiscina, rawPiscinaCpu, rawPostMessagePerMessage, rawPostMessageRoundTrip } from '../baselines/index.js';

/**
 * Cross-thread paths: pool actors against raw piscina, cross-worker Counting against raw
 * per-message postMessage, and the cross-worker ask round trip against a raw postMessage ping-pong.
 */
export const poolSuite: ListedSuite = {
  name: 'cross-thread',
  benchmarks: ['ask-round-trip-p50', 'ask-round-trip-p99', 'cross-worker-counting', 'pool-trivial-tasks', 'pool-cpu-2-vs-1-workers', 'pool-cpu-2-workers'],
  description: 'pool actors vs raw piscina; cross-worker messages and ask vs raw postMessage',
  async run(ctx) {
    const out: BenchResult[] = [];
    const q = ctx.quick;

    // Monitoring off: its policies (move the busiest actor, hold offers) would change what is measured.
    const system = await ActorSystem.start({ workers: 2, askTimeoutMs: 600_000, logLevel: 'error', monitoring: false });
    try {
      // The ask round trip first, then the flood, then the pools: latency is measured before any
      // flood has grown the heaps and before the pools' threads exist.
      // ---- cross-worker ask round trip (main thread -> worker -> main thread)
      if (wants(ctx, 'ask-round-trip-p50') || wants(ctx, 'ask-round-trip-p99')) {
        ctx.progress('ask round trip', 0, 5);
        const echo: ActorRef<number> = await system.spawn(Echo, { placement: { worker: 1 } });
        const samples = q ? 5_000 : 20_000;
        // Warm both sides the same, and long enough for the JIT's background compiles to be over:
        // with 2,000 round trips they still ran during the measurement and took the p99 (~1 ms).
        const warmup = 20_000;
        for (let i = 0; i < warmup; i++) await echo.ask(i);
        const lat = new Float64Array(samples);
        for (let i = 0; i < samples; i++) {
          const t = performance.now();
          await echo.ask(i);
          lat[i] = (performance.now() - t) * 1000;
        }
        lat.sort();
        const p50 = lat[Math.floor(samples / 2)]!;
        const p99 = lat[Math.floor(samples * 0.99)]!;
        const rawRt = await rawPostMessageRoundTrip(samples, { warmup });
        out.push(result({ suite: 'cross-thread', name: 'ask-round-trip-p50', metric: 'p50 latency', value: p50, unit: 'us', baseline: 'raw postMessage round trip p50', baselineValue: rawRt.p50Us }, false));
        out.push(result({ suite: 'cross-thread', name: 'ask-round-trip-p99', metric: 'p99 latency', value: p99, unit: 'us', baseline: 'raw postMessage round trip p99', baselineValue: rawRt.p99Us }, false));
      }
      // ---- cross-worker counting
      if (wants(ctx, 'cross-worker-counting')) {
        ctx.progress('cross-worker counting', 1, 5);
        const n = q ? 1_000_000 : 5_000_000;
        const sink = await system.spawn(Sink, { placement: { worker: 2 } });
        const source = await system.spawn(Source, { placement: { worker: 1 } });
        await source.ask({ n: 50_000, sink });
        // Three rounds, each Troupe then raw postMessage, and the median of each: the two sides meet
        // the same phases of a noisy machine, and one slow round (the first flood into a fresh
        // actor grows its mailbox and the worker's heap) does not decide the figure.
        const troupeRates: number[] = [];
        const rawRates: number[] = [];
        for (let round = 0; round < 3; round++) {
          const fresh = await system.spawn(Sink, { placement: { worker: 2 } });
          const r = await source.ask<{ ms: number; count: number }>({ n, sink: fresh }, { timeoutMs: 600_000 });
          if (r.count !== n) throw new Error(`cross-worker counting lost messages: ${r.count}/${n}`);
          troupeRates.push((n / r.ms) * 1000);
          rawRates.push((await rawPostMessagePerMessage(q ? 200_000 : 1_000_000)).perSec);
        }
        out.push(result({ suite: 'cross-thread', name: 'cross-worker-counting', metric: 'msgs/s', value: median(troupeRates), unit: 'msgs/s', baseline: 'raw postMessage, one message per call (median of 3)', baselineValue: median(rawRates) }));
      }

      // ---- pool actors, trivial tasks
      if (wants(ctx, 'pool-trivial-tasks')) {
        ctx.progress('pool trivial tasks', 2, 5);
        // Rounds of Troupe then raw piscina (three, two quick), and the median of each side, as for
        // counting: raw piscina alone ran anywhere from 9k to 40k tasks/s a few minutes apart. Each
        // Troupe round is long enough (~1 s) to be the sustained rate, not the JIT warming up.
        const trivialN = q ? 200_000 : 400_000;
        const pool = await system.spawnPool(Noop, { threads: 2 });
        await Promise.all(Array.from({ length: 10_000 }, (_, i) => pool.ask(i)));
        const poolRates: number[] = [];
        const piscinaRates: number[] = [];
        for (let round = 0; round < (q ? 2 : 3); round++) {
          const t0 = performance.now();
          let sum = 0;
          for (let done = 0; done < trivialN; done += 100_000) {
            const rs = await Promise.all(Array.from({ length: Math.min(100_000, trivialN - done) }, (_, i) => pool.ask<number>(i)));
            for (const r of rs) sum += r;
          }
          poolRates.push((trivialN / (performance.now() - t0)) * 1000);
          if (sum <= 0) throw new Error('pool lost results');
          piscinaRates.push((await rawPiscina(q ? 12_000 : 40_000, { threads: 2 })).perSec);
        }
        out.push(result({ suite: 'cross-thread', name: 'pool-trivial-tasks', metric: 'tasks/s', value: median(poolRates), unit: 'tasks/s', baseline: `raw piscina, one task per run() (median of ${poolRates.length})`, baselineValue: median(piscinaRates) }));
      }

      // ---- pool actors, CPU-bound scaling
      if (wants(ctx, 'pool-cpu-2-vs-1-workers') || wants(ctx, 'pool-cpu-2-workers')) {
        ctx.progress('pool cpu scaling', 3, 5);
        const tasks = q ? 32 : 48;
        const steps = q ? 500_000 : 1_000_000;
        const cpu = async (threads: number): Promise<number> => {
          const p = await system.spawnPool(Trapezoid, { threads, id: `trapezoid-${threads}` });
          await Promise.all([p.ask({ a: 1, b: 2, steps: 10_000 }), p.ask({ a: 1, b: 2, steps: 10_000 })]);
          const t = performance.now();
          await Promise.all(Array.from({ length: tasks }, (_, i) => p.ask({ a: 1 + (i % 7), b: 2 + (i % 7), steps })));
          return (tasks / (performance.now() - t)) * 1000;
        };
        const one = await cpu(1);
        const two = await cpu(2);
        out.push(result({ suite: 'cross-thread', name: 'pool-cpu-2-vs-1-workers', metric: 'tasks/s', value: two, unit: 'tasks/s', baseline: 'same pool on 1 worker', baselineValue: one }));
        const rawTwo = await rawPiscinaCpu(2, tasks, { steps });
        out.push(result({ suite: 'cross-thread', name: 'pool-cpu-2-workers', metric: 'tasks/s', value: two, unit: 'tasks/s', baseline: 'raw piscina, 2 threads', baselineValue: rawTwo.perSec }));
      }

    } finally {
      await system.stop();
    }
    return out;
  },
};
