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
  /** Phantom field so refs to different message types do not unify. */
  declare readonly _messageType?: M;

  // A plain ref's own data, behind the accessors below. A cell (ActorCell, the ref of an actor on
  // its own thread) has none of these fields: it answers from its own, so that an actor is one
  // object with no copies of its id, thread and behaviour (see ARCHITECTURE.md).
  declare private refId: string;
  declare private refNode: number;
  declare private refBehaviour: string;
  declare private refCell: unknown;

  constructor(id: string, node: number, behaviour: string) {
    if (new.target !== ActorRef) return; // a cell
    this.refId = id;
    this.refNode = node;
    this.refBehaviour = behaviour;
    this.refCell = undefined;
  }

  /** The actor's id, unique in the system. */
  get id(): string {
    return this.refId;
  }

  /** @internal the thread the actor lives on (0 = main thread); updated when it migrates */
  get node(): number {
    return this.refNode;
  }

  set node(worker: number) {
    this.refNode = worker;
  }

  /** @internal `module#export` of its behaviour, '' for system actors */
  get behaviour(): string {
    return this.refBehaviour;
  }

  /** @internal the local cell, cached by the node when the actor lives on this thread (a cell: itself) */
  get _cell(): unknown {
    return this.refCell;
  }

  set _cell(cell: unknown) {
    this.refCell = cell;
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

  /** What `util.inspect` (and so a logged or printed ref) shows: the id, not the actor's internals (a local actor's ref is its cell). */
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
