/**
 * Handoffs: a source agent hands a thread over to a specialised target agent, which then talks to
 * the user directly until it completes the work (control returns with a result) or the handoff is
 * cancelled. At most one handoff is active per thread. State lives in the `KeyValueStore`, which is
 * the only source of truth, so a new manager over the same store sees what an earlier one left.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import { defaultLoggerFor } from '../runtime/logger.js';
import { describeError } from './AgentInvoker.js';
import type { ContextSanitizer } from './ContextSanitizer.js';
import { HandoffError, TenantIsolationError } from './errors.js';
import { EventHub } from './EventHub.js';
import type { KeyValueStore } from './KeyValueStore.js';
import { parseOptions } from './parseOptions.js';
import type { ThreadRegistry } from './ThreadRegistry.js';

export type HandoffState = 'active' | 'completed' | 'cancelled';

export interface HandoffRequest {
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  targetAgentId: string;
  contextSummary: string;
  reason: string;
}

export interface Handoff extends HandoffRequest {
  id: string;
  state: HandoffState;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  estimatedDurationSeconds?: number;
  resultSummary?: string;
  artifacts?: string[];
  cancelReason?: string;
}

/** What a target agent answers when asked to take a thread over. */
export interface HandoffDecision {
  accepted: boolean;
  reason?: string;
  estimatedDurationSeconds?: number;
}

export type AcceptHandoffHook = (
  request: HandoffRequest & { handoffId: string },
  context: { signal: AbortSignal },
) => boolean | HandoffDecision | Promise<boolean | HandoffDecision>;

export type HandoffRejectionCode = 'already-active' | 'refused' | 'hook-failed' | 'hook-timeout';

export type InitiateResult =
  | { accepted: true; handoff: Handoff }
  | { accepted: false; reason: string; code: HandoffRejectionCode };

export interface HandoffEvents extends Record<string, unknown> {
  requested: { handoffId: string; request: HandoffRequest };
  accepted: { handoff: Handoff };
  rejected: { handoffId: string; request: HandoffRequest; reason: string; code: HandoffRejectionCode };
  completed: { handoff: Handoff };
  cancelled: { handoff: Handoff };
}

export interface HandoffManagerOptions {
  store: KeyValueStore;
  /** Asked before a handoff becomes active; without it every handoff to a free thread is accepted. */
  acceptHandoff?: AcceptHandoffHook;
  /** How long `acceptHandoff` may take before the handoff is rejected. */
  acceptTimeoutMs?: number;
  /** When given, `initiate` checks that the thread belongs to the request's tenant and user. */
  threads?: ThreadRegistry;
  /** When given, the context summary is redacted before the target agent (or the store) sees it. */
  sanitizer?: ContextSanitizer;
  namespace?: string;
  now?: () => number;
  logger?: Logger;
}

const id = z.string().min(1);
const RequestSchema = z
  .strictObject({
    threadId: id,
    tenantId: id,
    userId: id,
    sourceAgentId: id,
    targetAgentId: id,
    contextSummary: z.string(),
    reason: z.string().min(1),
  })
  .refine((r) => r.sourceAgentId !== r.targetAgentId, {
    message: 'must differ from sourceAgentId',
    path: ['targetAgentId'],
  });

const CompleteSchema = z.strictObject({
  resultSummary: z.string(),
  artifacts: z.array(z.string()).optional(),
  tenantId: id.optional(),
});

const DecisionSchema = z.union([
  z.boolean(),
  z.object({
    accepted: z.boolean(),
    reason: z.string().optional(),
    estimatedDurationSeconds: z.number().nonnegative().optional(),
  }),
]);

export class HandoffManager {
  private readonly store: KeyValueStore;
  private readonly options: HandoffManagerOptions;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly events: EventHub<HandoffEvents>;
  /**
   * Threads with a transition in flight. Transitions await the accept hook and the store, and two
   * concurrent ones on a thread (two initiations, or a complete racing a cancel) must not both
   * start from the same state.
   */
  private readonly busy = new Set<string>();

  constructor(options: HandoffManagerOptions) {
    parseOptions(
      z.object({ acceptTimeoutMs: z.number().int().positive().optional(), namespace: z.string().min(1).optional() }),
      options,
      'HandoffManager',
    );
    this.options = options;
    this.store = options.store;
    this.prefix = `${options.namespace ?? 'troupe/orchestration'}/handoff/`;
    this.now = options.now ?? Date.now;
    this.logger = (options.logger ?? defaultLoggerFor()).child({ component: 'HandoffManager' });
    this.events = new EventHub(this.logger);
  }

