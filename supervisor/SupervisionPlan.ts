import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';
import { Backoff } from './Backoff.js';
import { ChildSpecSchema, type ChildSpec, type ChildSpecInput } from './ChildSpec.js';
import {
  ChildAlreadyPresentError,
  ChildNotFoundError,
  ChildRunningError,
  StrategyMismatchError,
  SupervisorNotRunningError,
} from './errors.js';
import { isAbnormalExit, type ExitReason } from './ExitReason.js';
import { parseOptions } from './parseOptions.js';
import { RestartIntensity } from './RestartIntensity.js';
import { SupervisorSpecSchema, type Strategy, type SupervisorSpec, type SupervisorSpecInput } from './SupervisorSpec.js';

/**
 * OTP's view of a child: `running` has a live process, `stopped` is a kept spec with no process
 * (OTP's pid `undefined`), `restarting` failed to come back and a retry is already decided (OTP's
 * `{restarting, Pid}`).
 */
export type ChildStatus = 'running' | 'stopped' | 'restarting';

export interface ChildView {
  readonly id: string;
  /** For a simple-one-for-one child: the template with this child's id and args stamped in. */
  readonly spec: ChildSpec;
  readonly status: ChildStatus;
  /** Added at run time from the simple-one-for-one template. */
  readonly dynamic: boolean;
}

/**
 * What the runtime must do, in list order, each step finished before the next begins.
 * - `stop`: shut the child down (honouring its `shutdownMs`); always emitted in reverse start order.
 * - `start`: start the child from `plan.child(id).spec`; always emitted in start order.
 * - `delay`: wait before the starts that follow (backoff).
 * - `remove`: the child is gone and nothing in this decision restarts it; drop its instance. Whether
 *   its spec survives is the plan's business: like OTP, a static transient child that exited normally
 *   keeps its spec (status `stopped`, `restartChild` works), temporary and dynamic children do not.
 * - `escalate`: the supervisor gives up and must exit with `reason` after the stops before it, so that
 *   its own supervisor decides. As in OTP the reason is `shutdown` for reached_max_restart_intensity:
 *   a permanent supervisor is restarted by its parent, a transient or temporary one is not.
 * - `auto-shutdown`: significant children are done (OTP auto_shutdown); exit with reason `shutdown`.
 */
export type SupervisionAction =
  | { readonly kind: 'stop'; readonly id: string }
  | { readonly kind: 'start'; readonly id: string }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'escalate'; readonly reason: ExitReason }
  | { readonly kind: 'auto-shutdown'; readonly reason: 'shutdown' };

interface SupervisionEventBase {
  readonly supervisor: string;
  /** The child whose exit (or failed start, or removal) this decision is about. */
  readonly child: string;
  readonly cause: ExitReason;
  readonly strategy: Strategy;
  readonly at: number;
}

/** What the runtime logs and publishes for each decision. */
export type SupervisionEvent =
  | (SupervisionEventBase & { readonly type: 'restart'; readonly restarted: readonly string[]; readonly delayMs: number })
  | (SupervisionEventBase & { readonly type: 'escalate'; readonly reason: ExitReason })
  | (SupervisionEventBase & { readonly type: 'child-removed' })
  | (SupervisionEventBase & { readonly type: 'auto-shutdown'; readonly reason: 'shutdown' });

export interface SupervisionDecision {
  readonly actions: readonly SupervisionAction[];
  readonly events: readonly SupervisionEvent[];
}

/** `idle` until `startAll`, `terminated` after `stopAll`, escalation or auto-shutdown. */
export type SupervisorPhase = 'idle' | 'running' | 'terminated';

const isFunction = (message: string) =>
  z.custom<() => number>((value) => typeof value === 'function', { message });

const SupervisionPlanOptionsSchema = z
  .object({
    /** Names the supervisor in events. */
    supervisor: z.string().min(1, 'expected a non-empty supervisor name'),
    spec: SupervisorSpecSchema,
    now: isFunction('expected a clock function returning milliseconds').optional(),
    random: isFunction('expected a function returning a number in [0, 1)').optional(),
  })
  .strict();

export type SupervisionPlanOptions = z.input<typeof SupervisionPlanOptionsSchema>;

interface ChildRecord {
  readonly id: string;
  readonly spec: ChildSpec;
  status: ChildStatus;
  readonly dynamic: boolean;
}

