/**
 * The three classic coordination shapes without a workflow definition: a pipeline (each agent gets
 * the previous one's output), a parallel fan-out of the same input, and scatter-gather (chunks
 * spread over workers, results aggregated). Every call runs under a per-call deadline (30 s unless
 * set) and an optional overall one, and stops on the caller's AbortSignal; the first failure stops
 * the calls still running, whose signals fire.
 */
import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import { callAgent, describeError, type AgentInvoker, type CallOutcome } from './AgentInvoker.js';
import { PermissionError, TenantIsolationError, WorkflowError } from './errors.js';
import { parseOptions } from './parseOptions.js';

export interface AgentTarget {
  agent: string;
  action: string;
}

export interface PatternOptions {
  invoke: AgentInvoker;
  signal?: AbortSignal;
  /** Deadline of each agent call. */
  timeoutMs?: number;
  /** Deadline of the whole pattern. */
  totalTimeoutMs?: number;
}

export interface ScatterGatherOptions extends PatternOptions {
  /** Chunks in flight at once, at most; all of them when unset. */
  concurrency?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const TargetSchema = z.strictObject({ agent: z.string().min(1), action: z.string().min(1) });
const OptionsSchema = z.strictObject({
  invoke: z.custom<AgentInvoker>((v) => typeof v === 'function', { message: 'must be a function' }),
  signal: z.instanceof(AbortSignal).optional(),
  timeoutMs: z.number().int().positive().optional(),
  totalTimeoutMs: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
});

/** Each agent receives the previous agent's output; the first gets `input`. Returns the last output. */
export async function pipeline(stages: readonly AgentTarget[], input: unknown, options: PatternOptions): Promise<unknown> {
  const opts = parseOptions(OptionsSchema, options, 'options');
  parseOptions(z.array(TargetSchema).min(1), stages, 'stages');
  return withGroup(opts, async (group) => {
    let value = input;
    for (const [index, stage] of stages.entries()) value = await group.call(stage, value, index);
    return value;
  });
}

/** Every agent receives the same input; outputs come back in the order of `targets`. */
export async function parallel(targets: readonly AgentTarget[], input: unknown, options: PatternOptions): Promise<unknown[]> {
  const opts = parseOptions(OptionsSchema, options, 'options');
  parseOptions(z.array(TargetSchema).min(1), targets, 'targets');
  return withGroup(opts, (group) => Promise.all(targets.map((t, index) => group.call(t, input, index))));
}

/**
 * Sends chunk i to `worker` (or to `worker[i % worker.length]` when given several), then hands the
 * outputs, in chunk order, to `aggregate`.
 */
export async function scatterGather<R>(
  chunks: readonly unknown[],
  worker: AgentTarget | readonly AgentTarget[],
  aggregate: (results: unknown[], context: { signal: AbortSignal }) => R | Promise<R>,
  options: ScatterGatherOptions,
): Promise<R> {
  const opts = parseOptions(OptionsSchema, options, 'options');
  parseOptions(z.array(z.unknown()), chunks, 'chunks');
  const workers = Array.isArray(worker) ? (worker as readonly AgentTarget[]) : [worker as AgentTarget];
  parseOptions(z.array(TargetSchema).min(1), workers, 'worker');
  parseOptions(z.custom((v) => typeof v === 'function', { message: 'must be a function' }), aggregate, 'aggregate');
  return withGroup(opts, async (group) => {
    const results: unknown[] = new Array(chunks.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) {
        const index = next++;
        results[index] = await group.call(workers[index % workers.length]!, chunks[index], index);
      }
    };
    const lanes = Math.min(opts.concurrency ?? chunks.length, chunks.length);
    await Promise.all(Array.from({ length: lanes }, lane));
    return aggregate(results, { signal: group.signal });
  });
}

interface Group {
  signal: AbortSignal;
  call(target: AgentTarget, input: unknown, index: number): Promise<unknown>;
}

/**
 * Runs `body` with a shared signal that fires on the caller's abort, the overall deadline, or the
 * first failed call, and turns call outcomes into `WorkflowError`s.
 */
async function withGroup<T>(opts: z.output<typeof OptionsSchema>, body: (group: Group) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every call in flight listens on it; a wide fan-out is not a listener leak.
  setMaxListeners(0, controller.signal);
  // What stops the group: a WorkflowError, or a refusal passed through as it is (see call).
  let stopped: WorkflowError | TenantIsolationError | PermissionError | undefined;
  const stop = (error: NonNullable<typeof stopped>): NonNullable<typeof stopped> => {
    stopped ??= error;
    controller.abort(stopped);
    return stopped;
  };
  const onCallerAbort = (): void => {
    stop(new WorkflowError('ERR_WORKFLOW_CANCELLED', `Cancelled: ${describeError(opts.signal!.reason)}`, {}, opts.signal!.reason));
  };
  if (opts.signal?.aborted) onCallerAbort();
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const totalTimer =
    opts.totalTimeoutMs !== undefined
      ? setTimeout(() => stop(new WorkflowError('ERR_WORKFLOW_TIMEOUT', `Did not finish within ${opts.totalTimeoutMs} ms`)), opts.totalTimeoutMs)
      : undefined;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;

  const group: Group = {
    signal: controller.signal,
    async call(target, input, index) {
      if (stopped) throw stopped;
      const outcome: CallOutcome = await callAgent(opts.invoke, target.agent, target.action, input, {
        signal: controller.signal,
        timeoutMs,
      });
      if (outcome.ok) return outcome.value;
      const context = { agentId: target.agent, action: target.action, index };
      if (outcome.reason === 'aborted') throw stopped ?? stop(new WorkflowError('ERR_WORKFLOW_CANCELLED', 'Cancelled', context));
      // A refusal on tenancy or permission grounds is the caller's answer as it stands (a gateway
      // maps it to 403), not a step that failed.
      if (outcome.error instanceof TenantIsolationError || outcome.error instanceof PermissionError) throw stop(outcome.error);
      throw stop(
        outcome.reason === 'timeout'
          ? new WorkflowError('ERR_WORKFLOW_STEP_TIMEOUT', `Agent ${target.agent} did not answer ${target.action} within ${timeoutMs} ms`, context)
          : new WorkflowError(
              'ERR_WORKFLOW_STEP_FAILED',
              `Agent ${target.agent} failed ${target.action}: ${describeError(outcome.error)}`,
              context,
              outcome.error,
            ),
      );
    },
  };

  try {
    if (stopped) throw stopped;
    const value = await body(group);
    // The deadline or the caller may have fired while a synchronous aggregate ran.
    if (stopped) throw stopped;
    return value;
  } catch (err) {
    // A failure inside `body` that is not a call's (e.g. aggregate threw) still stops the rest.
    if (!stopped) controller.abort(err);
    throw err;
  } finally {
    clearTimeout(totalTimer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}