  on<E extends keyof HandoffEvents>(event: E, listener: (payload: HandoffEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Asks the target to take the thread over. Refusals are results, not errors: a thread that
   * already has an active handoff, or a target that declines (or fails or times out answering).
   * A thread of another tenant or user is a `TenantIsolationError` when a thread registry is set.
   */
  async initiate(request: HandoffRequest): Promise<InitiateResult> {
    const req: HandoffRequest = parseOptions(RequestSchema, request, 'handoff');
    this.options.threads?.assertOwnership({ tenantId: req.tenantId, userId: req.userId }, req.threadId);
    const handoffId = randomUUID();

    const current = this.busy.has(req.threadId) ? 'busy' : this.active(req.threadId, { tenantId: req.tenantId });
    if (current !== undefined) {
      const reason =
        current === 'busy'
          ? `Another handoff transition is in progress on thread ${req.threadId}`
          : `Thread ${req.threadId} already has an active handoff to ${current.targetAgentId}`;
      return this.reject(handoffId, req, reason, 'already-active');
    }

    this.busy.add(req.threadId);
    try {
      if (this.options.sanitizer) req.contextSummary = this.options.sanitizer.sanitize(req.contextSummary).value;
      this.events.emit('requested', { handoffId, request: req });
      const decision = await this.askTarget(handoffId, req);
      if (!decision.accepted) return this.reject(handoffId, req, decision.reason, decision.code);

      const at = this.now();
      const handoff: Handoff = { ...req, id: handoffId, state: 'active', createdAt: at, updatedAt: at };
      if (decision.estimatedDurationSeconds !== undefined) handoff.estimatedDurationSeconds = decision.estimatedDurationSeconds;
      const recordKey = this.recordKey(req.threadId, at, handoffId);
      // Record before pointer: a crash between the two leaves no active handoff, never a dangling one.
      await this.persist(handoff, () => this.store.put(recordKey, handoff));
      await this.persist(handoff, () => this.store.put(this.activeKey(req.threadId), recordKey));
      this.logger.info({ threadId: req.threadId, handoffId, targetAgentId: req.targetAgentId }, 'handoff accepted');
      this.events.emit('accepted', { handoff });
      return { accepted: true, handoff };
    } finally {
      this.busy.delete(req.threadId);
    }
  }

  /** The thread's active handoff, if any. With `tenantId`, another tenant's handoff is an error. */
  active(threadId: string, options: { tenantId?: string } = {}): Handoff | undefined {
    const recordKey = this.store.get(this.activeKey(threadId));
    if (typeof recordKey !== 'string') return undefined;
    const handoff = this.store.get(recordKey) as Handoff | undefined;
    // A pointer left behind by a crash between finishing the record and removing the pointer.
    if (handoff === undefined || handoff.state !== 'active') return undefined;
    this.assertTenant(handoff, options.tenantId);
    return handoff;
  }

  /** Every handoff the thread has had, oldest first. */
  history(threadId: string, options: { tenantId?: string } = {}): Handoff[] {
    const out: Handoff[] = [];
    for (const { value } of this.store.range(this.recordPrefix(threadId))) {
      const handoff = value as Handoff;
      this.assertTenant(handoff, options.tenantId);
      out.push(handoff);
    }
    return out;
  }

  /** The target finished: control returns to the source agent with a result. */
  async complete(
    threadId: string,
    result: { resultSummary: string; artifacts?: string[]; tenantId?: string },
  ): Promise<Handoff> {
    const r = parseOptions(CompleteSchema, result, 'result');
    return this.finish(threadId, r.tenantId, 'completed', (h) => {
      h.resultSummary = r.resultSummary;
      h.artifacts = r.artifacts ?? [];
    });
  }

  /** The handoff is abandoned (user exit, target failure); control returns to the source agent. */
  async cancel(threadId: string, reason: string, options: { tenantId?: string } = {}): Promise<Handoff> {
    parseOptions(z.string(), reason, 'reason');
    return this.finish(threadId, options.tenantId, 'cancelled', (h) => {
      h.cancelReason = reason;
    });
  }

  private async finish(
    threadId: string,
    tenantId: string | undefined,
    state: 'completed' | 'cancelled',
    apply: (handoff: Handoff) => void,
  ): Promise<Handoff> {
    const current = this.active(threadId, { tenantId });
    if (current === undefined || this.busy.has(threadId)) {
      throw new HandoffError('ERR_HANDOFF_NOT_ACTIVE', `Thread ${threadId} has no active handoff to ${state === 'completed' ? 'complete' : 'cancel'}`, {
        threadId,
        ...(tenantId !== undefined ? { tenantId } : {}),
      });
    }
    const handoff: Handoff = { ...current, state, updatedAt: this.now() };
    apply(handoff);
    this.busy.add(threadId);
    try {
      // Record before pointer: a crash between the two leaves a pointer `active()` ignores.
      await this.persist(handoff, () => this.store.put(this.recordKey(threadId, handoff.createdAt, handoff.id), handoff));
      await this.persist(handoff, () => this.store.remove(this.activeKey(threadId)));
    } finally {
      this.busy.delete(threadId);
    }
    this.logger.info({ threadId, handoffId: handoff.id, state }, `handoff ${state}`);
    this.events.emit(state, { handoff });
    return handoff;
  }

  private async askTarget(
    handoffId: string,
    req: HandoffRequest,
  ): Promise<{ accepted: true; estimatedDurationSeconds?: number } | { accepted: false; reason: string; code: HandoffRejectionCode }> {
    const hook = this.options.acceptHandoff;
    if (!hook) return { accepted: true };
    const timeoutMs = this.options.acceptTimeoutMs ?? 10_000;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const answer = await Promise.race([
        Promise.resolve().then(() => hook({ ...req, handoffId }, { signal: controller.signal })),
        timeout,
      ]);
      if (answer === 'timeout') {
        controller.abort(new DOMException('handoff acceptance timed out', 'TimeoutError'));
        return {
          accepted: false,
          code: 'hook-timeout',
          reason: `Target agent ${req.targetAgentId} did not answer the handoff within ${timeoutMs} ms`,
        };
      }
      const parsed = DecisionSchema.safeParse(answer);
      if (!parsed.success) {
        return { accepted: false, code: 'hook-failed', reason: `Target agent ${req.targetAgentId} gave an unreadable answer to the handoff` };
      }
      const decision = typeof parsed.data === 'boolean' ? { accepted: parsed.data } : parsed.data;
      if (!decision.accepted) {
        return { accepted: false, code: 'refused', reason: decision.reason ?? `Target agent ${req.targetAgentId} refused the handoff` };
      }
      return decision.estimatedDurationSeconds !== undefined
        ? { accepted: true, estimatedDurationSeconds: decision.estimatedDurationSeconds }
        : { accepted: true };
    } catch (err) {
      this.logger.warn({ err, threadId: req.threadId, targetAgentId: req.targetAgentId }, 'acceptHandoff hook threw');
      return {
        accepted: false,
        code: 'hook-failed',
        reason: `Target agent ${req.targetAgentId} failed to answer the handoff: ${describeError(err)}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private reject(handoffId: string, request: HandoffRequest, reason: string, code: HandoffRejectionCode): InitiateResult {
    this.logger.info({ threadId: request.threadId, targetAgentId: request.targetAgentId, code }, 'handoff rejected');
    this.events.emit('rejected', { handoffId, request, reason, code });
    return { accepted: false, reason, code };
  }

  private assertTenant(handoff: Handoff, tenantId: string | undefined): void {
    if (tenantId !== undefined && handoff.tenantId !== tenantId) {
      throw new TenantIsolationError(
        'ERR_TENANT_ISOLATION',
        `Thread ${handoff.threadId} does not belong to tenant ${tenantId}`,
        { threadId: handoff.threadId, tenantId },
      );
    }
  }

  private async persist(handoff: Handoff, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      throw new HandoffError(
        'ERR_HANDOFF_PERSISTENCE',
        `Could not record handoff ${handoff.id} on thread ${handoff.threadId}: ${describeError(err)}`,
        { threadId: handoff.threadId, handoffId: handoff.id, tenantId: handoff.tenantId },
        err,
      );
    }
  }

  private recordPrefix(threadId: string): string {
    return `${this.prefix}record/${encodeURIComponent(threadId)}/`;
  }

  /** Zero-padded creation time so that a prefix range lists a thread's handoffs in order. */
  private recordKey(threadId: string, createdAt: number, handoffId: string): string {
    return `${this.recordPrefix(threadId)}${String(createdAt).padStart(15, '0')}-${handoffId}`;
  }

  private activeKey(threadId: string): string {
    return `${this.prefix}active/${encodeURIComponent(threadId)}`;
  }
}
