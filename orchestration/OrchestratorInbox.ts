/**
 * The orchestrator's own mailbox. Agents send it a copy of every reply (responses and errors)
 * addressed to users or to the orchestrator: delivering them to an actor is what routes them
 * through the system like any other message and records them in the LMDB history (sender: the
 * agent, type: `response` or `error`, with the thread, session and tenant of the request).
 */
import { defineActor } from '../actors/defineActor.js';

export interface InboxState {
  received: number;
  errors: number;
}

export const OrchestratorInbox = defineActor<InboxState, { type?: unknown }, void>({
  name: 'OrchestratorInbox',
  module: import.meta.url,
  init: () => ({ received: 0, errors: 0 }),
  receive(state, message, ctx) {
    if (message?.type === 'inbox.stats') {
      ctx.reply({ received: state.received, errors: state.errors });
      return;
    }
    state.received++;
    if (message?.type === 'error') state.errors++;
  },
});
