/**
 * Runs workflow definitions against an injected `AgentInvoker`: independent steps side by side,
 * each attempt under its own deadline, failed attempts retried with backoff. The run's record is
 * written to the store after every step that ends, so a runner created after a crash can `resume`
 * the run and re-run only the steps that had not completed.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import { defaultLoggerFor } from '../runtime/logger.js';
import { callAgent, describeError, type AgentInvoker } from './AgentInvoker.js';
import { WorkflowError, type WorkflowErrorCode } from './errors.js';
import type { KeyValueStore } from './KeyValueStore.js';
import { parseOptions } from './parseOptions.js';
import {
  defaultInputOf,
  defineWorkflow,
  resolveReferences,
  type CompiledStep,
  type Workflow,
  type WorkflowDefinition,
} from './Workflow.js';

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface FailureInfo {
  code: string;
  message: string;
  stepId?: string;
}

export interface StepRecord {
  id: string;
  status: StepStatus;
  attempts: number;
  /** Epoch milliseconds of the first attempt. */
  startedAt?: number;
  finishedAt?: number;
  output?: unknown;
  error?: FailureInfo;
}

export interface WorkflowRunRecord {
  runId: string;
  workflowId: string;
  definition: WorkflowDefinition;
  input: unknown;
  status: RunStatus;
  steps: StepRecord[];
  output?: unknown;
  error?: FailureInfo;
  createdAt: number;
  updatedAt: number;
}

export interface WorkflowRunResult {
  runId: string;
  workflowId: string;
  status: Exclude<RunStatus, 'running'>;
  output?: unknown;
  error?: FailureInfo;
  /** In declaration order. */
  steps: StepRecord[];
}

export interface WorkflowRunnerOptions {
  invoke: AgentInvoker;
  store: KeyValueStore;
  /** Steps started at once, at most. */
  maxConcurrency?: number;
  /** Deadline of a step attempt that sets no `timeoutMs`; no attempt runs unbounded. */
  defaultStepTimeoutMs?: number;
  namespace?: string;
  now?: () => number;
  logger?: Logger;
}

export interface RunOptions {
  /** Chosen by the caller to find the run again (e.g. to resume it); a fresh UUID otherwise. */
  runId?: string;
  signal?: AbortSignal;
  /** Deadline of the whole run. */
  timeoutMs?: number;
}

const RunnerOptionsSchema = z.object({
  invoke: z.custom<AgentInvoker>((v) => typeof v === 'function', { message: 'must be a function' }),
  store: z.custom<KeyValueStore>((v) => typeof v === 'object' && v !== null, { message: 'must be a KeyValueStore' }),
  maxConcurrency: z.number().int().positive().optional(),
  defaultStepTimeoutMs: z.number().int().positive().optional(),
  namespace: z.string().min(1).optional(),
});

const RunOptionsSchema = z.strictObject({
  runId: z.string().min(1).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  timeoutMs: z.number().int().positive().optional(),
});

/** Why the run's own controller fired; decides the run's final status. */
type StopReason = { kind: 'cancelled'; reason: unknown } | { kind: 'timeout' } | { kind: 'failed' };

export class WorkflowRunner {
  private readonly invoke: AgentInvoker;
  private readonly store: KeyValueStore;
  private readonly maxConcurrency: number;
  private readonly defaultStepTimeoutMs: number;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly executing = new Set<string>();

  constructor(options: WorkflowRunnerOptions) {
    parseOptions(RunnerOptionsSchema, options, 'WorkflowRunner');
    this.invoke = options.invoke;
    this.store = options.store;
    this.maxConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    this.defaultStepTimeoutMs = options.defaultStepTimeoutMs ?? 300_000;
    this.prefix = `${options.namespace ?? 'troupe/orchestration'}/workflow-run/`;
    this.now = options.now ?? Date.now;
    this.logger = (options.logger ?? defaultLoggerFor()).child({ component: 'WorkflowRunner' });
  }

