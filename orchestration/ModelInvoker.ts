/**
 * Adapts language models into an `AgentInvoker`, so that delegation, workflows and the
 * coordination patterns can run against models directly (demos, tests, single-process setups)
 * before agents are actors.
 */
import { ActorNotFoundError } from '../runtime/errors.js';
import type { AgentInvoker } from './AgentInvoker.js';
import type { AgentModel } from './AgentModel.js';
import { AgentMessage } from './Message.js';

export interface ModelAgent {
  model: AgentModel;
  /** The agent's standing instructions; the action is appended so the model knows what is asked. */
  system?: string;
}

/** The text a model is given for an input: a message's content, a string as is, anything else as JSON. */
export function inputAsText(input: unknown): string {
  const message = AgentMessage.safeParse(input);
  const value = message.success ? message.data.content : input;
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? '';
}

/** One agent per entry; an unknown agent id is an `ActorNotFoundError`. Answers are the model's text. */
export function modelInvoker(agents: Readonly<Record<string, AgentModel | ModelAgent>>): AgentInvoker {
  return async (agentId, action, input, { signal }) => {
    const entry = Object.prototype.hasOwnProperty.call(agents, agentId) ? agents[agentId] : undefined;
    if (entry === undefined) throw new ActorNotFoundError(`No model agent ${agentId}`, { agentId });
    const { model, system } = 'model' in entry ? entry : { model: entry, system: undefined };
    const result = await model.complete({
      system: `${system ? `${system}\n` : ''}Action: ${action}`,
      messages: [{ role: 'user', content: inputAsText(input) }],
      signal,
    });
    return result.content;
  };
}
