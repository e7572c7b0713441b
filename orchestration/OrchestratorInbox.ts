/**
 * The orchestrator's mailbox, one per worker. Agents send the inbox of their own worker a copy of
 * every reply (responses and errors): delivering it to an actor is what routes it through the
 * system like any other message and records it in the LMDB history (sender: the agent, type:
 * `response` or `error`, with the thread, session and tenant of the request). Being on the
 * agent's thread, the copy is recorded at once, before the reply reaches the caller.
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
