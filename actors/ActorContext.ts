import type { Logger } from 'pino';
import type { ActorRef } from '../runtime/ActorRef.js';
import type { Behaviour } from './Behaviour.js';
import type { SpawnOptions } from '../runtime/SpawnOptions.js';

/** Lifecycle signals, delivered to `onSignal` rather than `receive` (they bypass the message schema). */
export type Signal =
  | { type: 'terminated'; ref: ActorRef; reason: string }
  | { type: 'linked-exit'; from: string; reason: string }
  | { type: 'child-failed'; ref: ActorRef; error: { name: string; message: string } };

export interface AskOptions {
  /** Reject with AskTimeoutError after this many ms (default: the system's askTimeoutMs). */
  timeoutMs?: number;
}

export interface Timers<M> {
  /** Deliver `message` to self once after `delayMs`; replaces a timer with the same key. */
  once(key: string, delayMs: number, message: M): void;
  /** Deliver `message` to self every `intervalMs`; replaces a timer with the same key. */
  repeat(key: string, intervalMs: number, message: M): void;
  cancel(key: string): void;
  cancelAll(): void;
  isActive(key: string): boolean;
}

/**
 * The capabilities an actor has while it handles a message. One context per actor, reused across
 * messages: `sender` and `reply` always refer to the message being handled now. A restart gives
 * the new incarnation a new context; an async handler of the old one that is still running then
 * holds a dead context: its sends become dead letters, its ask, spawn and persist fail with
 * `ActorFailedError`, and the rest does nothing.
 */
export interface ActorContext<M = unknown> {
  readonly self: ActorRef<M>;
  /** Who sent the current message, when an actor did. */
  readonly sender: ActorRef | undefined;
  /** The index of the worker thread this actor lives on (0 is the main thread). */
  readonly worker: number;
  /** A pino logger bound to this actor's id, behaviour and worker. */
  readonly log: Logger;
  readonly parent: ActorRef | undefined;
  /** Answer the current message: resolves the asker's promise, or tells the sender. */
  reply(value: unknown): void;
  tell<T>(target: ActorRef<T>, message: T): void;
  ask<R = unknown, T = unknown>(target: ActorRef<T>, message: T, options?: AskOptions): Promise<R>;
  /** Start a child actor; it stops when this actor stops. */
  spawn<CM, CA>(behaviour: Behaviour<any, CM, CA>, options?: SpawnOptions<CA>): ActorRef<CM>;
  /** Stop this actor (no argument) or one of its children. */
  stop(child?: ActorRef): void;
  /**
   * Receive a `terminated` signal when `target` stops. The returned promise resolves once the watch
   * is registered where the target lives: await it when a later event from another sender (say a
   * stop from the main thread) must see it. Messages are ordered per sender, not across senders.
   */
  watch(target: ActorRef): Promise<void>;
  unwatch(target: ActorRef): Promise<void>;
  readonly timers: Timers<M>;
  /**
   * Link with `target` (OTP links, both ways): when either exits abnormally (crash, or stop with a
   * reason other than 'normal'), the other exits too, or, if its behaviour has `onSignal`, receives
   * a `linked-exit` signal instead (trapping exits). Resolves once the link is in force.
   */
  link(target: ActorRef): Promise<void>;
  unlink(target: ActorRef): Promise<void>;
  /** Set the current message aside; `unstashAll` puts stashed messages back in front, in order. */
  stash(): void;
  unstashAll(): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  publish(topic: string, message: unknown): void;
  /** Send to every actor in the system (or in `group`) except this one. */
  broadcast(message: unknown, options?: { group?: string }): void;
  /**
   * Event sourcing: journal `event` in LMDB and apply it to the state with the behaviour's
   * `applyEvent` (the state changes now; the promise resolves once the event is committed). Needs
   * a persistent actor whose behaviour defines `applyEvent`.
   */
  persist(event: unknown): Promise<void>;
  /** Find a registered actor by id anywhere in the system. */
  lookup<T = unknown>(id: string): Promise<ActorRef<T> | undefined>;
}
