/**
 * Troupe: an actor-model runtime for Node.js. Actors with mailboxes live on a pool of worker
 * threads; this is the one public entry point.
 */
export { ActorSystem, type ActorInfo, type WorkerStats } from './runtime/ActorSystem.js';
export { ActorRef } from './runtime/ActorRef.js';
export { defineActor } from './actors/defineActor.js';
export { defineTask, type Task, type TaskSpec } from './actors/defineTask.js';
export type { PoolOptions } from './runtime/pool/PoolActor.js';
export type { Behaviour, BehaviourSpec, MessageOf, ArgsOf } from './actors/Behaviour.js';
export type { ActorContext, AskOptions, Signal, Timers } from './actors/ActorContext.js';
export type { SystemOptions } from './runtime/SystemOptions.js';
export type { SpawnOptions, Placement, MailboxOptions, OverflowPolicy } from './runtime/SpawnOptions.js';
export type { DeadLetter, SystemEvent } from './runtime/Streams.js';
export * from './runtime/errors.js';
export { createLogger } from './runtime/logger.js';
export { defineSupervisor, SupervisorEscalation, type SupervisorDefinition, type SupervisorMessage } from './supervisor/Supervisor.js';
export type { ChildSpecInput as ChildSpec } from './supervisor/ChildSpec.js';
export * from './orchestration/index.js';
