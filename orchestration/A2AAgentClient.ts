/**
 * Speaks to a remote agent with the Agent2Agent protocol (JSON-RPC binding) through the official
 * `@a2a-js/sdk` client. Used by `Agent` actors whose definition has `remote`, so that a remote agent
 * is an actor like any other: delegation, teams, workflows and handoffs address it by id, its
 * messages are recorded, and its failures come back as typed errors. The SDK is imported on first
 * use, so a process without remote agents never loads it.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from './AgentDefinition.js';
import { describeError } from './AgentInvoker.js';
import { AgentError, type AgentErrorCode } from './errors.js';

type Sdk = typeof import('@a2a-js/sdk');
type SdkClient = typeof import('@a2a-js/sdk/client');
type A2AClient = InstanceType<SdkClient['Client']>;
type A2AMessage = import('@a2a-js/sdk').Message;
type A2ATask = import('@a2a-js/sdk').Task;
type A2APart = A2AMessage['parts'][number];

let sdkLoading: Promise<{ sdk: Sdk; client: SdkClient }> | undefined;

function loadSdk(): Promise<{ sdk: Sdk; client: SdkClient }> {
  sdkLoading ??= Promise.all([import('@a2a-js/sdk'), import('@a2a-js/sdk/client')]).then(([sdk, client]) => ({ sdk, client }));
  return sdkLoading;
}

/** The SDK's full agent card for Troupe's reduced one: one JSON-RPC interface at `endpoint`. */
export function toSdkAgentCard(card: AgentCard, options: { streaming?: boolean } = {}): import('@a2a-js/sdk').AgentCard {
  return {
    name: card.name,
    description: card.description,
    version: '1.0.0',
    supportedInterfaces: [{ url: card.endpoint, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    capabilities: { streaming: options.streaming ?? true, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    signatures: [],
  };
}

/** The text of message parts: text parts as is, data parts as JSON. */
export function textOfParts(parts: readonly A2APart[] | undefined): string {
  let out = '';
  for (const part of parts ?? []) {
    const c = part.content;
    if (c?.$case === 'text') out += c.value;
    else if (c?.$case === 'data') out += JSON.stringify(c.value);
  }
  return out;
}

export interface A2ASendOptions {
  signal: AbortSignal;
  /** The A2A context (conversation) id; Troupe passes the thread id. */
  contextId?: string;
  metadata?: Record<string, unknown>;
  /** When given, the reply is streamed and each piece of text is handed here as it arrives. */
  onChunk?: (chunk: string) => void;
}

export class A2AAgentClient {
  private client: Promise<A2AClient> | undefined;

  constructor(
    private readonly agentId: string,
    private readonly card: AgentCard,
    private readonly timeoutMs: number = 60_000,
  ) {}

  /** Sends `text` and resolves with the remote agent's answer as text. */
  async send(text: string, options: A2ASendOptions): Promise<string> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([options.signal, timeout]);
    try {
      const { sdk } = await loadSdk();
      const client = await this.connect();
      const message: Partial<A2AMessage> = {
        messageId: randomUUID(),
        role: sdk.Role.ROLE_USER,
        parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
      };
      if (options.contextId !== undefined) message.contextId = options.contextId;
      if (options.metadata !== undefined) message.metadata = options.metadata;
      const params = { message } as Parameters<A2AClient['sendMessage']>[0];
      if (options.onChunk === undefined) {
        const result = await client.sendMessage(params, { signal });
        return this.textOfResult(result, sdk);
      }
      let all = '';
      for await (const event of client.sendMessageStream(params, { signal })) {
        const payload = event.payload;
        if (payload === undefined) continue;
        let piece = '';
        if (payload.$case === 'message') piece = textOfParts(payload.value.parts);
        else if (payload.$case === 'artifactUpdate') piece = textOfParts(payload.value.artifact?.parts);
        else if (payload.$case === 'statusUpdate') this.assertNotFailed(payload.value.status, sdk);
        else if (payload.$case === 'task') this.assertNotFailed(payload.value.status, sdk);
        if (piece !== '') {
          all += piece;
          options.onChunk(piece);
        }
      }
      return all;
    } catch (err) {
      throw this.failure(err, options.signal, timeout);
    }
  }

  private connect(): Promise<A2AClient> {
    if (this.client === undefined) {
      const connecting = loadSdk().then(({ client }) => new client.ClientFactory().createFromAgentCard(toSdkAgentCard(this.card)));
      // A failed attempt is not cached: the endpoint may come up later.
      connecting.catch(() => {
        if (this.client === connecting) this.client = undefined;
      });
      this.client = connecting;
    }
    return this.client;
  }

  private textOfResult(result: A2AMessage | A2ATask, sdk: Sdk): string {
    if ('messageId' in result && !('status' in result)) return textOfParts((result as A2AMessage).parts);
    const task = result as A2ATask;
    this.assertNotFailed(task.status, sdk);
    const fromArtifacts = task.artifacts.map((a) => textOfParts(a.parts)).join('');
    if (fromArtifacts !== '') return fromArtifacts;
    if (task.status?.message) return textOfParts(task.status.message.parts);
    const last = [...task.history].reverse().find((m) => m.role === sdk.Role.ROLE_AGENT);
    return last ? textOfParts(last.parts) : '';
  }

  private assertNotFailed(status: A2ATask['status'], sdk: Sdk): void {
    const state = status?.state;
    if (state === sdk.TaskState.TASK_STATE_FAILED || state === sdk.TaskState.TASK_STATE_REJECTED || state === sdk.TaskState.TASK_STATE_CANCELED) {
      const why = status?.message ? textOfParts(status.message.parts) : '';
      const name = sdk.TaskState[state] ?? String(state);
      throw this.error('ERR_REMOTE_AGENT_FAILED', `Remote agent ${this.agentId} at ${this.card.endpoint} ended the task as ${name}${why ? `: ${why}` : ''}`);
    }
  }

  private failure(err: unknown, caller: AbortSignal, timeout: AbortSignal): AgentError {
    if (err instanceof AgentError) return err;
    if (caller.aborted) return this.error('ERR_AGENT_CANCELLED', `Call to remote agent ${this.agentId} was cancelled`, err);
    if (timeout.aborted) {
      return this.error('ERR_AGENT_TIMEOUT', `Remote agent ${this.agentId} at ${this.card.endpoint} did not answer within ${this.timeoutMs} ms`, err);
    }
    const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
    const network = err instanceof TypeError && /fetch failed/i.test(err.message);
    if (network) {
      const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
      return this.error('ERR_REMOTE_AGENT_UNREACHABLE', `Remote agent ${this.agentId} at ${this.card.endpoint} cannot be reached${code}`, err);
    }
    return this.error('ERR_REMOTE_AGENT_FAILED', `Remote agent ${this.agentId} at ${this.card.endpoint} failed: ${describeError(err)}`, err);
  }

  private error(code: AgentErrorCode, message: string, cause?: unknown): AgentError {
    return new AgentError(code, message, { agentId: this.agentId, endpoint: this.card.endpoint }, cause);
  }
}
