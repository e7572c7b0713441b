import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AskOptions } from '../actors/ActorContext.js';
import type { ActorRef } from '../runtime/ActorRef.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import { AskTimeoutError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DeadLetter, SystemEvent } from '../runtime/Streams.js';
import { ActiveAlerts } from './alerts.js';
import { behaviourName, causeName, deadLetterReason } from './labels.js';
import { parseMetricsOptions, type MetricsOptions } from './MetricsOptions.js';
import { StatsSampler, type StatsSample } from './StatsSampler.js';

export type AskOutcome = 'ok' | 'error' | 'timeout';
export type AskListener = (ms: number, behaviour: string, outcome: AskOutcome) => void;

const DEFAULT_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus face of one actor system: a prom-client Registry whose series are read from the
 * system when scraped.
 *
 * - per worker, from `system.stats()` (one round trip per scrape, shared by all series): actors,
 *   mailbox depth, run queue, messages handled, handler failures, event-loop utilization and heap;
 * - per actor: the depth of the deepest mailboxes (at most 10 per worker, so the series stay few);
 * - per behaviour, from the registry: live actors;
 * - from `system.events`: events by type, restarts by worker and behaviour, failures by error type,
 *   alerts (raised/cleared and currently active);
 * - from `system.deadLetters`: dead letters by reason;
 * - histograms: ask latency (asks made through `timeAsk` or reported with `observeAsk`) and the
 *   stats round trip through every worker (how responsive the schedulers are).
 *
 * Events and dead letters already in the streams' recent buffers when this is created are counted.
 */
export class SystemMetrics {
  readonly registry: Registry;
  readonly sampler: StatsSampler;
  readonly alerts = new ActiveAlerts();
  private readonly log: Logger;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly askListeners = new Set<AskListener>();
  private readonly lastTotals = new Map<string, number>();
  private refreshing: Promise<void> | undefined;

  private readonly workerActors: Gauge<'worker'>;
  private readonly workerMailbox: Gauge<'worker'>;
  private readonly workerRunQueue: Gauge<'worker'>;
  private readonly workerLoad: Gauge<'worker'>;
  private readonly workerHeapUsed: Gauge<'worker'>;
  private readonly workerHeapLimit: Gauge<'worker'>;
  private readonly actorMailbox: Gauge<'actor' | 'worker'>;
  private readonly behaviourWait: Gauge<'behaviour' | 'worker' | 'quantile'>;
  private readonly behaviourHandling: Gauge<'behaviour' | 'worker' | 'quantile'>;
  private readonly handled: Counter<'worker'>;
  private readonly workerFailures: Counter<'worker'>;
  private readonly events: Counter<'type'>;
  private readonly restarts: Counter<'worker' | 'behaviour'>;
  private readonly failures: Counter<'error'>;
  private readonly deadLetters: Counter<'reason'>;
  private readonly alertsTotal: Counter<'kind' | 'state'>;
  private readonly askLatency: Histogram<'behaviour' | 'outcome'>;
  private readonly statsLatency: Histogram;

