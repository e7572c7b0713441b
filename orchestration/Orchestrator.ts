/**
 * The orchestrator: agents as actors on an `ActorSystem`, and every multi-agent pattern as
 * messages between them. It keeps the registry of agents (each an `Agent` actor on the worker
 * pool), sends them `AgentMessage`s through an `AgentClient` (asks that can be cancelled and
 * streamed), and builds delegation, teams, pipelines, workflows and handoffs on the
 * runtime-independent building blocks of this folder, with their state in the system's LMDB store.
 *
 * Tenancy: calls may carry a `principal` (tenant, user, roles). Its roles are checked before the
 * call acts (`Permissions`), the tenant and user are taken from it, and every thread the call names
 * must belong to them (a thread first used by a principal is created for it). History queries with
 * a principal only ever return that tenant's messages. `requirePrincipal` makes the principal
 * mandatory on every such call.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import { ActorSystem } from '../runtime/ActorSystem.js';
import type { ActorRef } from '../runtime/ActorRef.js';
import { defaultLoggerFor } from '../runtime/logger.js';
import type { Placement } from '../runtime/SpawnOptions.js';
import type { SystemOptions } from '../runtime/SystemOptions.js';
import type { HistoryRecord } from '../store/HistoryRecord.js';
import type { Store } from '../store/Store.js';
import { Agent, loadExport, type AgentControlMessage, type AgentDescription, type AgentHandler, type AgentTool } from './AgentBehaviour.js';
import { AgentClient } from './AgentClient.js';
import { agentKind, normalizeAgentSpec, type AgentDefinition, type AgentSpec } from './AgentDefinition.js';
import type { AgentInvoker } from './AgentInvoker.js';
import type { ChatMessage } from './AgentModel.js';
import type { AgentStream } from './AgentStream.js';
import { AgentTeam, type TeamOptions } from './AgentTeam.js';
import { CancellationRelay } from './CancellationRelay.js';
import { ContextSanitizer, type ContextSanitizerOptions } from './ContextSanitizer.js';
import { parallel as parallelPattern, pipeline as pipelinePattern, scatterGather as scatterGatherPattern, type AgentTarget } from './CoordinationPatterns.js';
import { coordinatorSynthesizer, delegate as delegateTo, synthesize as joinResults, type DelegationResult, type DelegationStrategy } from './Delegation.js';
import { AgentError, OrchestratorError, TenantIsolationError, ThreadError, WorkflowError } from './errors.js';
import { HandoffManager, type Handoff, type HandoffDecision, type HandoffRequest, type InitiateResult } from './HandoffManager.js';
import { InMemoryKeyValueStore } from './InMemoryKeyValueStore.js';
import type { KeyValueStore } from './KeyValueStore.js';
import { LmdbKeyValueStore } from './LmdbKeyValueStore.js';
import { AgentMessage as AgentMessageSchema, createMessage, MESSAGE_TYPES, type AgentMessage, type MessageType, type PlainData } from './Message.js';
import { OrchestratorInbox } from './OrchestratorInbox.js';
import { isPlainData, isPlainObject, parseOptions } from './parseOptions.js';
import { Permissions, type Permission, type PermissionsOptions, type Principal } from './Permissions.js';
import { StreamRouter, type OrchestrationRoute, type RouteRequest } from './StreamRouter.js';
import { ANY_USER, ThreadRegistry, type Thread } from './ThreadRegistry.js';
import type { WorkflowDefinition } from './Workflow.js';
import { WorkflowRunner, type RunStatus, type WorkflowRunRecord, type WorkflowRunResult } from './WorkflowRunner.js';

export interface OrchestratorOptions {
  /** The actor system to put agents on; the orchestrator leaves it running when it stops. */
  system?: ActorSystem;
  /** Options of a system the orchestrator starts (and stops) itself, when `system` is not given. */
  systemOptions?: SystemOptions;
  /** Prefix of the orchestrator's own actors, topics and store keys (default `orchestrator`). */
  namespace?: string;
  /** Agents registered at start. */
  agents?: AgentSpec[];
  /** The agent `run` uses when none is named (one of `agents`). */
  defaultAgent?: string;
  /** Redacts content handed from one agent to others; default: every built-in kind. `false` turns it off. */
  sanitizer?: ContextSanitizer | ContextSanitizerOptions | false;
  permissions?: Permissions | PermissionsOptions;
  /** Refuse calls without a principal (multi-tenant deployments). */
  requirePrincipal?: boolean;
  /** Deadline of an agent's answer when the call sets none (default 60 s). */
  defaultTimeoutMs?: number;
  /** Keep agents' state in snapshots (default: when the system has persistence). */
  persistAgents?: boolean;
  workflow?: { maxConcurrency?: number; defaultStepTimeoutMs?: number };
  /** How long a handoff's target may take to accept (default 10 s). */
  handoffAcceptTimeoutMs?: number;
  /** Where the stream router sends a thread's message when no handoff is active (default: the default agent). */
  orchestrate?: OrchestrationRoute;
  logger?: Logger;
}

/** Who a call acts for, and on which thread. */
export interface CallScope {
  threadId?: string;
  tenantId?: string;
  userId?: string;
  sessionId?: string;
  /** Checked against the permissions; its tenant and user apply to the call. */
  principal?: Principal;
}

