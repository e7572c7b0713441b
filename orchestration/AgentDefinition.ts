/**
 * What an agent is, as plain data: the spawn arguments of an `Agent` actor. Everything in it must
 * cross threads and fit in a snapshot, so code is never inlined: a custom handler or a tool is
 * named by the module that exports it (`import.meta.url` of that module, or an absolute path) and
 * the export's name, and every worker loads it from there.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { PlainData } from './Message.js';
import { isPlainData, parseOptions } from './parseOptions.js';

/** A function exported by a module that worker threads can import. */
export interface ExportReference {
  /** `import.meta.url` of the module (a `file:` URL) or an absolute path to it. */
  module: string;
  /** The export's name in that module. */
  export: string;
}

/** A tool an agent's handler may call by name: `(input, { signal, agentId }) => output`. */
export interface ToolDefinition extends ExportReference {
  name: string;
  description?: string;
}

/** The deterministic offline model (see `LocalModel`), optionally tuned. */
export interface LocalModelSpec {
  kind: 'local';
  name?: string;
  maxSentences?: number;
  maxKeywords?: number;
  chunkWords?: number;
  chunkDelayMs?: number;
}

/** A server speaking the OpenAI chat-completions protocol; the key is read from `apiKeyEnv` in the worker. */
export interface OpenAICompatibleModelSpec {
  kind: 'openai-compatible';
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key (never the key itself: definitions are persisted). */
  apiKeyEnv?: string;
  timeoutMs?: number;
}

export type ModelSpec = 'local' | LocalModelSpec | OpenAICompatibleModelSpec;

/** How a remote agent presents itself: the A2A agent card, reduced to what Troupe needs. */
export interface AgentCard {
  id: string;
  name: string;
  description: string;
  /** Base URL of the agent's A2A JSON-RPC endpoint, e.g. `http://127.0.0.1:8001`. */
  endpoint: string;
}

/** A remote agent spoken to with the Agent2Agent protocol. */
export interface RemoteAgentSpec {
  kind: 'a2a';
  card: AgentCard;
  /** The Troupe id of the agent; defaults to `card.id`. */
  id?: string;
  /** Deadline of one remote call (default 60 s). */
  timeoutMs?: number;
}

export type MemoryMode = 'none' | 'conversation';

export interface AgentDefinition {
  id: string;
  name?: string;
  description?: string;
  /** Answers messages when there is no `handler`; `'local'` when neither a handler nor a remote is set. */
  model?: ModelSpec;
  systemMessage?: string;
  tools?: ToolDefinition[];
  /** `conversation` keeps the exchanged messages in the agent's state and hands them to its model. */
  memory?: MemoryMode;
  /** Messages kept in conversation memory, oldest dropped first (default 50). */
  memoryLimit?: number;
  /** `(message, ctx) => response | AsyncIterable<string>`: replaces the model. */
  handler?: ExportReference;
  /** Set for agents that live behind an A2A endpoint. */
  remote?: RemoteAgentSpec;
  metadata?: Record<string, PlainData>;
}

/** What `registerAgent` accepts: a local definition or a remote agent card. */
export type AgentSpec = AgentDefinition | RemoteAgentSpec;

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$/;
const agentId = z.string().min(1).max(200).regex(ID, 'must start with a letter, digit or _ and hold only letters, digits and _ . : @ -');

const moduleRef = z
  .string()
  .min(1)
  .refine((m) => m.startsWith('file:') || m.startsWith('data:') || isAbsolute(m), {
    message: 'must be a file: URL (import.meta.url) or an absolute path',
  });

const ExportSchema = z.strictObject({ module: moduleRef, export: z.string().min(1) });

const ToolSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  module: moduleRef,
  export: z.string().min(1),
});

const LocalModelSchema = z.strictObject({
  kind: z.literal('local'),
  name: z.string().min(1).optional(),
  maxSentences: z.number().int().positive().optional(),
  maxKeywords: z.number().int().nonnegative().optional(),
  chunkWords: z.number().int().positive().optional(),
  chunkDelayMs: z.number().int().nonnegative().optional(),
});

const OpenAISchema = z.strictObject({
  kind: z.literal('openai-compatible'),
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  model: z.string().min(1),
  apiKeyEnv: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
});

const ModelSchema = z.union([z.literal('local'), LocalModelSchema, OpenAISchema]);

const CardSchema = z.strictObject({
  id: agentId,
  name: z.string().min(1),
  description: z.string(),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});

export const RemoteAgentSpecSchema = z.strictObject({
  kind: z.literal('a2a'),
  card: CardSchema,
  id: agentId.optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export const AgentDefinitionSchema = z
  .strictObject({
    id: agentId,
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    model: ModelSchema.optional(),
    systemMessage: z.string().optional(),
    tools: z
      .array(ToolSchema)
      .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, { message: 'must not name a tool twice' })
      .optional(),
    memory: z.enum(['none', 'conversation']).optional(),
    memoryLimit: z.number().int().positive().max(10_000).optional(),
    handler: ExportSchema.optional(),
    remote: RemoteAgentSpecSchema.optional(),
    metadata: z.record(z.string(), z.custom<PlainData>((v) => isPlainData(v), { message: 'must be plain data' })).optional(),
  })
  .refine((d) => !(d.remote && (d.handler || d.model)), { message: 'a remote agent has no handler or model', path: ['remote'] });

function toModuleUrl(module: string): string {
  return module.startsWith('file:') || module.startsWith('data:') ? module : pathToFileURL(module).href;
}

/**
 * Validates a local definition or a remote card and returns the one shape agent actors take:
 * module paths become `file:` URLs, and a remote card becomes a definition with `remote` set.
 * Throws `InvalidOptionError` naming the field.
 */
export function normalizeAgentSpec(spec: AgentSpec, what = 'agent'): AgentDefinition {
  if (typeof spec === 'object' && spec !== null && (spec as { kind?: unknown }).kind === 'a2a') {
    const remote = parseOptions(RemoteAgentSpecSchema, spec, what);
    const def: AgentDefinition = { id: remote.id ?? remote.card.id, name: remote.card.name, description: remote.card.description, remote };
    return def;
  }
  const def = parseOptions(AgentDefinitionSchema, spec, what) as AgentDefinition;
  const out: AgentDefinition = { ...def };
  if (def.handler) out.handler = { module: toModuleUrl(def.handler.module), export: def.handler.export };
  if (def.tools) out.tools = def.tools.map((t) => ({ ...t, module: toModuleUrl(t.module) }));
  if (!def.handler && !def.remote && def.model === undefined) out.model = 'local';
  return out;
}

/** What kind of responder answers for the agent. */
export function agentKind(def: AgentDefinition): 'handler' | 'model' | 'remote' {
  return def.remote ? 'remote' : def.handler ? 'handler' : 'model';
}
