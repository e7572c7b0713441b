/**
 * The generic agent actor. Its spawn arguments are an `AgentDefinition`; it answers
 * `AgentMessage`s (task, query, handoff, status...) with a `response` message, or with an `error`
 * message when its handler, model or remote endpoint fails. Either way the reply goes to the asker
 * and a copy to the orchestrator's inbox, so that it is routed and recorded like any other message.
 *
 * Who answers, in order: the remote A2A endpoint (`remote`), the custom handler exported by a
 * module (`handler`), or the agent's model. A handler may return a value or an
 * `AsyncIterable<string>`; a model streams when the request asks for it. When the request names a
 * stream topic, every chunk is published there as it is produced.
 *
 * An agent handles one request at a time (its conversation memory stays coherent), and its work
 * listens to an AbortSignal that the thread's `CancellationRelay` fires when the caller gives up.
 * State is plain data (definition, memory, counters) so that persistent agents snapshot it; the
 * model, handler and clients are rebuilt per thread on first use.
 */
import type { Logger } from 'pino';
import { defineActor } from '../actors/defineActor.js';
import type { ActorContext } from '../actors/ActorContext.js';
import type { ActorRef } from '../runtime/ActorRef.js';
import { ActorNotFoundError } from '../runtime/errors.js';
import { A2AAgentClient } from './A2AAgentClient.js';
import { agentKind, type AgentDefinition, type ExportReference, type ModelSpec, type ToolDefinition } from './AgentDefinition.js';
import { describeError, errorCode } from './AgentInvoker.js';
import type { AgentModel, ChatMessage } from './AgentModel.js';
import { STREAM_TOPIC_KEY, type StreamFrame } from './AgentStream.js';
import { AgentError, type AgentErrorCode } from './errors.js';
import { beginRequest, endRequest, requestKey } from './InFlightRequests.js';
import { LocalModel } from './LocalModel.js';
import { createMessage, replyTo, type AgentMessage, type MessageType, type PlainData } from './Message.js';
import { OpenAICompatibleModel } from './OpenAICompatibleModel.js';
import { isPlainData } from './parseOptions.js';

export interface AgentActorArgs {
  definition: AgentDefinition;
  /** Id of the actor that receives a copy of every reply (the orchestrator's inbox). */
  inbox?: string;
  /** Topic of the cancellation relays, used to cancel the agents this one asks in turn. */
  cancelTopic?: string;
}

export interface AgentState {
  id: string;
  definition: AgentDefinition;
  inbox?: string;
  cancelTopic?: string;
  memory: ChatMessage[];
  handled: number;
  failed: number;
}

/** What an agent reports about itself (`Orchestrator.describeAgent`). */
export interface AgentDescription {
  id: string;
  name?: string;
  description?: string;
  kind: 'handler' | 'model' | 'remote';
  memory: number;
  handled: number;
  failed: number;
  worker: number;
}

/** Control messages an agent actor understands besides `AgentMessage`s. */
export type AgentControlMessage = { type: 'agent.describe' } | { type: 'agent.clear-memory' } | { type: 'agent.memory' };

/**
 * A custom agent: exported from a module, loaded by whichever worker hosts the agent. Return the
 * response content (plain data), or an async iterable of text chunks to stream it.
 */
export type AgentHandler = (message: AgentMessage, ctx: AgentHandlerContext) => unknown;

/** A tool function exported from a module. */
export type AgentTool = (input: unknown, ctx: { signal: AbortSignal; agentId: string }) => unknown;

export interface AgentHandlerContext {
  readonly agentId: string;
  readonly definition: AgentDefinition;
  /** What is asked: `metadata.action` of the message (a workflow step's action), else its type. */
  readonly action: string;
  /** Fires when the caller cancels or gives up; stop work then. */
  readonly signal: AbortSignal;
  /** Conversation memory before this message (empty unless `memory: 'conversation'`). */
  readonly memory: readonly ChatMessage[];
  /** The agent's model, when its definition names one. */
  readonly model: AgentModel | undefined;
  readonly tools: readonly { name: string; description?: string }[];
  readonly log: Logger;
  /** The worker thread hosting the agent. */
  readonly worker: number;
  /** Asks the agent's model (system message and memory included); `prompt` defaults to the message's text. */
  complete(prompt?: string): Promise<string>;
  /** Streams the agent's model's answer. */
  stream(prompt?: string): AsyncIterable<string>;
  /** Asks any actor by id (a pool actor for CPU-bound work, a service actor...). */
  ask<R = unknown>(actorId: string, message: unknown, options?: { timeoutMs?: number }): Promise<R>;
  tell(actorId: string, message: unknown): Promise<void>;
  /** Asks another agent on the same thread; returns its response content or throws `AgentError`. */
  askAgent(agentId: string, content: PlainData, options?: { action?: string; timeoutMs?: number }): Promise<PlainData>;
  publish(topic: string, message: unknown): void;
  /** Calls one of the agent's tools by name. */
  useTool(name: string, input: unknown): Promise<unknown>;
}