/**
 * Starts the plan handed out in the previous decision. A start can fail only after the runtime has
 * tried it, so the plan remembers what it asked for in order to know, on `childStartFailed`, which
 * children before the failed one are up and which after it were never attempted.
 */
interface PendingStarts {
  readonly origin: 'init' | 'restart' | 'add' | 'restart-child';
  readonly ids: readonly string[];
}

const NOTHING: SupervisionDecision = Object.freeze({ actions: Object.freeze([]), events: Object.freeze([]) });

/**
 * The decision logic of one OTP-style supervisor, as a synchronous state machine. It owns the child
 * list and statuses; the runtime owns processes. Each input returns the actions to perform and the
 * events to publish, and the plan assumes the actions succeed (a start that fails is reported back
 * through `childStartFailed`, which is how OTP's try_again loop is reproduced).
 *
 * Contract with the runtime, the same one OTP's gen_server loop gives its supervisor: feed inputs one
 * at a time, perform a decision's actions to completion before feeding the next input, report a
 * failed start immediately and skip the rest of that decision, and do not feed exits of children the
 * runtime stopped on the plan's orders (nor exits of an earlier incarnation of a restarted child).
 */
export class SupervisionPlan {
  readonly supervisor: string;
  readonly spec: SupervisorSpec;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly intensity: RestartIntensity;
  private readonly backoffs = new Map<string, Backoff>();
  // Map iteration order is insertion order, which is exactly OTP's start order (children added at run
  // time go last), and deletion is O(1) for simple-one-for-one supervisors with many children.
  private readonly records = new Map<string, ChildRecord>();
  private currentPhase: SupervisorPhase = 'idle';
  private pending: PendingStarts | undefined;

  constructor(options: SupervisionPlanOptions) {
    const parsed = parseOptions(SupervisionPlanOptionsSchema, options, 'supervision plan');
    this.supervisor = parsed.supervisor;
    this.spec = parsed.spec;
    this.now = parsed.now ?? Date.now;
    this.random = parsed.random ?? Math.random;
    this.intensity = new RestartIntensity(parsed.spec.intensity);
    if (!this.isSimple) {
      for (const spec of parsed.spec.children) {
        this.records.set(spec.id, { id: spec.id, spec, status: 'stopped', dynamic: false });
      }
    }
  }

  get phase(): SupervisorPhase {
    return this.currentPhase;
  }

  get strategy(): Strategy {
    return this.spec.strategy;
  }

  /** OTP which_children, in start order. */
  children(): ChildView[] {
    return [...this.records.values()].map(view);
  }

  child(id: string): ChildView | undefined {
    const record = this.records.get(id);
    return record === undefined ? undefined : view(record);
  }

  /** Restarts that currently count against the intensity limit. */
  restartsInWindow(): number {
    return this.intensity.count(this.now());
  }

  /**
   * Starts every static child in order. A simple-one-for-one supervisor starts none: its children
   * arrive through `addChild`.
   */
  startAll(): SupervisionDecision {
    if (this.currentPhase !== 'idle') {
      throw new SupervisorNotRunningError(`Supervisor "${this.supervisor}" was already started`, {
        supervisor: this.supervisor,
        phase: this.currentPhase,
      });
    }
    this.currentPhase = 'running';
    const started = [...this.records.values()];
    for (const record of started) record.status = 'running';
    this.pending = { origin: 'init', ids: started.map((r) => r.id) };
    return { actions: started.map((r) => start(r.id)), events: [] };
  }

  /** Orderly shutdown of the supervisor: every running child, last started first. */
  stopAll(): SupervisionDecision {
    if (this.currentPhase !== 'running') {
      this.currentPhase = 'terminated';
      return NOTHING;
    }
    this.pending = undefined;
    this.currentPhase = 'terminated';
    return { actions: this.stopRunning(), events: [] };
  }