  /**
   * Runs a workflow to its end. Step failures, cancellation and timeouts are reported in the
   * result's `status` and `error`, not thrown; an invalid definition, a taken `runId` and a store
   * that cannot record progress are thrown as `WorkflowError` / `InvalidOptionError`.
   */
  async run(definition: WorkflowDefinition | Workflow, input?: unknown, options: RunOptions = {}): Promise<WorkflowRunResult> {
    const opts = parseOptions(RunOptionsSchema, options, 'options');
    const workflow = 'sinks' in definition ? definition : defineWorkflow(definition);
    const runId = opts.runId ?? randomUUID();
    if (this.executing.has(runId) || this.store.get(this.key(runId)) !== undefined) {
      throw new WorkflowError('ERR_WORKFLOW_ALREADY_RUNNING', `Workflow run ${runId} already exists; use resume()`, {
        workflowId: workflow.id,
        runId,
      });
    }
    const at = this.now();
    const record: WorkflowRunRecord = {
      runId,
      workflowId: workflow.id,
      definition: workflow.definition,
      input,
      status: 'running',
      steps: workflow.steps.map((s) => ({ id: s.id, status: 'pending', attempts: 0 })),
      createdAt: at,
      updatedAt: at,
    };
    return this.execute(workflow, record, { ...opts, runId });
  }

  /**
   * Continues a run recorded in the store, by this runner or by one that is gone: completed steps
   * keep their outputs and are not invoked again; every other step runs afresh. A run that had
   * already completed returns its recorded result.
   */
  async resume(runId: string, options: Omit<RunOptions, 'runId'> = {}): Promise<WorkflowRunResult> {
    const opts = parseOptions(RunOptionsSchema.omit({ runId: true }), options, 'options');
    const record = this.getRun(runId);
    if (record === undefined) {
      throw new WorkflowError('ERR_WORKFLOW_RUN_NOT_FOUND', `No workflow run ${runId} is recorded`, { runId });
    }
    if (record.status === 'completed') return toResult(record);
    if (this.executing.has(runId)) {
      throw new WorkflowError('ERR_WORKFLOW_ALREADY_RUNNING', `Workflow run ${runId} is still running in this runner`, {
        runId,
        workflowId: record.workflowId,
      });
    }
    const workflow = defineWorkflow(record.definition);
    const previous = new Map(record.steps.map((s) => [s.id, s]));
    record.steps = workflow.steps.map((s) => {
      const done = previous.get(s.id);
      return done?.status === 'completed' ? done : { id: s.id, status: 'pending', attempts: 0 };
    });
    record.status = 'running';
    delete record.error;
    delete record.output;
    this.logger.info({ runId, workflowId: record.workflowId }, 'resuming workflow run');
    return this.execute(workflow, record, { ...opts, runId });
  }

  /**
   * The recorded state of a run, whether finished, interrupted or in progress. The record is
   * written when the run starts, when each step ends and when the run ends (a step's start costs
   * no write), so a step in progress shows as `pending` here.
   */
  getRun(runId: string): WorkflowRunRecord | undefined {
    return this.store.get(this.key(runId)) as WorkflowRunRecord | undefined;
  }

  /** Recorded runs, e.g. `{ status: 'running' }` after a restart to find the interrupted ones. */
  listRuns(filter: { status?: RunStatus; workflowId?: string } = {}): WorkflowRunRecord[] {
    const out: WorkflowRunRecord[] = [];
    for (const { value } of this.store.range(this.prefix)) {
      const r = value as WorkflowRunRecord;
      if ((filter.status === undefined || r.status === filter.status) && (filter.workflowId === undefined || r.workflowId === filter.workflowId)) {
        out.push(r);
      }
    }
    return out;
  }

