/** The four things the health monitor watches. */
export type AlertKind = 'systemLoad' | 'agentHealth' | 'resourceUsage' | 'communicationLatency';

/**
 * What an alert is about: a worker, an actor (with the worker it was last seen on), or neither for
 * the pool-wide load alert.
 */
export interface AlertSubject {
  readonly workerId?: string;
  readonly actorId?: string;
}

/**
 * One alert episode, from raise to clear. Each transition produces a new object with the same `id`;
 * `value` is the latest observation: the one that raised it, then updates while it stays raised,
 * then the one that cleared it.
 */
export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  readonly value: number;
  readonly threshold: number;
  readonly raisedAt: number;
  readonly clearedAt?: number;
  readonly state: 'raised' | 'cleared';
}
