import { JOBS_TOPIC, type JobDone } from '../../examples/demo/team.js';
import type { TileRow } from '../../examples/demo/tiles.js';
import { LatencyWindow, type LatencySummary } from '../../metrics/LatencyWindow.js';
import type { ActorSystem } from '../../runtime/ActorSystem.js';
import { formatNumber } from '../format.js';
import { createProgress, interactive } from '../progress.js';
import type { DemoContext } from './context.js';

/** Jobs in flight per team, and numbers per analyst range (about a millisecond of work each). */
const JOBS_IN_FLIGHT = 4;
export const CHUNK = 1000;
const TILE: Omit<TileRow, 'row'> = { width: 480, height: 320, maxIter: 400 };

export interface WorkloadFigures {
  seconds: number;
  jobs: number;
  jobLatency: LatencySummary;
  tiles: number;
  tileLatency: LatencySummary;
  /** Messages handled by the actors, as the workers counted them. */
  messages: number;
  /** Actors alive when the workload ended. */
  actors: number;
  faults: { actor: string; injectedAt: number; repairedMs?: number }[];
}

/** Keeps every team busy with jobs and the pool busy with tiles; counts and times what comes back. */
class Drivers {
  running = true;
  jobs = 0;
  tiles = 0;
  private seq = 0;
  private tileSeq = 0;
  private readonly sent = new Map<number, number>();
  private tilesInFlight = 0;
  readonly jobLatency = new LatencyWindow(50_000);
  readonly tileLatency = new LatencyWindow(50_000);
  private readonly off: () => void;

  constructor(private readonly ctx: DemoContext, private readonly system: ActorSystem) {
    this.off = system.subscribe(JOBS_TOPIC, (m) => this.jobDone(m as JobDone));
  }

  start(): void {
    for (const lead of this.ctx.leads) for (let i = 0; i < JOBS_IN_FLIGHT; i++) this.sendJob(lead.id);
    const pool = this.ctx.pool;
    if (pool !== undefined) for (let i = 0; i < 4; i++) this.sendTile();
  }

  get inFlight(): number {
    return this.sent.size + this.tilesInFlight;
  }

  stop(): void {
    this.running = false;
  }

  close(): void {
    this.off();
  }

  private sendJob(team: string): void {
    const job = ++this.seq;
    const base = 5_000_000 + (job % 400) * this.ctx.options.analysts * CHUNK;
    this.sent.set(job, performance.now());
    this.system.tell(team, { type: 'job', job, base });
  }

  private jobDone(done: JobDone): void {
    const t0 = this.sent.get(done.job);
    if (t0 === undefined) return;
    this.sent.delete(done.job);
    const ms = performance.now() - t0;
    this.jobs++;
    this.jobLatency.record(ms);
    this.ctx.dashboard?.metrics.observeAsk(ms, 'Lead', 'ok');
    this.ctx.recorder?.jobDone({ team: done.team, job: done.job, primes: done.primes, ms });
    if (this.running && this.system.running) this.sendJob(done.team);
  }

  private sendTile(): void {
    const pool = this.ctx.pool!;
    const row = this.tileSeq++ % TILE.height;
    this.tilesInFlight++;
    const t0 = performance.now();
    const ask = this.ctx.dashboard?.metrics.timeAsk<number>(pool, { ...TILE, row }) ?? this.system.ask<number>(pool, { ...TILE, row });
    ask.then(
      () => { this.tiles++; this.tileLatency.record(performance.now() - t0); },
      () => undefined,
    ).finally(() => {
      this.tilesInFlight--;
      if (this.running && this.system.running) this.sendTile();
    });
  }
}

async function handledNow(system: ActorSystem): Promise<number> {
  try {
    return (await system.stats()).reduce((n, w) => n + w.handled, 0);
  } catch {
    return 0;
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Run the workload for `duration` seconds (or, with `serve`, until interrupted), injecting a fault
 * half way (and every `duration` after that when serving): a poison message to one analyst, whose
 * handler throws; the runtime restarts it and the demo reports how long the repair took.
 */
export async function runWorkload(ctx: DemoContext): Promise<WorkloadFigures> {
  const system = ctx.system!;
  const o = ctx.options;
  const drivers = new Drivers(ctx, system);
  const faults: WorkloadFigures['faults'] = [];
  const notes: string[] = [];
  const bar = interactive() && !o.serve;
  const progress = createProgress({ label: 'workload', total: Math.round(o.duration), stream: ctx.out.stream, mode: bar ? 'bar' : 'none' });
  const say = (text: string): void => { if (bar) notes.push(text); else ctx.out.note(text); };
  const started = performance.now();
  const handledAtStart = await handledNow(system);
  let lastHandled = handledAtStart;
  let lastAt = started;
  let nextFault = (o.duration * 1000) / 2;
  let lastLine = 0;
  drivers.start();
  try {
    for (;;) {
      await sleep(1000, ctx.signal);
      const elapsed = performance.now() - started;
      if (ctx.signal.aborted || (!o.serve && elapsed >= o.duration * 1000 - 50)) break;
      if (elapsed >= nextFault && ctx.victim !== undefined) {
        nextFault += o.duration * 1000;
        faults.push(injectFault(ctx, say));
      }
      const handled = await handledNow(system);
      const rate = Math.max(0, handled - lastHandled) / ((performance.now() - lastAt) / 1000);
      lastHandled = handled;
      lastAt = performance.now();
      const detail = `jobs ${formatNumber(drivers.jobs)} · ${formatNumber(rate)} msgs/s · tiles ${formatNumber(drivers.tiles)} · restarts ${countRestarts(system)} · dead letters ${system.deadLetters.count}`;
      if (bar) progress.update(Math.min(Math.round(elapsed / 1000), Math.round(o.duration)), detail);
      else if (elapsed - lastLine >= (o.serve ? 5000 : 2000) - 100) {
        lastLine = elapsed;
        ctx.out.note(`${String(Math.round(elapsed / 1000)).padStart(4)}s  ${detail}`);
      }
    }
  } finally {
    drivers.stop();
    progress.stop();
  }
  for (const n of notes) ctx.out.note(n);
  // Let what is in flight come back, so the figures add up.
  const until = Date.now() + 3000;
  while (drivers.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  const messages = (await handledNow(system)) - handledAtStart;
  drivers.close();
  return {
    seconds,
    jobs: drivers.jobs,
    jobLatency: drivers.jobLatency.take(),
    tiles: drivers.tiles,
    tileLatency: drivers.tileLatency.take(),
    messages,
    actors: system.list().length,
    faults,
  };
}

function countRestarts(system: ActorSystem): number {
  return system.events.recent().filter((e) => e.type === 'restart').length;
}

function injectFault(ctx: DemoContext, say: (text: string) => void): WorkloadFigures['faults'][number] {
  const system = ctx.system!;
  const victim = ctx.victim!;
  const fault: WorkloadFigures['faults'][number] = { actor: victim.id, injectedAt: Date.now() };
  say(`fault: a poison message to ${victim.id} (its handler throws)`);
  system.tell(victim, { type: 'poison' });
  system.events
    .waitFor((e) => e.type === 'restart' && e.actor === victim.id && e.at >= fault.injectedAt, 5000)
    .then((e) => {
      fault.repairedMs = Math.max(0, e.at - fault.injectedAt);
      say(`repaired: the supervisor restarted ${victim.id} ${fault.repairedMs} ms later; no job was lost`);
    })
    .catch(() => say(`no restart of ${victim.id} seen within 5 s`));
  return fault;
}
