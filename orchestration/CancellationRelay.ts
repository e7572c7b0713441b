/**
 * One per worker thread: hears cancellations on the orchestrator's cancel topic and aborts the
 * matching request if an agent of its thread is working on it (see `InFlightRequests`). An agent
 * busy with a request does not read its mailbox until it is done, which is why cancellation
 * needs an actor of its own beside it.
 */
import { defineActor } from '../actors/defineActor.js';
import { cancelRequest, requestKey } from './InFlightRequests.js';

export interface CancelRequestMessage {
  type: 'cancel';
  agentId: string;
  messageId: string;
  reason?: string;
}

export interface CancellationRelayArgs {
  topic: string;
}

export const CancellationRelay = defineActor<{ topic: string; cancelled: number }, CancelRequestMessage | { type: 'stats' }, CancellationRelayArgs>({
  name: 'CancellationRelay',
  module: import.meta.url,
  init(args, ctx) {
    ctx.subscribe(args.topic);
    return { topic: args.topic, cancelled: 0 };
  },
  receive(state, message, ctx) {
    if (message.type === 'stats') {
      ctx.reply({ cancelled: state.cancelled, worker: ctx.worker });
      return;
    }
    if (message.type !== 'cancel' || typeof message.agentId !== 'string' || typeof message.messageId !== 'string') return;
    const reason = new DOMException(message.reason ?? `request ${message.messageId} to ${message.agentId} was cancelled`, 'AbortError');
    if (cancelRequest(requestKey(message.agentId, message.messageId), reason)) state.cancelled++;
  },
});
