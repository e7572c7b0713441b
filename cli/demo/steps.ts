import { availableParallelism } from 'node:os';
import { startDashboard } from '../../dashboard/server.js';
import { Analyst, Lead, Ledger } from '../../examples/demo/team.js';
import { MandelbrotRow } from '../../examples/demo/tiles.js';
import { ActorSystem } from '../../runtime/ActorSystem.js';
import { createLogger } from '../../runtime/logger.js';
import { MESSAGE_TYPES } from '../../orchestration/index.js';
import type { DemoContext, DemoStep } from './context.js';
import { DemoRecorder } from './persistence.js';
import { CHUNK } from './workload.js';

export const startSystem: DemoStep = {
  title: 'start the actor system',
  async run(ctx) {
    const o = ctx.options;
    ctx.system = await ActorSystem.start({
      workers: o.workers,
      logger: createLogger({ level: o.logLevel }),
      // One LMDB store for the run: the demo's own records, and the orchestrator's workflow runs,
      // handoffs, threads and agent messages (only those types go to the history automatically).
      ...(o.data !== false ? { persistence: { path: o.data, history: { record: 'none' as const, types: [...MESSAGE_TYPES] } } } : {}),
    });
    ctx.out.note(`${o.workers} worker thread${o.workers === 1 ? '' : 's'} on ${availableParallelism()} core${availableParallelism() === 1 ? '' : 's'}`);
  },
};

export const openStore: DemoStep = {
  title: 'open the LMDB store',
  async run(ctx) {
    const o = ctx.options;
    if (o.data === false) {
      ctx.out.note('skipped: nothing is persisted (--no-data)');
      return;
    }
    ctx.recorder = await DemoRecorder.open(ctx.system!.store!, { startedAt: ctx.startedAt, workers: o.workers, teams: o.teams, analysts: o.analysts }, ctx.log);
    const recorder = ctx.recorder;
    ctx.system!.events.subscribe((e) => { if (e.type !== 'stopped') recorder.event(e); });
    ctx.out.note(`${recorder.path}, session ${recorder.sessionId}`);
  },
};

export const serveDashboard: DemoStep = {
  title: 'serve the dashboard',
  async run(ctx) {
    ctx.dashboard = await startDashboard(ctx.system!, { port: ctx.options.port, host: ctx.options.host });
    ctx.out.note(`dashboard: ${ctx.dashboard.url}  (metrics at ${ctx.dashboard.url}metrics)`);
  },
};

export const spawnTeams: DemoStep = {
  title: 'spawn the teams',
  async run(ctx) {
    const system = ctx.system!;
    const o = ctx.options;
    ctx.ledger = await system.spawn(Ledger, { id: 'ledger' });
    for (let t = 1; t <= o.teams; t++) {
      ctx.leads.push(await system.spawn(Lead, { id: `team-${t}`, args: { analysts: o.analysts, chunk: CHUNK } }));
    }
    // Analysts are their leads' children: they register from their workers a moment later.
    const victimId = `team-1/analyst-${Math.min(2, o.analysts)}`;
    const until = Date.now() + 5000;
    while (system.list({ behaviour: Analyst.name }).length < o.teams * o.analysts && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    ctx.victim = system.lookup(victimId);
    const total = system.list().length;
    ctx.out.note(`${o.teams} teams × (1 lead + ${o.analysts} CPU-bound analysts) + a ledger on the jobs topic: ${total} actors`);
  },
};

export const startPool: DemoStep = {
  title: 'start the pool actor',
  async run(ctx) {
    const threads = Math.max(1, Math.floor(ctx.options.workers / 2));
    ctx.pool = await ctx.system!.spawnPool(MandelbrotRow, { id: 'renderer', threads });
    ctx.out.note(`'renderer' renders Mandelbrot rows on ${threads} piscina thread${threads === 1 ? '' : 's'}`);
  },
};
