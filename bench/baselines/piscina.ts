import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { TrapezoidTask } from './piscina-tasks.js';
import { now, throughput, type Throughput } from './stats.js';

const filename = new URL('./piscina-tasks.js', import.meta.url).href;

async function withPool<T>(threads: number, fn: (pool: Piscina) => Promise<T>): Promise<T> {
  const pool = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  try {
    return await fn(pool);
  } finally {
    await pool.destroy();
  }
}

/** Keep `window` tasks in flight: enough to keep every thread busy, without a queue of `count` promises. */
function runWindowed(count: number, window: number, start: (i: number) => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (count === 0) return resolve();
    let launched = 0;
    let done = 0;
    const onDone = (): void => {
      if (++done === count) resolve();
      else launch();
    };
    const launch = (): void => {
      while (launched < count && launched - done < window) start(launched++).then(onDone, reject);
    };
    launch();
  });
}

export interface RawPiscinaOptions {
  /** Pool threads; all cores by default. */
  readonly threads?: number;
  /** Tasks in flight at once. */
  readonly window?: number;
}

/** Trivial tasks, one per `run()`: the per-task cost of Piscina's dispatch; tasks/s. */
export async function rawPiscina(count: number, options: RawPiscinaOptions = {}): Promise<Throughput> {
  const threads = options.threads ?? availableParallelism();
  const window = options.window ?? 1024;
  return withPool(threads, async (pool) => {
    // Threads load the task module lazily; a warm-up keeps that out of the timed window.
    await runWindowed(Math.min(count, 5_000), window, (i) => pool.run(i));
    const t0 = now();
    await runWindowed(count, window, (i) => pool.run(i));
    return throughput(count, now() - t0);
  });
}

export interface RawPiscinaCpuOptions {
  /** Trapezoid slices per task; 1e6 is about 25-40 ms of one core. */
  readonly steps?: number;
}

export interface CpuThroughput extends Throughput {
  /** Sum of the integrals, returned so the work cannot be skipped and can be checked. */
  readonly result: number;
}

/**
 * `n` CPU-bound tasks (trapezoid integration) on a pool of `workers` threads; tasks/s. Comparing
 * workers=1 with workers=2 gives the scaling the machine allows, the ceiling for the runtime's.
 */
export async function rawPiscinaCpu(workers: number, n: number, options: RawPiscinaCpuOptions = {}): Promise<CpuThroughput> {
  const steps = options.steps ?? 1_000_000;
  const task = (i: number): TrapezoidTask => ({ a: 1 + (i % 7), b: 2 + (i % 7), steps });
  return withPool(workers, async (pool) => {
    await runWindowed(workers * 2, workers, (i) => pool.run({ ...task(i), steps: 10_000 }, { name: 'trapezoid' }));
    let result = 0;
    const t0 = now();
    await runWindowed(n, workers * 2, async (i) => {
      const r = (await pool.run(task(i), { name: 'trapezoid' })) as number;
      result += r;
    });
    return { ...throughput(n, now() - t0), result };
  });
}
