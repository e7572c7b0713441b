import { addExtension } from 'msgpackr';
import type { AskOptions } from '../actors/ActorContext.js';

/** What a ref needs from the thread it is used on. Set once per thread by that thread's node. */
export interface RefHost {
  tell(target: ActorRef, message: unknown, sender: ActorRef | undefined): void;
  ask(target: ActorRef, message: unknown, options: AskOptions | undefined): Promise<unknown>;
  offer(target: ActorRef, message: unknown): Promise<void>;
  currentSender(): ActorRef | undefined;
  resolveRef(id: string, node: number, behaviour: string): ActorRef;
}

let host: RefHost | undefined;

/** @internal */
export function setRefHost(h: RefHost): void {
  host = h;
}

function requireHost(): RefHost {
  if (host === undefined) throw new Error('this thread has no running Troupe system');
  return host;
}

/**
 * A location-transparent handle to an actor. The same `tell`/`ask` works from the main thread, from
 * an actor on the same worker and from an actor on another worker; refs travel inside messages.
 * Compare refs with `equals` (by id), not by identity or deep equality: a ref to an actor on the
 * calling thread is that actor's cell, and one that came back in a message is another object.
 */
export class ActorRef<M = unknown> {
  /**
   * @internal the local cell, cached by the node when the actor lives on this thread. A local
   * actor's own ref is its cell (ActorCell extends ActorRef), whose `_cell` is itself.
   */
  _cell: unknown = undefined;
  /** Phantom field so refs to different message types do not unify. */
  declare readonly _messageType?: M;

  /** @internal the id; a cell (see ActorCell.id) writes a numbered child's out on first read */
  _id: string | undefined;

  constructor(
    /** undefined only for a cell: it answers `id` itself */
    id: string | undefined,
    /** @internal the thread the actor lives on (0 = main thread); updated when it migrates */
    public node: number,
    /** @internal `module#export` of its behaviour, '' for system actors */
    readonly behaviour: string,
  ) {
    this._id = id;
  }

  /** The actor's id, unique in the system. */
  get id(): string {
    return this._id!;
  }

  /** Fire and forget. Inside an actor the sender is that actor. */
  tell(message: M): void {
    const h = host ?? requireHost();
    h.tell(this as ActorRef, message, h.currentSender());
  }

  /** Request/response with a timeout; rejects with AskTimeoutError naming the actor and message type. */
  ask<R = unknown>(message: M, options?: AskOptions): Promise<R> {
    return requireHost().ask(this as ActorRef, message, options) as Promise<R>;
  }

  /**
   * Send and wait until the actor's mailbox has accepted the message: the backpressure a producer
   * outside the system uses with bounded mailboxes.
   */
  offer(message: M): Promise<void> {
    return requireHost().offer(this as ActorRef, message);
  }

  equals(other: ActorRef<unknown> | undefined): boolean {
    return other !== undefined && other.id === this.id;
  }

  toString(): string {
    return `ActorRef(${this.id})`;
  }

  toJSON(): { id: string; worker: number } {
    return { id: this.id, worker: this.node };
  }

  /** What `console.log` and `util.inspect` show: the id, not the actor's internals (a local actor's ref is its cell). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// Refs inside structured payloads cross threads as [id, node, behaviour] and come back as live refs
// of the receiving thread.
addExtension({
  Class: ActorRef,
  type: 0x54, // 'T'
  write: (ref: ActorRef) => [ref.id, ref.node, ref.behaviour],
  read: (data: [string, number, string]) =>
    host ? host.resolveRef(data[0], data[1], data[2]) : new ActorRef(data[0], data[1], data[2]),
});
