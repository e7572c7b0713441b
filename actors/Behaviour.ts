import type { ZodType } from 'zod';
import type { ActorContext, Signal } from './ActorContext.js';

/**
 * What an actor is: a value read top to bottom. `init` makes the private state, `receive` handles one
 * message at a time and returns the next state (or `undefined` to keep the current one, which is what
 * in-place mutation wants), `onSignal` hears lifecycle signals (a watched actor terminated), and
 * `postStop` runs once when the actor stops for good.
 *
 * Behaviours live in modules so that any worker thread can load them: `module` is the defining
 * module's `import.meta.url` and `name` the export under which it is found there.
 */
export interface BehaviourSpec<S, M, A> {
  /** The export name of this behaviour in its module. */
  name: string;
  /** `import.meta.url` of the module that exports it. */
  module: string;
  /** Optional zod schema; a message that fails it is refused and nothing is enqueued. */
  messages?: ZodType<M>;
  init: (args: A, ctx: ActorContext<M>) => S | Promise<S>;
  /** Declared with two parameters or fewer, it is called without a context (none is made). */
  receive: (state: S, message: M, ctx: ActorContext<M>) => S | void | Promise<S | void>;
  onSignal?: (state: S, signal: Signal, ctx: ActorContext<M>) => S | void | Promise<S | void>;
  postStop?: (state: S, ctx: ActorContext<M>) => void | Promise<void>;
  /**
   * Event sourcing (persistent actors): how an event changes the state. `ctx.persist(event)`
   * journals an event and applies it; a restore is the last snapshot plus the events after it.
   */
  applyEvent?: (state: S, event: unknown) => S | void;
}

export interface Behaviour<S = any, M = any, A = any> extends Readonly<BehaviourSpec<S, M, A>> {
  /** `module#name`: how threads refer to a behaviour on the wire. */
  readonly key: string;
  readonly $troupe: 'behaviour';
  /**
   * @internal `init.length` and `receive.length`, read once by defineActor: a function's `length`
   * is a slow accessor, and the run loop asks for the arity on every turn.
   */
  readonly initArity?: number;
  /** @internal see initArity */
  readonly receiveArity?: number;
}

/** Infer the message type of a behaviour. */
export type MessageOf<B> = B extends Behaviour<any, infer M, any> ? M : never;
/** Infer the init arguments of a behaviour. */
export type ArgsOf<B> = B extends Behaviour<any, any, infer A> ? A : never;

export function isBehaviour(value: unknown): value is Behaviour {
  return typeof value === 'object' && value !== null && (value as { $troupe?: unknown }).$troupe === 'behaviour';
}
