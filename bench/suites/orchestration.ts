import { ActorSystem, type ActorRef } from '../../index.js';
import { Orchestrator } from '../../orchestration/index.js';
import { BENCH_HANDLERS, ChecksumActor, LocalModelActor, checksum } from '../actors/orchestration.js';
import { result, type BenchResult } from '../harness.js';
import type { ListedSuite } from '../select.js';

/**
 * The cost of orchestration: delegating one message to N agents (and the parallel pattern, and a
 * single `run`) against the same work done with plain asks to N plain actors on the same system.
 * An orchestrated call validates and builds an AgentMessage, sanitizes its content, listens for
 * cancellation, and the agent records a copy of its reply; the plain ask does none of that.
 * Ratio = plain-ask time / orchestration time (1.0 would be free orchestration).
 */
export const orchestrationSuite: ListedSuite = {
  name: 'orchestration',
  // Quick runs use 8 agents, full ones 16.
  benchmarks: [8, 16].flatMap((n) => [`delegate-parallel-${n}-agents`, `parallel-pattern-${n}-agents`, `delegate-parallel-${n}-model-agents`]).concat('run-one-agent'),
  description: 'delegate/parallel/run over N agent actors vs the same work with plain asks',
  async run(ctx) {
    const out: BenchResult[] = [];
    const q = ctx.quick;
    const agents = q ? 8 : 16;
    const rounds = q ? 300 : 2000;
    const singles = q ? 1000 : 5000;
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', askTimeoutMs: 60_000, monitoring: false });
    try {
      const ids = Array.from({ length: agents }, (_, i) => `bench-agent-${i}`);
      // Both sides spread the same way: agent i and plain actor i on worker (i mod 2) + 1.
      const on = (i: number) => ({ worker: (i % 2) + 1 });
      const orchestrator = await Orchestrator.start({ system });
      for (const [i, id] of ids.entries()) {
        await orchestrator.registerAgent({ id, handler: { module: BENCH_HANDLERS, export: 'checksumAgent' } }, { placement: on(i) });
      }
      const plain: ActorRef<string>[] = await Promise.all(ids.map((id, i) => system.spawn(ChecksumActor, { id: `plain-${id}`, placement: on(i) })));
      const text = 'Delegate this small message to every agent of the team and wait for all of them.';
      const expected = checksum(text);

      const timePerRound = async (label: string, once: () => Promise<unknown>): Promise<number> => {
        for (let i = 0; i < Math.min(50, rounds); i++) await once(); // warm-up: JIT, module loads, lookups
        const t0 = performance.now();
        for (let i = 0; i < rounds; i++) {
          await once();
          if (i % 100 === 0) ctx.progress(label, i, rounds);
        }
        return (performance.now() - t0) / rounds;
      };

      ctx.progress('plain asks', 0, 5);
      const plainRound = await timePerRound('plain asks', async () => {
        const rs = await Promise.all(plain.map((r) => r.ask<number>(text)));
        if (rs[0] !== expected) throw new Error('plain actors answered wrong');
      });

      ctx.progress('delegate parallel', 1, 5);
      const delegateRound = await timePerRound('delegate parallel', async () => {
        const rs = await orchestrator.delegate(text, ids, { strategy: 'parallel' });
        if (!rs.every((r) => r.success && r.response === expected)) throw new Error('delegation lost an answer');
      });
      out.push(result({
        suite: 'orchestration', name: `delegate-parallel-${agents}-agents`, metric: 'time per delegation', value: delegateRound * 1000, unit: 'us',
        baseline: `${agents} plain asks (Promise.all)`, baselineValue: plainRound * 1000,
      }, false));

      ctx.progress('parallel pattern', 2, 5);
      const parallelRound = await timePerRound('parallel pattern', async () => {
        const rs = await orchestrator.parallel(ids, text);
        if (rs[0] !== expected) throw new Error('parallel pattern answered wrong');
      });
      out.push(result({
        suite: 'orchestration', name: `parallel-pattern-${agents}-agents`, metric: 'time per fan-out', value: parallelRound * 1000, unit: 'us',
        baseline: `${agents} plain asks (Promise.all)`, baselineValue: plainRound * 1000,
      }, false));

      ctx.progress('single run', 3, 5);
      const single = async (call: () => Promise<unknown>): Promise<number> => {
        for (let i = 0; i < 200; i++) await call();
        const t0 = performance.now();
        for (let i = 0; i < singles; i++) await call();
        return ((performance.now() - t0) / singles) * 1000;
      };
      const plainSingle = await single(() => plain[0]!.ask(text));
      const runSingle = await single(() => orchestrator.run(text, { agent: ids[0] }));
      out.push(result({
        suite: 'orchestration', name: 'run-one-agent', metric: 'round trip', value: runSingle, unit: 'us',
        baseline: 'one plain ask', baselineValue: plainSingle,
      }, false));

      // The same comparison with real agent work: the local model summarising a page of text.
      ctx.progress('model agents', 4, 5);
      const modelIds = ids.map((id) => `model-${id}`);
      for (const [i, id] of modelIds.entries()) await orchestrator.registerAgent({ id, model: 'local' }, { placement: on(i) });
      const plainModels: ActorRef<string>[] = await Promise.all(modelIds.map((id, i) => system.spawn(LocalModelActor, { id: `plain-${id}`, placement: on(i) })));
      const page = Array.from({ length: 40 }, (_, i) => `Sentence ${i} says that actors on worker threads exchange messages and keep their state private.`).join(' ');
      const modelRounds = Math.max(20, Math.floor(rounds / 10));
      const timeModel = async (once: () => Promise<unknown>): Promise<number> => {
        for (let i = 0; i < 10; i++) await once();
        const t0 = performance.now();
        for (let i = 0; i < modelRounds; i++) await once();
        return (performance.now() - t0) / modelRounds;
      };
      const plainModelRound = await timeModel(() => Promise.all(plainModels.map((r) => r.ask<string>(page))));
      const delegateModelRound = await timeModel(async () => {
        const rs = await orchestrator.delegate(page, modelIds, { strategy: 'parallel' });
        if (!rs.every((r) => r.success)) throw new Error('model delegation failed');
      });
      out.push(result({
        suite: 'orchestration', name: `delegate-parallel-${agents}-model-agents`, metric: 'time per delegation', value: delegateModelRound * 1000, unit: 'us',
        baseline: `${agents} plain asks to actors running the same model`, baselineValue: plainModelRound * 1000,
      }, false));
      await orchestrator.stop();
    } finally {
      await system.stop();
    }
    return out;
  },
};
