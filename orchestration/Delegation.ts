/**
 * Delegation: one message sent to several agents under a strategy, with a result per agent.
 * An agent that fails or times out is a result with `success: false`, not an exception, so that
 * one bad agent does not cost the answers of the others; only the caller's own cancellation (and
 * invalid arguments) throw.
 */
import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import { callAgent, describeError, errorCode, type AgentInvoker, type CallOutcome } from './AgentInvoker.js';
import type { ContextSanitizer } from './ContextSanitizer.js';
import { DelegationError, type DelegationErrorCode } from './errors.js';
import { AgentMessage, type PlainData } from './Message.js';
import { parseOptions } from './parseOptions.js';

export type DelegationStrategy = 'parallel' | 'sequential' | 'first-success';

export interface DelegationOptions {
  /** `parallel` (default): all at once, wait for all. `sequential`: one after another, each given the
   * previous agent's response as content. `first-success`: all at once, the first success wins and
   * the others are aborted. */
  strategy?: DelegationStrategy;
  /** Deadline of each agent's answer (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The action passed to `invoke`; defaults to the message type. */
  action?: string;
  /** When given, content is redacted before any agent sees it. */
  sanitizer?: ContextSanitizer;
}

export interface DelegationFailure {
  code: string;
  message: string;
  /** For `ERR_DELEGATION_AGENT_FAILED`: the code of the agent's own error (e.g. `ERR_REMOTE_AGENT_UNREACHABLE`). */
  causeCode?: string;
}

export interface DelegationResult {
  agentId: string;
  success: boolean;
  response?: unknown;
  error?: DelegationFailure;
  latencyMs: number;
}

const OptionsSchema = z.strictObject({
  strategy: z.enum(['parallel', 'sequential', 'first-success']).optional(),
  timeoutMs: z.number().int().positive().optional(),
  signal: z.instanceof(AbortSignal).optional(),
  action: z.string().min(1).optional(),
  sanitizer: z.custom<ContextSanitizer>((v) => typeof (v as ContextSanitizer | null)?.sanitize === 'function').optional(),
});

const AgentsSchema = z
  .array(z.string().min(1))
  .refine((ids) => new Set(ids).size === ids.length, { message: 'must not name an agent twice' });

/**
 * Sends `message` to `agents` through `invoke(agentId, action, message, { signal, timeoutMs })`;
 * results come back in the order of `agents`.
 */
