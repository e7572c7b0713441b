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
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { defineActor } from '../actors/defineActor.js';
import type { ActorContext } from '../actors/ActorContext.js';
import type { ActorRef } from '../runtime/ActorRef.js';
import { ActorNotFoundError, AskTimeoutError } from '../runtime/errors.js';
import { A2AAgentClient } from './A2AAgentClient.js';
import { agentKind, type AgentDefinition, type ExportReference, type ModelSpec, type ToolDefinition } from './AgentDefinition.js';
import { describeError, errorCode } from './AgentInvoker.js';
import type { AgentModel, ChatMessage } from './AgentModel.js';
import { STREAM_TOPIC_KEY, type StreamFrame } from './AgentStream.js';
import { AgentError, type AgentErrorCode } from './errors.js';
import { beginRequest, endRequest, requestKey } from './InFlightRequests.js';
import { LocalModel } from './LocalModel.js';
import { createMessage, type AgentMessage, type MessageType, type PlainData } from './Message.js';
import { OpenAICompatibleModel } from './OpenAICompatibleModel.js';
import { isPlainData } from './parseOptions.js';

export interface AgentActorArgs {
  definition: AgentDefinition;
  /**
   * Prefix of the orchestrator's per-worker inboxes: a copy of every reply goes to
   * `<inbox>.<worker>`, on the agent's own thread, before the reply itself.
   */
  inbox?: string;
  /** Topic of the cancellation relays, used to cancel the agents this one asks in turn. */
  cancelTopic?: string;
}