  /** A child's process ended with `reason`; OTP's handling of an 'EXIT' message. */
  childExited(id: string, reason: ExitReason): SupervisionDecision {
    const record = this.records.get(id);
    // Exits from children no longer running are stale (already handled, or stopped by us): OTP
    // ignores EXITs from pids it does not know for the same reason.
    if (this.currentPhase !== 'running' || record === undefined || record.status !== 'running') return NOTHING;
    this.pending = undefined;
    record.status = 'stopped';
    if (restartsAfter(record.spec, reason)) return this.restart(record, reason);

    const at = this.now();
    const actions: SupervisionAction[] = [{ kind: 'remove', id }];
    const events: SupervisionEvent[] = [this.event('child-removed', id, reason, at)];
    if (record.dynamic || record.spec.restart === 'temporary') this.forget(id);
    if (this.shouldAutoShutdown(record)) {
      actions.push(...this.stopRunning(), { kind: 'auto-shutdown', reason: 'shutdown' });
      events.push({ ...this.event('auto-shutdown', id, reason, at), reason: 'shutdown' });
      this.terminate();
    }
    return { actions, events };
  }

  /**
   * A `start` action from the previous decision failed with `error`; the runtime skipped the actions
   * after it. What follows depends on why the child was being started, as in OTP:
   * - initial start: stop what did start (reverse order) and escalate, like a failing init/1;
   * - restart: counts as another restart and re-runs the strategy from this child (try_again);
   * - addChild: the child is dropped, as start_child does not keep a spec that failed to start;
   * - restartChild: the spec is kept stopped, as restart_child only replies with the error.
   */
  childStartFailed(id: string, error: unknown): SupervisionDecision {
    const pending = this.pending;
    const position = pending?.ids.indexOf(id) ?? -1;
    const record = this.records.get(id);
    if (this.currentPhase !== 'running' || pending === undefined || position < 0 || record === undefined) {
      return NOTHING;
    }
    this.pending = undefined;
    for (const notAttempted of pending.ids.slice(position + 1)) {
      const later = this.records.get(notAttempted);
      if (later !== undefined) later.status = 'stopped';
    }
    const cause: ExitReason = { error };
    const at = this.now();
    switch (pending.origin) {
      case 'init': {
        record.status = 'stopped';
        const reason: ExitReason = { shutdown: { failedToStartChild: id, reason: error } };
        this.terminate();
        return {
          actions: [...this.stopRunning(), { kind: 'escalate', reason }],
          events: [{ ...this.event('escalate', id, cause, at), reason }],
        };
      }
      case 'add':
        this.forget(id);
        return { actions: [{ kind: 'remove', id }], events: [this.event('child-removed', id, cause, at)] };
      case 'restart-child':
        record.status = 'stopped';
        return NOTHING;
      case 'restart':
        record.status = 'restarting';
        return this.restart(record, cause);
    }
  }

  /** Static strategies (OTP start_child with a child spec): appends the child and starts it. */
  addChild(spec: ChildSpecInput): SupervisionDecision;
  /** simple-one-for-one (OTP start_child with extra args): stamps a child from the template. */
  addChild(id: string, args?: unknown): SupervisionDecision;
  addChild(specOrId: ChildSpecInput | string, args?: unknown): SupervisionDecision {
    this.requireRunning('addChild');
    const spec = typeof specOrId === 'string' ? this.stampFromTemplate(specOrId, args) : this.staticSpec(specOrId);
    const existing = this.records.get(spec.id);
    if (existing !== undefined) {
      throw new ChildAlreadyPresentError(
        existing.status === 'stopped'
          ? `Child "${spec.id}" is already present in supervisor "${this.supervisor}" (stopped)`
          : `Child "${spec.id}" is already started in supervisor "${this.supervisor}"`,
        { supervisor: this.supervisor, child: spec.id, status: existing.status },
      );
    }
    this.records.set(spec.id, { id: spec.id, spec, status: 'running', dynamic: typeof specOrId === 'string' });
    this.pending = { origin: 'add', ids: [spec.id] };
    return { actions: [start(spec.id)], events: [] };
  }

  /**
   * OTP terminate_child: stops the child without restarting it. A static permanent or transient
   * child keeps its spec (restartable with `restartChild`); temporary and dynamic children are removed.
   * Terminations ordered by the supervisor never trigger auto-shutdown, as in OTP.
   */
  terminateChild(id: string): SupervisionDecision {
    this.requireRunning('terminateChild');
    const record = this.require(id);
    this.pending = undefined;
    const actions: SupervisionAction[] = [];
    if (record.status === 'running') actions.push({ kind: 'stop', id });
    record.status = 'stopped';
    if (!record.dynamic && record.spec.restart !== 'temporary') return { actions, events: [] };
    this.forget(id);
    actions.push({ kind: 'remove', id });
    return { actions, events: [this.event('child-removed', id, 'shutdown', this.now())] };
  }

