import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import type { AgentInvoker } from '../../orchestration/AgentInvoker.js';
import { parallel, pipeline, scatterGather } from '../../orchestration/CoordinationPatterns.js';
import { WorkflowError } from '../../orchestration/errors.js';
import { until } from './helpers.js';

interface Call {
  agentId: string;
  input: unknown;
  signal: AbortSignal;
}

function agents(behaviour: Record<string, (input: unknown, signal: AbortSignal) => unknown>): { invoke: AgentInvoker; calls: Call[] } {
  const calls: Call[] = [];
  const invoke: AgentInvoker = async (agentId, _action, input, { signal }) => {
    calls.push({ agentId, input, signal });
    return behaviour[agentId]!(input, signal);
  };
  return { invoke, calls };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

async function rejection(p: Promise<unknown>): Promise<WorkflowError> {
  try {
    await p;
  } catch (e) {
    return e as WorkflowError;
  }
  throw new Error('expected a rejection');
}

describe('pipeline', () => {
  it('passes each output to the next agent and returns the last', async () => {
    const { invoke, calls } = agents({
      upper: (s) => String(s).toUpperCase(),
      exclaim: (s) => `${String(s)}!`,
      wrap: (s) => ({ text: s }),
    });
    const out = await pipeline(
      [
        { agent: 'upper', action: 'run' },
        { agent: 'exclaim', action: 'run' },
        { agent: 'wrap', action: 'run' },
      ],
      'hi',
      { invoke },
    );
    expect(out).toEqual({ text: 'HI!' });
    expect(calls.map((c) => c.input)).toEqual(['hi', 'HI', 'HI!']);
  });

  it('stops at the first failure, naming the agent and stage', async () => {
    const { invoke, calls } = agents({ ok: (s) => s, bad: () => Promise.reject(new Error('bad input')), never: (s) => s });
    const e = await rejection(pipeline([{ agent: 'ok', action: 'a' }, { agent: 'bad', action: 'b' }, { agent: 'never', action: 'c' }], 1, { invoke }));
    expect(e).toBeInstanceOf(WorkflowError);
    expect(e.code).toBe('ERR_WORKFLOW_STEP_FAILED');
    expect(e.message).toBe('Agent bad failed b: bad input');
    expect(e.context).toMatchObject({ agentId: 'bad', action: 'b', index: 1 });
    expect(calls.map((c) => c.agentId)).toEqual(['ok', 'bad']);
  });

  it('bounds each call by timeoutMs', async () => {
    const { invoke, calls } = agents({ slow: (_s, signal) => sleep(10_000, signal) });
    const e = await rejection(pipeline([{ agent: 'slow', action: 'a' }], 1, { invoke, timeoutMs: 20 }));
    expect(e.code).toBe('ERR_WORKFLOW_STEP_TIMEOUT');
    expect(e.message).toBe('Agent slow did not answer a within 20 ms');
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('bounds the whole pipeline by totalTimeoutMs', async () => {
    const { invoke } = agents({ step: (s, signal) => sleep(15, signal).then(() => s) });
    const stages = Array.from({ length: 10 }, () => ({ agent: 'step', action: 'a' }));
    expect((await rejection(pipeline(stages, 1, { invoke, totalTimeoutMs: 40 }))).code).toBe('ERR_WORKFLOW_TIMEOUT');
  });

  it('is cancelled by the caller signal', async () => {
    const { invoke, calls } = agents({ slow: (_s, signal) => sleep(10_000, signal) });
    const controller = new AbortController();
    const p = pipeline([{ agent: 'slow', action: 'a' }], 1, { invoke, signal: controller.signal });
    await until(() => calls.length === 1);
    controller.abort(new Error('stop'));
    const e = await rejection(p);
    expect(e.code).toBe('ERR_WORKFLOW_CANCELLED');
    expect(calls[0]!.signal.aborted).toBe(true);
    const already = await rejection(pipeline([{ agent: 'slow', action: 'a' }], 1, { invoke, signal: AbortSignal.abort() }));
    expect(already.code).toBe('ERR_WORKFLOW_CANCELLED');
    expect(calls).toHaveLength(1);
  });

  it('validates its arguments', async () => {
    const { invoke } = agents({});
    await expect(pipeline([], 1, { invoke })).rejects.toThrow(InvalidOptionError);
    await expect(pipeline([{ agent: 'a', action: 'b' }], 1, { invoke, timeoutMs: 0 })).rejects.toThrow(/options\.timeoutMs/);
  });
});

describe('parallel', () => {
  it('gives every agent the same input and returns outputs in target order', async () => {
    const { invoke } = agents({
      slow: (s, signal) => sleep(30, signal).then(() => `slow:${String(s)}`),
      fast: (s) => `fast:${String(s)}`,
    });
    expect(await parallel([{ agent: 'slow', action: 'a' }, { agent: 'fast', action: 'a' }], 'x', { invoke })).toEqual(['slow:x', 'fast:x']);
  });

  it('aborts the others on the first failure', async () => {
    const { invoke, calls } = agents({ slow: (_s, signal) => sleep(10_000, signal), bad: () => Promise.reject(new Error('nope')) });
    const e = await rejection(parallel([{ agent: 'slow', action: 'a' }, { agent: 'bad', action: 'a' }], 1, { invoke }));
    expect(e.code).toBe('ERR_WORKFLOW_STEP_FAILED');
    expect(e.context.agentId).toBe('bad');
    expect(calls.find((c) => c.agentId === 'slow')!.signal.aborted).toBe(true);
  });
});

describe('scatterGather', () => {
  it('spreads chunks round-robin over workers and aggregates in chunk order', async () => {
    const { invoke, calls } = agents({
      w1: (n, signal) => sleep(20 - Number(n), signal).then(() => Number(n) * 10),
      w2: (n) => Number(n) * 100,
    });
    const sum = await scatterGather(
      [1, 2, 3, 4],
      [{ agent: 'w1', action: 'square' }, { agent: 'w2', action: 'square' }],
      (results) => results,
      { invoke },
    );
    expect(sum).toEqual([10, 200, 30, 400]);
    expect(calls.map((c) => `${c.agentId}:${String(c.input)}`).sort()).toEqual(['w1:1', 'w1:3', 'w2:2', 'w2:4']);
  });

  it('keeps to the concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const { invoke } = agents({
      w: async (n) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(5);
        active--;
        return n;
      },
    });
    const total = await scatterGather(
      Array.from({ length: 10 }, (_, i) => i),
      { agent: 'w', action: 'x' },
      async (results) => (results as number[]).reduce((a, b) => a + b, 0),
      { invoke, concurrency: 3 },
    );
    expect(total).toBe(45);
    expect(peak).toBe(3);
  });

  it('aborts the remaining chunks when one fails and never aggregates', async () => {
    let aggregated = false;
    const { invoke, calls } = agents({
      w: (n, signal) => (n === 2 ? Promise.reject(new Error('chunk 2 is corrupt')) : sleep(10_000, signal)),
    });
    const e = await rejection(
      scatterGather([1, 2, 3], { agent: 'w', action: 'x' }, () => (aggregated = true), { invoke }),
    );
    expect(e.message).toBe('Agent w failed x: chunk 2 is corrupt');
    expect(e.context.index).toBe(1);
    expect(aggregated).toBe(false);
    expect(calls.filter((c) => c.input !== 2).every((c) => c.signal.aborted)).toBe(true);
  });

  it('aggregates an empty scatter', async () => {
    const { invoke } = agents({});
    expect(await scatterGather([], { agent: 'w', action: 'x' }, (r) => r.length, { invoke })).toBe(0);
  });
});