export async function delegate(
  message: AgentMessage,
  agents: readonly string[],
  options: DelegationOptions,
  invoke: AgentInvoker,
): Promise<DelegationResult[]> {
  const msg = parseOptions(AgentMessage, message, 'message');
  const ids = parseOptions(AgentsSchema, agents, 'agents');
  const opts = parseOptions(OptionsSchema, options, 'options');
  parseOptions(z.custom((v) => typeof v === 'function', { message: 'must be a function' }), invoke, 'invoke');
  const strategy = opts.strategy ?? 'parallel';
  if (ids.length === 0) {
    throw new DelegationError('ERR_DELEGATION_NO_AGENTS', 'Delegation needs at least one agent', { strategy });
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const action = opts.action ?? msg.type;
  const context = { strategy, agentIds: ids, ...(msg.threadId ? { threadId: msg.threadId } : {}), ...(msg.tenantId ? { tenantId: msg.tenantId } : {}) };

  const addressed = (agentId: string, content: unknown, previousAgentId?: string): AgentMessage => {
    const clean = opts.sanitizer ? opts.sanitizer.sanitize(content).value : content;
    const out: AgentMessage = { ...msg, recipient: agentId, content: clean as PlainData };
    if (previousAgentId !== undefined) out.metadata = { ...msg.metadata, previousAgentId };
    return out;
  };
  const aborted = (results: DelegationResult[]): DelegationError =>
    new DelegationError(
      'ERR_DELEGATION_ABORTED',
      `Delegation to ${ids.join(', ')} was cancelled: ${describeError(opts.signal!.reason)}`,
      { ...context, results },
      opts.signal!.reason,
    );

  if (strategy === 'sequential') {
    const results: DelegationResult[] = [];
    let content: unknown = msg.content;
    let previous: string | undefined;
    for (const agentId of ids) {
      const broken = results.find((r) => !r.success);
      if (broken) {
        results.push(failure(agentId, 'ERR_DELEGATION_SKIPPED', `Not asked: ${broken.agentId} failed earlier in the sequence`, 0));
        continue;
      }
      const outcome = await callAgent(invoke, agentId, action, addressed(agentId, content, previous), { signal: opts.signal, timeoutMs });
      if (!outcome.ok && outcome.reason === 'aborted') throw aborted(results);
      const result = toResult(agentId, outcome, timeoutMs);
      results.push(result);
      content = result.response;
      previous = agentId;
    }
    return results;
  }

  // Both concurrent strategies share one controller, so that a winner (or the caller) can stop the rest.
  const group = new AbortController();
  // Every agent in flight listens on it; delegating to many agents is not a listener leak.
  setMaxListeners(0, group.signal);
  const onCallerAbort = (): void => group.abort(opts.signal!.reason);
  if (opts.signal?.aborted) throw aborted([]);
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const started = performance.now();
    const results: (DelegationResult | undefined)[] = new Array(ids.length);
    await new Promise<void>((resolve) => {
      let pending = ids.length;
      ids.forEach((agentId, i) => {
        void callAgent(invoke, agentId, action, addressed(agentId, msg.content), { signal: group.signal, timeoutMs }).then((outcome) => {
          if (results[i] !== undefined) return;
          results[i] = toResult(agentId, outcome, timeoutMs);
          if (strategy === 'first-success' && outcome.ok && !group.signal.aborted) {
            // Fill the losers' results before aborting, so the returned array is complete now and
            // not whenever their invokers get round to noticing the abort.
            const latencyMs = Math.round(performance.now() - started);
            ids.forEach((loser, j) => {
              results[j] ??= failure(loser, 'ERR_DELEGATION_SUPERSEDED', `Aborted: ${agentId} answered first`, latencyMs);
            });
            group.abort(new DelegationError('ERR_DELEGATION_SUPERSEDED', `${agentId} answered first`, { ...context, agentId }));
            resolve();
          }
          if (--pending === 0) resolve();
        });
      });
    });
    if (opts.signal?.aborted) throw aborted(results.filter((r): r is DelegationResult => r !== undefined && r.error?.code !== 'ERR_DELEGATION_ABORTED'));
    return results as DelegationResult[];
  } finally {
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function failure(agentId: string, code: DelegationErrorCode, message: string, latencyMs: number): DelegationResult {
  return { agentId, success: false, error: { code, message }, latencyMs };
}

function toResult(agentId: string, outcome: CallOutcome, timeoutMs: number): DelegationResult {
  if (outcome.ok) return { agentId, success: true, response: outcome.value, latencyMs: outcome.latencyMs };
  switch (outcome.reason) {
    case 'timeout':
      return failure(agentId, 'ERR_DELEGATION_TIMEOUT', `${agentId} did not answer within ${timeoutMs} ms`, outcome.latencyMs);
    case 'aborted':
      return failure(agentId, 'ERR_DELEGATION_ABORTED', `${agentId} was aborted: ${describeError(outcome.error)}`, outcome.latencyMs);
    case 'failed': {
      const code = errorCode(outcome.error);
      const result = failure(
        agentId,
        'ERR_DELEGATION_AGENT_FAILED',
        `${agentId} failed${code ? ` (${code})` : ''}: ${describeError(outcome.error)}`,
        outcome.latencyMs,
      );
      if (code !== undefined) result.error!.causeCode = code;
      return result;
    }
  }
}

function asText(response: unknown): string {
  if (typeof response === 'string') return response;
  if (response === undefined) return '';
  return JSON.stringify(response, null, 2) ?? String(response);
}

/**
 * Joins the successful responses, in result order, as "From <agent>:\n<response>" blocks; failures
 * are listed too when `includeFailures` is set.
 */
export function synthesize(results: readonly DelegationResult[], options: { includeFailures?: boolean } = {}): string {
  const blocks: string[] = [];
  for (const r of results) {
    if (r.success) blocks.push(`From ${r.agentId}:\n${asText(r.response)}`);
    else if (options.includeFailures) blocks.push(`From ${r.agentId} (failed):\n${r.error?.message ?? 'unknown error'}`);
  }
  return blocks.length > 0 ? blocks.join('\n\n') : 'No agent returned a response.';
}

/** Turns delegation results into one answer; `synthesize` is the simplest, a coordinator agent another. */
export type Synthesizer = (results: readonly DelegationResult[], context?: { signal?: AbortSignal }) => Promise<string>;

export interface CoordinatorOptions {
  /** Default `synthesize`. */
  action?: string;
  /** Default 30 s. */
  timeoutMs?: number;
  /** What the coordinator is asked to do with the responses. */
  instruction?: string;
}

/**
 * A synthesizer that asks a coordinator agent to merge the responses. The coordinator receives
 * `{ instruction, text, responses }`, where `text` is the plain `synthesize` join and `responses`
 * the successful results; a non-string answer is rendered as JSON.
 */
export function coordinatorSynthesizer(coordinatorAgentId: string, invoke: AgentInvoker, options: CoordinatorOptions = {}): Synthesizer {
  parseOptions(z.string().min(1), coordinatorAgentId, 'coordinatorAgentId');
  const opts = parseOptions(
    z.strictObject({ action: z.string().min(1).optional(), timeoutMs: z.number().int().positive().optional(), instruction: z.string().optional() }),
    options,
    'options',
  );
  const action = opts.action ?? 'synthesize';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return async (results, context = {}) => {
    const input = {
      instruction: opts.instruction ?? 'Synthesize these agent responses into one answer.',
      text: synthesize(results),
      responses: results.filter((r) => r.success).map((r) => ({ agentId: r.agentId, response: r.response })),
    };
    const outcome = await callAgent(invoke, coordinatorAgentId, action, input, { signal: context.signal, timeoutMs });
    if (outcome.ok) return asText(outcome.value);
    const why = outcome.reason === 'timeout' ? `did not answer within ${timeoutMs} ms` : describeError(outcome.error);
    throw new DelegationError(
      outcome.reason === 'aborted' ? 'ERR_DELEGATION_ABORTED' : 'ERR_DELEGATION_SYNTHESIS_FAILED',
      `Coordinator ${coordinatorAgentId} could not synthesize: ${why}`,
      { agentId: coordinatorAgentId },
      outcome.error,
    );
  };
}