  /** OTP restart_child: starts a stopped static child again. Does not count against intensity. */
  restartChild(id: string): SupervisionDecision {
    this.requireRunning('restartChild');
    if (this.isSimple) {
      throw new StrategyMismatchError(`restartChild does not apply to simple-one-for-one supervisor "${this.supervisor}"`, {
        supervisor: this.supervisor,
        child: id,
      });
    }
    const record = this.require(id);
    if (record.status !== 'stopped') {
      throw new ChildRunningError(`Child "${id}" of supervisor "${this.supervisor}" is ${record.status}`, {
        supervisor: this.supervisor,
        child: id,
        status: record.status,
      });
    }
    record.status = 'running';
    this.pending = { origin: 'restart-child', ids: [id] };
    return { actions: [start(id)], events: [] };
  }

  /**
   * Stops the child if it runs and forgets it: OTP terminate_child followed by delete_child (which on
   * its own refuses a running child; doing both keeps the common case one call).
   */
  removeChild(id: string): SupervisionDecision {
    this.requireRunning('removeChild');
    const record = this.require(id);
    this.pending = undefined;
    const actions: SupervisionAction[] = [];
    if (record.status === 'running') actions.push({ kind: 'stop', id });
    this.forget(id);
    actions.push({ kind: 'remove', id });
    return { actions, events: [this.event('child-removed', id, 'shutdown', this.now())] };
  }

  private get isSimple(): boolean {
    return this.spec.strategy === 'simple-one-for-one';
  }

  /**
   * OTP restart/2: count the restart against intensity, then either give up or restart the group the
   * strategy names. The group is stopped last-started first; its temporary members are dropped rather
   * than restarted (OTP terminate_children); everyone else in it is started in order, including
   * members that were not running, exactly as OTP's start_children does.
   */
  private restart(failed: ChildRecord, cause: ExitReason): SupervisionDecision {
    const at = this.now();
    if (this.intensity.record(at)) return this.giveUp(failed, cause, at);

    const group = this.restartGroup(failed);
    const actions: SupervisionAction[] = [];
    const removed: SupervisionEvent[] = [];
    for (const member of [...group].reverse()) {
      if (member === failed) continue;
      if (member.status === 'running') actions.push({ kind: 'stop', id: member.id });
      member.status = 'stopped';
      if (member.spec.restart === 'temporary') {
        this.forget(member.id);
        actions.push({ kind: 'remove', id: member.id });
        removed.push(this.event('child-removed', member.id, 'shutdown', at));
      }
    }
    const restarted = group.filter((member) => member === failed || member.spec.restart !== 'temporary');
    const delayMs = this.spec.backoff === undefined ? 0 : this.backoffFor(failed.id).next(at);
    if (delayMs > 0) actions.push({ kind: 'delay', ms: delayMs });
    for (const member of restarted) {
      member.status = 'running';
      actions.push(start(member.id));
    }
    const ids = restarted.map((member) => member.id);
    this.pending = { origin: 'restart', ids };
    return {
      actions,
      events: [{ ...this.event('restart', failed.id, cause, at), restarted: ids, delayMs }, ...removed],
    };
  }

  /** Which children a restart of `failed` takes down and brings back, in start order. */
  private restartGroup(failed: ChildRecord): ChildRecord[] {
    switch (this.spec.strategy) {
      case 'one-for-one':
      case 'simple-one-for-one':
        return [failed];
      case 'one-for-all':
        return [...this.records.values()];
      case 'rest-for-one': {
        const all = [...this.records.values()];
        return all.slice(all.indexOf(failed));
      }
    }
  }

  /** reached_max_restart_intensity: stop everything, then exit with `shutdown` as OTP does. */
  private giveUp(failed: ChildRecord, cause: ExitReason, at: number): SupervisionDecision {
    failed.status = 'stopped';
    if (failed.dynamic) this.forget(failed.id);
    const reason: ExitReason = 'shutdown';
    this.terminate();
    return {
      actions: [...this.stopRunning(), { kind: 'escalate', reason }],
      events: [{ ...this.event('escalate', failed.id, cause, at), reason }],
    };
  }