const REQUEST_TYPES: ReadonlySet<MessageType> = new Set(['task', 'query', 'handoff', 'handoff-return', 'status']);
const DEFAULT_MEMORY_LIMIT = 50;

// ---------------------------------------------------------------- per-thread runtime

interface AgentRuntime {
  definition: AgentDefinition;
  model: AgentModel | undefined;
  handler: Promise<AgentHandler> | undefined;
  remote: A2AAgentClient | undefined;
  tools: Map<string, ToolDefinition>;
  inbox: Promise<ActorRef | undefined> | undefined;
  refs: Map<string, ActorRef>;
}

const runtimes = new Map<string, AgentRuntime>();
const modules = new Map<string, Promise<Record<string, unknown>>>();

/** Imports `ref.module` (once per thread) and returns the named export, checked to be a function. */
export async function loadExport<T>(ref: ExportReference, agentId: string, what: string): Promise<T> {
  let loading = modules.get(ref.module);
  if (loading === undefined) {
    loading = import(ref.module) as Promise<Record<string, unknown>>;
    modules.set(ref.module, loading);
    loading.catch(() => modules.delete(ref.module));
  }
  let mod: Record<string, unknown>;
  try {
    mod = await loading;
  } catch (err) {
    throw new AgentError('ERR_AGENT_HANDLER_LOAD', `Agent ${agentId}: cannot load the ${what} module ${ref.module}: ${describeError(err)}`, {
      agentId,
      module: ref.module,
      export: ref.export,
    }, err);
  }
  const fn = mod[ref.export];
  if (typeof fn !== 'function') {
    throw new AgentError('ERR_AGENT_HANDLER_LOAD', `Agent ${agentId}: module ${ref.module} has no function export '${ref.export}' for its ${what}`, {
      agentId,
      module: ref.module,
      export: ref.export,
    });
  }
  return fn as T;
}

/** Builds the model a definition names. */
export function createModel(spec: ModelSpec | undefined): AgentModel | undefined {
  if (spec === undefined) return undefined;
  if (spec === 'local') return new LocalModel();
  if (spec.kind === 'local') {
    const { kind: _kind, ...options } = spec;
    return new LocalModel(options);
  }
  const apiKey = spec.apiKeyEnv ? process.env[spec.apiKeyEnv] : undefined;
  return new OpenAICompatibleModel({
    baseUrl: spec.baseUrl,
    model: spec.model,
    ...(apiKey ? { apiKey } : {}),
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
  });
}

function runtimeOf(state: AgentState): AgentRuntime {
  const existing = runtimes.get(state.id);
  if (existing !== undefined && existing.definition === state.definition) return existing;
  const def = state.definition;
  const runtime: AgentRuntime = {
    definition: def,
    model: createModel(def.model),
    handler: def.handler ? loadExport<AgentHandler>(def.handler, def.id, 'handler') : undefined,
    remote: def.remote ? new A2AAgentClient(def.id, def.remote.card, def.remote.timeoutMs) : undefined,
    tools: new Map((def.tools ?? []).map((t) => [t.name, t])),
    inbox: undefined,
    refs: new Map(),
  };
  // A failed load is reported per request; do not leave an unhandled rejection behind.
  runtime.handler?.catch(() => undefined);
  runtimes.set(state.id, runtime);
  return runtime;
}

// ---------------------------------------------------------------- helpers

