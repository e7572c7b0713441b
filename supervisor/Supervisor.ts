import type { ActorContext, Signal } from '../actors/ActorContext.js';
import { isBehaviour, type Behaviour } from '../actors/Behaviour.js';
import { defineActor } from '../actors/defineActor.js';
import type { ActorRef } from '../runtime/ActorRef.js';
import type { CellContext } from '../runtime/CellContext.js';
import { TroupeError } from '../runtime/errors.js';
import type { SpawnOptions } from '../runtime/SpawnOptions.js';
import type { ChildSpecInput } from './ChildSpec.js';
import type { ExitReason } from './ExitReason.js';
import { SupervisionPlan, type SupervisionAction, type SupervisionDecision } from './SupervisionPlan.js';
import { parseSupervisorSpec } from './SupervisorSpec.js';
import type { SupervisorSpecInput } from './SupervisorSpec.js';

/** A supervisor gave up (restart intensity reached, or a child failed to start): its parent decides. */
export class SupervisorEscalation extends TroupeError {
  constructor(message: string, context: Record<string, unknown>) {
    super('ERR_SUPERVISOR_ESCALATION', message, context);
  }
}

export interface SupervisorDefinition<A> extends Omit<SupervisorSpecInput, 'children'> {
  /** The export name of this supervisor in its module. */
  name: string;
  /** `import.meta.url` of the module that exports it. */
  module: string;
  /** Child specs, or a function of the supervisor's spawn args that returns them. */
  children: ChildSpecInput[] | ((args: A) => ChildSpecInput[]);
}

/** Messages a supervisor understands from outside. */
export type SupervisorMessage =
  | { type: 'start-child'; id: string; args?: unknown }
  | { type: 'terminate-child'; id: string }
  | { type: 'restart-child'; id: string }
  | { type: 'which-children' };

export interface SupervisorState {
  plan: SupervisionPlan;
  live: Map<string, ActorRef>;
  /** Exits we caused (remove, terminate): their `terminated` signals are not fed to the plan. */
  expected: Set<string>;
}

/**
 * Define a supervisor: an actor that starts its children in order, watches them, and repairs
 * failures exactly as an OTP supervisor would (the decisions come from SupervisionPlan). A child that
 * throws is restarted in place: fresh state from `init`, its mailbox kept, so the messages behind the
 * failing one are still handled. Children that are themselves supervisors form the tree.
 */
export function defineSupervisor<A = void>(def: SupervisorDefinition<A>): Behaviour<SupervisorState, SupervisorMessage, A> {
  const { name, module, children, ...flags } = def;
  return defineActor<SupervisorState, SupervisorMessage, A>({
    name,
    module,
    init: async (args, ctx) => {
      const childSpecs = typeof children === 'function' ? children(args) : children;
      const spec = parseSupervisorSpec({ ...flags, children: childSpecs });
      for (const c of spec.children) {
        if (!isBehaviour(c.start.behaviour)) {
          throw new TroupeError('ERR_INVALID_OPTION', `supervisor '${name}': child '${c.id}' start.behaviour is not a behaviour made by defineActor`, { supervisor: name, child: c.id });
        }
      }
      const state: SupervisorState = { plan: new SupervisionPlan({ supervisor: ctx.self.id, spec }), live: new Map(), expected: new Set() };
      await perform(state, state.plan.startAll(), ctx);
      return state;
    },
    receive: async (state, msg, ctx) => {
      switch (msg.type) {
        case 'start-child':
          await perform(state, state.plan.addChild(msg.id, msg.args), ctx);
          ctx.reply(state.live.get(msg.id));
          return;
        case 'terminate-child':
          await perform(state, state.plan.terminateChild(msg.id), ctx);
          ctx.reply(true);
          return;
        case 'restart-child':
          await perform(state, state.plan.restartChild(msg.id), ctx);
          ctx.reply(true);
          return;
        case 'which-children':
          ctx.reply(state.plan.children().map((c) => ({ id: c.id, status: c.status, restart: c.spec.restart, ref: state.live.get(c.id) })));
          return;
      }
    },
    onSignal: async (state, signal: Signal, ctx) => {
      if (signal.type === 'linked-exit') return; // supervisors trap exits, as in OTP
      const id = childIdOf(ctx, signal.ref.id);
      if (!state.plan.child(id)) return;
      if (signal.type === 'child-failed') {
        // A nested supervisor that gave up exits with `shutdown`, as in OTP (reached max restart
        // intensity): a permanent one is restarted, a transient or temporary one is not.
        const gaveUp = (signal.error as { name?: unknown } | undefined)?.name === 'SupervisorEscalation';
        await perform(state, state.plan.childExited(id, gaveUp ? { shutdown: signal.error } : { error: signal.error }), ctx);
        return;
      }
      // terminated
      state.live.delete(id);
      if (state.expected.delete(id)) return;
      const reason: ExitReason = signal.reason === 'normal' ? 'normal'
        : signal.reason === 'parent-stopped' || signal.reason === 'system-stopped' ? 'shutdown'
        : { error: signal.reason };
      await perform(state, state.plan.childExited(id, reason), ctx);
    },
    postStop: async (state, ctx) => {
      // Children stop in reverse start order (the runtime stops a parent's children newest first).
      for (const c of [...state.plan.children()].reverse()) state.expected.add(c.id);
      void ctx;
    },
  });
}

