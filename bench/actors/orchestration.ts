/**
 * The same small piece of work done two ways for the orchestration bench: as an agent's custom
 * handler (reached through the orchestrator: AgentMessage in, response message out, recorded,
 * cancellable) and as a plain actor answering a plain ask.
 */
import { defineActor } from '../../index.js';
import { LocalModel, type AgentHandler } from '../../orchestration/index.js';

/** A little CPU per request: a checksum of the text. */
export function checksum(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const BENCH_HANDLERS = import.meta.url;

/** The agent side: answers with the checksum of the message's content. */
export const checksumAgent: AgentHandler = (message) => checksum(String(message.content));

/** The plain side: the same work behind a bare ask. */
export const ChecksumActor = defineActor({
  name: 'ChecksumActor',
  module: import.meta.url,
  init: () => null,
  receive: (_s: null, text: string, ctx) => {
    ctx.reply(checksum(text));
  },
});

/** Real agent work for comparison: the local model summarising a text, behind a bare ask. */
export const LocalModelActor = defineActor({
  name: 'LocalModelActor',
  module: import.meta.url,
  init: () => new LocalModel(),
  receive: async (model: LocalModel, text: string, ctx) => {
    ctx.reply((await model.complete({ messages: [{ role: 'user', content: text }] })).content);
  },
});