/** The text a model is given for a message: a string as is; `{ instruction?, text }` as both; anything else as JSON. */
export function promptOf(content: PlainData): string {
  if (typeof content === 'string') return content;
  if (typeof content === 'object' && content !== null && !Array.isArray(content) && typeof content.text === 'string') {
    return typeof content.instruction === 'string' && content.instruction !== '' ? `${content.instruction}\n\n${content.text}` : content.text;
  }
  return JSON.stringify(content, null, 2) ?? '';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Plain data for a handler's return value: as is when it already is, through JSON otherwise. */
function toContent(value: unknown, agentId: string): PlainData {
  if (value === undefined) return null;
  if (isPlainData(value)) return value as PlainData;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return JSON.parse(json) as PlainData;
  } catch {
    // fall through
  }
  throw new AgentError('ERR_AGENT_BAD_REPLY', `Agent ${agentId} returned a value that is not plain data (${typeof value})`, { agentId });
}

function isControl(message: unknown): message is AgentControlMessage {
  const t = (message as { type?: unknown } | null)?.type;
  return typeof t === 'string' && t.startsWith('agent.');
}

function looksLikeAgentMessage(message: unknown): message is AgentMessage {
  const m = message as Partial<AgentMessage> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.type === 'string' && typeof m.sender === 'string';
}

function remember(state: AgentState, entries: ChatMessage[]): void {
  if (state.definition.memory !== 'conversation') return;
  state.memory.push(...entries);
  const limit = state.definition.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (state.memory.length > limit) state.memory.splice(0, state.memory.length - limit);
}

function describe(state: AgentState, worker: number): AgentDescription {
  const d: AgentDescription = {
    id: state.id,
    kind: agentKind(state.definition),
    memory: state.memory.length,
    handled: state.handled,
    failed: state.failed,
    worker,
  };
  if (state.definition.name !== undefined) d.name = state.definition.name;
  if (state.definition.description !== undefined) d.description = state.definition.description;
  return d;
}

/** The `error` message content: what went wrong, with codes a caller can branch on. */
export interface AgentErrorContent {
  [key: string]: PlainData;
  code: AgentErrorCode;
  message: string;
  agentId: string;
  causeCode: string | null;
}

function errorContent(err: unknown, agentId: string, signal: AbortSignal | undefined): AgentErrorContent {
  const cause = errorCode(err);
  if (signal?.aborted) {
    return {
      code: 'ERR_AGENT_CANCELLED',
      message: `Agent ${agentId} was cancelled: ${describeError(signal.reason)}`,
      agentId,
      causeCode: cause !== undefined && cause !== 'ERR_AGENT_CANCELLED' ? cause : null,
    };
  }
  if (err instanceof AgentError) {
    return { code: err.code, message: err.message, agentId, causeCode: err.context.causeCode ?? null };
  }
  return { code: 'ERR_AGENT_FAILED', message: `Agent ${agentId} failed: ${describeError(err)}`, agentId, causeCode: cause ?? null };
}

// ---------------------------------------------------------------- the behaviour

export const Agent = defineActor<AgentState, AgentMessage | AgentControlMessage, AgentActorArgs>({
  name: 'Agent',
  module: import.meta.url,
  init(args) {
    const state: AgentState = { id: args.definition.id, definition: args.definition, memory: [], handled: 0, failed: 0 };
    if (args.inbox !== undefined) state.inbox = args.inbox;
    if (args.cancelTopic !== undefined) state.cancelTopic = args.cancelTopic;
    return state;
  },
  async receive(state, message, ctx) {
    if (isControl(message)) {
      switch (message.type) {
        case 'agent.describe':
          ctx.reply(describe(state, ctx.worker));
          return;
        case 'agent.memory':
          ctx.reply(state.memory);
          return;
        case 'agent.clear-memory':
          state.memory = [];
          ctx.reply(true);
          return;
      }
      return;
    }
    if (!looksLikeAgentMessage(message)) {
      ctx.log.warn({ agent: state.id }, 'agent ignored a message that is not an AgentMessage');
      return;
    }
    if (!REQUEST_TYPES.has(message.type)) {
      // broadcast, response, error: something to know, not something to answer.
      const from = message.sender;
      const text = promptOf(message.content);
      remember(state, [{ role: 'user', content: message.type === 'broadcast' ? `[broadcast from ${from}] ${text}` : `[${message.type} from ${from}] ${text}` }]);
      return;
    }
    await handleRequest(state, message, ctx as ActorContext<unknown>);
  },
  postStop(state) {
    runtimes.delete(state.id);
  },
});

