import { ActorSystem, type ActorRef } from '../../index.js';
import { result, type BenchResult } from '../harness.js';
import { wants, type ListedSuite } from '../select.js';
import { SavinaDriver, type SavinaRequest, type SavinaResult } from '../actors/savina.js';
import { median, plainQueueLoop, plainActorAlloc } from '../baselines/index.js';
import { erlangBaseline, savinaErlangParams, type ErlangBenchName } from '../baselines/erlang.js';

/**
 * Same-worker Savina micro benchmarks. Every actor of a benchmark lives on one worker thread, as
 * every process of `erl +S 1` shares one scheduler. Each figure is reported twice: against Erlang/OTP
 * with the same parameters (when `erl` is installed) and against a plain same-thread queue loop, the
 * floor any JavaScript mailbox is compared to.
 */
export const savinaSuite: ListedSuite = {
  name: 'savina',
  benchmarks: ['pingpong', 'counting', 'threadring', 'forkjoin-throughput', 'forkjoin-creation', 'big', 'chameneos', 'spawn', 'idle-actor-memory', 'idle-actor-memory-with-registry'],
  description: 'Savina actor benchmarks on one worker vs Erlang/OTP (erl +S 1) and a plain queue loop',
  async run(ctx) {
    const p = savinaErlangParams(ctx.quick);
    const all: { name: string; erl?: ErlangBenchName; req: SavinaRequest }[] = [
      { name: 'pingpong', erl: 'pingpong', req: { bench: 'pingpong', n: p.pingpong.n } },
      { name: 'counting', erl: 'counting', req: { bench: 'counting', n: p.counting.n } },
      { name: 'threadring', erl: 'threadring', req: { bench: 'threadring', actors: 503, hops: p.threadring.n } },
      { name: 'forkjoin-throughput', erl: 'forkjoin', req: { bench: 'forkjoin', actors: 60, messages: p.forkjoin.n } },
      { name: 'forkjoin-creation', req: { bench: 'forkjoin-create', actors: ctx.quick ? 100_000 : 1_000_000 } },
      { name: 'big', req: { bench: 'big', actors: ctx.quick ? 200 : 1000, pings: ctx.quick ? 500 : 2000 } },
      { name: 'chameneos', req: { bench: 'chameneos', creatures: 100, meetings: ctx.quick ? 200_000 : 2_000_000 } },
      { name: 'spawn', erl: 'spawn', req: { bench: 'spawn', actors: ctx.quick ? 100_000 : 1_000_000 } },
    ];
    // With --only, just the one benchmark (the memory rows come from the spawn step).
    const plan = all.filter((step) => wants(ctx, step.name) || (step.name === 'spawn' && (wants(ctx, 'idle-actor-memory') || wants(ctx, 'idle-actor-memory-with-registry'))));
    const out: BenchResult[] = [];
    // A benchmark holds its worker busy on purpose: the watchdog's limit is raised past the longest
    // step (spawning a million actors in one turn), and load alerts are not part of the figures.
    const system = await ActorSystem.start({ workers: 1, askTimeoutMs: 600_000, logLevel: 'error', monitoring: false, watchdog: { intervalMs: 1000, unresponsiveMs: 120_000 } });
    try {
      const driver: ActorRef<SavinaRequest> = await system.spawn(SavinaDriver, { id: 'savina-driver', placement: { worker: 1 } });
      // One untimed pass at small sizes so that the JIT has compiled the hot path, as Erlang's is.
      for (const step of plan) await driver.ask(shrink(step.req));
      await driver.ask({ bench: 'cleanup' });
      let i = 0;
      for (const step of plan) {
        ctx.progress(`savina ${step.name}`, i++, plan.length);
        globalThis.gc?.();
        const mainBefore = process.memoryUsage().heapUsed;
        const listedBefore = system.list().length;
        // A message benchmark first runs twice untimed at its timed size (as bench/ab.ts does): V8
        // reaches its final code for a benchmark's hot path only after millions of messages (the
        // first two 10M Counting runs of a fresh worker deoptimize and re-optimize enqueue and run
        // as new cells change the maps they see; three rounds after one warm-up read 9.5, 10.5 and
        // 15.0M msgs/s), while Erlang compiles at load time and gets its own N/10 warm-up in each
        // run. Spawning is GC-bound, not JIT-bound: no extra pass.
        if (!step.name.includes('spawn') && step.name !== 'forkjoin-creation') for (let w = 0; w < WARMUP_PASSES; w++) await driver.ask(step.req);
        const r = await driver.ask<SavinaResult>(step.req);
        const metric = step.name === 'spawn' ? 'spawns/s' : 'msgs/s';
        const rates = [(r.messages / r.ms) * 1000];
        const memoryRows: BenchResult[] = [];
        // Heap growth means something only after a full GC: without --expose-gc the rows would be noise.
        if (step.name === 'spawn' && typeof globalThis.gc !== 'function') ctx.progress('idle-actor memory skipped: run node with --expose-gc');
        if (step.name === 'spawn' && r.heapPerActor !== undefined && typeof globalThis.gc === 'function') {
          // Erlang's idle process is ~2.6 KB (measured here); lower is better, so the ratio is inverted.
          memoryRows.push(result({ suite: 'savina', name: 'idle-actor-memory', metric: 'bytes/actor', value: r.heapPerActor, unit: 'bytes', baseline: 'erlang process (2.6 KB)', baselineValue: 2600 }, false));
          // The main thread keeps a registry entry per actor (lookup, list, the dashboard's tree):
          // it is part of what an idle actor costs, so it is reported too, once every entry is in.
          const want = r.messages;
          for (let i = 0; i < 600 && system.list().length < listedBefore + want; i++) await new Promise((res) => setTimeout(res, 50));
          globalThis.gc?.();
          const mainPerActor = (process.memoryUsage().heapUsed - mainBefore) / want;
          memoryRows.push(result({ suite: 'savina', name: 'idle-actor-memory-with-registry', metric: 'bytes/actor', value: r.heapPerActor + mainPerActor, unit: 'bytes', baseline: 'erlang process (2.6 KB)', baselineValue: 2600 }, false));
        }
        if (step.name === 'spawn') await driver.ask({ bench: 'cleanup' });
        // Against Erlang: three rounds, Troupe then erl in each, and the median of
        // each side. A shared machine has fast and slow phases (the same run can differ 2x a few
        // seconds apart); interleaving puts both sides in the same phases.
        const erlRates: number[] = [];
        if (step.erl !== undefined) {
          for (let round = 0; round < (ctx.quick ? QUICK_ROUNDS : ROUNDS); round++) {
            if (round > 0) {
              const again = await driver.ask<SavinaResult>(step.req);
              rates.push((again.messages / again.ms) * 1000);
              if (step.name === 'spawn') await driver.ask({ bench: 'cleanup' });
            }
            const erl = await erlangBaseline(step.erl, { ...p[step.erl], fresh: true });
            if (erl === undefined) break;
            erlRates.push(erl.value);
          }
        }
        const value = median(rates);
        // Every round's figure, so a reader can see how far apart they were.
        const fmt = (xs: number[]): string => xs.map((x) => `${(x / 1e6).toFixed(2)}M`).join(' ');
        if (erlRates.length > 0) ctx.progress(`${step.name} rounds (${metric}): troupe ${fmt(rates)}, erlang ${fmt(erlRates)}`, i, plan.length);
        const plain = step.name === 'spawn' || step.name === 'forkjoin-creation'
          ? plainActorAlloc(r.messages).perSec
          : plainQueueLoop(r.messages).perSec;
        out.push(result({ suite: 'savina', name: step.name, metric, value, unit: metric, baseline: step.name.includes('spawn') || step.name === 'forkjoin-creation' ? 'plain object allocation' : 'plain queue loop', baselineValue: plain }));
        if (erlRates.length > 0) {
          out.push(result({ suite: 'savina', name: step.name, metric, value, unit: metric, baseline: `erlang/otp (erl +S 1), ${erlRates.length} rounds`, baselineValue: median(erlRates) }));
        }
        out.push(...memoryRows);
      }
    } finally {
      await system.stop();
    }
    return out;
  },
};

/** Untimed runs at the timed size before a message benchmark's rounds. */
const WARMUP_PASSES = 2;

/** Rounds of Troupe-then-Erlang per benchmark compared with Erlang (quick runs too: two rounds made a median of two, an average). */
const ROUNDS = 3;
const QUICK_ROUNDS = 3;

function shrink(req: SavinaRequest): SavinaRequest {
  switch (req.bench) {
    case 'pingpong': case 'counting': return { ...req, n: 20_000 };
    case 'threadring': return { ...req, hops: 20_000 };
    case 'forkjoin': return { ...req, messages: 500 };
    case 'forkjoin-create': case 'spawn': return { ...req, actors: 10_000 };
    case 'cleanup': return req;
    case 'big': return { ...req, actors: 50, pings: 50 };
    case 'chameneos': return { ...req, meetings: 10_000 };
  }
}