  /** OTP do_auto_shutdown, applied only to a significant child that exited by itself. */
  private shouldAutoShutdown(exited: ChildRecord): boolean {
    if (!exited.spec.significant) return false;
    switch (this.spec.autoShutdown) {
      case 'never':
        return false;
      case 'any-significant':
        return true;
      case 'all-significant':
        // A child awaiting a retry still counts as alive, like OTP's {restarting, Pid}.
        return ![...this.records.values()].some((r) => r.spec.significant && r.status !== 'stopped');
    }
  }

  private stopRunning(): SupervisionAction[] {
    const actions: SupervisionAction[] = [];
    for (const record of [...this.records.values()].reverse()) {
      if (record.status === 'running') actions.push({ kind: 'stop', id: record.id });
      record.status = 'stopped';
    }
    return actions;
  }

  private terminate(): void {
    this.currentPhase = 'terminated';
    this.pending = undefined;
  }

  private forget(id: string): void {
    this.records.delete(id);
    this.backoffs.delete(id);
  }

  private backoffFor(id: string): Backoff {
    let backoff = this.backoffs.get(id);
    if (backoff === undefined) {
      backoff = new Backoff(this.spec.backoff!, this.random);
      this.backoffs.set(id, backoff);
    }
    return backoff;
  }

  private stampFromTemplate(id: string, args: unknown): ChildSpec {
    if (!this.isSimple) {
      throw new StrategyMismatchError(
        `addChild(id, args) needs a simple-one-for-one supervisor; "${this.supervisor}" is ${this.spec.strategy}, pass a child spec`,
        { supervisor: this.supervisor, child: id },
      );
    }
    if (typeof id !== 'string' || id === '') {
      throw new InvalidOptionError('Invalid addChild option "id": expected a non-empty child id', { option: 'id' });
    }
    const template = this.spec.children[0]!;
    return { ...template, id, start: { ...template.start, args: appendArgs(template.start.args, args) } };
  }

  private staticSpec(input: ChildSpecInput): ChildSpec {
    if (this.isSimple) {
      throw new StrategyMismatchError(
        `Supervisor "${this.supervisor}" is simple-one-for-one: call addChild(id, args) to stamp a child from its template`,
        { supervisor: this.supervisor },
      );
    }
    const autoShutdown = this.spec.autoShutdown;
    const schema = ChildSpecSchema.superRefine((spec, ctx) => {
      if (spec.significant && autoShutdown === 'never') {
        ctx.addIssue({
          code: 'custom',
          path: ['significant'],
          message: 'significant children need autoShutdown any-significant or all-significant (OTP bad_combination)',
        });
      }
    });
    return parseOptions(schema, input, 'child spec');
  }

  private requireRunning(operation: string): void {
    if (this.currentPhase !== 'running') {
      throw new SupervisorNotRunningError(`${operation}: supervisor "${this.supervisor}" is ${this.currentPhase}`, {
        supervisor: this.supervisor,
        phase: this.currentPhase,
      });
    }
  }

  private require(id: string): ChildRecord {
    const record = this.records.get(id);
    if (record === undefined) {
      throw new ChildNotFoundError(`Supervisor "${this.supervisor}" has no child "${id}"`, {
        supervisor: this.supervisor,
        child: id,
      });
    }
    return record;
  }

  private event<T extends SupervisionEvent['type']>(type: T, child: string, cause: ExitReason, at: number) {
    return { type, supervisor: this.supervisor, child, cause, strategy: this.spec.strategy, at };
  }
}

function start(id: string): SupervisionAction {
  return { kind: 'start', id };
}

function view(record: ChildRecord): ChildView {
  return { id: record.id, spec: record.spec, status: record.status, dynamic: record.dynamic };
}

function restartsAfter(spec: ChildSpec, reason: ExitReason): boolean {
  switch (spec.restart) {
    case 'permanent':
      return true;
    case 'transient':
      return isAbnormalExit(reason);
    case 'temporary':
      return false;
  }
}

/**
 * OTP appends start_child's extra arguments to the template's argument list. Args here are one
 * value, so two arrays concatenate the same way; otherwise the child's own args win and the
 * template's act as the default.
 */
function appendArgs(templateArgs: unknown, childArgs: unknown): unknown {
  if (childArgs === undefined) return templateArgs;
  if (Array.isArray(templateArgs) && Array.isArray(childArgs)) return [...templateArgs, ...childArgs];
  return childArgs;
}