  constructor(readonly system: ActorSystem, options: MetricsOptions = {}) {
    const o = parseMetricsOptions(options);
    const p = o.prefix;
    this.log = system.log.child({ component: 'metrics' });
    this.registry = new Registry();
    if (o.labels !== undefined) this.registry.setDefaultLabels(o.labels);
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
    this.sampler = new StatsSampler(system, this.log);
    const registers = [this.registry];
    const refresh = (): Promise<void> => this.refresh();
    // Inside collect() `this` is the metric; the instance is reached through this alias.
    const metrics = this;

    new Gauge({
      name: `${p}workers`, help: 'Worker threads that answered the last stats request.', registers,
      async collect() { await refresh(); this.set(metrics.sampler.last.workers.length); },
    });
    this.workerActors = new Gauge({ name: `${p}worker_actors`, help: 'Actors resident on each worker.', labelNames: ['worker'], registers, collect: refresh });
    this.workerMailbox = new Gauge({ name: `${p}worker_mailbox_depth`, help: 'Messages waiting in the mailboxes of each worker.', labelNames: ['worker'], registers, collect: refresh });
    this.workerRunQueue = new Gauge({ name: `${p}worker_run_queue`, help: 'Actors scheduled to run on each worker.', labelNames: ['worker'], registers, collect: refresh });
    this.workerLoad = new Gauge({ name: `${p}worker_event_loop_utilization`, help: 'Share of time each worker was busy since the previous stats request (0..1).', labelNames: ['worker'], registers, collect: refresh });
    this.workerHeapUsed = new Gauge({ name: `${p}worker_heap_used_bytes`, help: 'V8 heap in use on each worker.', labelNames: ['worker'], registers, collect: refresh });
    this.workerHeapLimit = new Gauge({ name: `${p}worker_heap_limit_bytes`, help: 'V8 heap limit of each worker.', labelNames: ['worker'], registers, collect: refresh });
    this.behaviourWait = new Gauge({ name: `${p}behaviour_mailbox_wait_ms`, help: 'Sampled mailbox wait per message (p50/p99 over the last second), by behaviour and worker.', labelNames: ['behaviour', 'worker', 'quantile'], registers, collect: refresh });
    this.behaviourHandling = new Gauge({ name: `${p}behaviour_handling_ms`, help: 'Sampled handling time per message (p50/p99 over the last second), by behaviour and worker.', labelNames: ['behaviour', 'worker', 'quantile'], registers, collect: refresh });
    this.actorMailbox = new Gauge({ name: `${p}actor_mailbox_depth`, help: 'Messages waiting in the deepest mailboxes (up to 10 per worker).', labelNames: ['actor', 'worker'], registers, collect: refresh });
    this.handled = new Counter({ name: `${p}messages_handled_total`, help: 'Messages handled, per worker.', labelNames: ['worker'], registers, collect: refresh });
    this.workerFailures = new Counter({ name: `${p}handler_failures_total`, help: 'Handler failures (throws and rejections), per worker.', labelNames: ['worker'], registers, collect: refresh });
    new Gauge({
      name: `${p}actors`, help: 'Registered actors, per behaviour.', labelNames: ['behaviour'], registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const a of system.list()) counts.set(behaviourName(a.behaviour), (counts.get(behaviourName(a.behaviour)) ?? 0) + 1);
        for (const [behaviour, n] of counts) this.set({ behaviour }, n);
      },
    });
    this.events = new Counter({ name: `${p}events_total`, help: 'System events, per type (restart, gave-up, stopped, worker-died, alert...).', labelNames: ['type'], registers });
    this.restarts = new Counter({ name: `${p}restarts_total`, help: 'Actor restarts by the supervisor, per worker and behaviour.', labelNames: ['worker', 'behaviour'], registers });
    this.failures = new Counter({ name: `${p}failures_total`, help: 'Actor failures that led to a restart or a give-up, per error type.', labelNames: ['error'], registers });
    this.deadLetters = new Counter({ name: `${p}dead_letters_total`, help: 'Messages nobody could take, per reason.', labelNames: ['reason'], registers });
    this.alertsTotal = new Counter({ name: `${p}alerts_total`, help: 'Alert transitions, per kind and state.', labelNames: ['kind', 'state'], registers });
    new Gauge({
      name: `${p}alerts_active`, help: 'Alerts raised and not yet cleared.', registers,
      collect() { this.set(metrics.alerts.size); },
    });
    this.askLatency = new Histogram({
      name: `${p}ask_duration_seconds`, help: 'Ask round trips from outside the system, per target behaviour and outcome.',
      labelNames: ['behaviour', 'outcome'], buckets: o.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS, registers,
    });
    this.statsLatency = new Histogram({
      name: `${p}stats_round_trip_seconds`, help: 'Time for a stats request to go through every worker and back.',
      buckets: DEFAULT_LATENCY_BUCKETS, registers, collect: refresh,
    });

    for (const e of system.events.recent()) this.onEvent(e);
    for (const d of system.deadLetters.recent()) this.onDeadLetter(d);
    this.unsubscribe.push(
      system.events.subscribe((e) => this.onEvent(e)),
      system.deadLetters.subscribe((d) => this.onDeadLetter(d)),
      this.sampler.onSample((s) => this.statsLatency.observe(s.roundTripMs / 1000)),
    );
  }

  /** The content type of `metrics()`, for the HTTP response. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every series in the Prometheus text format, read from the system now. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Report an ask made elsewhere (milliseconds). */
  observeAsk(ms: number, behaviour: string, outcome: AskOutcome): void {
    this.askLatency.observe({ behaviour, outcome }, ms / 1000);
    for (const l of this.askListeners) l(ms, behaviour, outcome);
  }

  /** `system.ask`, timed into the ask-latency histogram. */
  async timeAsk<R = unknown>(target: ActorRef | string, message: unknown, options?: AskOptions): Promise<R> {
    const id = typeof target === 'string' ? target : target.id;
    const behaviour = behaviourName(typeof target === 'string' ? this.system.lookup(id)?.behaviour : target.behaviour);
    const started = performance.now();
    try {
      const reply = await this.system.ask<R>(target, message, options);
      this.observeAsk(performance.now() - started, behaviour, 'ok');
      return reply;
    } catch (err) {
      this.observeAsk(performance.now() - started, behaviour, err instanceof AskTimeoutError ? 'timeout' : 'error');
      throw err;
    }
  }

  /** Hear every ask observed (for windowed latency charts). */
  onAsk(listener: AskListener): () => void {
    this.askListeners.add(listener);
    return () => this.askListeners.delete(listener);
  }

  /** Stop listening to the system's streams. The registry keeps its last values. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.askListeners.clear();
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.sampler.sample().then((s) => this.apply(s)).finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  private apply(sample: StatsSample): void {
    this.workerActors.reset();
    this.workerMailbox.reset();
    this.workerRunQueue.reset();
    for (const g of [this.workerLoad, this.workerHeapUsed, this.workerHeapLimit, this.actorMailbox, this.behaviourWait, this.behaviourHandling]) g.reset();
    for (const w of sample.workers) {
      const worker = String(w.worker);
      this.workerActors.set({ worker }, w.actors);
      this.workerMailbox.set({ worker }, w.mailboxes);
      this.workerRunQueue.set({ worker }, w.runQueue);
      // Figures newer runtimes report; read defensively so an older worker answer still scrapes.
      const extra = w as Partial<Record<'eventLoopUtilization' | 'heapUsed' | 'heapLimit', unknown>> & { deepest?: unknown };
      if (typeof extra.eventLoopUtilization === 'number') this.workerLoad.set({ worker }, extra.eventLoopUtilization);
      if (typeof extra.heapUsed === 'number') this.workerHeapUsed.set({ worker }, extra.heapUsed);
      if (typeof extra.heapLimit === 'number') this.workerHeapLimit.set({ worker }, extra.heapLimit);
      if (Array.isArray(extra.deepest)) {
        for (const d of extra.deepest.slice(0, 10) as { id?: unknown; depth?: unknown }[]) {
          if (typeof d.id === 'string' && typeof d.depth === 'number') this.actorMailbox.set({ actor: d.id, worker }, d.depth);
        }
      }
      const timings = (w as { timings?: { behaviour: string; waitP50Ms: number; waitP99Ms: number; handleP50Ms: number; handleP99Ms: number }[] }).timings;
      for (const t of Array.isArray(timings) ? timings : []) {
        this.behaviourWait.set({ behaviour: t.behaviour, worker, quantile: '0.5' }, t.waitP50Ms);
        this.behaviourWait.set({ behaviour: t.behaviour, worker, quantile: '0.99' }, t.waitP99Ms);
        this.behaviourHandling.set({ behaviour: t.behaviour, worker, quantile: '0.5' }, t.handleP50Ms);
        this.behaviourHandling.set({ behaviour: t.behaviour, worker, quantile: '0.99' }, t.handleP99Ms);
      }
      this.advance(this.handled, worker, `handled:${worker}`, w.handled);
      this.advance(this.workerFailures, worker, `failures:${worker}`, w.failures);
    }
  }

  /**
   * Workers report totals over their live actors, which drop when an actor stops; a Prometheus
   * counter must not. Add what grew since the last scrape and follow the total down silently.
   */
  private advance(counter: Counter<'worker'>, worker: string, key: string, total: number): void {
    const last = this.lastTotals.get(key);
    if (last === undefined) {
      counter.inc({ worker }, total);
    } else if (total > last) {
      counter.inc({ worker }, total - last);
    } else {
      counter.inc({ worker }, 0);
    }
    this.lastTotals.set(key, total);
  }

  private onEvent(e: SystemEvent): void {
    this.events.inc({ type: e.type });
    if (e.type === 'restart' || e.type === 'gave-up') {
      this.failures.inc({ error: causeName(e.cause) });
    }
    if (e.type === 'restart') {
      const behaviour = behaviourName(e.actor === undefined ? undefined : this.system.lookup(e.actor)?.behaviour);
      this.restarts.inc({ worker: String(e.worker ?? 0), behaviour });
    }
    const alert = this.alerts.apply(e);
    if (alert !== undefined) this.alertsTotal.inc({ kind: alert.kind, state: alert.state });
  }

  private onDeadLetter(d: DeadLetter): void {
    this.deadLetters.inc({ reason: deadLetterReason(d.reason) });
  }
}

/** A metrics registry for `system`; call `close()` when done with it. */
export function collectMetrics(system: ActorSystem, options: MetricsOptions = {}): SystemMetrics {
  return new SystemMetrics(system, options);
}
