/**
 * The demo: Troupe's main job on embedded defaults. It runs in steps, each in cli/demo/, so later
 * steps (orchestration: teams, workflows, handoffs) slot in without touching the others:
 *
 *   1. start the actor system (one worker per core)
 *   2. open the LMDB store (a session; every finished job goes to the history)
 *   3. serve the dashboard (its URL is printed)
 *   4. spawn the teams (leads fanning jobs out to CPU-bound analysts, a ledger on a topic)
 *   5. start the pool actor (Mandelbrot rows on piscina threads)
 *   6. run the workload, with a fault injected half way that the supervisor repairs
 *   7. summarize (and persist snapshots and the summary)
 *
 * It ends by itself after `duration` seconds unless `serve` is set.
 */
import { createLogger } from '../runtime/logger.js';
import type { DemoContext, DemoStep } from './demo/context.js';
import { parseDemoOptions, type DemoOptions } from './demo/options.js';
import { Reporter } from './demo/reporter.js';
import { openStore, serveDashboard, spawnTeams, startPool, startSystem } from './demo/steps.js';
import { collectSummary, persistSummary, printSummary, type DemoSummary } from './demo/summary.js';
import { runWorkload, type WorkloadFigures } from './demo/workload.js';

export type { DemoOptions } from './demo/options.js';
export type { DemoSummary } from './demo/summary.js';

export interface DemoIO {
  /** Where the demo prints (stdout by default). */
  out?: NodeJS.WritableStream;
  /** Abort to wind the demo down early; the summary is still printed. */
  signal?: AbortSignal;
}

const SETUP: DemoStep[] = [startSystem, openStore, serveDashboard, spawnTeams, startPool];

export async function runDemo(options: DemoOptions = {}, io: DemoIO = {}): Promise<DemoSummary> {
  const o = parseDemoOptions(options);
  const out = new Reporter(io.out ?? process.stdout);
  const ctx: DemoContext = {
    options: o,
    out,
    log: createLogger({ level: o.logLevel }).child({ component: 'demo' }),
    signal: io.signal ?? new AbortController().signal,
    startedAt: Date.now(),
    leads: [],
  };
  const steps = SETUP.length + 2;
  try {
    for (const step of SETUP) {
      out.begin(steps, step.title);
      await step.run(ctx);
    }
    out.begin(steps, o.serve
      ? `run the workload until Ctrl-C (a fault every ${o.duration} s, the first after ${o.duration / 2} s)`
      : `run the workload for ${o.duration} s (a fault is injected after ${o.duration / 2} s)`);
    const figures: WorkloadFigures = await runWorkload(ctx);
    out.begin(steps, 'summarize');
    const summary = await collectSummary(ctx, figures);
    await persistSummary(ctx, summary);
    printSummary(ctx, summary);
    return summary;
  } finally {
    await shutdown(ctx);
  }
}

async function shutdown(ctx: DemoContext): Promise<void> {
  await ctx.dashboard?.close();
  await ctx.system?.stop({ deadlineMs: 2000 });
  await ctx.recorder?.close();
}