/** Children are spawned as `<supervisor id>/<child id>`; the plan knows them by child id. */
function childIdOf(ctx: ActorContext<SupervisorMessage>, actorId: string): string {
  const prefix = `${ctx.self.id}/`;
  return actorId.startsWith(prefix) ? actorId.slice(prefix.length) : actorId;
}

async function perform(state: SupervisorState, decision: SupervisionDecision, ctx: ActorContext<SupervisorMessage>): Promise<void> {
  for (const e of decision.events) ctx.log.warn({ event: e.type, child: e.child, strategy: e.strategy }, `supervisor ${e.type}`);
  const cctx = ctx as unknown as CellContext;
  for (const e of decision.events) cctx.emit({ ...e, type: `supervisor-${e.type}`, actor: ctx.self.id, cause: describe(e.cause) });
  for (const action of decision.actions) {
    const next = await performOne(state, action, ctx, cctx);
    if (next !== undefined) {
      // A start failed: the plan decides again at once, and the rest of this decision is void.
      await perform(state, next, ctx);
      return;
    }
  }
}

async function performOne(state: SupervisorState, a: SupervisionAction, ctx: ActorContext<SupervisorMessage>, cctx: CellContext): Promise<SupervisionDecision | undefined> {
  switch (a.kind) {
    case 'stop': {
      const ref = state.live.get(a.id);
      if (ref !== undefined) await cctx.pauseChild(ref);
      return undefined;
    }
    case 'start': {
      const child = state.plan.child(a.id)!;
      const ref = state.live.get(a.id);
      try {
        if (ref !== undefined) {
          await cctx.resumeChild(ref);
        } else {
          const opts = (child.spec.start.options ?? {}) as SpawnOptions<unknown>;
          const r = ctx.spawn(child.spec.start.behaviour as Behaviour, { placement: 'local', ...opts, id: a.id, args: child.spec.start.args, supervised: true });
          state.live.set(a.id, r);
          ctx.watch(r);
        }
      } catch (err) {
        // A failed init stops the cell: the next start spawns a new incarnation. Its `terminated`
        // signal is ours, not news for the plan.
        const dead = state.live.get(a.id);
        if (dead !== undefined) {
          state.live.delete(a.id);
          state.expected.add(a.id);
        }
        return state.plan.childStartFailed(a.id, err);
      }
      return undefined;
    }
    case 'delay':
      await new Promise((r) => setTimeout(r, a.ms));
      return undefined;
    case 'remove': {
      const ref = state.live.get(a.id);
      if (ref !== undefined) {
        state.expected.add(a.id);
        state.live.delete(a.id);
        ctx.unwatch(ref);
        ctx.stop(ref);
      }
      return undefined;
    }
    case 'escalate':
    case 'auto-shutdown': {
      for (const [id, ref] of [...state.live].reverse()) {
        state.expected.add(id);
        void ctx.unwatch(ref);
        try { ctx.stop(ref); } catch { /* already gone */ }
      }
      state.live.clear();
      if (a.kind === 'auto-shutdown') { ctx.stop(); return undefined; }
      throw new SupervisorEscalation(`supervisor '${ctx.self.id}' gave up: ${describe(a.reason)}`, { supervisor: ctx.self.id, reason: describe(a.reason) });
    }
  }
}

function describe(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (typeof reason === 'object' && reason !== null) {
    const r = reason as { error?: unknown; shutdown?: unknown };
    if (r.error !== undefined) return `error: ${(r.error as Error)?.message ?? JSON.stringify(r.error)}`;
    if (r.shutdown !== undefined) return `shutdown: ${JSON.stringify(r.shutdown)}`;
  }
  return JSON.stringify(reason);
}
