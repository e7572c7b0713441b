import type { ActorSystem, WorkerStats } from '../runtime/ActorSystem.js';
import type { Logger } from '../runtime/logger.js';

/** One answer of `system.stats()` and how long the round trip through every worker took. */
export interface StatsSample {
  at: number;
  workers: WorkerStats[];
  roundTripMs: number;
}

/**
 * Asks the workers for their figures at most once at a time: every caller arriving while a request
 * is in flight shares it (one Prometheus scrape reads a dozen series; they all come from one round
 * trip). A stopped system answers with the last figures it gave.
 */
export class StatsSampler {
  private inFlight: Promise<StatsSample> | undefined;
  private lastSample: StatsSample = { at: 0, workers: [], roundTripMs: 0 };
  private readonly listeners = new Set<(sample: StatsSample) => void>();

  constructor(private readonly system: ActorSystem, private readonly log: Logger) {}

  get last(): StatsSample {
    return this.lastSample;
  }

  sample(): Promise<StatsSample> {
    this.inFlight ??= this.fetch().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  /** Called with every fresh sample (not with the cached one of a stopped system). */
  onSample(listener: (sample: StatsSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async fetch(): Promise<StatsSample> {
    if (!this.system.running) return this.lastSample;
    const started = performance.now();
    try {
      const workers = await this.system.stats();
      this.lastSample = { at: Date.now(), workers, roundTripMs: performance.now() - started };
      for (const l of this.listeners) l(this.lastSample);
    } catch (err) {
      this.log.debug({ err }, 'worker stats unavailable; keeping the last sample');
    }
    return this.lastSample;
  }
}
