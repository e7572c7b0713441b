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
 *   7. orchestrate agents on the same system and store: a research team (collector, analysts in
 *      parallel on CPU-bound work, a director's synthesis), then a workflow over its findings
 *   8. hand a thread off to a specialist, stream its reply through the stream router, complete it
 *   9. summarize (and persist snapshots and the summary)
 *
 * It ends by itself after `duration` seconds of workload plus a few seconds of orchestration,
 * unless `serve` is set: then the workload only ends at Ctrl-C, so steps 7 and 8 run before it
 * (and their agents stay on the dashboard while it serves).
 */
import { createLogger } from '../runtime/logger.js';
import type { DemoContext, DemoStep } from './demo/context.js';
import { parseDemoOptions, type DemoOptions } from './demo/options.js';
import { Reporter } from './demo/reporter.js';
import { openStore, serveDashboard, spawnTeams, startPool, startSystem } from './demo/steps.js';
import { handOff, orchestrateAgents } from './demo/orchestrate.js';
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
const ORCHESTRATE: DemoStep[] = [orchestrateAgents, handOff];

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
  const steps = SETUP.length + 1 + ORCHESTRATE.length + 1;
  const run = async (list: DemoStep[]): Promise<void> => {
    for (const step of list) {
      out.begin(steps, step.title);
      await step.run(ctx);
    }
  };
  try {
    await run(SETUP);
    if (o.serve) await run(ORCHESTRATE);
    out.begin(steps, o.serve
      ? `run the workload until Ctrl-C (a fault every ${o.duration} s, the first after ${o.duration / 2} s)`
      : `run the workload for ${o.duration} s (a fault is injected after ${o.duration / 2} s)`);
    const figures: WorkloadFigures = await runWorkload(ctx);
    if (!o.serve) await run(ORCHESTRATE);
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
  await ctx.orchestrator?.stop().catch((err: unknown) => ctx.log.warn({ err }, 'demo: stopping the orchestrator failed'));
  // The recorder writes to the system's store: let it finish before the system closes the store.
  await ctx.recorder?.close();
  await ctx.system?.stop({ deadlineMs: 2000 });
}
