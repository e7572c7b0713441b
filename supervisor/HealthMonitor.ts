import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';
import { defaultLoggerFor, type Logger } from '../runtime/logger.js';
import type { Alert, AlertKind, AlertSubject } from './Alert.js';
import { policyActionsFor, type PolicyAction } from './AlertPolicy.js';
import { AlertThresholdsSchema, type AlertThresholds } from './AlertThresholds.js';
import { InvalidSampleError } from './errors.js';
import { parseOptions } from './parseOptions.js';

/** One worker thread's vitals at `at`. */
export interface WorkerSample {
  readonly workerId: string;
  /** performance.eventLoopUtilization().utilization over the last sample interval, in [0, 1]. */
  readonly eventLoopUtilization: number;
  readonly heapUsed: number;
  readonly heapLimit: number;
  readonly at: number;
}

/**
 * One agent's counters at `at`. `handled` and `failed` are CUMULATIVE since the actor (incarnation)
 * started, and `failed` is included in `handled` (every message processed, successfully or not).
 * Cumulative counters make a lost or late sample harmless; the monitor takes differences over its
 * window. A counter going down means the actor restarted, and its history starts over.
 * The p99 values are windowed: the runtime computes them (e.g. with LatencyHistogram) over its own
 * sample interval and resets.
 */
export interface AgentSample {
  readonly actorId: string;
  readonly workerId: string;
  readonly handled: number;
  readonly failed: number;
  readonly mailboxWaitP99Ms: number;
  readonly askRoundTripP99Ms: number;
  readonly at: number;
}

export interface AgentHealthView {
  readonly actorId: string;
  readonly workerId: string;
  /** Undefined until the window holds at least `minMessages` messages. */
  readonly health: number | undefined;
  readonly at: number;
}

/** What the runtime publishes every `monitoringIntervalMs`. */
export interface HealthReport {
  readonly at: number;
  readonly alerts: readonly Alert[];
  readonly workers: readonly WorkerSample[];
  readonly agents: readonly AgentHealthView[];
}

export type AlertListener = (alert: Alert) => void;

const HealthMonitorOptionsSchema = z
  .object({
    thresholds: AlertThresholdsSchema.prefault({}),
    now: z.custom<() => number>((v) => typeof v === 'function', { message: 'expected a clock function' }).optional(),
    /** Alert episodes kept for `recent()`. */
    historySize: z.number().int().positive().default(256),
    logger: z
      .custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).error === 'function', {
        message: 'expected a pino logger',
      })
      .optional(),
  })
  .strict();

export type HealthMonitorOptions = z.input<typeof HealthMonitorOptionsSchema>;

// Bounds one agent's sample history whatever the window, so a never-idle actor cannot grow it.
const MAX_AGENT_SAMPLES = 1024;

interface AgentState {
  samples: AgentSample[];
  health: number | undefined;
}

type Direction = 'ceiling' | 'floor';

const POOL_LOAD_KEY = 'systemLoad|pool';

/**
 * Turns worker and agent samples into alerts. An alert is raised when a value crosses its threshold
 * and cleared only once it is back past the threshold by the hysteresis margin, so a value hovering
 * at the threshold yields one alert, not one per sample. Listeners hear only transitions (raise and
 * clear); `current()` always shows the latest value. Timestamps come from the samples, so the
 * monitor is deterministic; the injected clock only stamps clears the runtime asks for
 * (`forgetWorker`, `forgetActor`).
 */
export class HealthMonitor {
  readonly thresholds: AlertThresholds;
  private readonly now: () => number;
  private readonly historySize: number;
  private readonly logger: Logger | undefined;
  private readonly workers = new Map<string, WorkerSample>();
  private readonly agents = new Map<string, AgentState>();
  private readonly open = new Map<string, Alert>();
  // Keyed by alert id; Map order is raise order, which `recent()` walks backwards.
  private readonly history = new Map<string, Alert>();
  private readonly listeners = new Set<AlertListener>();
  private sequence = 0;

