import { describe, expect, it } from 'vitest';
import type { AgentInvoker } from '../../orchestration/AgentInvoker.js';
import { InMemoryKeyValueStore } from '../../orchestration/InMemoryKeyValueStore.js';
import type { KeyValueStore } from '../../orchestration/KeyValueStore.js';
import type { WorkflowDefinition } from '../../orchestration/Workflow.js';
import { backoffBefore, WorkflowRunner, type WorkflowRunnerOptions } from '../../orchestration/WorkflowRunner.js';
import { deferred, silentLogger, until } from './helpers.js';

interface Call {
  agentId: string;
  action: string;
  input: unknown;
  signal: AbortSignal;
}

/** An invoker whose agents are plain functions, recording every call. */
function agents(behaviour: Record<string, (input: unknown, signal: AbortSignal) => unknown>): { invoke: AgentInvoker; calls: Call[] } {
  const calls: Call[] = [];
  const invoke: AgentInvoker = async (agentId, action, input, { signal }) => {
    calls.push({ agentId, action, input, signal });
    const fn = behaviour[agentId];
    if (!fn) throw new Error(`no agent ${agentId}`);
    return fn(input, signal);
  };
  return { invoke, calls };
}

function runner(invoke: AgentInvoker, options: Partial<WorkflowRunnerOptions> = {}): WorkflowRunner {
  return new WorkflowRunner({ invoke, store: new InMemoryKeyValueStore(), logger: silentLogger, ...options });
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const never = (): Promise<never> => new Promise(() => undefined);

const report: WorkflowDefinition = {
  id: 'report',
  steps: [
    { id: 'collect', agent: 'collector', action: 'collect_data' },
    { id: 'process', agent: 'processor', action: 'process_data' },
    { id: 'report', agent: 'reporter', action: 'generate_report', input: { data: '$steps.process.output', source: '$input.source' } },
  ],
};

describe('WorkflowRunner: running', () => {
  it('runs steps in order, feeding outputs forward, and reports each step', async () => {
    const { invoke, calls } = agents({
      collector: (input) => ({ rows: [1, 2, 3], from: (input as { source: string }).source }),
      processor: (input) => (input as { rows: number[] }).rows.reduce((a, b) => a + b, 0),
      reporter: (input) => `total ${(input as { data: number }).data} from ${(input as { source: string }).source}`,
    });
    const result = await runner(invoke).run(report, { source: 'database' });
    expect(result.status).toBe('completed');
    expect(result.output).toBe('total 6 from database');
    expect(calls.map((c) => `${c.agentId}.${c.action}`)).toEqual(['collector.collect_data', 'processor.process_data', 'reporter.generate_report']);
    expect(calls[1]!.input).toEqual({ rows: [1, 2, 3], from: 'database' });
    expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['collect', 'completed', 1],
      ['process', 'completed', 1],
      ['report', 'completed', 1],
    ]);
    for (const s of result.steps) expect(s.finishedAt! >= s.startedAt!).toBe(true);
    expect(result.steps[1]!.startedAt! >= result.steps[0]!.finishedAt!).toBe(true);
  });

  it('runs independent steps at the same time and joins them', async () => {
    let active = 0;
    let peak = 0;
    const slow = async (input: unknown): Promise<unknown> => {
      active++;
      peak = Math.max(peak, active);
      await sleep(40);
      active--;
      return input;
    };
    const { invoke } = agents({ a: slow, b: slow, c: slow, join: (input) => input });
    const result = await runner(invoke).run(
      { id: 'fan', steps: [{ parallel: [{ id: 'a', agent: 'a', action: 'x' }, { id: 'b', agent: 'b', action: 'x' }, { id: 'c', agent: 'c', action: 'x' }] }, { id: 'join', agent: 'join', action: 'merge' }] },
      'in',
    );
    expect(peak).toBe(3);
    expect(result.output).toEqual({ a: 'in', b: 'in', c: 'in' });
  });

  it('runs a wide fan-out without listener-leak warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { invoke } = agents({ w: (input) => input });
      const steps = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, agent: 'w', action: 'x', dependsOn: [] }));
      expect((await runner(invoke).run({ id: 'wide', steps }, 1)).status).toBe('completed');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps to maxConcurrency', async () => {
    let active = 0;
    let peak = 0;
    const slow = async (): Promise<number> => {
      active++;
      peak = Math.max(peak, active);
      await sleep(10);
      active--;
      return 1;
    };
    const { invoke } = agents({ w: slow });
    const steps = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, agent: 'w', action: 'x', dependsOn: [] }));
    const result = await runner(invoke, { maxConcurrency: 2 }).run({ id: 'many', steps });
    expect(result.status).toBe('completed');
    expect(peak).toBe(2);
  });

  it('returns the declared output, or an object of the final steps when there are several', async () => {
    const { invoke } = agents({ x: () => 'X', y: () => 'Y' });
    const declared = await runner(invoke).run({
      id: 'w',
      steps: [{ id: 'a', agent: 'x', action: 'go' }, { id: 'b', agent: 'y', action: 'go' }],
      output: { first: '$steps.a.output', text: '{{ $steps.a.output }}+{{ $steps.b.output }}' },
    });
    expect(declared.output).toEqual({ first: 'X', text: 'X+Y' });
    const sinks = await runner(invoke).run({ id: 'w', steps: [{ parallel: [{ id: 'a', agent: 'x', action: 'go' }, { id: 'b', agent: 'y', action: 'go' }] }] });
    expect(sinks.output).toEqual({ a: 'X', b: 'Y' });
  });
});

