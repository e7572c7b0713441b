/**
 * Routes a thread's message (seed 002): to the target of the thread's active handoff when there
 * is one, otherwise to normal orchestration (the default agent, or a route of the caller's
 * choosing). Either way the reply comes back as chunks, yielded as the agent produces them.
 */
import { z } from 'zod';
import type { AgentStream } from './AgentStream.js';
import type { HandoffManager } from './HandoffManager.js';
import type { PlainData } from './Message.js';
import { parseOptions } from './parseOptions.js';

export interface RouteRequest {
  threadId: string;
  tenantId: string;
  userId: string;
  message: string | PlainData;
  signal?: AbortSignal;
  /** The caller's roles: given, the request acts as the principal (tenantId, userId, roles). */
  roles?: readonly string[];
}

/** Where a message goes when no handoff is active: an agent id, or the chunks themselves. */
export type OrchestrationRoute = (request: RouteRequest) => string | AsyncIterable<string> | Promise<string | AsyncIterable<string>>;

export interface StreamRouterDeps {
  handoffs: HandoffManager;
  /** Streams `message` from `agentId` on the request's thread. */
  streamFrom(agentId: string, request: RouteRequest, extra: { handoffId?: string }): AgentStream;
  /** Normal orchestration; defaults to the orchestrator's default agent. */
  orchestrate: OrchestrationRoute;
}

const RequestSchema = z.object({
  threadId: z.string().min(1),
  tenantId: z.string().min(1),
  userId: z.string().min(1),
  message: z.unknown(),
  signal: z.instanceof(AbortSignal).optional(),
  roles: z.array(z.string()).optional(),
});

export class StreamRouter {
  constructor(private readonly deps: StreamRouterDeps) {}

  /** True when messages of the thread go to a handoff's target. Another tenant's thread is a `TenantIsolationError`. */
  isHandoffActive(threadId: string, tenantId: string): boolean {
    return this.deps.handoffs.active(threadId, { tenantId }) !== undefined;
  }

  /** The agent a message of the thread would go to now, and why. */
  async target(request: RouteRequest): Promise<{ via: 'handoff'; agentId: string; handoffId: string } | { via: 'orchestration'; agentId?: string }> {
    const handoff = this.deps.handoffs.active(request.threadId, { tenantId: request.tenantId });
    if (handoff !== undefined) return { via: 'handoff', agentId: handoff.targetAgentId, handoffId: handoff.id };
    const route = await this.deps.orchestrate(request);
    return typeof route === 'string' ? { via: 'orchestration', agentId: route } : { via: 'orchestration' };
  }

  /** The reply's chunks, as they come. */
  async *routeMessage(request: RouteRequest): AsyncIterable<string> {
    parseOptions(RequestSchema, request, 'request');
    const handoff = this.deps.handoffs.active(request.threadId, { tenantId: request.tenantId });
    if (handoff !== undefined) {
      yield* this.deps.streamFrom(handoff.targetAgentId, request, { handoffId: handoff.id });
      return;
    }
    const route = await this.deps.orchestrate(request);
    if (typeof route === 'string') yield* this.deps.streamFrom(route, request, {});
    else yield* route;
  }
}
