import { ActorSystem, type ActorRef } from '../../index.js';
import { result, type BenchResult } from '../harness.js';
import type { ListedSuite } from '../select.js';
import { Faulty, RestartProbe } from '../actors/faulty.js';
import { median } from '../baselines/index.js';

/**
 * Recovery: how long a failed actor is out of service, and how long until every actor of a killed
 * worker serves again. Baselines: the same ask without a failure, and starting the same actors from
 * scratch (spawn + first answer), the cost a hand-rolled "restart everything" would pay.
 */
export const recoverySuite: ListedSuite = {
  name: 'recovery',
  // Quick and full sizes name the worker-kill rows differently.
  benchmarks: ['restart-after-throw-p50', 'worker-kill-1000-actors', 'worker-kill-20000-actors', 'worker-kill-100000-actors'],
  description: 'restart latency after a throw; time until every actor of a killed worker serves again',
  async run(ctx) {
    const out: BenchResult[] = [];
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', askTimeoutMs: 120_000, monitoring: false });
    try {
      ctx.progress('restart after throw', 0, 3);
      await system.spawn(RestartProbe, { id: 'restart-probe', placement: { worker: 1 } });
      const a = (await system.node.lookup('restart-probe/probe')) as ActorRef<string>;
      const rounds = ctx.quick ? 200 : 1000;
      const plain: number[] = [];
      const failed: number[] = [];
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        await a.ask('get');
        plain.push(performance.now() - t);
        t = performance.now();
        a.tell('throw');
        await a.ask('get'); // answered by the restarted incarnation, from the kept mailbox
        failed.push(performance.now() - t);
      }
      out.push(result({ suite: 'recovery', name: 'restart-after-throw-p50', metric: 'p50 latency', value: median(failed) * 1000, unit: 'us', baseline: 'same ask without a failure', baselineValue: median(plain) * 1000 }, false));

      for (const [k, count] of [[1, 1000], [2, ctx.quick ? 20_000 : 100_000]] as const) {
        ctx.progress(`worker kill with ${count} actors`, k, 3);
        const refs: ActorRef<string>[] = [];
        const t0 = performance.now();
        for (let i = 0; i < count; i += 2000) {
          refs.push(...(await Promise.all(Array.from({ length: Math.min(2000, count - i) }, (_, j) => system.spawn(Faulty, { id: `victim-${count}-${i + j}`, placement: { worker: 2 } })))));
        }
        await askAll(refs);
        const fresh = performance.now() - t0;
        const died = system.events.count;
        const t1 = performance.now();
        refs[0]!.tell('exit');
        await system.events.waitFor((e) => e.type === 'worker-restarted' && system.events.count > died, 120_000);
        await askAll(refs);
        const recovered = performance.now() - t1;
        out.push(result({ suite: 'recovery', name: `worker-kill-${count}-actors`, metric: 'time to serve again', value: recovered, unit: 'ms', baseline: 'start the same actors from scratch', baselineValue: fresh }, false));
        await Promise.all(refs.map((r) => system.stopActor(r).catch(() => undefined)));
      }
    } finally {
      await system.stop();
    }
    return out;
  },
};

async function askAll(refs: ActorRef<string>[]): Promise<void> {
  for (let i = 0; i < refs.length; i += 5000) await Promise.all(refs.slice(i, i + 5000).map((r) => r.ask('get')));
}