describe('WorkflowRunner: retries, timeouts, failures', () => {
  it('retries a failing step with backoff and reports the attempts', async () => {
    const times: number[] = [];
    const { invoke } = agents({
      flaky: () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error(`glitch ${times.length}`);
        return 'ok';
      },
    });
    const result = await runner(invoke).run({ id: 'w', steps: [{ id: 's', agent: 'flaky', action: 'x', retry: { attempts: 3, backoffMs: 20 } }] });
    expect(result.status).toBe('completed');
    expect(result.steps[0]).toMatchObject({ status: 'completed', attempts: 3, output: 'ok' });
    expect(result.steps[0]!.error).toBeUndefined();
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(18);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(18);
  });

  it('computes constant or exponential backoff, capped', () => {
    expect([2, 3, 4].map((a) => backoffBefore(a, { backoffMs: 100 }))).toEqual([100, 100, 100]);
    expect([2, 3, 4].map((a) => backoffBefore(a, { backoffMs: 100, factor: 2, maxBackoffMs: 300 }))).toEqual([100, 200, 300]);
  });

  it('fails a step after its last attempt and skips what depends on it', async () => {
    const { invoke, calls } = agents({ bad: () => Promise.reject(new Error('boom')), next: () => 'unreached' });
    const result = await runner(invoke).run({
      id: 'w',
      steps: [{ id: 'a', agent: 'bad', action: 'x', retry: { attempts: 2, backoffMs: 0 } }, { id: 'b', agent: 'next', action: 'x' }],
    });
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      code: 'ERR_WORKFLOW_STEP_FAILED',
      message: "Step 'a' (agent bad, action x) failed: boom (attempt 2 of 2)",
      stepId: 'a',
    });
    expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['a', 'failed', 2],
      ['b', 'skipped', 0],
    ]);
    expect(calls.filter((c) => c.agentId === 'next')).toHaveLength(0);
  });

  it('times out an attempt, aborting its signal, and counts it as a failed attempt', async () => {
    const { invoke, calls } = agents({ hang: (_i, signal) => sleep(10_000, signal) });
    const result = await runner(invoke).run({ id: 'w', steps: [{ id: 'slow', agent: 'hang', action: 'x', timeoutMs: 30, retry: { attempts: 2, backoffMs: 0 } }] });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ERR_WORKFLOW_STEP_TIMEOUT');
    expect(result.error?.message).toContain("Step 'slow' (agent hang, action x) timed out after 30 ms");
    expect(result.steps[0]!.attempts).toBe(2);
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
  });

  it('bounds an attempt even when the agent ignores its signal', async () => {
    const { invoke } = agents({ deaf: never });
    const result = await runner(invoke, { defaultStepTimeoutMs: 30 }).run({ id: 'w', steps: [{ id: 's', agent: 'deaf', action: 'x' }] });
    expect(result.error?.code).toBe('ERR_WORKFLOW_STEP_TIMEOUT');
  });

  it('stops the steps still running when one fails', async () => {
    const { invoke, calls } = agents({ slow: (_i, signal) => sleep(10_000, signal), bad: () => Promise.reject(new Error('boom')) });
    const result = await runner(invoke).run({
      id: 'w',
      steps: [{ parallel: [{ id: 'slow', agent: 'slow', action: 'x' }, { id: 'bad', agent: 'bad', action: 'x' }] }],
    });
    expect(result.status).toBe('failed');
    expect(result.error?.stepId).toBe('bad');
    expect(result.steps.find((s) => s.id === 'slow')?.status).toBe('cancelled');
    expect(calls.find((c) => c.agentId === 'slow')!.signal.aborted).toBe(true);
  });

  it('fails a step whose reference does not resolve, without invoking it', async () => {
    const { invoke, calls } = agents({ a: () => ({ x: 1 }), b: () => 'never' });
    const result = await runner(invoke).run({ id: 'w', steps: [{ id: 'a', agent: 'a', action: 'x' }, { id: 'b', agent: 'b', action: 'x', input: '$steps.a.output.y' }] });
    expect(result.steps[1]).toMatchObject({ status: 'failed', error: { code: 'ERR_WORKFLOW_UNRESOLVED_REFERENCE' } });
    expect(calls.map((c) => c.agentId)).toEqual(['a']);
  });

  it('is cancelled by the caller signal, stopping running steps', async () => {
    const { invoke, calls } = agents({ slow: (_i, signal) => sleep(10_000, signal), after: () => 1 });
    const controller = new AbortController();
    const pending = runner(invoke).run({ id: 'w', steps: [{ id: 'a', agent: 'slow', action: 'x' }, { id: 'b', agent: 'after', action: 'x' }] }, undefined, {
      signal: controller.signal,
    });
    await until(() => calls.length === 1);
    controller.abort(new Error('user pressed stop'));
    const result = await pending;
    expect(result.status).toBe('cancelled');
    expect(result.error).toEqual({ code: 'ERR_WORKFLOW_CANCELLED', message: expect.stringContaining('user pressed stop') });
    expect(result.steps.map((s) => s.status)).toEqual(['cancelled', 'skipped']);
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('fails a run that outlives its own deadline', async () => {
    const { invoke } = agents({ slow: (_i, signal) => sleep(10_000, signal) });
    const result = await runner(invoke).run({ id: 'w', steps: [{ id: 'a', agent: 'slow', action: 'x' }] }, undefined, { timeoutMs: 30 });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ERR_WORKFLOW_TIMEOUT');
  });

  it('throws when the store cannot record progress', async () => {
    const { invoke } = agents({ fn: () => () => 'a function cannot be stored' });
    await expect(runner(invoke).run({ id: 'w', steps: [{ id: 'a', agent: 'fn', action: 'x' }] })).rejects.toMatchObject({
      code: 'ERR_WORKFLOW_PERSISTENCE',
    });
  });
});

