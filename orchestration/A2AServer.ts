/**
 * Exposes a Troupe agent as an Agent2Agent server (JSON-RPC binding over HTTP, with SSE for
 * streaming), built on the `@a2a-js/sdk` request handler and Node's own `http` server (no web
 * framework). Each A2A message becomes a streamed request to the agent actor: the reply's chunks
 * go out as artifact updates of one task as they are produced, and the task completes (or fails,
 * or is cancelled) with the agent. The agent card is served at `/.well-known/agent-card.json`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { textOfParts, toSdkAgentCard } from './A2AAgentClient.js';
import type { AgentCard } from './AgentDefinition.js';
import { describeError } from './AgentInvoker.js';
import { AgentError } from './errors.js';
import type { PlainData } from './Message.js';
import type { Orchestrator } from './Orchestrator.js';
import { parseOptions } from './parseOptions.js';

export interface A2AServerOptions {
  /** The Troupe agent that answers. */
  agentId: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  name?: string;
  description?: string;
  /** Deadline of one answer (default: the orchestrator's). */
  timeoutMs?: number;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface A2AServerHandle {
  /** The endpoint, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** The card to register this agent elsewhere with (`{ kind: 'a2a', card }`). */
  readonly card: AgentCard;
  close(): Promise<void>;
}

const OptionsSchema = z.strictObject({
  agentId: z.string().min(1),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  maxBodyBytes: z.number().int().positive().optional(),
});

/** Starts the server; resolves once it listens. */
export async function serveAgentOverA2A(orchestrator: Orchestrator, options: A2AServerOptions): Promise<A2AServerHandle> {
  const o = parseOptions(OptionsSchema, options, 'A2AServer');
  const info = orchestrator.getAgent(o.agentId);
  if (info === undefined) throw new AgentError('ERR_AGENT_NOT_FOUND', `No agent ${o.agentId} to expose over A2A`, { agentId: o.agentId });
  const [sdk, server] = await Promise.all([import('@a2a-js/sdk'), import('@a2a-js/sdk/server')]);
  const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore, JsonRpcTransportHandler, defaultServerCallContextBuilder } = server;
  const TaskState = sdk.TaskState;
  const maxBody = o.maxBodyBytes ?? 1 << 20;

  const card: AgentCard = {
    id: o.agentId,
    name: o.name ?? info.definition.name ?? o.agentId,
    description: o.description ?? info.definition.description ?? `Troupe agent ${o.agentId}`,
    endpoint: 'http://127.0.0.1/',
  };
  const running = new Map<string, AbortController>();

  const textPart = (text: string) => ({ content: { $case: 'text' as const, value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });
  const status = (taskId: string, contextId: string, state: number, text?: string) =>
    AgentEvent.statusUpdate({
      taskId,
      contextId,
      status: {
        state,
        timestamp: new Date().toISOString(),
        message:
          text === undefined
            ? undefined
            : { messageId: randomUUID(), contextId, taskId, role: sdk.Role.ROLE_AGENT, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] },
      },
      metadata: undefined,
    });

  const executor = {
    async execute(ctx: InstanceType<typeof server.RequestContext>, bus: import('@a2a-js/sdk/server').ExecutionEventBus): Promise<void> {
      const { taskId, contextId } = ctx;
      const input = ctx.userMessage;
      const text = textOfParts(input.parts);
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: new Date().toISOString() },
          artifacts: [],
          history: [input],
          metadata: undefined,
        }),
      );
      const controller = new AbortController();
      running.set(taskId, controller);
      const artifactId = randomUUID();
      let first = true;
      try {
        const stream = orchestrator.stream(text as PlainData, {
          agent: o.agentId,
          threadId: contextId,
          signal: controller.signal,
          sender: 'a2a-client',
          ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
        });
        for await (const chunk of stream) {
          bus.publish(
            AgentEvent.artifactUpdate({
              taskId,
              contextId,
              artifact: { artifactId, name: 'response', description: '', parts: [textPart(chunk)], metadata: undefined, extensions: [] },
              append: !first,
              lastChunk: false,
              metadata: undefined,
            }),
          );
          first = false;
        }
        await stream.response;
        bus.publish(status(taskId, contextId, TaskState.TASK_STATE_COMPLETED));
      } catch (err) {
        const cancelled = controller.signal.aborted;
        bus.publish(status(taskId, contextId, cancelled ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED, describeError(err)));
      } finally {
        running.delete(taskId);
        bus.finished();
      }
    },
    async cancelTask(taskId: string): Promise<void> {
      running.get(taskId)?.abort(new DOMException('cancelled by the A2A client', 'AbortError'));
    },
  };

  let endpoint = '';
  const sdkCard = () => toSdkAgentCard({ ...card, endpoint });
  // Made once the port is known, so that the card the handler holds names the real endpoint.
  let rpc: InstanceType<typeof JsonRpcTransportHandler> | undefined;

  const http: Server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: describeError(err) } }));
      } else res.end();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url?.split('?')[0] === `/${sdk.AGENT_CARD_PATH}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(sdkCard()));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    if (rpc === undefined) {
      res.writeHead(503).end();
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBody) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
      return;
    }
    const version = req.headers[sdk.A2A_VERSION_HEADER.toLowerCase()];
    const context = defaultServerCallContextBuilder({
      extensions: undefined,
      user: undefined,
      headers: req.headers as Record<string, string | string[] | undefined>,
      ...(typeof version === 'string' ? { requestedVersion: version } : {}),
    });
    const out = await rpc.handle(body, context);
    if (typeof (out as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      res.writeHead(200, sdk.SSE_HEADERS);
      try {
        for await (const event of out as AsyncIterable<unknown>) res.write(sdk.formatSSEEvent(event as never));
      } catch (err) {
        res.write(sdk.formatSSEErrorEvent({ jsonrpc: '2.0', id: (body.id as string | number | null) ?? null, error: JsonRpcTransportHandler.mapToJSONRPCError(err) } as never));
      }
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  endpoint = `http://${host}:${address.port}/`;
  card.endpoint = endpoint;
  rpc = new JsonRpcTransportHandler(new DefaultRequestHandler(sdkCard(), new InMemoryTaskStore(), executor));

  return {
    url: endpoint,
    card: { ...card },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of running.values()) c.abort(new DOMException('A2A server closing', 'AbortError'));
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