export interface AgentRunOptions extends CallScope {
  /** The agent to ask (default: the default agent). */
  agent?: string;
  /** Recorded as the message's sender (default: the user id, else `user`). */
  sender?: string;
  type?: 'task' | 'query';
  /** Passed to a handler as `ctx.action`. */
  action?: string;
  metadata?: Record<string, PlainData>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface AgentCallOptions extends CallScope {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DelegateOptions extends AgentCallOptions {
  strategy?: DelegationStrategy;
}

export interface SynthesizeOptions extends AgentCallOptions {
  /** An agent that merges the results instead of the plain join. */
  coordinator?: string;
  instruction?: string;
  includeFailures?: boolean;
}

export interface PatternCallOptions extends AgentCallOptions {
  /** Deadline of the whole pattern. */
  totalTimeoutMs?: number;
  /** Scatter-gather: chunks in flight at once. */
  concurrency?: number;
}

export interface WorkflowOptions extends AgentCallOptions {
  /** Names the run so that it can be resumed; running an unfinished run's id again resumes it. */
  runId?: string;
}

export interface HistoryQueryOptions {
  /** Messages sent or received by this agent. */
  agent?: string;
  type?: MessageType;
  threadId?: string;
  sessionId?: string;
  tenantId?: string;
  /** Inclusive bounds on the time the message was delivered (epoch ms). */
  from?: number;
  to?: number;
  order?: 'asc' | 'desc';
  /** Default 1000. */
  limit?: number;
}

/** One recorded message. */
export interface HistoryEntry {
  /** The history record's id (time ordered). */
  id: string;
  /** When it was delivered (epoch ms). */
  time: number;
  type: MessageType;
  /** The actor that delivered it (an agent), when one did. */
  from?: string;
  /** The actor it was delivered to. */
  to: string;
  threadId?: string;
  tenantId?: string;
  sessionId?: string;
  message: AgentMessage;
}

export interface RegisterOptions {
  principal?: Principal;
  /** Make it the default agent. */
  setAsDefault?: boolean;
  /** Which worker hosts the agent (default: the system's placement, by hash of the id). */
  placement?: Placement;
}

export interface AgentInfo {
  id: string;
  kind: 'handler' | 'model' | 'remote';
  definition: AgentDefinition;
  ref: ActorRef;
}

export type AgentFactory = (key: string) => AgentSpec | Omit<AgentDefinition, 'id'> | Promise<AgentSpec | Omit<AgentDefinition, 'id'>>;

interface SavedOrchestratorSession {
  agents: AgentDefinition[];
  defaultAgent?: string;
  savedAt: number;
  /**
   * Each persistent agent's snapshot as it was when the session was saved: the store keeps only
   * the latest per agent, and restoring an older session must bring back that session's state.
   */
  snapshots?: Record<string, { state: unknown; seq: number; behaviour?: string }>;
}

interface AgentEntry {
  definition: AgentDefinition;
  ref: ActorRef;
}

interface ResolvedScope {
  threadId?: string;
  tenantId?: string;
  userId?: string;
  sessionId?: string;
}

const NAMESPACE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const REQUEST_TYPES: ReadonlySet<string> = new Set(['task', 'query', 'handoff', 'handoff-return', 'status']);

const OptionsSchema = z
  .strictObject({
    system: z.custom<ActorSystem>((v) => v instanceof ActorSystem, { message: 'must be an ActorSystem' }).optional(),
    systemOptions: z.custom<SystemOptions>((v) => isPlainObject(v), { message: 'must be an object of system options' }).optional(),
    namespace: z.string().regex(NAMESPACE, 'must start with a letter and hold only letters, digits, _ and -').optional(),
    agents: z.array(z.unknown()).optional(),
    defaultAgent: z.string().min(1).optional(),
    sanitizer: z
      .union([z.literal(false), z.instanceof(ContextSanitizer), z.custom<ContextSanitizerOptions>((v) => isPlainObject(v), { message: 'must be sanitizer options' })])
      .optional(),
    permissions: z.union([z.instanceof(Permissions), z.custom<PermissionsOptions>((v) => isPlainObject(v), { message: 'must be permissions options' })]).optional(),
    requirePrincipal: z.boolean().optional(),
    defaultTimeoutMs: z.number().int().positive().optional(),
    persistAgents: z.boolean().optional(),
    workflow: z
      .strictObject({ maxConcurrency: z.number().int().positive().optional(), defaultStepTimeoutMs: z.number().int().positive().optional() })
      .optional(),
    handoffAcceptTimeoutMs: z.number().int().positive().optional(),
    orchestrate: z.custom<OrchestrationRoute>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function', { message: 'must be a pino logger' }).optional(),
  })
  .refine((o) => !(o.system && o.systemOptions), { message: 'give either system or systemOptions, not both', path: ['systemOptions'] });

const ScopeSchema = z.object({
  threadId: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
  userId: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  principal: z.strictObject({ tenantId: z.string().min(1), userId: z.string().min(1), roles: z.array(z.string()) }).optional(),
  timeoutMs: z.number().int().positive().optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

const HistorySchema = z.strictObject({
  agent: z.string().min(1).optional(),
  type: z.enum(MESSAGE_TYPES).optional(),
  threadId: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
  from: z.number().optional(),
  to: z.number().optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().positive().optional(),
});

export class Orchestrator {
  readonly system: ActorSystem;
  readonly namespace: string;
  /** Threads and their owners, in the store. */
  readonly threads: ThreadRegistry;
  /** Handoffs and their lifecycle, in the store. */
  readonly handoffs: HandoffManager;
  /** Routes a thread's messages to the active handoff's target or to normal orchestration. */
  readonly streamRouter: StreamRouter;
  readonly permissions: Permissions;
  readonly sanitizer: ContextSanitizer | undefined;
  /** Where workflow runs, handoffs and threads are kept: the LMDB store when the system has one. */
  readonly kv: KeyValueStore;
  private readonly client: AgentClient;
  private readonly agents = new Map<string, AgentEntry>();
  private readonly creating = new Map<string, Promise<AgentInfo>>();
  private readonly runningWorkflows = new Set<string>();
  private readonly ownActors: ActorRef[] = [];
  private readonly log: Logger;
  private readonly agentGroup: string;
  private readonly cancelTopic: string;
  private readonly inboxId: string;
  private readonly defaultTimeoutMs: number;
  private readonly persistAgents: boolean;
  private readonly requirePrincipal: boolean;
  private readonly workflowOptions: { maxConcurrency?: number; defaultStepTimeoutMs?: number };
  private defaultAgentId: string | undefined;
  private state: 'running' | 'stopping' | 'stopped' = 'running';
  private stopping: Promise<void> | undefined;

  /** Starts an orchestrator (and a system, when given `systemOptions` or nothing) and registers `agents`. */
  static async start(options: OrchestratorOptions = {}): Promise<Orchestrator> {
    const o = parseOptions(OptionsSchema, options, 'Orchestrator') as OrchestratorOptions;
    const ownsSystem = o.system === undefined;
    const system = o.system ?? (await ActorSystem.start(o.systemOptions ?? {}));
    const orchestrator = new Orchestrator(system, ownsSystem, o);
    try {
      await orchestrator.boot(o);
    } catch (err) {
      await orchestrator.stop().catch(() => undefined);
      throw err;
    }
    return orchestrator;
  }

  private constructor(
    system: ActorSystem,
    private readonly ownsSystem: boolean,
    o: OrchestratorOptions,
  ) {
    this.system = system;
    this.namespace = o.namespace ?? 'orchestrator';
    this.log = (o.logger ?? system.log ?? defaultLoggerFor()).child({ component: 'Orchestrator', namespace: this.namespace });
    this.agentGroup = `${this.namespace}.agents`;
    this.cancelTopic = `${this.namespace}.cancel`;
    this.inboxId = `${this.namespace}.inbox`;
    this.defaultTimeoutMs = o.defaultTimeoutMs ?? 60_000;
    this.requirePrincipal = o.requirePrincipal ?? false;
    this.workflowOptions = o.workflow ?? {};
    this.permissions = o.permissions instanceof Permissions ? o.permissions : new Permissions(o.permissions ?? {});
    this.sanitizer = o.sanitizer === false ? undefined : o.sanitizer instanceof ContextSanitizer ? o.sanitizer : new ContextSanitizer(o.sanitizer ?? {});
    const store = system.store;
    this.kv = store !== undefined ? new LmdbKeyValueStore(store.kv) : new InMemoryKeyValueStore();
    this.persistAgents = o.persistAgents ?? store !== undefined;
    if (this.persistAgents && store === undefined) {
      throw new OrchestratorError('ERR_PERSISTENCE_REQUIRED', 'persistAgents needs a system started with persistence: { path }', { option: 'persistAgents' });
    }
    this.client = new AgentClient(system, {
      cancelTopic: this.cancelTopic,
      streamTopicPrefix: `${this.namespace}.stream`,
      defaultTimeoutMs: this.defaultTimeoutMs,
    });
    const storeNamespace = `troupe/${this.namespace}`;
    this.threads = new ThreadRegistry({ store: this.kv, namespace: storeNamespace });
    this.handoffs = new HandoffManager({
      store: this.kv,
      namespace: storeNamespace,
      threads: this.threads,
      ...(this.sanitizer ? { sanitizer: this.sanitizer } : {}),
      acceptHandoff: (request, { signal }) => this.askToAcceptHandoff(request, signal),
      ...(o.handoffAcceptTimeoutMs !== undefined ? { acceptTimeoutMs: o.handoffAcceptTimeoutMs } : {}),
      logger: this.log,
    });
    this.streamRouter = new StreamRouter({
      handoffs: this.handoffs,
      streamFrom: (agentId, request, extra) =>
        this.stream(request.message, {
          agent: agentId,
          threadId: request.threadId,
          tenantId: request.tenantId,
          userId: request.userId,
          // A request that names its roles acts as that principal: its permissions are checked,
          // and an orchestrator that requires a principal accepts it.
          ...(request.roles !== undefined ? { principal: { tenantId: request.tenantId, userId: request.userId, roles: request.roles } } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
          ...(extra.handoffId ? { metadata: { handoffId: extra.handoffId } } : {}),
        }),
      orchestrate:
        o.orchestrate ??
        (() => {
          if (this.defaultAgentId === undefined) throw new OrchestratorError('ERR_NO_DEFAULT_AGENT', 'No handoff is active and there is no default agent to route to');
          return this.defaultAgentId;
        }),
    });
  }

  private async boot(o: OrchestratorOptions): Promise<void> {
    for (let worker = 1; worker <= this.system.options.workers; worker++) {
      const inbox = await this.system.spawn(OrchestratorInbox, { id: `${this.inboxId}.${worker}`, placement: { worker } });
      this.ownActors.push(inbox as ActorRef);
      const relay = await this.system.spawn(CancellationRelay, {
        id: `${this.namespace}.cancel-relay.${worker}`,
        args: { topic: this.cancelTopic },
        placement: { worker },
      });
      this.ownActors.push(relay as ActorRef);
    }
    // Agents given at start are the orchestrator's own configuration: no principal acts here.
    for (const spec of (o.agents ?? []) as AgentSpec[]) await this.addAgent(spec, false);
    if (o.defaultAgent !== undefined) this.setDefaultAgent(o.defaultAgent);
  }

  // ---------------------------------------------------------------- agents

  /**
   * Starts an agent actor for `spec` (a definition, or `{ kind: 'a2a', card }` for a remote agent).
   * A handler or tool module is loaded here first, so a wrong module or export fails this call.
   */
  async registerAgent(spec: AgentSpec, options: RegisterOptions = {}): Promise<AgentInfo> {
    this.assertRunning('registerAgent');
    this.authorize(options.principal, 'administer-agents');
    return this.addAgent(spec, options.setAsDefault ?? false, options.placement);
  }

  private async addAgent(spec: AgentSpec, setAsDefault: boolean, placement?: Placement): Promise<AgentInfo> {
    const def = normalizeAgentSpec(spec);
    if (def.id.startsWith(`${this.namespace}.`)) {
      throw new AgentError('ERR_AGENT_EXISTS', `Agent id ${def.id} is in the orchestrator's reserved namespace ${this.namespace}.`, { agentId: def.id });
    }
    if (this.agents.has(def.id) || this.creating.has(def.id) || this.system.exists(def.id)) {
      throw new AgentError('ERR_AGENT_EXISTS', `An agent or actor named ${def.id} already exists`, { agentId: def.id });
    }
    const registering = this.spawnAgent(def, placement);
    this.creating.set(def.id, registering);
    try {
      const info = await registering;
      if (setAsDefault) this.defaultAgentId = def.id;
      else this.defaultAgentId ??= def.id;
      return info;
    } finally {
      this.creating.delete(def.id);
    }
  }

  /** Seed 001's name for `registerAgent`. */
  createAgent(spec: AgentSpec, options: RegisterOptions = {}): Promise<AgentInfo> {
    return this.registerAgent(spec, options);
  }

  private async spawnAgent(def: AgentDefinition, placement?: Placement): Promise<AgentInfo> {
    if (def.handler) await loadExport<AgentHandler>(def.handler, def.id, 'handler');
    for (const tool of def.tools ?? []) await loadExport<AgentTool>(tool, def.id, `tool '${tool.name}'`);
    const store = this.system.store;
    // A new agent starts fresh even if an earlier one with its id left a snapshot (restoreSession brings state back).
    if (this.persistAgents && store !== undefined) await store.snapshots.delete(def.id);
    const ref = await this.system.spawn(Agent, {
      id: def.id,
      args: { definition: def, inbox: this.inboxId, cancelTopic: this.cancelTopic },
      groups: [this.agentGroup],
      ...(placement !== undefined ? { placement } : {}),
      ...(this.persistAgents ? { persistent: { mailbox: false, snapshotEvery: 1, snapshotIntervalMs: 0 } } : {}),
    });
    this.agents.set(def.id, { definition: def, ref: ref as ActorRef });
    this.log.debug({ agent: def.id, kind: agentKind(def) }, 'agent registered');
    return this.infoOf(def.id)!;
  }

  /** Stops the agent's actor and forgets it; false when there was no such agent. */
  async unregisterAgent(agentId: string, options: { principal?: Principal } = {}): Promise<boolean> {
    this.assertRunning('unregisterAgent');
    this.authorize(options.principal, 'administer-agents');
    const entry = this.agents.get(agentId);
    if (entry === undefined) return false;
    this.agents.delete(agentId);
    if (this.defaultAgentId === agentId) this.defaultAgentId = undefined;
    await this.system.stopActor(entry.ref).catch((err: unknown) => this.log.warn({ err, agent: agentId }, 'stopping agent failed'));
    return true;
  }

  /** Seed 001's name for `unregisterAgent`. */
  deleteAgent(agentId: string, options: { principal?: Principal } = {}): Promise<boolean> {
    return this.unregisterAgent(agentId, options);
  }

  listAgents(): AgentInfo[] {
    return [...this.agents.keys()].map((id) => this.infoOf(id)!);
  }

  hasAgent(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  getAgent(agentId: string): AgentInfo | undefined {
    return this.infoOf(agentId);
  }

  /** The agent for `key`, created by `factory(key)` the first time (concurrent callers share one creation). */
  async getOrCreateAgent(key: string, factory: AgentFactory, options: { principal?: Principal } = {}): Promise<AgentInfo> {
    const existing = this.infoOf(key);
    if (existing !== undefined) return existing;
    const inFlight = this.creating.get(key);
    if (inFlight !== undefined) return inFlight;
    this.authorize(options.principal, 'administer-agents');
    const creation = (async () => {
      const made = await factory(key);
      const spec = ((made as { kind?: unknown }).kind === 'a2a' ? { id: key, ...made } : { ...made, id: (made as { id?: string }).id ?? key }) as AgentSpec;
      const def = normalizeAgentSpec(spec, 'factory(key)');
      return this.spawnAgent(def);
    })();
    this.creating.set(key, creation);
    try {
      const info = await creation;
      this.defaultAgentId ??= info.id;
      return info;
    } finally {
      this.creating.delete(key);
    }
  }

  get defaultAgent(): string | undefined {
    return this.defaultAgentId;
  }

  setDefaultAgent(agentId: string): void {
    if (!this.agents.has(agentId)) throw new AgentError('ERR_AGENT_NOT_FOUND', `No agent ${agentId} to make the default`, { agentId });
    this.defaultAgentId = agentId;
  }

  /** What the agent's actor reports about itself (kind, worker, memory size, requests handled and failed). */
  describeAgent(agentId: string): Promise<AgentDescription> {
    return this.system.ask<AgentDescription, AgentControlMessage>(this.refOf(agentId) as ActorRef<AgentControlMessage>, { type: 'agent.describe' }, { timeoutMs: this.defaultTimeoutMs });
  }

  /**
   * The agent's conversation memory: of the scope's tenant and thread (a principal's tenant when
   * one is given), or without a scope the conversation of messages that had neither.
   */
  async agentMemory(agentId: string, scope: CallScope = {}): Promise<ChatMessage[]> {
    const s = await this.resolveScope(scope, 'read-history');
    return this.system.ask<ChatMessage[], AgentControlMessage>(this.refOf(agentId) as ActorRef<AgentControlMessage>, { type: 'agent.memory', tenantId: s.tenantId, threadId: s.threadId }, { timeoutMs: this.defaultTimeoutMs });
  }

  private infoOf(agentId: string): AgentInfo | undefined {
    const e = this.agents.get(agentId);
    return e === undefined ? undefined : { id: agentId, kind: agentKind(e.definition), definition: e.definition, ref: e.ref };
  }

  private refOf(agentId: string): ActorRef {
    const entry = this.agents.get(agentId);
    if (entry === undefined) throw new AgentError('ERR_AGENT_NOT_FOUND', `No agent ${agentId} is registered`, { agentId });
    return entry.ref;
  }

  // ---------------------------------------------------------------- messages

  /**
   * Asks an agent (the default one unless `agent` is given) and resolves with its response content.
   * An agent's `error` reply is thrown as `AgentError`.
   */
  async run(content: PlainData, options: AgentRunOptions = {}): Promise<PlainData> {
    this.assertRunning('run');
    const { agentId, message } = await this.prepare(content, options);
    return this.client.call(this.refOf(agentId), message, this.callOptions(options));
  }

  /**
   * Streams an agent's reply: chunks as it produces them, across threads. `response` settles with
   * the whole reply message.
   */
  stream(content: PlainData, options: AgentRunOptions = {}): AgentStream {
    this.assertRunning('stream');
    const started = this.prepare(content, options).then(({ agentId, message }) => this.client.stream(this.refOf(agentId), message, this.callOptions(options)));
    started.catch(() => undefined);
    const response = started.then((s) => s.response);
    // Callers that only iterate must not be left with an unhandled rejection.
    response.catch(() => undefined);
    return {
      response,
      cancel(reason?: string) {
        void started.then((s) => s.cancel(reason), () => undefined);
      },
      async *[Symbol.asyncIterator]() {
        yield* await started;
      },
    };
  }

  /**
   * Delivers `message` to one agent. Requests (task, query, handoff, status) resolve with the
   * agent's reply message, `response` or `error` alike; notifications (broadcast, response, error)
   * resolve with undefined once sent.
   */
  async send(agentId: string, message: AgentMessage | Omit<AgentMessage, 'id' | 'timestamp'>, options: AgentCallOptions = {}): Promise<AgentMessage | undefined> {
    this.assertRunning('send');
    const scope = await this.resolveScope(options, 'send');
    const ref = this.refOf(agentId);
    const msg = this.scoped(createMessage({ ...(message as AgentMessage), recipient: agentId }), scope);
    if (!REQUEST_TYPES.has(msg.type)) {
      this.system.tell(ref, msg);
      return undefined;
    }
    return this.client.request(ref, msg, this.callOptions(options));
  }

  /** Sends `message` to every agent except its sender; resolves with the ids it went to. */
  async broadcast(message: Omit<AgentMessage, 'id' | 'timestamp' | 'type'> & { type?: MessageType; id?: string }, options: AgentCallOptions = {}): Promise<string[]> {
    this.assertRunning('broadcast');
    const scope = await this.resolveScope(options, 'send');
    const msg = this.scoped(createMessage({ ...message, type: message.type ?? 'broadcast' } as AgentMessage), scope);
    delete msg.recipient;
    const recipients = [...this.agents.keys()].filter((id) => id !== msg.sender);
    this.system.broadcast(msg, { group: this.agentGroup, except: msg.sender });
    return recipients;
  }

  // ---------------------------------------------------------------- delegation and patterns

  /** Sends one message to several agents under a strategy; a result per agent, in the order given. */
  async delegate(message: string | PlainData | AgentMessage, agentIds: readonly string[], options: DelegateOptions = {}): Promise<DelegationResult[]> {
    this.assertRunning('delegate');
    const scope = await this.resolveScope(options, 'delegate');
    const msg = this.toMessage(message, scope, 'query');
    return delegateTo(
      msg,
      agentIds,
      {
        ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
        timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      },
      this.invokerFor(scope),
    );
  }

  /** One answer from delegation results: a coordinator agent's synthesis, or the plain join. */
  async synthesize(results: readonly DelegationResult[], options: SynthesizeOptions = {}): Promise<string> {
    if (options.coordinator === undefined) return joinResults(results, { includeFailures: options.includeFailures ?? false });
    this.assertRunning('synthesize');
    const scope = await this.resolveScope(options, 'delegate');
    const synthesizer = coordinatorSynthesizer(options.coordinator, this.invokerFor(scope), {
      timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
      ...(options.instruction !== undefined ? { instruction: options.instruction } : {}),
    });
    return synthesizer(results, options.signal ? { signal: options.signal } : {});
  }

  /** Seed 001's team: members take the task, a coordinator (optional) synthesizes. */
  team(options: TeamOptions): AgentTeam {
    return new AgentTeam(this, options);
  }

  /** Each agent gets the previous one's output; resolves with the last output. */
  async pipeline(stages: readonly (string | AgentTarget)[], input: PlainData, options: PatternCallOptions = {}): Promise<unknown> {
    this.assertRunning('pipeline');
    const scope = await this.resolveScope(options, 'delegate');
    return pipelinePattern(stages.map(toTarget), input, this.patternOptions(scope, options));
  }

  /** Every agent gets the same input; outputs in the order of `agents`. */
  async parallel(agents: readonly (string | AgentTarget)[], input: PlainData, options: PatternCallOptions = {}): Promise<unknown[]> {
    this.assertRunning('parallel');
    const scope = await this.resolveScope(options, 'delegate');
    return parallelPattern(agents.map(toTarget), input, this.patternOptions(scope, options));
  }

  /** Chunk i goes to worker agent i mod n; `aggregate` combines the outputs, in chunk order. */
  async scatterGather<R>(
    chunks: readonly PlainData[],
    workers: string | AgentTarget | readonly (string | AgentTarget)[],
    aggregate: (results: unknown[], context: { signal: AbortSignal }) => R | Promise<R>,
    options: PatternCallOptions = {},
  ): Promise<R> {
    this.assertRunning('scatterGather');
    const scope = await this.resolveScope(options, 'delegate');
    const targets = (Array.isArray(workers) ? workers : [workers]).map(toTarget);
    return scatterGatherPattern(chunks, targets, aggregate, {
      ...this.patternOptions(scope, options),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    });
  }

  private patternOptions(scope: ResolvedScope, options: PatternCallOptions) {
    return {
      invoke: this.invokerFor(scope),
      timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.totalTimeoutMs !== undefined ? { totalTimeoutMs: options.totalTimeoutMs } : {}),
    };
  }

  // ---------------------------------------------------------------- workflows

  /**
   * Runs a workflow over the agents; its progress is recorded in the store after every step. Given
   * the `runId` of a run that did not finish (its process died), continues it from the last
   * completed step; given that of a finished run, returns its recorded result.
   */
  async executeWorkflow(definition: WorkflowDefinition, input?: unknown, options: WorkflowOptions = {}): Promise<WorkflowRunResult> {
    this.assertRunning('executeWorkflow');
    const scope = await this.resolveScope(options, 'delegate');
    const runId = options.runId ?? randomUUID();
    if (this.runningWorkflows.has(runId)) {
      throw new WorkflowError('ERR_WORKFLOW_ALREADY_RUNNING', `Workflow run ${runId} is already running in this orchestrator`, { runId });
    }
    const runner = this.workflowRunner(scope);
    const run = { ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) };
    // A run id that exists already is resumed (or its result returned) only for the tenant it ran for.
    if (runner.getRun(runId) !== undefined) this.assertRunTenant(runId, scope);
    this.runningWorkflows.add(runId);
    try {
      if (runner.getRun(runId) !== undefined) return await runner.resume(runId, run);
      await this.kv.put(this.workflowScopeKey(runId), scope);
      return await runner.run(definition, input, { ...run, runId });
    } finally {
      this.runningWorkflows.delete(runId);
    }
  }

  /** Continues a recorded run (after a crash) on the thread and tenant it started with. */
  async resumeWorkflow(runId: string, options: Omit<WorkflowOptions, 'runId'> = {}): Promise<WorkflowRunResult> {
    this.assertRunning('resumeWorkflow');
    const recorded = (this.kv.get(this.workflowScopeKey(runId)) as ResolvedScope | undefined) ?? {};
    // Always resolved: with requirePrincipal, a call without one is refused like any other.
    this.assertRunTenant(runId, await this.resolveScope(options, 'delegate'));
    if (this.runningWorkflows.has(runId)) {
      throw new WorkflowError('ERR_WORKFLOW_ALREADY_RUNNING', `Workflow run ${runId} is already running in this orchestrator`, { runId });
    }
    this.runningWorkflows.add(runId);
    try {
      return await this.workflowRunner(recorded).resume(runId, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
    } finally {
      this.runningWorkflows.delete(runId);
    }
  }

  getWorkflowRun(runId: string): WorkflowRunRecord | undefined {
    return this.workflowRunner({}).getRun(runId);
  }

  /** Recorded runs, e.g. `{ status: 'running' }` after a restart to find the interrupted ones. */
  listWorkflowRuns(filter: { status?: RunStatus; workflowId?: string } = {}): WorkflowRunRecord[] {
    return this.workflowRunner({}).listRuns(filter);
  }

  private workflowRunner(scope: ResolvedScope): WorkflowRunner {
    return new WorkflowRunner({
      invoke: this.invokerFor(scope),
      store: this.kv,
      namespace: `troupe/${this.namespace}`,
      logger: this.log,
      ...(this.workflowOptions.maxConcurrency !== undefined ? { maxConcurrency: this.workflowOptions.maxConcurrency } : {}),
      defaultStepTimeoutMs: this.workflowOptions.defaultStepTimeoutMs ?? this.defaultTimeoutMs,
    });
  }

  private workflowScopeKey(runId: string): string {
    return `troupe/${this.namespace}/workflow-scope/${runId}`;
  }

  // ---------------------------------------------------------------- threads and handoffs

  /** Opens a thread for `owner`; with a principal (required when the orchestrator requires one), only for its own tenant. */
  async createThread(owner: { tenantId: string; userId: string }, init: { id?: string; title?: string } = {}, options: { principal?: Principal } = {}): Promise<Thread> {
    this.assertRunning('createThread');
    await this.resolveScope({ tenantId: owner.tenantId, ...options }, 'send');
    return this.threads.create(owner, init);
  }

  /**
   * Asks the target agent to take the thread over (it answers a `handoff` message: agents without
   * a handler accept). The thread is created for the request's tenant and user if it is new.
   */
  async initiateHandoff(request: HandoffRequest, options: { principal?: Principal } = {}): Promise<InitiateResult> {
    this.assertRunning('initiateHandoff');
    const scope = await this.resolveScope(
      { threadId: request.threadId, tenantId: request.tenantId, userId: request.userId, ...(options.principal ? { principal: options.principal } : {}) },
      'initiate-handoff',
    );
    return this.handoffs.initiate({ ...request, tenantId: scope.tenantId ?? request.tenantId, userId: scope.userId ?? request.userId });
  }

  activeHandoff(threadId: string, options: { tenantId?: string; principal?: Principal } = {}): Handoff | undefined {
    const tenantId = options.principal?.tenantId ?? options.tenantId;
    return this.handoffs.active(threadId, tenantId !== undefined ? { tenantId } : {});
  }

  /** Completes the thread's active handoff; a principal's tenant (required when the orchestrator requires one) must own it. */
  async completeHandoff(threadId: string, result: { resultSummary: string; artifacts?: string[]; tenantId?: string }, options: { principal?: Principal } = {}): Promise<Handoff> {
    const scope = await this.resolveScope({ ...(result.tenantId !== undefined ? { tenantId: result.tenantId } : {}), ...options }, 'initiate-handoff');
    return this.handoffs.complete(threadId, scope.tenantId !== undefined ? { ...result, tenantId: scope.tenantId } : result);
  }

  /** Cancels the thread's active handoff; a principal's tenant (required when the orchestrator requires one) must own it. */
  async cancelHandoff(threadId: string, reason: string, options: { tenantId?: string; principal?: Principal } = {}): Promise<Handoff> {
    const scope = await this.resolveScope(options, 'initiate-handoff');
    return this.handoffs.cancel(threadId, reason, scope.tenantId !== undefined ? { tenantId: scope.tenantId } : {});
  }

  /** Seed 002's stream router: chunks from the active handoff's target, or from normal orchestration. */
  routeMessage(request: RouteRequest): AsyncIterable<string> {
    return this.streamRouter.routeMessage(request);
  }

  private async askToAcceptHandoff(request: HandoffRequest & { handoffId: string }, signal: AbortSignal): Promise<boolean | HandoffDecision> {
    const entry = this.agents.get(request.targetAgentId);
    if (entry === undefined) return { accepted: false, reason: `No agent ${request.targetAgentId} is registered` };
    const message = createMessage({
      type: 'handoff',
      sender: request.sourceAgentId,
      recipient: request.targetAgentId,
      content: { contextSummary: request.contextSummary, reason: request.reason, handoffId: request.handoffId, sourceAgentId: request.sourceAgentId },
      threadId: request.threadId,
      tenantId: request.tenantId,
    });
    const answer = await this.client.call(entry.ref, message, { signal });
    if (typeof answer === 'boolean') return answer;
    if (isPlainObject(answer) && typeof answer.accepted === 'boolean') return answer as unknown as HandoffDecision;
    return true;
  }

  // ---------------------------------------------------------------- history and sessions

  /**
   * Recorded agent messages, from the LMDB history, oldest first unless `order: 'desc'`. With a
   * principal, only its tenant's messages: a filter naming another tenant (or a thread of another
   * tenant) finds nothing. Entries are written by the worker that took each message, after the
   * fact: `await orchestrator.system.flushHistory()` first to see those of messages just handled.
   */
  history(filter: HistoryQueryOptions = {}, options: { principal?: Principal } = {}): HistoryEntry[] {
    this.assertRunning('history');
    const f = parseOptions(HistorySchema, filter, 'filter');
    const store = this.requireStore('history');
    if (options.principal !== undefined) this.permissions.check(options.principal, 'read-history');
    else if (this.requirePrincipal) throw this.principalRequired('history');
    const query: Parameters<Store['history']['query']>[0] = { ...f, limit: f.limit ?? 1000 };
    if (options.principal !== undefined) {
      if (f.tenantId !== undefined && f.tenantId !== options.principal.tenantId) return [];
      if (f.threadId !== undefined) {
        const thread = this.threads.get(f.threadId);
        if (thread !== undefined && thread.tenantId !== options.principal.tenantId) return [];
      }
      query.tenantId = options.principal.tenantId;
    }
    const out: HistoryEntry[] = [];
    let page = store.history.query(query);
    for (;;) {
      for (const record of page.entries) {
        const entry = toHistoryEntry(record);
        if (entry !== undefined) out.push(entry);
      }
      if (page.nextCursor === undefined || out.length >= (query.limit ?? 1000)) break;
      page = store.history.query({ ...query, cursor: page.nextCursor });
    }
    return out.slice(0, query.limit ?? 1000);
  }

  /** Deletes the whole message history (an administrator's act when a principal is given). */
  async clearHistory(options: { principal?: Principal } = {}): Promise<void> {
    this.authorize(options.principal, 'administer-agents');
    const store = this.requireStore('clearHistory');
    // Entries of messages already handled may still be on their way to the store from a worker.
    await this.system.flushHistory();
    await store.history.clear();
  }

  /**
   * Saves a session: the system's actors (agents included, each after a fresh snapshot of its
   * state) and the orchestrator's registry and default agent. Returns the session id.
   */
  async saveSession(sessionId?: string): Promise<string> {
    this.assertRunning('saveSession');
    this.requireStore('saveSession');
    const id = await this.system.saveSession(sessionId);
    const saved: SavedOrchestratorSession = { agents: [...this.agents.values()].map((e) => e.definition), savedAt: Date.now() };
    if (this.persistAgents) {
      const store = this.system.store!;
      const snapshots: NonNullable<SavedOrchestratorSession['snapshots']> = {};
      for (const def of saved.agents) {
        const s = store.snapshots.load(def.id);
        if (s !== undefined) snapshots[def.id] = { state: s.state, seq: s.seq, ...(s.behaviour !== undefined ? { behaviour: s.behaviour } : {}) };
      }
      saved.snapshots = snapshots;
    }
    if (this.defaultAgentId !== undefined) saved.defaultAgent = this.defaultAgentId;
    await this.kv.put(this.sessionKey(id), saved);
    return id;
  }

  /** Brings a saved session back: its agents, with their state, and the default agent. */
  async restoreSession(sessionId: string): Promise<AgentInfo[]> {
    this.assertRunning('restoreSession');
    this.requireStore('restoreSession');
    const saved = this.kv.get(this.sessionKey(sessionId)) as SavedOrchestratorSession | undefined;
    if (saved === undefined) {
      throw new OrchestratorError('ERR_SESSION_NOT_FOUND', `No orchestrator session ${sessionId} in the store`, { sessionId });
    }
    // The session's own snapshots go back first (agents keep no durable mailbox: a snapshot is their
    // whole state), so the agents restart as they were when it was saved, not as they were last.
    const store = this.system.store!;
    for (const [agentId, s] of Object.entries(saved.snapshots ?? {})) {
      if (this.system.lookup(agentId) === undefined) await store.snapshots.save(agentId, s);
    }
    await this.system.restoreSession(sessionId);
    for (const def of saved.agents) {
      const ref = this.system.lookup(def.id);
      if (ref === undefined) {
        this.log.warn({ agent: def.id, sessionId }, 'agent of the session did not come back');
        continue;
      }
      this.agents.set(def.id, { definition: def, ref });
    }
    if (saved.defaultAgent !== undefined && this.agents.has(saved.defaultAgent)) this.defaultAgentId = saved.defaultAgent;
    return saved.agents.filter((d) => this.agents.has(d.id)).map((d) => this.infoOf(d.id)!);
  }

  private sessionKey(sessionId: string): string {
    return `troupe/${this.namespace}/session/${sessionId}`;
  }

  // ---------------------------------------------------------------- lifecycle

  get running(): boolean {
    return this.state === 'running';
  }

  /** Stops the agents and the orchestrator's own actors (and the system, if the orchestrator started it). */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopping';
    try {
      if (this.ownsSystem) {
        await this.system.stop();
        return;
      }
      if (!this.system.running) return;
      const refs = [...[...this.agents.values()].map((e) => e.ref), ...this.ownActors];
      await Promise.all(refs.map((ref) => this.system.stopActor(ref).catch(() => undefined)));
    } finally {
      this.agents.clear();
      this.state = 'stopped';
    }
  }

  // ---------------------------------------------------------------- internals

  private assertRunning(op: string): void {
    if (this.state !== 'running') {
      throw new OrchestratorError('ERR_ORCHESTRATOR_STOPPED', `Cannot ${op}: the orchestrator is ${this.state}`, { operation: op });
    }
  }

  private requireStore(op: string): Store {
    const store = this.system.store;
    if (store === undefined) {
      throw new OrchestratorError('ERR_PERSISTENCE_REQUIRED', `${op} needs a system started with persistence: { path, history: { record: 'all' } }`, {
        operation: op,
      });
    }
    return store;
  }

  private principalRequired(op: string): OrchestratorError {
    return new OrchestratorError('ERR_PRINCIPAL_REQUIRED', `${op} needs a principal: this orchestrator requires one on every call`, { operation: op });
  }

  private authorize(principal: Principal | undefined, permission: Permission): void {
    if (principal !== undefined) this.permissions.check(principal, permission);
    else if (this.requirePrincipal) throw this.principalRequired(permission);
  }

  /**
   * A recorded workflow run belongs to the tenant it started for: a caller of another tenant (or a
   * tenant's caller for a run recorded without one) may neither resume it nor read its result.
   */
  private assertRunTenant(runId: string, scope: ResolvedScope): void {
    const recorded = (this.kv.get(this.workflowScopeKey(runId)) as ResolvedScope | undefined) ?? {};
    if (scope.tenantId === undefined || recorded.tenantId === scope.tenantId) return;
    throw new TenantIsolationError('ERR_TENANT_ISOLATION', `Workflow run ${runId} does not belong to tenant ${scope.tenantId}`, {
      threadId: recorded.threadId ?? '',
      tenantId: scope.tenantId,
    });
  }

  /**
   * Checks the principal's permission, takes tenant and user from it, and makes sure the thread
   * belongs to them (creating it on first use).
   */
  private async resolveScope(options: CallScope & { timeoutMs?: number; signal?: AbortSignal }, permission: Permission): Promise<ResolvedScope> {
    // The common case (well-formed ids, no surprises) skips the schema; anything odd gets its precise error from it.
    const o = scopeLooksValid(options) ? options : parseOptions(ScopeSchema, pickScope(options), 'options');
    const scope: ResolvedScope = {};
    if (o.sessionId !== undefined) scope.sessionId = o.sessionId;
    if (o.threadId !== undefined) scope.threadId = o.threadId;
    if (o.tenantId !== undefined) scope.tenantId = o.tenantId;
    if (o.userId !== undefined) scope.userId = o.userId;
    const principal = o.principal;
    if (principal !== undefined) {
      this.permissions.check(principal, permission);
      if (o.tenantId !== undefined && o.tenantId !== principal.tenantId) {
        throw new TenantIsolationError('ERR_TENANT_ISOLATION', `Principal of tenant ${principal.tenantId} cannot act for tenant ${o.tenantId}`, {
          threadId: o.threadId ?? '',
          tenantId: principal.tenantId,
          userId: principal.userId,
        });
      }
      scope.tenantId = principal.tenantId;
      scope.userId = principal.userId;
    } else if (this.requirePrincipal) {
      throw this.principalRequired(permission);
    }
    if (scope.threadId !== undefined && scope.tenantId !== undefined) await this.ensureThread(scope.threadId, scope.tenantId, scope.userId);
    return scope;
  }

  private async ensureThread(threadId: string, tenantId: string, userId: string | undefined): Promise<void> {
    const existing = this.threads.get(threadId);
    if (existing === undefined) {
      try {
        await this.threads.create({ tenantId, userId: userId ?? ANY_USER }, { id: threadId });
        return;
      } catch (err) {
        if (!(err instanceof ThreadError && err.code === 'ERR_THREAD_EXISTS')) throw err;
      }
    }
    this.assertThreadAccess(threadId, tenantId, userId);
  }

  /**
   * The thread is the tenant's, and the user's when a user is named (a thread opened for the whole
   * tenant, owner '*', is every user's: see ThreadRegistry.assertOwnership).
   */
  private assertThreadAccess(threadId: string, tenantId: string, userId: string | undefined): void {
    this.threads.assertOwnership({ tenantId, userId: userId ?? ANY_USER }, threadId, userId !== undefined ? 'user' : 'tenant');
  }

  private callOptions(options: { timeoutMs?: number; signal?: AbortSignal }): { timeoutMs?: number; signal?: AbortSignal } {
    return { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal !== undefined ? { signal: options.signal } : {}) };
  }

  private async prepare(content: PlainData, options: AgentRunOptions): Promise<{ agentId: string; message: AgentMessage }> {
    const agentId = options.agent ?? this.defaultAgentId;
    if (agentId === undefined) throw new OrchestratorError('ERR_NO_DEFAULT_AGENT', 'No agent named and no default agent set');
    this.refOf(agentId);
    const scope = await this.resolveScope(options, 'send');
    const metadata: Record<string, PlainData> = { ...options.metadata };
    if (options.action !== undefined) metadata.action = options.action;
    const message = buildMessage({
      type: options.type ?? 'task',
      sender: options.sender ?? scope.userId ?? 'user',
      recipient: agentId,
      content,
      threadId: scope.threadId,
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
    return { agentId, message };
  }

  /** A message for a multi-agent call: `message` itself when it is one (tenant checked), else wrapped. */
  private toMessage(message: string | PlainData | AgentMessage, scope: ResolvedScope, type: MessageType): AgentMessage {
    const parsed = AgentMessageSchema.safeParse(message);
    if (parsed.success) return this.scoped(parsed.data, scope);
    return buildMessage({
      type,
      sender: scope.userId ?? 'user',
      content: message as PlainData,
      threadId: scope.threadId,
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
    });
  }

  /** Fills the scope into a message, refusing one addressed to another tenant. */
  private scoped(message: AgentMessage, scope: ResolvedScope): AgentMessage {
    if (scope.tenantId !== undefined && message.tenantId !== undefined && message.tenantId !== scope.tenantId) {
      throw new TenantIsolationError('ERR_TENANT_ISOLATION', `Message ${message.id} belongs to tenant ${message.tenantId}, not ${scope.tenantId}`, {
        threadId: message.threadId ?? scope.threadId ?? '',
        tenantId: scope.tenantId,
      });
    }
    if (scope.threadId !== undefined && message.threadId !== undefined && message.threadId !== scope.threadId) {
      throw new TenantIsolationError('ERR_THREAD_NOT_OWNED', `Message ${message.id} is on thread ${message.threadId}, not ${scope.threadId}`, {
        threadId: message.threadId,
        tenantId: scope.tenantId ?? '',
      });
    }
    // A thread named by the message itself is checked as one named in the options would be (only
    // an existing thread: a new one has no owner to take it from).
    if (scope.threadId === undefined && message.threadId !== undefined && scope.tenantId !== undefined && this.threads.get(message.threadId) !== undefined) {
      this.assertThreadAccess(message.threadId, scope.tenantId, scope.userId);
    }
    const out: AgentMessage = { ...message };
    if (scope.tenantId !== undefined) out.tenantId = scope.tenantId;
    if (scope.threadId !== undefined) out.threadId ??= scope.threadId;
    if (scope.sessionId !== undefined) out.sessionId ??= scope.sessionId;
    return out;
  }

  /**
   * The `AgentInvoker` the building blocks (delegation, patterns, workflows, coordinators) use:
   * each call is an actor request to the agent, on the scope's thread and tenant, with the content
   * sanitized before the agent sees it.
   */
  private invokerFor(scope: ResolvedScope): AgentInvoker {
    return async (agentId, action, input, { signal, timeoutMs }) => {
      const ref = this.refOf(agentId);
      const message = this.addressed(agentId, action, input, scope);
      return this.client.call(ref, message, { signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    };
  }

  private addressed(agentId: string, action: string, input: unknown, scope: ResolvedScope): AgentMessage {
    let message: AgentMessage;
    // Delegation hands over messages it has validated already: a structural check is enough here.
    if (isAgentMessageShaped(input)) {
      // A message handed in (or returned by the previous stage) keeps its content and ids, but not
      // another tenant's or thread's address: it is scoped like any message a caller sends.
      message = { ...this.scoped(input, scope), recipient: agentId };
      if (action !== message.type) message.metadata = { ...message.metadata, action };
    } else {
      message = buildMessage({
        type: 'task',
        sender: scope.userId ?? this.namespace,
        recipient: agentId,
        content: toPlainData(input),
        threadId: scope.threadId,
        tenantId: scope.tenantId,
        sessionId: scope.sessionId,
        metadata: { action },
      });
    }
    if (this.sanitizer !== undefined) message.content = this.sanitized(message.content);
    return message;
  }

  private lastSanitized: { raw: PlainData; clean: PlainData } | undefined;

  /** Sanitizes content; the same content handed to several agents (a fan-out) is scanned once. */
  private sanitized(content: PlainData): PlainData {
    const last = this.lastSanitized;
    if (last !== undefined && last.raw === content) return last.clean;
    const clean = this.sanitizer!.sanitize(content).value;
    this.lastSanitized = { raw: content, clean };
    return clean;
  }
}

const MESSAGE_TYPE_SET: ReadonlySet<string> = new Set(MESSAGE_TYPES);

function nonEmptyOrAbsent(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && v.length > 0);
}

function scopeLooksValid(o: CallScope & { timeoutMs?: number; signal?: AbortSignal }): boolean {
  return (
    nonEmptyOrAbsent(o.threadId) &&
    nonEmptyOrAbsent(o.tenantId) &&
    nonEmptyOrAbsent(o.userId) &&
    nonEmptyOrAbsent(o.sessionId) &&
    o.principal === undefined &&
    (o.timeoutMs === undefined || (Number.isInteger(o.timeoutMs) && o.timeoutMs > 0)) &&
    (o.signal === undefined || o.signal instanceof AbortSignal)
  );
}

/**
 * A new message from parts the orchestrator has checked already (ids, type): only the content and
 * metadata are checked here, cheaply; anything off goes through `createMessage` for its precise error.
 */
function buildMessage(init: Omit<AgentMessage, 'id' | 'timestamp'>): AgentMessage {
  if (!isPlainData(init.content) || (init.metadata !== undefined && !isPlainData(init.metadata))) return createMessage(init);
  const message: AgentMessage = { id: randomUUID(), type: init.type, sender: init.sender, content: init.content, timestamp: Date.now() };
  if (init.recipient !== undefined) message.recipient = init.recipient;
  if (init.threadId !== undefined) message.threadId = init.threadId;
  if (init.sessionId !== undefined) message.sessionId = init.sessionId;
  if (init.tenantId !== undefined) message.tenantId = init.tenantId;
  if (init.metadata !== undefined) message.metadata = init.metadata;
  return message;
}

function isAgentMessageShaped(value: unknown): value is AgentMessage {
  const m = value as Partial<AgentMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    typeof m.sender === 'string' &&
    typeof m.timestamp === 'number' &&
    typeof m.type === 'string' &&
    MESSAGE_TYPE_SET.has(m.type) &&
    'content' in m
  );
}

function pickScope(o: CallScope & { timeoutMs?: number; signal?: AbortSignal }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['threadId', 'tenantId', 'userId', 'sessionId', 'principal', 'timeoutMs', 'signal'] as const) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out;
}

function toTarget(t: string | AgentTarget): AgentTarget {
  return typeof t === 'string' ? { agent: t, action: 'task' } : t;
}

/** Content for a message: plain data as is; anything else through JSON (functions and the like are refused). */
function toPlainData(value: unknown): PlainData {
  if (value === undefined) return null;
  if (isPlainData(value)) return value as PlainData;
  const json = JSON.stringify(value);
  if (json === undefined) throw new AgentError('ERR_AGENT_BAD_REPLY', `Cannot hand a ${typeof value} to an agent: not plain data`, { agentId: '' });
  return JSON.parse(json) as PlainData;
}

function toHistoryEntry(record: HistoryRecord): HistoryEntry | undefined {
  const parsed = AgentMessageSchema.safeParse(record.payload);
  if (!parsed.success) return undefined;
  const entry: HistoryEntry = { id: record.id, time: record.time, type: parsed.data.type, to: record.recipient, message: parsed.data };
  if (record.sender !== undefined) entry.from = record.sender;
  if (record.threadId !== undefined) entry.threadId = record.threadId;
  if (record.tenantId !== undefined) entry.tenantId = record.tenantId;
  if (record.sessionId !== undefined) entry.sessionId = record.sessionId;
  return entry;
}

