import { result, type BenchResult } from '../harness.js';
import { runPipe, type PipeEncoding, type PipePayload } from '../baselines/pipe.js';
import { wants, type ListedSuite } from '../select.js';

/**
 * The measurement that decides the runtime's cross-thread encoding: producer worker -> consumer
 * worker, N small messages, each candidate against one structured clone per postMessage.
 */

const PAYLOADS: readonly PipePayload[] = ['object', 'number', 'string'];

interface Candidate {
  readonly encoding: PipeEncoding;
  /** Objects only: for numbers and strings the records variant frames exactly like the plain ring. */
  readonly objectsOnly?: boolean;
}

const CANDIDATES: readonly Candidate[] = [
  { encoding: 'clone' },
  { encoding: 'clone-batch' },
  { encoding: 'msgpack-batch' },
  { encoding: 'sab-ring' },
  { encoding: 'sab-ring-records', objectsOnly: true },
  { encoding: 'sab-ring-batch' },
];

const BASELINE: PipeEncoding = 'clone';

export const benchmarkName = (payload: PipePayload, encoding: PipeEncoding): string => `${payload}-${encoding}`;

export const transportSuite: ListedSuite = {
  name: 'transport',
  benchmarks: PAYLOADS.flatMap((p) =>
    CANDIDATES.filter((c) => !c.objectsOnly || p === 'object').map((c) => benchmarkName(p, c.encoding)),
  ),
  description:
    'Worker-to-worker delivery of small messages: structured clone per message (baseline), cloned batches, ' +
    'msgpackr batches in transferred ArrayBuffers, and a SharedArrayBuffer SPSC ring with Atomics wake-ups ' +
    '(per-message binary records, msgpackr sequential records, or one msgpackr frame per batch).',
  async run(ctx) {
    const count = ctx.quick ? 50_000 : 1_000_000;
    const batch = 256;
    // Two cores shared by two busy workers and the main thread: single runs are noisy, so the full
    // run keeps the best of three, the usual estimate of what the mechanism itself costs.
    const reps = ctx.quick ? 1 : 3;

    const plan: { payload: PipePayload; encoding: PipeEncoding }[] = [];
    for (const payload of PAYLOADS) {
      for (const c of CANDIDATES) {
        if (c.objectsOnly && payload !== 'object') continue;
        const name = benchmarkName(payload, c.encoding);
        // The baseline is measured whenever anything of its payload is, since every ratio needs it.
        if (wants(ctx, name) || (c.encoding === BASELINE && CANDIDATES.some((o) => wants(ctx, benchmarkName(payload, o.encoding))))) {
          plan.push({ payload, encoding: c.encoding });
        }
      }
    }

    const best = new Map<string, number>();
    let done = 0;
    for (const { payload, encoding } of plan) {
      const name = benchmarkName(payload, encoding);
      ctx.progress(name, done, plan.length);
      let perSec = 0;
      for (let r = 0; r < reps; r++) {
        perSec = Math.max(perSec, (await runPipe({ encoding, payload, count, batch })).perSec);
      }
      best.set(name, perSec);
      done++;
    }
    ctx.progress('done', done, plan.length);

    const results: BenchResult[] = [];
    for (const { payload, encoding } of plan) {
      const name = benchmarkName(payload, encoding);
      const baseline = benchmarkName(payload, BASELINE);
      results.push(
        result({
          suite: 'transport',
          name,
          metric: `throughput (${count.toLocaleString('en-US')} msgs${encoding === 'clone' ? '' : `, batch ${batch}`})`,
          value: best.get(name)!,
          unit: 'msgs/s',
          baseline,
          baselineValue: best.get(baseline)!,
        }),
      );
    }
    return results;
  },
};
