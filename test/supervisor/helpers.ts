import {
  SupervisionPlan,
  type ChildSpecInput,
  type SupervisionDecision,
  type SupervisorSpecInput,
} from '../../supervisor/index.js';

/** A behaviour stand-in: the plan never looks inside it. */
export const behaviour = Object.freeze({ name: 'test-behaviour' });

export function child(id: string, extra: Partial<ChildSpecInput> = {}): ChildSpecInput {
  return { id, start: { behaviour }, ...extra };
}

export interface ManualClock {
  now: () => number;
  advance: (ms: number) => void;
  set: (at: number) => void;
}

export function manualClock(start = 1_000): ManualClock {
  let at = start;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
    set: (value) => {
      at = value;
    },
  };
}

/** A plan over `spec`, with a manual clock, already started unless `started: false`. */
export function startedPlan(
  spec: SupervisorSpecInput,
  options: { clock?: ManualClock; random?: () => number; started?: boolean } = {},
): { plan: SupervisionPlan; clock: ManualClock; initial: SupervisionDecision } {
  const clock = options.clock ?? manualClock();
  const plan = new SupervisionPlan({
    supervisor: 'sup',
    spec,
    now: clock.now,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const initial = options.started === false ? { actions: [], events: [] } : plan.startAll();
  return { plan, clock, initial };
}

/** Actions as short strings ("stop c", "start a", "delay 100", "remove x", "escalate"), for readable expectations. */
export function steps(decision: SupervisionDecision): string[] {
  return decision.actions.map((action) => {
    switch (action.kind) {
      case 'stop':
      case 'start':
      case 'remove':
        return `${action.kind} ${action.id}`;
      case 'delay':
        return `delay ${action.ms}`;
      case 'escalate':
      case 'auto-shutdown':
        return action.kind;
    }
  });
}

export function statuses(plan: SupervisionPlan): Record<string, string> {
  return Object.fromEntries(plan.children().map((c) => [c.id, c.status]));
}

export const boom = { error: new Error('boom') } as const;