async function handleRequest(state: AgentState, message: AgentMessage, ctx: ActorContext<unknown>): Promise<void> {
  const key = requestKey(state.id, message.id);
  const controller = beginRequest(key);
  const topic = typeof message.metadata?.[STREAM_TOPIC_KEY] === 'string' ? (message.metadata[STREAM_TOPIC_KEY] as string) : undefined;
  let seq = 0;
  let reply: AgentMessage;
  try {
    if (controller === undefined) {
      throw new AgentError('ERR_AGENT_CANCELLED', `Agent ${state.id}: request ${message.id} was cancelled before it started`, {
        agentId: state.id,
        messageId: message.id,
      });
    }
    const signal = controller.signal;
    const runtime = runtimeOf(state);
    const produced = await respond(runtime, state, message, ctx, signal, topic !== undefined);
    let content: PlainData;
    if (isAsyncIterable(produced)) {
      let text = '';
      for await (const piece of produced) {
        signal.throwIfAborted();
        const chunk = typeof piece === 'string' ? piece : String(piece);
        text += chunk;
        if (topic !== undefined) ctx.publish(topic, { seq: seq++, chunk } satisfies StreamFrame);
      }
      content = text;
    } else {
      content = toContent(produced, state.id);
      if (topic !== undefined && content !== null && content !== '') {
        ctx.publish(topic, { seq: seq++, chunk: typeof content === 'string' ? content : JSON.stringify(content) } satisfies StreamFrame);
      }
    }
    // Work that finished after its cancellation is still cancelled: the caller has moved on.
    signal.throwIfAborted();
    reply = replyTo(message, { sender: state.id, content });
    state.handled++;
    remember(state, [
      { role: 'user', content: promptOf(message.content) },
      { role: 'assistant', content: promptOf(content) },
    ]);
  } catch (err) {
    state.failed++;
    const content = errorContent(err, state.id, controller?.signal);
    ctx.log.debug({ agent: state.id, code: content.code, err }, 'agent request failed');
    reply = replyTo(message, { sender: state.id, type: 'error', content });
  } finally {
    endRequest(key);
  }
  if (topic !== undefined) ctx.publish(topic, { seq, done: true } satisfies StreamFrame);
  ctx.reply(reply);
  await copyToInbox(state, reply, ctx);
}

async function copyToInbox(state: AgentState, reply: AgentMessage, ctx: ActorContext<unknown>): Promise<void> {
  if (state.inbox === undefined) return;
  const runtime = runtimeOf(state);
  runtime.inbox ??= ctx.lookup(state.inbox).catch(() => undefined);
  const inbox = await runtime.inbox;
  if (inbox === undefined) {
    runtime.inbox = undefined;
    return;
  }
  ctx.tell(inbox, reply);
}

async function respond(
  runtime: AgentRuntime,
  state: AgentState,
  message: AgentMessage,
  ctx: ActorContext<unknown>,
  signal: AbortSignal,
  streaming: boolean,
): Promise<unknown> {
  const def = state.definition;
  if (runtime.remote !== undefined) {
    const text = promptOf(message.content);
    const options = { signal, ...(message.threadId !== undefined ? { contextId: message.threadId } : {}) };
    if (!streaming) return runtime.remote.send(text, options);
    // Hand chunks on as the remote produces them.
    return relay((push) => runtime.remote!.send(text, { ...options, onChunk: push }));
  }
  if (runtime.handler !== undefined) {
    const handler = await runtime.handler;
    return handler(message, handlerContext(runtime, state, message, ctx, signal));
  }
  if (message.type === 'handoff') return { accepted: true };
  if (message.type === 'status' || message.type === 'handoff-return') return describe(state, ctx.worker) as unknown as PlainData;
  const model = runtime.model;
  if (model === undefined) {
    throw new AgentError('ERR_AGENT_FAILED', `Agent ${def.id} has neither a handler nor a model`, { agentId: def.id });
  }
  const request = {
    ...(def.systemMessage !== undefined ? { system: def.systemMessage } : {}),
    messages: [...state.memory, { role: 'user' as const, content: promptOf(message.content) }],
    signal,
  };
  if (streaming) return model.stream(request);
  return (await model.complete(request)).content;
}

