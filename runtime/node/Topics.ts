import type { ActorRef } from '../ActorRef.js';
import { ActorCell } from '../ActorCell.js';
import type { LocalNode } from '../LocalNode.js';
import { Kind } from '../transport/Frames.js';
import { assertTransferable, messageTypeOf } from '../Transferable.js';

/*
 * Fan-out: topics (publish/subscribe, with actors or main-thread listeners as subscribers), groups
 * (a topic named `group:<name>`) and broadcast to every actor. Each thread keeps its own
 * subscribers; a publish goes to every thread as a control frame and each delivers locally. Apart
 * from the node because none of it is on the point-to-point message path.
 */

export type TopicListener = (message: unknown, sender: ActorRef | undefined) => void;

export class Topics {
  private readonly subscribers = new Map<string, Set<ActorCell | TopicListener>>();

  constructor(private readonly node: LocalNode) {}

  subscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    let set = this.subscribers.get(topic);
    if (set === undefined) this.subscribers.set(topic, (set = new Set()));
    set.add(subscriber);
    if (subscriber instanceof ActorCell) (subscriber.topics ??= []).push(topic);
  }

  unsubscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    this.subscribers.get(topic)?.delete(subscriber);
    if (subscriber instanceof ActorCell && subscriber.topics) subscriber.topics = subscriber.topics.filter((t) => t !== topic);
  }

  /** A cell leaves this thread (stopped or migrated): drop it from its topics here; it keeps its list. */
  forget(cell: ActorCell): void {
    if (cell.topics) for (const t of cell.topics) this.subscribers.get(t)?.delete(cell);
  }

  publish(topic: string, message: unknown, sender: ActorRef | undefined): void {
    if (typeof message === 'object' && message !== null) assertTransferable(message, { actor: `topic:${topic}`, messageType: messageTypeOf(message) });
    this.toAllNodes({ t: 'pub', topic, message, sender });
    this.deliverTopic(topic, message, sender);
  }

  /** Deliver to every actor (or every member of `group`) except `except` (default: the sender). */
  broadcast(message: unknown, group: string | undefined, sender: ActorRef | undefined, except: string | undefined = sender?.id): void {
    if (typeof message === 'object' && message !== null || typeof message === 'function' || typeof message === 'symbol') assertTransferable(message, { actor: group ? `group:${group}` : 'broadcast', messageType: messageTypeOf(message) });
    this.toAllNodes({ t: 'bcast', message, group, sender, except });
    this.deliverBroadcast(message, group, sender, except);
  }

  private toAllNodes(msg: Record<string, unknown>): void {
    const node = this.node;
    for (let n = 0; n < node.out.length; n++) {
      const link = node.out[n];
      if (link === undefined || node.deadNodes.has(n)) continue;
      link.send(Kind.Control, undefined, undefined, 0, msg);
      node.markDirty(link);
    }
  }

  deliverTopic(topic: string, message: unknown, sender: ActorRef | undefined): void {
    const subs = this.subscribers.get(topic);
    if (subs === undefined) return;
    for (const s of subs) {
      if (s instanceof ActorCell) {
        if (sender === undefined || s.id !== sender.id) this.deliverChecked(s, message, sender);
      } else {
        try { s(message, sender); } catch (err) { this.node.log.warn({ err, topic }, 'topic listener failed'); }
      }
    }
  }

  deliverBroadcast(message: unknown, group: string | undefined, sender: ActorRef | undefined, except: string | undefined): void {
    if (group !== undefined) {
      const subs = this.subscribers.get(`group:${group}`);
      if (subs) for (const s of subs) if (s instanceof ActorCell && s.id !== except) this.deliverChecked(s, message, sender);
      return;
    }
    // The exception is looked up once: comparing ids would write out every numbered child's.
    const skip = except === undefined ? undefined : this.node.cells.get(except);
    for (const cell of this.node.cells.values()) {
      if (cell.broadcastable && cell !== skip) this.deliverChecked(cell, message, sender);
    }
  }

  /** Fan-out delivery still honours each receiver's message schema: a misfit is a dead letter. */
  private deliverChecked(cell: ActorCell, message: unknown, sender: ActorRef | undefined): void {
    if (cell.def.messages !== undefined) {
      const r = cell.def.messages.safeParse(message);
      if (!r.success) {
        this.node.deadLetter(cell.id, message, `invalid-message: ${r.error.issues[0]?.message ?? 'schema'}`, sender, undefined);
        return;
      }
      message = r.data;
    }
    this.node.deliverLocal(cell, message, sender, undefined);
  }
}
