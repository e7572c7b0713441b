import type { ActorRef } from '../ActorRef.js';
import { SIGNAL } from '../ActorCell.js';
import { ActorNotFoundError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { messageTypeOf } from '../Transferable.js';

/*
 * What a thread reports to the system's streams on the main thread (system.deadLetters and
 * system.events): messages nobody could take, and things the runtime did on its own (an abnormal
 * stop, an escalation). On the main thread the report is a call to the system's control hook; a
 * worker sends it as a control frame.
 */

/** Nothing is silently lost: undeliverable messages go to the dead-letter stream, asks fail now. */
export function sendDeadLetter(node: LocalNode, target: string, message: unknown, reason: string, sender: ActorRef | undefined, reply: unknown): void {
  if (reply !== undefined && reply !== SIGNAL) {
    node.replyError(reply, new ActorNotFoundError(
      `actor '${target}' cannot take message '${messageTypeOf(message)}': ${reason}`,
      { actor: target, messageType: messageTypeOf(message), reason, worker: node.id },
    ));
  }
  const letter = { t: 'dead', target, type: messageTypeOf(message), reason, sender: sender?.id, message: safeForWire(message), worker: node.id, at: Date.now() };
  if (node.id === 0) node.controlHook?.(0, letter, 0);
  else if (!node.closed) void node.control(0, letter).catch(() => undefined);
}

export function sendEvent(node: LocalNode, event: Record<string, unknown>): void {
  const msg = { t: 'event', event: { ...event, at: Date.now() } };
  if (node.id === 0) node.controlHook?.(0, msg, 0);
  else if (!node.closed) void node.control(0, msg).catch(() => undefined);
}

function safeForWire(m: unknown): unknown {
  if (typeof m === 'function' || typeof m === 'symbol') return String(m);
  return m;
}
