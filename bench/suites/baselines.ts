import { result, type BenchResult } from '../harness.js';
import { directCallLoop, plainActorAlloc, plainQueueLoop } from '../baselines/queue.js';
import { rawPostMessagePerMessage, rawPostMessageRoundTrip } from '../baselines/postmessage.js';
import { rawPiscina, rawPiscinaCpu } from '../baselines/piscina.js';
import { erlangAvailable, erlangBaseline, savinaErlangParams, type ErlangBenchName } from '../baselines/erlang.js';
import { wants, type ListedSuite, type RunnerContext } from '../select.js';

/**
 * The raw primitives on their own, each against the nearest thing it can be compared with, so one
 * run shows the floors and ceilings every Troupe figure sits between on this machine. Troupe is
 * not in these rows: the ratios are properties of the platform (queue overhead, pool overhead,
 * 1-to-2-core scaling, BEAM against a bare loop).
 */
export const baselinesSuite: ListedSuite = {
  name: 'baselines',
  benchmarks: [
    'queue-loop',
    'postmessage-roundtrip',
    'piscina-trivial',
    'piscina-cpu-2w',
    ...(['pingpong', 'counting', 'threadring', 'forkjoin', 'spawn'] as const).map((n) => `erlang-${n}`),
  ],
  description:
    'Raw primitives: same-thread queue loop, postMessage round trip, Piscina dispatch and CPU scaling, and the ' +
    'Erlang Savina figures, each against its nearest comparison.',
  async run(ctx) {
    const q = ctx.quick;
    const results: BenchResult[] = [];
    const suite = 'baselines';
    const steps = 6;

    const loopN = q ? 2_000_000 : 10_000_000;
    let queue: number | undefined;
    const queueLoop = (): number => (queue ??= plainQueueLoop(loopN).perSec);

    if (wants(ctx, 'queue-loop')) {
      ctx.progress('queue-loop', 0, steps);
      results.push(
        result({
          suite,
          name: 'queue-loop',
          metric: `throughput (${loopN.toLocaleString('en-US')} msgs)`,
          value: queueLoop(),
          unit: 'msgs/s',
          baseline: 'direct-call',
          baselineValue: directCallLoop(loopN).perSec,
        }),
      );
    }

    if (wants(ctx, 'postmessage-roundtrip')) {
      ctx.progress('postmessage-roundtrip', 1, steps);
      const rt = await rawPostMessageRoundTrip(q ? 5_000 : 50_000);
      // p99 against p50: the ratio is how tight the tail is (1 = no jitter).
      results.push(
        result(
          {
            suite,
            name: 'postmessage-roundtrip',
            metric: `p99 latency (${rt.samples.toLocaleString('en-US')} samples)`,
            value: rt.p99Us,
            unit: 'us',
            baseline: 'postmessage-roundtrip p50',
            baselineValue: rt.p50Us,
          },
          false,
        ),
      );
    }

    if (wants(ctx, 'piscina-trivial')) {
      ctx.progress('piscina-trivial', 2, steps);
      const n = q ? 10_000 : 200_000;
      const pool = await rawPiscina(n);
      const post = await rawPostMessagePerMessage(q ? 50_000 : 1_000_000);
      results.push(
        result({
          suite,
          name: 'piscina-trivial',
          metric: `throughput (${n.toLocaleString('en-US')} tasks)`,
          value: pool.perSec,
          unit: 'tasks/s',
          baseline: 'postmessage-per-message',
          baselineValue: post.perSec,
        }),
      );
    }

    if (wants(ctx, 'piscina-cpu-2w')) {
      ctx.progress('piscina-cpu', 3, steps);
      const n = q ? 8 : 40;
      const one = await rawPiscinaCpu(1, n);
      const two = await rawPiscinaCpu(2, n);
      results.push(
        result({
          suite,
          name: 'piscina-cpu-2w',
          metric: `throughput (${n} trapezoid tasks of 1e6 steps)`,
          value: two.perSec,
          unit: 'tasks/s',
          baseline: 'piscina-cpu-1w',
          baselineValue: one.perSec,
        }),
      );
    }

    const params = savinaErlangParams(q);
    const erlangNames: ErlangBenchName[] = ['pingpong', 'counting', 'threadring', 'forkjoin'];
    // A quick run leaves Erlang's standalone rows out (unless one is named with --only): the
    // savina suite runs the same programs, interleaved with Troupe's, and reports them there.
    const erlangRows = !q || (ctx as RunnerContext).only !== undefined;
    const wanted = erlangRows ? erlangNames.filter((n) => wants(ctx, `erlang-${n}`)) : [];
    if (!erlangRows) ctx.progress('erlang rows: in the savina suite (quick run)', 4, steps);
    else if (wanted.length > 0 || wants(ctx, 'erlang-spawn')) {
      if (!(await erlangAvailable())) {
        ctx.progress('erlang: erl not found, Erlang rows skipped (apt-get install erlang-base)', 4, steps);
      } else {
        for (const name of wanted) {
          ctx.progress(`erlang-${name}`, 4, steps);
          const p = params[name];
          const r = (await erlangBaseline(name, p))!;
          results.push(
            result({
              suite,
              name: `erlang-${name}`,
              metric: `throughput (${r.messages.toLocaleString('en-US')} msgs, +S ${p.schedulers ?? 1})`,
              value: r.value,
              unit: 'msgs/s',
              baseline: 'queue-loop',
              baselineValue: queueLoop(),
            }),
          );
        }
        if (wants(ctx, 'erlang-spawn')) {
          ctx.progress('erlang-spawn', 5, steps);
          const r = (await erlangBaseline('spawn', params.spawn))!;
          results.push(
            result({
              suite,
              name: 'erlang-spawn',
              metric: `spawn rate (${r.messages.toLocaleString('en-US')} live processes)`,
              value: r.value,
              unit: 'spawns/s',
              baseline: 'actor-alloc',
              baselineValue: plainActorAlloc(params.spawn.n).perSec,
            }),
          );
        }
      }
    }
    ctx.progress('done', steps, steps);
    return results;
  },
};