export interface AgentState {
  id: string;
  definition: AgentDefinition;
  inbox?: string;
  cancelTopic?: string;
  /** The conversation of messages with neither a tenant nor a thread. */
  memory: ChatMessage[];
  /**
   * The conversations of messages with a tenant or a thread, by conversationKey: one tenant's
   * requests never see another's, nor one thread's another's. Plain data, so snapshots keep them.
   */
  conversations?: Record<string, ChatMessage[]>;
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
export type AgentControlMessage =
  | { type: 'agent.describe' }
  | { type: 'agent.clear-memory' }
  | { type: 'agent.memory'; tenantId?: string | undefined; threadId?: string | undefined };

/** Conversations an agent keeps at most; past it the one started longest ago is forgotten. */
const MAX_CONVERSATIONS = 1000;

function conversationKey(tenantId: string | undefined, threadId: string | undefined): string | undefined {
  return tenantId === undefined && threadId === undefined ? undefined : `${tenantId ?? ''}\u0000${threadId ?? ''}`;
}

/** The conversation a message belongs to (by its tenant and thread); made when `create`. */
function conversationOf(state: AgentState, tenantId: string | undefined, threadId: string | undefined, create = false): ChatMessage[] {
  const key = conversationKey(tenantId, threadId);
  if (key === undefined) return state.memory;
  const all = (state.conversations ??= {});
  let c = all[key];
  if (c === undefined) {
    c = [];
    if (!create) return c;
    const keys = Object.keys(all);
    if (keys.length >= MAX_CONVERSATIONS) delete all[keys[0]!];
    all[key] = c;
  }
  return c;
}

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
/** The bound on a sub-request without a timeout of its own (its caller's cancellation ends it first). */
const SUB_REQUEST_BOUND_MS = 3_600_000;

// ---------------------------------------------------------------- per-thread runtime

interface AgentRuntime {
  definition: AgentDefinition;
  model: AgentModel | undefined;
  handler: Promise<AgentHandler> | undefined;
  remote: A2AAgentClient | undefined;
  tools: Map<string, ToolDefinition>;
  /** The handler once loaded: calling it needs no await. */
  handlerFn: AgentHandler | undefined;
  inbox: Promise<ActorRef | undefined> | undefined;
  inboxRef: ActorRef | undefined;
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
    handlerFn: undefined,
    inbox: undefined,
    inboxRef: undefined,
    refs: new Map(),
  };
  // A failed load is reported per request; do not leave an unhandled rejection behind.
  runtime.handler?.then(
    (fn) => {
      runtime.handlerFn = fn;
    },
    () => undefined,
  );
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

function remember(state: AgentState, message: AgentMessage, entries: ChatMessage[]): void {
  if (state.definition.memory !== 'conversation') return;
  const memory = conversationOf(state, message.tenantId, message.threadId, true);
  memory.push(...entries);
  const limit = state.definition.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (memory.length > limit) memory.splice(0, memory.length - limit);
}

function describe(state: AgentState, worker: number): AgentDescription {
  const d: AgentDescription = {
    id: state.id,
    kind: agentKind(state.definition),
    memory: Object.values(state.conversations ?? {}).reduce((n, c) => n + c.length, state.memory.length),
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
  receive(state, message, ctx) {
    if (isControl(message)) {
      switch (message.type) {
        case 'agent.describe':
          ctx.reply(describe(state, ctx.worker));
          return;
        case 'agent.memory':
          ctx.reply(conversationOf(state, message.tenantId, message.threadId));
          return;
        case 'agent.clear-memory':
          state.memory = [];
          delete state.conversations;
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
      remember(state, message, [{ role: 'user', content: message.type === 'broadcast' ? `[broadcast from ${from}] ${text}` : `[${message.type} from ${from}] ${text}` }]);
      return;
    }
    return handleRequest(state, message, ctx as ActorContext<unknown>);
  },
  postStop(state) {
    runtimes.delete(state.id);
  },
});

/** Where a request's chunks go, and how many went. */
interface StreamState {
  topic: string | undefined;
  seq: number;
  /** The reply was produced as chunks (an async iterable), already published. */
  streamed: boolean;
}

type Outcome = { value: unknown } | { error: unknown };

/**
 * Handles one request. When the answer is at hand synchronously (a handler that returns a plain
 * value), the request completes within the actor's turn, so that replies to a burst of requests
 * leave the thread together; anything asynchronous (a model, a remote call, a promise, a stream)
 * takes the asynchronous path, during which the actor handles nothing else.
 */
function handleRequest(state: AgentState, message: AgentMessage, ctx: ActorContext<unknown>): void | Promise<void> {
  const key = requestKey(state.id, message.id);
  const controller = beginRequest(key);
  const runtime = runtimeOf(state);
  const inbox = inboxOf(state, runtime, ctx);
  const topic = message.metadata?.[STREAM_TOPIC_KEY];
  const stream: StreamState = { topic: typeof topic === 'string' ? topic : undefined, seq: 0, streamed: false };
  let produced: unknown;
  try {
    if (controller === undefined) {
      throw new AgentError('ERR_AGENT_CANCELLED', `Agent ${state.id}: request ${message.id} was cancelled before it started`, {
        agentId: state.id,
        messageId: message.id,
      });
    }
    produced = respond(runtime, state, message, ctx, controller.signal, stream.topic !== undefined);
  } catch (error) {
    if (isThenable(inbox)) return inbox.then((ref) => settle(state, message, ctx, key, controller, stream, ref, { error }));
    settle(state, message, ctx, key, controller, stream, inbox, { error });
    return;
  }
  if (!isThenable(produced) && !isAsyncIterable(produced) && !isThenable(inbox)) {
    settle(state, message, ctx, key, controller, stream, inbox, { value: produced });
    return;
  }
  return (async () => {
    let outcome: Outcome;
    try {
      outcome = { value: await collect(produced, stream, ctx, controller!.signal) };
    } catch (error) {
      outcome = { error };
    }
    settle(state, message, ctx, key, controller, stream, await inbox, outcome);
  })();
}

/** Awaits a promised answer; drains an async iterable, publishing each chunk, into its joined text. */
async function collect(produced: unknown, stream: StreamState, ctx: ActorContext<unknown>, signal: AbortSignal): Promise<unknown> {
  const value = isThenable(produced) ? await produced : produced;
  if (!isAsyncIterable(value)) return value;
  stream.streamed = true;
  let text = '';
  for await (const piece of value) {
    signal.throwIfAborted();
    const chunk = typeof piece === 'string' ? piece : String(piece);
    text += chunk;
    if (stream.topic !== undefined) ctx.publish(stream.topic, { seq: stream.seq++, chunk } satisfies StreamFrame);
  }
  return text;
}

/** Builds the reply (response or error), updates the state, and sends the reply: copy to the inbox first. */
function settle(
  state: AgentState,
  message: AgentMessage,
  ctx: ActorContext<unknown>,
  key: string,
  controller: AbortController | undefined,
  stream: StreamState,
  inbox: ActorRef | undefined,
  outcome: Outcome,
): void {
  let reply: AgentMessage;
  try {
    if ('error' in outcome) throw outcome.error;
    const content = toContent(outcome.value, state.id);
    if (stream.topic !== undefined && !stream.streamed && content !== null && content !== '') {
      ctx.publish(stream.topic, { seq: stream.seq++, chunk: typeof content === 'string' ? content : JSON.stringify(content) } satisfies StreamFrame);
    }
    // Work that finished after its cancellation is still cancelled: the caller has moved on.
    controller!.signal.throwIfAborted();
    reply = replyMessage(message, state.id, 'response', content);
    state.handled++;
    remember(state, message, [
      { role: 'user', content: promptOf(message.content) },
      { role: 'assistant', content: promptOf(content) },
    ]);
  } catch (err) {
    state.failed++;
    const content = errorContent(err, state.id, controller?.signal);
    ctx.log.debug({ agent: state.id, code: content.code, err }, 'agent request failed');
    reply = replyMessage(message, state.id, 'error', content);
  } finally {
    endRequest(key);
  }
  if (stream.topic !== undefined) ctx.publish(stream.topic, { seq: stream.seq, done: true } satisfies StreamFrame);
  // The copy is delivered (and recorded) on this thread before the reply leaves, so the history
  // order follows cause and effect: a reply is never recorded after the caller's next request.
  if (inbox !== undefined) ctx.tell(inbox, reply);
  ctx.reply(reply);
}

/**
 * The reply to a request, addressed back to its sender on its thread, session and tenant. Built
 * directly rather than through `replyTo`: the request was validated by whoever sent it and the
 * content has just been checked to be plain data, so a schema pass would only cost time.
 */
function replyMessage(request: AgentMessage, sender: string, type: 'response' | 'error', content: PlainData): AgentMessage {
  const reply: AgentMessage = { id: randomUUID(), type, sender, recipient: request.sender, content, timestamp: Date.now(), metadata: { inReplyTo: request.id } };
  if (request.threadId !== undefined) reply.threadId = request.threadId;
  if (request.sessionId !== undefined) reply.sessionId = request.sessionId;
  if (request.tenantId !== undefined) reply.tenantId = request.tenantId;
  return reply;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** The inbox of this agent's worker: the ref once known, the lookup while it runs (once per thread). */
function inboxOf(state: AgentState, runtime: AgentRuntime, ctx: ActorContext<unknown>): ActorRef | undefined | Promise<ActorRef | undefined> {
  if (state.inbox === undefined) return undefined;
  if (runtime.inboxRef !== undefined) return runtime.inboxRef;
  if (runtime.inbox === undefined) {
    const lookup = ctx.lookup(`${state.inbox}.${ctx.worker}`).catch(() => undefined);
    runtime.inbox = lookup;
    void lookup.then((ref) => {
      if (ref !== undefined) runtime.inboxRef = ref;
      // Not found (yet): look again next time.
      else if (runtime.inbox === lookup) runtime.inbox = undefined;
    });
  }
  return runtime.inbox;
}

/** The answer: a value, a promise of one, or an async iterable of chunks. */
function respond(
  runtime: AgentRuntime,
  state: AgentState,
  message: AgentMessage,
  ctx: ActorContext<unknown>,
  signal: AbortSignal,
  streaming: boolean,
): unknown {
  const def = state.definition;
  if (runtime.remote !== undefined) {
    const text = promptOf(message.content);
    const options = { signal, ...(message.threadId !== undefined ? { contextId: message.threadId } : {}) };
    if (!streaming) return runtime.remote.send(text, options);
    // Hand chunks on as the remote produces them.
    return relay((push) => runtime.remote!.send(text, { ...options, onChunk: push }));
  }
  if (runtime.handler !== undefined) {
    const loaded = runtime.handlerFn;
    if (loaded !== undefined) return loaded(message, handlerContext(runtime, state, message, ctx, signal));
    return runtime.handler.then((handler) => handler(message, handlerContext(runtime, state, message, ctx, signal)));
  }
  if (message.type === 'handoff') return { accepted: true };
  if (message.type === 'status' || message.type === 'handoff-return') return describe(state, ctx.worker) as unknown as PlainData;
  const model = runtime.model;
  if (model === undefined) {
    throw new AgentError('ERR_AGENT_FAILED', `Agent ${def.id} has neither a handler nor a model`, { agentId: def.id });
  }
  const request = {
    ...(def.systemMessage !== undefined ? { system: def.systemMessage } : {}),
    messages: [...conversationOf(state, message.tenantId, message.threadId), { role: 'user' as const, content: promptOf(message.content) }],
    signal,
  };
  if (streaming) return model.stream(request);
  return model.complete(request).then((r) => r.content);
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
  const memory = conversationOf(state, message.tenantId, message.threadId).slice();
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
      const cancelSub = (reason: string): void => {
        if (state.cancelTopic !== undefined) ctx.publish(state.cancelTopic, { type: 'cancel', agentId, messageId: request.id, reason });
      };
      // Without a timeout of its own, the sub-request lasts as long as this request does: its
      // cancellation (the caller's deadline, or a cancel) ends both. The system's ask timeout is
      // not the caller's deadline.
      let onAbort!: () => void;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = (): void => {
          cancelSub(`${def.id} was cancelled`);
          reject(new AgentError('ERR_AGENT_CANCELLED', `Agent ${def.id} was cancelled while waiting for agent ${agentId}`, { agentId, messageId: request.id }));
        };
      });
      aborted.catch(() => undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      const timeoutMs = options.timeoutMs ?? SUB_REQUEST_BOUND_MS;
      try {
        const answer = await Promise.race([ctx.ask<AgentMessage>(ref, request, { timeoutMs }), aborted]);
        if (answer.type === 'error') throw agentErrorFromReply(answer, agentId);
        return answer.content;
      } catch (err) {
        if (!(err instanceof AskTimeoutError)) throw err;
        // The sub-agent is still at work on an answer no one will read: it is cancelled.
        cancelSub(`${def.id} stopped waiting after ${timeoutMs} ms`);
        throw new AgentError('ERR_AGENT_TIMEOUT', `Agent ${agentId} did not answer agent ${def.id} within ${timeoutMs} ms`, { agentId, messageId: request.id });
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