describe('WorkflowRunner: persistence and resume', () => {
  it('records progress after each completed step', async () => {
    const gate = deferred<string>();
    const { invoke } = agents({ collector: () => 'rows', processor: () => gate.promise, reporter: () => 'done' });
    const r = runner(invoke);
    const pending = r.run(report, { source: 'db' }, { runId: 'run-1' });
    await until(() => r.getRun('run-1')?.steps[0]?.status === 'completed');
    const mid = r.getRun('run-1')!;
    expect(mid.status).toBe('running');
    // Only step ends are written: a step's start costs no write.
    expect(mid.steps.map((s) => s.status)).toEqual(['completed', 'pending', 'pending']);
    expect(mid.steps[0]!.output).toBe('rows');
    gate.resolve('processed');
    await pending;
    expect(r.getRun('run-1')!.status).toBe('completed');
  });

  it('resumes after a crash without re-running completed steps', async () => {
    const store = new InMemoryKeyValueStore();
    // The first runner's store stops accepting writes when it "crashes", as a dead process would.
    let crashed = false;
    const crashable: KeyValueStore = {
      get: (k) => store.get(k),
      range: (p) => store.range(p),
      put: (k, v) => (crashed ? never() : store.put(k, v)),
      remove: (k) => (crashed ? never() : store.remove(k)),
    };
    const first = agents({ collector: () => ({ rows: [1, 2] }), processor: never, reporter: () => 'x' });
    const stop = new AbortController();
    void new WorkflowRunner({ invoke: first.invoke, store: crashable, logger: silentLogger }).run(report, { source: 'db' }, { runId: 'run-7', signal: stop.signal });
    await until(() => first.calls.length === 2);
    crashed = true;
    stop.abort();

    const second = agents({
      collector: () => {
        throw new Error('must not run again');
      },
      processor: (input) => (input as { rows: number[] }).rows.length,
      reporter: (input) => `report on ${JSON.stringify(input)}`,
    });
    const fresh = new WorkflowRunner({ invoke: second.invoke, store, logger: silentLogger });
    expect(fresh.listRuns({ status: 'running' }).map((r) => r.runId)).toEqual(['run-7']);
    const result = await fresh.resume('run-7');
    expect(result.status).toBe('completed');
    expect(second.calls.map((c) => c.agentId)).toEqual(['processor', 'reporter']);
    expect(second.calls[0]!.input).toEqual({ rows: [1, 2] });
    expect(result.output).toBe('report on {"data":2,"source":"db"}');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['collect', 'completed'],
      ['process', 'completed'],
      ['report', 'completed'],
    ]);
  });

  it('resumes a failed run from the failed step', async () => {
    let healthy = false;
    const { invoke, calls } = agents({
      collector: () => 'rows',
      processor: () => {
        if (!healthy) throw new Error('down');
        return 'processed';
      },
      reporter: () => 'done',
    });
    const r = runner(invoke);
    expect((await r.run(report, { source: 'db' }, { runId: 'run-2' })).status).toBe('failed');
    healthy = true;
    const result = await r.resume('run-2');
    expect(result.status).toBe('completed');
    expect(calls.map((c) => c.agentId)).toEqual(['collector', 'processor', 'processor', 'reporter']);
  });

  it('returns a completed run as recorded, invoking nothing', async () => {
    const { invoke, calls } = agents({ collector: () => 1, processor: () => 2, reporter: () => 3 });
    const r = runner(invoke);
    const done = await r.run(report, { source: 'db' }, { runId: 'run-3' });
    const again = await r.resume('run-3');
    expect(again).toEqual(done);
    expect(calls).toHaveLength(3);
  });

  it('refuses unknown runs, taken run ids and resuming a run still in progress', async () => {
    const gate = deferred<number>();
    const { invoke } = agents({ collector: () => gate.promise, processor: () => 2, reporter: () => 3 });
    const r = runner(invoke);
    await expect(r.resume('nope')).rejects.toMatchObject({ code: 'ERR_WORKFLOW_RUN_NOT_FOUND', message: 'No workflow run nope is recorded' });
    const pending = r.run(report, { source: 'db' }, { runId: 'run-4' });
    await expect(r.run(report, {}, { runId: 'run-4' })).rejects.toMatchObject({ code: 'ERR_WORKFLOW_ALREADY_RUNNING' });
    await expect(r.resume('run-4')).rejects.toMatchObject({ code: 'ERR_WORKFLOW_ALREADY_RUNNING' });
    gate.resolve(1);
    await pending;
  });

  it('validates the definition before recording anything', async () => {
    const store = new InMemoryKeyValueStore();
    const { invoke } = agents({});
    const r = new WorkflowRunner({ invoke, store, logger: silentLogger });
    await expect(r.run({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', dependsOn: ['a'] }] })).rejects.toMatchObject({
      code: 'ERR_WORKFLOW_CYCLE',
    });
    expect(store.size).toBe(0);
  });
});
