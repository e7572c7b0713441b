import type { Alert } from './Alert.js';
import type { AlertPolicies } from './AlertThresholds.js';

/** A remedy the runtime performs in response to an alert. */
export type PolicyAction =
  | { readonly kind: 'restart-actor'; readonly actorId: string }
  | { readonly kind: 'drain-worker'; readonly workerId: string }
  | { readonly kind: 'apply-backpressure' }
  | { readonly kind: 'release-backpressure' }
  | { readonly kind: 'recycle-worker'; readonly workerId: string };

/**
 * Maps an alert to the remedies its policy switches enable.
 *
 * - agentHealth raised → restart-actor.
 * - resourceUsage raised → recycle-worker: heap that stays high is rarely given back, and a fresh
 *   worker is the only reliable way to return it.
 * - systemLoad of one worker raised → drain-worker, unless the whole pool is overloaded
 *   (`poolOverloaded`): then there is nowhere to move work to and draining only adds churn.
 * - systemLoad of the pool raised → apply-backpressure; its clearing → release-backpressure, the only
 *   remedy that must be undone.
 * - communicationLatency → nothing automatic: slow asks are just as often a slow downstream (a model
 *   call) as an overloaded system, and throttling senders would not fix the former.
 */
export function policyActionsFor(alert: Alert, policies: AlertPolicies, poolOverloaded: boolean): PolicyAction[] {
  const { workerId, actorId } = alert.subject;
  if (alert.state === 'cleared') {
    const poolLoad = alert.kind === 'systemLoad' && workerId === undefined;
    return poolLoad && policies.backpressureOnLoad ? [{ kind: 'release-backpressure' }] : [];
  }
  switch (alert.kind) {
    case 'agentHealth':
      return policies.restartUnhealthyAgents && actorId !== undefined ? [{ kind: 'restart-actor', actorId }] : [];
    case 'resourceUsage':
      return policies.recycleWorkersOverResourceLimit && workerId !== undefined
        ? [{ kind: 'recycle-worker', workerId }]
        : [];
    case 'systemLoad':
      if (workerId === undefined) return policies.backpressureOnLoad ? [{ kind: 'apply-backpressure' }] : [];
      return policies.drainOverloadedWorkers && !poolOverloaded ? [{ kind: 'drain-worker', workerId }] : [];
    case 'communicationLatency':
      return [];
  }
}
