import type { Logger } from 'pino';
import type { ActorContext, AskOptions, Timers } from '../actors/ActorContext.js';
import type { Behaviour } from '../actors/Behaviour.js';
import type { ActorRef } from './ActorRef.js';
import type { ActorCell } from './ActorCell.js';
import type { LocalNode } from './LocalNode.js';
import type { SpawnOptions } from './SpawnOptions.js';
import { ActorFailedError, InvalidOptionError } from './errors.js';

/** The one context object of a cell; its `sender`/`replyTo`/`message` are set per message. */
export class CellContext implements ActorContext<unknown> {
  sender: ActorRef | undefined = undefined;
  replyTo: unknown = undefined;
  message: unknown = undefined;
  private logCache: Logger | undefined;
  private timersCache: CellTimers | undefined;
  /** Its cell began a new incarnation or stopped for good: this context belongs to code of one that is over. */
  private detached = false;
  /** Why it was cut off (names the dead letters and errors). */
  private cutOffBy: 'restarted' | 'stopped' = 'restarted';

  // Held directly: `tell` is the hot path, and a sender's loop inlines only so much.
  private readonly node: LocalNode;
  private readonly selfRef: ActorRef;

  constructor(private readonly cell: ActorCell) {
    this.node = cell.host;
    this.selfRef = cell.ref;
  }

  /**
   * Cut loose (its cell began a new incarnation, or stopped): that incarnation is dead, as an OTP
   * process that exited is, so its code that is still running can no longer act for the actor.
   * Nothing it does through this context reaches a new incarnation or acts in its name:
   * - a reply goes nowhere, and a tell, publish or broadcast goes to dead letters
   *   ('sender-restarted' or 'sender-stopped');
   * - an ask, a persist and a spawn fail with ActorFailedError (a spawn throws);
   * - a stop, timer, stash, subscription, watch or link does nothing, and its promise resolves.
   *
   * Only what needs an answer fails. Everything else is a quiet no-op, because a stale handler often
   * calls it where nothing catches: from a timer, an event listener, or a promise it does not await.
   * A throw there would take the whole worker down.
   */
  detach(why: 'restarted' | 'stopped' = 'restarted'): void {
    this.replyTo = undefined;
    this.sender = undefined;
    this.detached = true;
    this.cutOffBy = why;
  }

  /** @internal whether detach() has run */
  get isCutOff(): boolean {
    return this.detached;
  }

  private staleSend(target: string, message: unknown): void {
    this.node.deadLetter(target, message, `sender-${this.cutOffBy}`, this.selfRef, undefined);
  }

  private stale(what: string): ActorFailedError {
    const cell = this.cell;
    return new ActorFailedError(
      this.cutOffBy === 'stopped'
        ? `actor '${cell.id}' has stopped: its code still running cannot ${what}`
        : `actor '${cell.id}' has been restarted: a handler of its previous incarnation cannot ${what}`,
      { actor: cell.id, behaviour: cell.def.name, worker: cell.host.id },
    );
  }

  get self(): ActorRef { return this.cell.ref; }
  get worker(): number { return this.cell.host.id; }
  get parent(): ActorRef | undefined { return this.cell.parent; }

  get log(): Logger {
    return (this.logCache ??= this.cell.host.log.child({
      actor: this.cell.id, behaviour: this.cell.def.name, worker: this.cell.host.id,
    }));
  }

  get timers(): Timers<unknown> {
    return (this.timersCache ??= new CellTimers(this.cell, this));
  }

  get hasTimers(): boolean {
    return this.timersCache !== undefined;
  }

  reply(value: unknown): void {
    const r = this.replyTo;
    if (r !== undefined) {
      this.replyTo = undefined; // one answer per message
      this.cell.host.reply(r, value);
    } else if (this.sender !== undefined) {
      this.cell.host.tell(this.sender, value, this.cell.ref);
    }
  }

  tell<T>(target: ActorRef<T>, message: T): void {
    if (this.detached) return this.staleSend(target.id, message);
    this.node.tell(target as ActorRef, message, this.selfRef);
  }

  ask<R = unknown, T = unknown>(target: ActorRef<T>, message: T, options?: AskOptions): Promise<R> {
    if (this.detached) return Promise.reject(this.stale(`ask '${target.id}'`));
    return this.cell.host.ask(target as ActorRef, message, options, this.cell.ref) as Promise<R>;
  }

  spawn<CM, CA>(behaviour: Behaviour<any, CM, CA>, options?: SpawnOptions<CA>): ActorRef<CM> {
    if (this.detached) throw this.stale('spawn');
    return this.cell.host.spawnChild(this.cell, behaviour, options) as ActorRef<CM>;
  }

