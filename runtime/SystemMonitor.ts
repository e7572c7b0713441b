import type { Logger } from 'pino';
import { HealthMonitor } from '../supervisor/HealthMonitor.js';
import type { Alert } from '../supervisor/Alert.js';
import type { PolicyAction } from '../supervisor/AlertPolicy.js';
import type { AlertThresholdsInput } from '../supervisor/AlertThresholds.js';
import type { NodeStats } from './LocalNode.js';

/** What the monitor may do to the system when a policy fires. */
export interface MonitorEffects {
  restartActor(id: string): Promise<void>;
  drainWorker(worker: number, on: boolean): void;
  setBackpressure(on: boolean): void;
  recycleWorker(worker: number): void;
  publishAlert(alert: Alert, actions: readonly PolicyAction[]): void;
  /** Whether the actor still runs (the monitor forgets one that stopped). */
  actorExists(id: string): boolean;
}

/**
 * Live health monitoring: feeds the workers' heartbeat figures into the HealthMonitor (thresholds,
 * hysteresis) and turns its alerts into supervision: restart an unhealthy agent, stop placing actors
 * on an overloaded worker, hold producers back (backpressure) while the pool is overloaded, recycle
 * a worker whose heap is over the resource threshold.
 */
export class SystemMonitor {
  readonly health: HealthMonitor;
  private readonly lastSample = new Map<number, number>();
  private readonly updateIntervalMs: number;

  constructor(thresholds: AlertThresholdsInput, private readonly effects: MonitorEffects, private readonly log: Logger) {
    this.health = new HealthMonitor({ thresholds, logger: log });
    this.updateIntervalMs = this.health.thresholds.updateIntervalMs;
    this.health.on('alert', (alert) => this.onAlert(alert));
  }

  /** A heartbeat brought a worker's figures; each worker is sampled once per updateIntervalMs. */
  sample(stats: NodeStats): void {
    const now = Date.now();
    if (now - (this.lastSample.get(stats.worker) ?? 0) < this.updateIntervalMs) return;
    this.lastSample.set(stats.worker, now);
    const workerId = String(stats.worker);
    this.health.recordWorker({ workerId, eventLoopUtilization: stats.eventLoopUtilization, heapUsed: stats.heapUsed, heapLimit: stats.heapLimit, at: now });
    // Mailbox wait is sampled per behaviour (not per actor): it reaches the monitor as the subject
    // `behaviour:<name>`, whose communicationLatency alert has no automatic action.
    const waits = new Map(stats.timings.map((t) => [t.behaviour, t.waitP99Ms]));
    for (const a of stats.agents) {
      this.health.recordAgent({ actorId: a.id, workerId, handled: a.handled, failed: a.failed, mailboxWaitP99Ms: 0, askRoundTripP99Ms: 0, at: now });
    }
    for (const [behaviour, waitP99Ms] of waits) {
      this.health.recordAgent({ actorId: `behaviour:${behaviour}@${workerId}`, workerId, handled: 0, failed: 0, mailboxWaitP99Ms: waitP99Ms, askRoundTripP99Ms: 0, at: now });
    }
    // An actor that stopped sends no more figures: its alerts would stay raised for good.
    for (const alert of this.health.current()) {
      const id = alert.subject.actorId;
      if (id !== undefined && !id.startsWith('behaviour:') && !this.effects.actorExists(id)) this.health.forgetActor(id);
    }
  }

  /** A worker was replaced: its old figures must not raise or hold alerts. */
  forgetWorker(worker: number): void {
    this.lastSample.delete(worker);
    this.health.forgetWorker(String(worker));
  }

  private onAlert(alert: Alert): void {
    const actions = this.health.policyActions(alert);
    this.log.warn({ alert: alert.kind, state: alert.state, subject: alert.subject, value: alert.value, threshold: alert.threshold, actions: actions.map((a) => a.kind) }, `alert ${alert.state}`);
    this.effects.publishAlert(alert, actions);
    for (const a of actions) {
      switch (a.kind) {
        case 'restart-actor':
          void this.effects.restartActor(a.actorId).catch((err: unknown) => this.log.warn({ err, actor: a.actorId }, 'policy restart failed'));
          break;
        case 'drain-worker':
          this.effects.drainWorker(Number(a.workerId), alert.state === 'raised');
          break;
        case 'apply-backpressure':
          this.effects.setBackpressure(true);
          break;
        case 'release-backpressure':
          this.effects.setBackpressure(false);
          break;
        case 'recycle-worker':
          this.effects.recycleWorker(Number(a.workerId));
          break;
      }
    }
    // A worker whose load alert cleared takes new actors again.
    if (alert.state === 'cleared' && alert.kind === 'systemLoad' && alert.subject.workerId !== undefined) {
      this.effects.drainWorker(Number(alert.subject.workerId), false);
    }
  }
}