  constructor(options: HealthMonitorOptions = {}) {
    const parsed = parseOptions(HealthMonitorOptionsSchema, options, 'health monitor');
    this.thresholds = parsed.thresholds;
    this.now = parsed.now ?? Date.now;
    this.historySize = parsed.historySize;
    this.logger = parsed.logger;
  }

  /** Evaluates a worker's load and heap, and the pool's mean load. Returns the transitions caused. */
  recordWorker(sample: WorkerSample): Alert[] {
    validateWorker(sample);
    this.workers.set(sample.workerId, sample);
    const transitions: Alert[] = [];
    // Pool first, so that listeners deciding whether to drain this worker already see the pool state.
    this.evaluatePoolLoad(sample.at, transitions);
    const subject = { workerId: sample.workerId };
    this.evaluate('systemLoad', subject, sample.eventLoopUtilization, sample.at, transitions);
    this.evaluate('resourceUsage', subject, sample.heapUsed / sample.heapLimit, sample.at, transitions);
    this.notify(transitions);
    return transitions;
  }

  /** Evaluates an agent's health over the window and its latency. Returns the transitions caused. */
  recordAgent(sample: AgentSample): Alert[] {
    validateAgent(sample);
    const state = this.agents.get(sample.actorId) ?? { samples: [], health: undefined };
    this.agents.set(sample.actorId, state);
    state.health = this.windowedHealth(state, sample);
    const transitions: Alert[] = [];
    const subject = { actorId: sample.actorId, workerId: sample.workerId };
    // Too few messages to judge (and failures among them): leave any open alert as it is.
    if (state.health !== undefined) this.evaluate('agentHealth', subject, state.health, sample.at, transitions);
    const latency = Math.max(sample.mailboxWaitP99Ms, sample.askRoundTripP99Ms);
    this.evaluate('communicationLatency', subject, latency, sample.at, transitions);
    this.notify(transitions);
    return transitions;
  }

  /** Share of recent messages handled without failure, as last computed; undefined if not judged. */
  agentHealth(actorId: string): number | undefined {
    return this.agents.get(actorId)?.health;
  }

  /**
   * The worker is gone (recycled, crashed): its alerts clear and the pool load is recomputed without
   * it, since a dead worker would otherwise hold an alert raised forever.
   */
  forgetWorker(workerId: string): Alert[] {
    if (!this.workers.delete(workerId)) return [];
    const at = this.now();
    const transitions: Alert[] = [];
    for (const [key, alert] of this.open) {
      if (alert.subject.actorId === undefined && alert.subject.workerId === workerId) this.clear(key, alert, alert.value, at, transitions);
    }
    this.evaluatePoolLoad(at, transitions);
    this.notify(transitions);
    return transitions;
  }

  /** The actor stopped for good: its alerts clear and its history is dropped. */
  forgetActor(actorId: string): Alert[] {
    this.agents.delete(actorId);
    const at = this.now();
    const transitions: Alert[] = [];
    for (const [key, alert] of this.open) {
      if (alert.subject.actorId === actorId) this.clear(key, alert, alert.value, at, transitions);
    }
    this.notify(transitions);
    return transitions;
  }

  /** Alerts raised and not yet cleared, oldest first. */
  current(): Alert[] {
    return [...this.open.values()].sort((a, b) => a.raisedAt - b.raisedAt);
  }

  /** The latest `limit` alert episodes, newest first, each in its latest state. */
  recent(limit = 20): Alert[] {
    const all = [...this.history.values()];
    return all.slice(Math.max(0, all.length - Math.max(0, limit))).reverse();
  }