/** Turns a callback producer into an async iterable of its pushes, ending when it settles. */
async function* relay(run: (push: (chunk: string) => void) => Promise<unknown>): AsyncIterable<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: { error: unknown } | undefined;
  run((chunk) => {
    queue.push(chunk);
    wake?.();
  }).then(
    () => {
      done = true;
      wake?.();
    },
    (error: unknown) => {
      failure = { error };
      done = true;
      wake?.();
    },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (done) {
      if (failure) throw failure.error;
      return;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}

function handlerContext(
  runtime: AgentRuntime,
  state: AgentState,
  message: AgentMessage,
  ctx: ActorContext<unknown>,
  signal: AbortSignal,
): AgentHandlerContext {
  const def = state.definition;
  const action = typeof message.metadata?.action === 'string' ? message.metadata.action : message.type;
  const memory = state.memory.slice();
  const requestOf = (prompt: string | undefined) => ({
    ...(def.systemMessage !== undefined ? { system: def.systemMessage } : {}),
    messages: [...memory, { role: 'user' as const, content: prompt ?? promptOf(message.content) }],
    signal,
  });
  const requireModel = (): AgentModel => {
    if (runtime.model === undefined) throw new AgentError('ERR_AGENT_FAILED', `Agent ${def.id} has no model`, { agentId: def.id });
    return runtime.model;
  };
  const refOf = async (actorId: string): Promise<ActorRef> => {
    const cached = runtime.refs.get(actorId);
    if (cached !== undefined) return cached;
    const ref = await ctx.lookup(actorId);
    if (ref === undefined) throw new ActorNotFoundError(`Agent ${def.id}: no actor named '${actorId}' is registered`, { actor: actorId });
    runtime.refs.set(actorId, ref);
    return ref;
  };
  return {
    agentId: def.id,
    definition: def,
    action,
    signal,
    memory,
    model: runtime.model,
    tools: (def.tools ?? []).map((t) => (t.description !== undefined ? { name: t.name, description: t.description } : { name: t.name })),
    log: ctx.log,
    worker: ctx.worker,
    async complete(prompt) {
      return (await requireModel().complete(requestOf(prompt))).content;
    },
    stream(prompt) {
      return requireModel().stream(requestOf(prompt));
    },
    async ask<R>(actorId: string, msg: unknown, options?: { timeoutMs?: number }): Promise<R> {
      signal.throwIfAborted();
      return ctx.ask<R>(await refOf(actorId), msg, options);
    },
    async tell(actorId, msg) {
      ctx.tell(await refOf(actorId), msg);
    },
    async askAgent(agentId, content, options = {}) {
      signal.throwIfAborted();
      const ref = await refOf(agentId);
      const request = createMessage({
        type: 'task',
        sender: def.id,
        recipient: agentId,
        content,
        threadId: message.threadId,
        sessionId: message.sessionId,
        tenantId: message.tenantId,
        ...(options.action !== undefined ? { metadata: { action: options.action } } : {}),
      });
      const onAbort = (): void => {
        if (state.cancelTopic !== undefined) ctx.publish(state.cancelTopic, { type: 'cancel', agentId, messageId: request.id, reason: `${def.id} was cancelled` });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const answer = await ctx.ask<AgentMessage>(ref, request, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : undefined);
        if (answer.type === 'error') throw agentErrorFromReply(answer, agentId);
        return answer.content;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    publish(topic, msg) {
      ctx.publish(topic, msg);
    },
    async useTool(name, input) {
      const tool = runtime.tools.get(name);
      if (tool === undefined) throw new AgentError('ERR_AGENT_FAILED', `Agent ${def.id} has no tool '${name}'`, { agentId: def.id });
      const fn = await loadExport<AgentTool>(tool, def.id, `tool '${name}'`);
      return fn(input, { signal, agentId: def.id });
    },
  };
}

/** Rebuilds the typed error an agent reported in an `error` message. */
export function agentErrorFromReply(reply: AgentMessage, agentId: string): AgentError {
  const c = reply.content as Partial<AgentErrorContent> | null;
  const code = typeof c?.code === 'string' ? (c.code as AgentErrorCode) : 'ERR_AGENT_FAILED';
  const message = typeof c?.message === 'string' ? c.message : `Agent ${agentId} failed: ${promptOf(reply.content)}`;
  const context: { agentId: string; messageId?: string; threadId?: string; causeCode?: string } = { agentId };
  const inReplyTo = reply.metadata?.inReplyTo;
  if (typeof inReplyTo === 'string') context.messageId = inReplyTo;
  if (reply.threadId !== undefined) context.threadId = reply.threadId;
  if (typeof c?.causeCode === 'string') context.causeCode = c.causeCode;
  return new AgentError(code, message, context);
}