  private async execute(workflow: Workflow, record: WorkflowRunRecord, opts: RunOptions & { runId: string }): Promise<WorkflowRunResult> {
    const { runId } = opts;
    const log = this.logger.child({ runId, workflowId: workflow.id });
    this.executing.add(runId);
    const run = new AbortController();
    // Every step in flight listens on it; a wide workflow is not a listener leak.
    setMaxListeners(0, run.signal);
    let stop: StopReason | undefined;
    const halt = (reason: StopReason): void => {
      if (stop) return;
      stop = reason;
      run.abort(reason.kind === 'cancelled' ? reason.reason : new DOMException(`workflow run ${reason.kind}`, 'AbortError'));
    };
    const onCallerAbort = (): void => halt({ kind: 'cancelled', reason: opts.signal!.reason });
    opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (opts.signal?.aborted) onCallerAbort();
    const runTimer = opts.timeoutMs !== undefined ? setTimeout(() => halt({ kind: 'timeout' }), opts.timeoutMs) : undefined;

    const persistence = new PersistQueue(this.store, this.key(runId), () => {
      record.updatedAt = this.now();
      return record;
    });
    const stepRecords = new Map(record.steps.map((s) => [s.id, s]));
    const outputs = new Map<string, unknown>();
    for (const s of record.steps) if (s.status === 'completed') outputs.set(s.id, s.output);
    let firstFailure: FailureInfo | undefined;
    let persistFailure: unknown;

    try {
      await persistence.save();
      const inFlight = new Map<string, Promise<void>>();
      for (;;) {
        if (!stop) {
          for (const step of workflow.steps) {
            if (inFlight.size >= this.maxConcurrency) break;
            const rec = stepRecords.get(step.id)!;
            if (rec.status !== 'pending') continue;
            if (!step.dependsOn.every((d) => stepRecords.get(d)!.status === 'completed')) continue;
            const task = this.runStep(workflow, step, rec, { input: record.input, outputs }, run.signal, log).then(async () => {
              inFlight.delete(step.id);
              if (rec.status === 'completed') outputs.set(step.id, rec.output);
              if (rec.status === 'failed') {
                firstFailure ??= { ...rec.error!, stepId: step.id };
                halt({ kind: 'failed' });
              }
              try {
                await persistence.save();
              } catch (err) {
                // Kept, not thrown: the other steps in flight must be stopped and awaited first.
                persistFailure ??= err;
                halt({ kind: 'failed' });
              }
            });
            inFlight.set(step.id, task);
          }
        }
        if (inFlight.size === 0) break;
        await Promise.race(inFlight.values());
      }
      if (persistFailure !== undefined) throw persistFailure;

      for (const rec of record.steps) if (rec.status === 'pending') rec.status = 'skipped';
      if (record.steps.every((s) => s.status === 'completed')) {
        try {
          record.output = this.outputOf(workflow, { input: record.input, outputs });
          record.status = 'completed';
        } catch (err) {
          record.status = 'failed';
          record.error = { code: (err as WorkflowError).code ?? 'ERR_WORKFLOW_UNRESOLVED_REFERENCE', message: describeError(err) };
        }
      } else if (stop?.kind === 'cancelled') {
        record.status = 'cancelled';
        record.error = { code: 'ERR_WORKFLOW_CANCELLED', message: `Workflow run ${runId} was cancelled: ${describeError(stop.reason)}` };
      } else if (stop?.kind === 'timeout') {
        record.status = 'failed';
        record.error = { code: 'ERR_WORKFLOW_TIMEOUT', message: `Workflow run ${runId} did not finish within ${opts.timeoutMs} ms` };
      } else {
        record.status = 'failed';
        record.error = firstFailure ?? { code: 'ERR_WORKFLOW_STEP_FAILED', message: `Workflow run ${runId} did not complete` };
      }
      await persistence.save();
      log.info({ status: record.status }, 'workflow run finished');
      return toResult(record);
    } catch (err) {
      halt({ kind: 'failed' });
      if (err instanceof WorkflowError) throw err;
      throw new WorkflowError(
        'ERR_WORKFLOW_PERSISTENCE',
        `Workflow run ${runId} could not record its progress: ${describeError(err)}`,
        { runId, workflowId: workflow.id },
        err,
      );
    } finally {
      clearTimeout(runTimer);
      opts.signal?.removeEventListener('abort', onCallerAbort);
      this.executing.delete(runId);
    }
  }