  report(): HealthReport {
    return {
      at: this.now(),
      alerts: this.current(),
      workers: [...this.workers.values()],
      agents: [...this.agents.entries()].flatMap(([actorId, state]) => {
        const last = state.samples.at(-1);
        return last === undefined ? [] : [{ actorId, workerId: last.workerId, health: state.health, at: last.at }];
      }),
    };
  }

  /** Subscribes to alert transitions; returns the unsubscribe function. */
  on(event: 'alert', listener: AlertListener): () => void {
    if (event !== 'alert') {
      throw new InvalidOptionError(`Invalid health monitor option "event": unknown event "${String(event)}"`, {
        option: 'event',
      });
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The remedies configured for this alert; call it when the alert is delivered. See AlertPolicy.ts. */
  policyActions(alert: Alert): PolicyAction[] {
    return policyActionsFor(alert, this.thresholds.policies, this.open.has(POOL_LOAD_KEY));
  }

  private evaluatePoolLoad(at: number, transitions: Alert[]): void {
    if (this.workers.size === 0) {
      const open = this.open.get(POOL_LOAD_KEY);
      if (open !== undefined) this.clear(POOL_LOAD_KEY, open, 0, at, transitions);
      return;
    }
    let sum = 0;
    for (const worker of this.workers.values()) sum += worker.eventLoopUtilization;
    this.evaluate('systemLoad', {}, sum / this.workers.size, at, transitions);
  }

  private evaluate(kind: AlertKind, subject: AlertSubject, value: number, at: number, transitions: Alert[]): void {
    const key = alertKey(kind, subject);
    const threshold = this.thresholdOf(kind);
    const direction: Direction = kind === 'agentHealth' ? 'floor' : 'ceiling';
    const open = this.open.get(key);
    if (open === undefined) {
      if (!breaches(direction, value, threshold)) return;
      const alert: Alert = Object.freeze({
        id: `${key.replace('|', ':')}#${++this.sequence}`,
        kind,
        subject: Object.freeze({ ...subject }),
        value,
        threshold,
        raisedAt: at,
        state: 'raised' as const,
      });
      this.open.set(key, alert);
      this.remember(alert);
      transitions.push(alert);
      return;
    }
    if (recovered(direction, value, threshold, this.thresholds.hysteresis)) {
      this.clear(key, open, value, at, transitions);
      return;
    }
    const updated: Alert = Object.freeze({ ...open, value, subject: Object.freeze({ ...subject }) });
    this.open.set(key, updated);
    if (this.history.has(updated.id)) this.history.set(updated.id, updated);
  }

  private clear(key: string, open: Alert, value: number, at: number, transitions: Alert[]): void {
    const cleared: Alert = Object.freeze({ ...open, value, clearedAt: at, state: 'cleared' as const });
    this.open.delete(key);
    if (this.history.has(cleared.id)) this.history.set(cleared.id, cleared);
    transitions.push(cleared);
  }

  private remember(alert: Alert): void {
    this.history.set(alert.id, alert);
    if (this.history.size > this.historySize) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
  }

  private thresholdOf(kind: AlertKind): number {
    switch (kind) {
      case 'systemLoad':
        return this.thresholds.systemLoad;
      case 'agentHealth':
        return this.thresholds.agentHealth;
      case 'resourceUsage':
        return this.thresholds.resourceUsage;
      case 'communicationLatency':
        return this.thresholds.communicationLatencyMs;
    }
  }

  /**
   * Health over the window from cumulative counters: the baseline is the newest earlier sample that
   * lies at or beyond the window's start (by time, or by message count). Without one, counting starts
   * from zero, i.e. from the actor's start: an actor first seen mid-life is judged on its lifetime
   * until the window fills.
   */
  private windowedHealth(state: AgentState, sample: AgentSample): number | undefined {
    const last = state.samples.at(-1);
    if (last !== undefined && (sample.handled < last.handled || sample.failed < last.failed)) state.samples = [];
    state.samples.push(sample);
    if (state.samples.length > MAX_AGENT_SAMPLES) state.samples.shift();

    const window = this.thresholds.window;
    let baselineIndex = -1;
    for (let i = state.samples.length - 2; i >= 0; i--) {
      const earlier = state.samples[i]!;
      const outside =
        'ms' in window ? earlier.at <= sample.at - window.ms : sample.handled - earlier.handled >= window.messages;
      if (outside) {
        baselineIndex = i;
        break;
      }
    }
    // Samples older than the baseline can never be a baseline again: later samples only move it forward.
    if (baselineIndex > 0) state.samples.splice(0, baselineIndex);
    const baseline = baselineIndex >= 0 ? state.samples[0]! : undefined;
    const handled = sample.handled - (baseline?.handled ?? 0);
    const failed = sample.failed - (baseline?.failed ?? 0);
    if (handled < this.thresholds.minMessages) {
      // Too few messages for a rate. But a whole window (a baseline exists) without one failure
      // says the actor has stopped failing: an alert raised before clears rather than staying up
      // for as long as the actor stays quiet.
      return baseline !== undefined && failed === 0 ? 1 : undefined;
    }
    return (handled - failed) / handled;
  }

  private notify(transitions: readonly Alert[]): void {
    for (const alert of transitions) {
      for (const listener of [...this.listeners]) {
        try {
          listener(alert);
        } catch (error) {
          // A failing listener must not stop the others hearing the alert, nor undo the monitor's state.
          (this.logger ?? defaultLoggerFor()).error({ err: error, alert }, 'health monitor alert listener threw');
        }
      }
    }
  }
}

function alertKey(kind: AlertKind, subject: AlertSubject): string {
  if (subject.actorId !== undefined) return `${kind}|actor:${subject.actorId}`;
  if (subject.workerId !== undefined) return `${kind}|worker:${subject.workerId}`;
  return `${kind}|pool`;
}

function breaches(direction: Direction, value: number, threshold: number): boolean {
  return direction === 'ceiling' ? value > threshold : value < threshold;
}

function recovered(direction: Direction, value: number, threshold: number, hysteresis: number): boolean {
  // A floor's clear point is capped at 1 because health cannot exceed 1: uncapped, a 0.98 floor
  // with 5% hysteresis could never clear.
  return direction === 'ceiling'
    ? value <= threshold * (1 - hysteresis)
    : value >= Math.min(1, threshold * (1 + hysteresis));
}

function validateWorker(sample: WorkerSample): void {
  requireId(sample.workerId, 'workerId', sample);
  for (const field of ['eventLoopUtilization', 'heapUsed', 'at'] as const) requireNonNegative(sample[field], field, sample);
  if (!(Number.isFinite(sample.heapLimit) && sample.heapLimit > 0)) {
    throw new InvalidSampleError(`Worker sample "heapLimit" must be a positive number, got ${sample.heapLimit}`, {
      field: 'heapLimit',
      workerId: sample.workerId,
    });
  }
}

function validateAgent(sample: AgentSample): void {
  requireId(sample.actorId, 'actorId', sample);
  requireId(sample.workerId, 'workerId', sample);
  for (const field of ['handled', 'failed', 'mailboxWaitP99Ms', 'askRoundTripP99Ms', 'at'] as const) {
    requireNonNegative(sample[field], field, sample);
  }
  if (sample.failed > sample.handled) {
    throw new InvalidSampleError(
      `Agent sample "failed" (${sample.failed}) exceeds "handled" (${sample.handled}); failed messages count as handled`,
      { field: 'failed', actorId: sample.actorId },
    );
  }
}

function requireId(value: unknown, field: string, sample: object): void {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidSampleError(`Sample "${field}" must be a non-empty string`, { field, sample });
  }
}

function requireNonNegative(value: unknown, field: string, sample: object): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidSampleError(`Sample "${field}" must be a finite non-negative number, got ${String(value)}`, {
      field,
      sample,
    });
  }
}
