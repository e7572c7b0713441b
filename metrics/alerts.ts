import type { SystemEvent } from '../runtime/Streams.js';

/** An alert as the front door shows it, whatever shape the event that carried it had. */
export interface AlertView {
  id: string;
  kind: string;
  state: 'raised' | 'cleared';
  actor?: string;
  worker?: string;
  value?: number;
  threshold?: number;
  raisedAt: number;
  clearedAt?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Reads an event of type `alert`. The health monitor's Alert (supervisor/Alert.ts) may travel
 * nested (`{ type: 'alert', alert }`) or spread into the event; both are accepted. Anything else
 * is not an alert.
 */
export function alertFromEvent(event: SystemEvent): AlertView | undefined {
  if (event.type !== 'alert') return undefined;
  const a = (typeof event.alert === 'object' && event.alert !== null ? event.alert : event) as Record<string, unknown>;
  const subject = (typeof a.subject === 'object' && a.subject !== null ? a.subject : {}) as Record<string, unknown>;
  const kind = str(a.kind) ?? 'alert';
  const actor = str(subject.actorId) ?? str(a.actor) ?? str(event.actor);
  const worker = str(subject.workerId) ?? str(a.worker) ?? str(event.worker);
  const state = a.state === 'cleared' ? 'cleared' : 'raised';
  const view: AlertView = {
    id: str(a.id) ?? `${kind}:${actor ?? ''}:${worker ?? ''}`,
    kind,
    state,
    raisedAt: num(a.raisedAt) ?? event.at,
  };
  if (actor !== undefined) view.actor = actor;
  if (worker !== undefined) view.worker = worker;
  const value = num(a.value);
  if (value !== undefined) view.value = value;
  const threshold = num(a.threshold);
  if (threshold !== undefined) view.threshold = threshold;
  const clearedAt = num(a.clearedAt) ?? (state === 'cleared' ? event.at : undefined);
  if (clearedAt !== undefined) view.clearedAt = clearedAt;
  return view;
}

/** The alerts raised and not yet cleared, by id. */
export class ActiveAlerts {
  private readonly byId = new Map<string, AlertView>();

  /** Applies an event; returns the alert it carried, if any. */
  apply(event: SystemEvent): AlertView | undefined {
    const alert = alertFromEvent(event);
    if (alert === undefined) return undefined;
    if (alert.state === 'cleared') this.byId.delete(alert.id);
    else this.byId.set(alert.id, alert);
    return alert;
  }

  get size(): number {
    return this.byId.size;
  }

  list(): AlertView[] {
    return [...this.byId.values()].sort((a, b) => b.raisedAt - a.raisedAt);
  }
}