  stop(child?: ActorRef): void {
    if (this.detached) return;
    if (child === undefined || child === this.selfRef) {
      this.cell.host.stopCell(this.cell, 'normal');
      return;
    }
    if (this.cell.children?.hasRef(child) !== true) {
      if (child.id === this.cell.id) { this.cell.host.stopCell(this.cell, 'normal'); return; }
      throw new InvalidOptionError(`actor '${this.cell.id}' can only stop itself or its children, not '${child.id}'`, {
        actor: this.cell.id, target: child.id,
      });
    }
    this.cell.host.stopRef(child, 'normal');
  }

  watch(target: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.watch(target, this.cell.ref);
  }
  unwatch(target: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.unwatch(target, this.cell.ref);
  }

  link(target: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.link(this.cell, target);
  }
  unlink(target: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.unlink(this.cell, target);
  }

  stash(): void {
    if (this.detached) return;
    (this.cell.stashed ??= []).push(this.message, this.sender, this.replyTo);
    this.replyTo = undefined; // the reply belongs to the stashed copy now
  }

  unstashAll(): void {
    if (this.detached) return;
    const s = this.cell.stashed;
    if (s === undefined || s.length === 0) return;
    this.cell.stashed = undefined;
    this.cell.mailbox.unshiftAll(s);
  }

  subscribe(topic: string): void {
    if (this.detached) return;
    this.cell.host.subscribe(topic, this.cell);
  }
  unsubscribe(topic: string): void {
    if (this.detached) return;
    this.cell.host.unsubscribe(topic, this.cell);
  }
  publish(topic: string, message: unknown): void {
    if (this.detached) return this.staleSend(`topic:${topic}`, message);
    this.cell.host.publish(topic, message, this.cell.ref);
  }

  broadcast(message: unknown, options?: { group?: string }): void {
    if (this.detached) return this.staleSend(options?.group === undefined ? 'broadcast' : `group:${options.group}`, message);
    this.cell.host.broadcast(message, options?.group, this.cell.ref);
  }

  /** @internal supervisors: take a child down for a restart (see LocalNode.pauseCell). */
  pauseChild(ref: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.control(ref.node, { t: 'pause', id: ref.id, reason: 'restart' }, true).then(() => undefined);
  }

  /** @internal supervisors: start a paused child again. */
  resumeChild(ref: ActorRef): Promise<void> {
    if (this.detached) return Promise.resolve();
    return this.cell.host.control(ref.node, { t: 'resume', id: ref.id }, true).then(() => undefined);
  }

  /** @internal publish a system event (supervisor decisions). */
  emit(event: Record<string, unknown>): void {
    if (this.detached) return;
    this.cell.host.emitEvent({ worker: this.cell.host.id, ...event });
  }

  persist(event: unknown): Promise<void> {
    if (this.detached) return Promise.reject(this.stale('persist'));
    const cell = this.cell;
    const apply = cell.def.applyEvent;
    if (cell.persistence === undefined || apply === undefined) {
      return Promise.reject(new InvalidOptionError(`actor '${cell.id}' cannot persist events: it needs { persistent: true } and a behaviour with applyEvent`, { actor: cell.id, option: 'persistent' }));
    }
    const next = apply(cell.state, event);
    if (next !== undefined) cell.state = next;
    return cell.persistence.persistEvent(event).then(() => undefined);
  }

  lookup<T = unknown>(id: string): Promise<ActorRef<T> | undefined> {
    return this.cell.host.lookup(id) as Promise<ActorRef<T> | undefined>;
  }
}

/** Timers owned by one actor: delivered to its own mailbox, cancelled when it stops or restarts. */
class CellTimers implements Timers<unknown> {
  private readonly active = new Map<string, NodeJS.Timeout>();
  constructor(private readonly cell: ActorCell, private readonly ctx: CellContext) {}

  once(key: string, delayMs: number, message: unknown): void {
    // Its context was cut off (a restart or a stop; the timers may have been kept across it by a
    // handler, `const t = ctx.timers`): it sets nothing any more.
    if (this.ctx.isCutOff) return;
    this.cancel(key);
    this.active.set(key, setTimeout(() => {
      this.active.delete(key);
      this.cell.host.deliverLocal(this.cell, message, undefined, undefined);
    }, delayMs));
  }

  repeat(key: string, intervalMs: number, message: unknown): void {
    if (this.ctx.isCutOff) return;
    this.cancel(key);
    this.active.set(key, setInterval(() => {
      this.cell.host.deliverLocal(this.cell, message, undefined, undefined);
    }, intervalMs));
  }

  cancel(key: string): void {
    const t = this.active.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.active.delete(key);
    }
  }

  cancelAll(): void {
    for (const t of this.active.values()) clearTimeout(t);
    this.active.clear();
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }
}