  /** Runs one step's attempts; leaves the outcome in `rec` and never throws. */
  private async runStep(
    workflow: Workflow,
    step: CompiledStep,
    rec: StepRecord,
    scope: { input: unknown; outputs: Map<string, unknown> },
    runSignal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    rec.status = 'running';
    rec.startedAt = this.now();
    const where = { workflowId: workflow.id, stepId: step.id };
    let input: unknown;
    try {
      input = step.input === undefined ? defaultInputOf(step, scope) : resolveReferences(step.input, scope, where);
    } catch (err) {
      this.fail(rec, (err as WorkflowError).code, describeError(err));
      return;
    }
    const maxAttempts = step.retry?.attempts ?? 1;
    const timeoutMs = step.timeoutMs ?? this.defaultStepTimeoutMs;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      rec.attempts = attempt;
      log.debug({ stepId: step.id, attempt }, 'step attempt');
      const outcome = await callAgent(this.invoke, step.agent, step.action, input, { signal: runSignal, timeoutMs });
      if (outcome.ok) {
        rec.status = 'completed';
        rec.output = outcome.value;
        rec.finishedAt = this.now();
        delete rec.error;
        return;
      }
      if (outcome.reason === 'aborted') {
        this.cancel(rec, step, runSignal.reason);
        return;
      }
      const [code, message]: [WorkflowErrorCode, string] =
        outcome.reason === 'timeout'
          ? ['ERR_WORKFLOW_STEP_TIMEOUT', `Step '${step.id}' (agent ${step.agent}, action ${step.action}) timed out after ${timeoutMs} ms`]
          : ['ERR_WORKFLOW_STEP_FAILED', `Step '${step.id}' (agent ${step.agent}, action ${step.action}) failed: ${describeError(outcome.error)}`];
      rec.error = { code, message: maxAttempts > 1 ? `${message} (attempt ${attempt} of ${maxAttempts})` : message };
      log.debug({ stepId: step.id, attempt, code }, 'step attempt failed');
      if (attempt === maxAttempts) break;
      try {
        await sleep(backoffBefore(attempt + 1, step.retry!), undefined, { signal: runSignal });
      } catch {
        this.cancel(rec, step, runSignal.reason);
        return;
      }
    }
    this.fail(rec, rec.error!.code, rec.error!.message);
  }

  private fail(rec: StepRecord, code: string, message: string): void {
    rec.status = 'failed';
    rec.error = { code, message };
    rec.finishedAt = this.now();
  }

  private cancel(rec: StepRecord, step: CompiledStep, reason: unknown): void {
    rec.status = 'cancelled';
    rec.error = { code: 'ERR_WORKFLOW_CANCELLED', message: `Step '${step.id}' was stopped: ${describeError(reason)}` };
    rec.finishedAt = this.now();
  }

  private outputOf(workflow: Workflow, scope: { input: unknown; outputs: Map<string, unknown> }): unknown {
    if (workflow.definition.output !== undefined) {
      return resolveReferences(workflow.definition.output, scope, { workflowId: workflow.id });
    }
    if (workflow.sinks.length === 1) return scope.outputs.get(workflow.sinks[0]!);
    return Object.fromEntries(workflow.sinks.map((id) => [id, scope.outputs.get(id)]));
  }

  private key(runId: string): string {
    return `${this.prefix}${runId}`;
  }
}

/** The wait before attempt `attempt` (2 or more). */
export function backoffBefore(attempt: number, retry: { backoffMs: number; factor?: number; maxBackoffMs?: number }): number {
  const wait = retry.backoffMs * (retry.factor ?? 1) ** (attempt - 2);
  return Math.min(wait, retry.maxBackoffMs ?? Number.POSITIVE_INFINITY);
}

function toResult(record: WorkflowRunRecord): WorkflowRunResult {
  const result: WorkflowRunResult = {
    runId: record.runId,
    workflowId: record.workflowId,
    status: record.status === 'running' ? 'failed' : record.status,
    steps: record.steps,
  };
  if (record.output !== undefined) result.output = record.output;
  if (record.error !== undefined) result.error = record.error;
  return result;
}

/**
 * Writes a run's record one write at a time, each a snapshot taken when it was asked for: steps
 * end concurrently, and an older snapshot must never land after a newer one.
 */
class PersistQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
    private readonly snapshot: () => WorkflowRunRecord,
  ) {}

  save(): Promise<void> {
    const value = structuredClone(this.snapshot());
    const write = this.tail.then(() => this.store.put(this.key, value));
    // A failed write fails its own caller; later writes still go ahead.
    this.tail = write.catch(() => undefined);
    return write;
  }
}
