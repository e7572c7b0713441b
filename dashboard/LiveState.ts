import { LatencyWindow } from '../metrics/LatencyWindow.js';
import type { AlertView } from '../metrics/alerts.js';
import type { SystemMetrics } from '../metrics/SystemMetrics.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import type { Logger } from '../runtime/logger.js';
import type { DeadLetter, SystemEvent } from '../runtime/Streams.js';
import { actorViews, buildTree, deepestMailboxes, workerView, type ActorView, type MailboxDepth, type RestartRecord, type TreeNode, type WorkerView } from './status.js';

/** One point of the charts. Latencies in ms; null when nothing was measured in the interval. */
export interface Sample {
  at: number;
  throughput: number;
  workers: WorkerView[];
  askP50: number | null;
  askP99: number | null;
  asks: number;
  statsMs: number;
}

export interface Totals {
  workers: number;
  actors: number;
  mailboxes: number;
  throughput: number;
  handled: number;
  restarts: number;
  deadLetters: number;
  events: number;
  alertsActive: number;
}

export interface Status {
  at: number;
  uptimeMs: number;
  totals: Totals;
  workers: WorkerView[];
  actors: ActorView[];
  tree: TreeNode[];
  deepest: MailboxDepth[];
  /** True when more actors exist than `maxActors` lets through. */
  truncated: boolean;
}

export type LiveListener = (event: 'sample' | 'actors' | 'event' | 'dead-letter' | 'alert', data: unknown) => void;

/** A dead letter as shown: the message itself is cut to a short preview. */
export interface DeadLetterView extends Omit<DeadLetter, 'message'> {
  preview: string;
}

/**
 * What the live page shows, kept up to date: samples the workers every interval (throughput from
 * the growth of `handled`, ask latency from the metrics' ask listener), counts restarts per actor,
 * and tells listeners about every change.
 */
export class LiveState {
  private readonly samples: Sample[] = [];
  private readonly restarts = new Map<string, RestartRecord>();
  private readonly listeners = new Set<LiveListener>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly asks = new LatencyWindow();
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private restartCount = 0;
  private previous: { at: number; handled: Map<number, number> } | undefined;
  private actorSignature = '';

  constructor(
    private readonly system: ActorSystem,
    private readonly metrics: SystemMetrics,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; historySize: number; maxActors: number },
  ) {
    for (const e of system.events.recent()) this.countEvent(e);
    this.unsubscribe.push(
      system.events.subscribe((e) => this.onEvent(e)),
      system.deadLetters.subscribe((d) => this.emit('dead-letter', deadLetterView(d))),
      metrics.onAsk((ms) => this.asks.record(ms)),
    );
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  history(limit = this.options.historySize): Sample[] {
    return this.samples.slice(-limit);
  }

  status(maxActors = this.options.maxActors): Status {
    const last = this.samples[this.samples.length - 1];
    const workers = last?.workers ?? this.metrics.sampler.last.workers.map((w) => workerView(w, 0));
    const all = this.system.list();
    const actors = actorViews(all.length > maxActors ? all.slice(0, maxActors) : all, this.restarts, Date.now());
    return {
      at: Date.now(),
      uptimeMs: Date.now() - this.startedAt,
      totals: this.totals(workers, all.length, last?.throughput ?? 0),
      workers,
      actors,
      tree: buildTree(actors),
      deepest: deepestMailboxes(this.metrics.sampler.last.workers),
      truncated: all.length > maxActors,
    };
  }

  alerts(): AlertView[] {
    return this.metrics.alerts.list();
  }

  events(limit: number): SystemEvent[] {
    return this.system.events.recent(limit);
  }

  deadLetters(limit: number): DeadLetterView[] {
    return this.system.deadLetters.recent(limit).map(deadLetterView);
  }

  /** Take a sample now (also what the interval does). */
  async tick(): Promise<void> {
    if (this.ticking || !this.system.running) return;
    this.ticking = true;
    try {
      const s = await this.metrics.sampler.sample();
      const handled = new Map<number, number>();
      const dt = this.previous === undefined ? 0 : (s.at - this.previous.at) / 1000;
      const workers: WorkerView[] = s.workers.map((w) => {
        handled.set(w.worker, w.handled);
        const before = this.previous?.handled.get(w.worker);
        const rate = dt > 0 && before !== undefined ? Math.max(0, w.handled - before) / dt : 0;
        return workerView(w, rate);
      });
      if (s.at !== this.previous?.at) this.previous = { at: s.at, handled };
      const window = this.asks.take();
      const sample: Sample = {
        at: s.at || Date.now(),
        throughput: workers.reduce((sum, w) => sum + w.rate, 0),
        workers,
        askP50: window.p50,
        askP99: window.p99,
        asks: window.count,
        statsMs: s.roundTripMs,
      };
      this.samples.push(sample);
      if (this.samples.length > this.options.historySize) this.samples.splice(0, this.samples.length - this.options.historySize);
      this.emit('sample', { sample, totals: this.totals(workers, this.system.list().length, sample.throughput), deepest: deepestMailboxes(s.workers) });
      this.emitActorsIfChanged();
    } catch (err) {
      this.log.warn({ err }, 'dashboard sample failed');
    } finally {
      this.ticking = false;
    }
  }

  private totals(workers: readonly WorkerView[], actors: number, throughput: number): Totals {
    return {
      workers: workers.length,
      actors,
      mailboxes: workers.reduce((n, w) => n + w.mailboxes, 0),
      throughput,
      handled: workers.reduce((n, w) => n + w.handled, 0),
      restarts: this.restartCount,
      deadLetters: this.system.deadLetters.count,
      events: this.system.events.count,
      alertsActive: this.metrics.alerts.size,
    };
  }

  private emitActorsIfChanged(): void {
    const list = this.system.list();
    // Cheap and good enough to notice a spawn, a stop or a replacement between two samples.
    let hash = list.length;
    for (const a of list) for (let i = 0; i < a.id.length; i += 7) hash = (hash * 31 + a.id.charCodeAt(i) + a.worker) | 0;
    const signature = `${list.length}:${hash}`;
    if (signature === this.actorSignature) return;
    this.actorSignature = signature;
    const s = this.status();
    this.emit('actors', { actors: s.actors, tree: s.tree, truncated: s.truncated, total: list.length });
  }

  private countEvent(e: SystemEvent): void {
    if (e.type !== 'restart' || e.actor === undefined) return;
    this.restartCount++;
    const r = this.restarts.get(e.actor);
    if (r === undefined) this.restarts.set(e.actor, { count: 1, lastAt: e.at });
    else { r.count++; r.lastAt = e.at; }
  }

  private onEvent(e: SystemEvent): void {
    this.countEvent(e);
    // The metrics applied the event first (they subscribed earlier), so the alert list is current.
    this.emit(e.type === 'alert' ? 'alert' : 'event', { event: e, restarts: this.restartCount, alerts: this.metrics.alerts.list() });
  }

  private emit(event: Parameters<LiveListener>[0], data: unknown): void {
    for (const l of this.listeners) {
      try {
        l(event, data);
      } catch (err) {
        this.log.warn({ err, event }, 'dashboard listener failed');
      }
    }
  }
}

function deadLetterView(d: DeadLetter): DeadLetterView {
  const { message, ...rest } = d;
  let preview: string;
  try {
    preview = typeof message === 'string' ? message : JSON.stringify(message) ?? String(message);
  } catch {
    preview = String(message);
  }
  return { ...rest, preview: preview.length > 200 ? `${preview.slice(0, 199)}…` : preview };
}
