import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import type { AgentInvoker } from '../../orchestration/AgentInvoker.js';
import { ContextSanitizer } from '../../orchestration/ContextSanitizer.js';
import { coordinatorSynthesizer, delegate, synthesize, type DelegationResult } from '../../orchestration/Delegation.js';
import { DelegationError } from '../../orchestration/errors.js';
import { createMessage, type AgentMessage } from '../../orchestration/Message.js';
import { deferred, until } from './helpers.js';

interface Call {
  agentId: string;
  action: string;
  message: AgentMessage;
  signal: AbortSignal;
  startedAt: number;
}

function agents(behaviour: Record<string, (m: AgentMessage, signal: AbortSignal) => unknown>): { invoke: AgentInvoker; calls: Call[] } {
  const calls: Call[] = [];
  const invoke: AgentInvoker = async (agentId, action, input, { signal }) => {
    calls.push({ agentId, action, message: input as AgentMessage, signal, startedAt: performance.now() });
    return behaviour[agentId]!(input as AgentMessage, signal);
  };
  return { invoke, calls };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const question = createMessage({
  type: 'query',
  sender: 'main-agent',
  content: 'What are the best practices for error handling?',
  threadId: 'thread-1',
  tenantId: 'acme',
});

describe('delegate: parallel', () => {
  it('asks every agent at once and returns results in agent order', async () => {
    // The first agent can only answer once the second has been asked: run one after the other,
    // it would time out.
    const researchAsked = deferred();
    const { invoke, calls } = agents({
      knowledge: (m, s) => researchAsked.promise.then(() => sleep(30, s)).then(() => `docs on: ${String(m.content)}`),
      research: () => (researchAsked.resolve(), 'external research'),
    });
    const results = await delegate(question, ['knowledge', 'research'], { strategy: 'parallel', timeoutMs: 5_000 }, invoke);
    expect(results.map((r) => [r.agentId, r.success, r.response])).toEqual([
      ['knowledge', true, 'docs on: What are the best practices for error handling?'],
      ['research', true, 'external research'],
    ]);
    expect(results[0]!.latencyMs).toBeGreaterThanOrEqual(25);
    expect(calls.map((c) => [c.action, c.message.recipient, c.message.threadId])).toEqual([
      ['query', 'knowledge', 'thread-1'],
      ['query', 'research', 'thread-1'],
    ]);
  });

  it('reports a failing and a timed-out agent without losing the others', async () => {
    const { invoke, calls } = agents({
      ok: () => 'fine',
      broken: () => {
        throw Object.assign(new Error('index missing'), { code: 'E_INDEX' });
      },
      slow: (_m, s) => sleep(10_000, s),
    });
    const results = await delegate(question, ['ok', 'broken', 'slow'], { timeoutMs: 30 }, invoke);
    expect(results.map((r) => [r.agentId, r.success, r.error?.code])).toEqual([
      ['ok', true, undefined],
      ['broken', false, 'ERR_DELEGATION_AGENT_FAILED'],
      ['slow', false, 'ERR_DELEGATION_TIMEOUT'],
    ]);
    expect(results[1]!.error!.message).toBe('broken failed (E_INDEX): index missing');
    expect(results[2]!.error!.message).toBe('slow did not answer within 30 ms');
    expect(calls[2]!.signal.aborted).toBe(true);
  });

  it('redacts content before agents see it when given a sanitizer', async () => {
    const { invoke, calls } = agents({ a: () => 'ok' });
    const m = createMessage({ type: 'task', sender: 'u', content: 'mail me at jo@example.com, password: hunter2' });
    await delegate(m, ['a'], { sanitizer: new ContextSanitizer() }, invoke);
    expect(calls[0]!.message.content).toBe('mail me at [EMAIL], password: [REDACTED]');
  });

  it('throws DelegationError with the results so far when the caller cancels', async () => {
    const { invoke, calls } = agents({ fast: () => 'done', slow: (_m, s) => sleep(10_000, s) });
    const controller = new AbortController();
    const p = delegate(question, ['fast', 'slow'], { signal: controller.signal }, invoke);
    await until(() => calls.length === 2);
    await sleep(5);
    controller.abort(new Error('user left'));
    const e = await p.then(
      () => undefined,
      (err: unknown) => err as DelegationError,
    );
    expect(e).toBeInstanceOf(DelegationError);
    expect(e!.code).toBe('ERR_DELEGATION_ABORTED');
    expect(e!.message).toBe('Delegation to fast, slow was cancelled: user left');
    expect((e!.context.results as DelegationResult[]).map((r) => r.agentId)).toEqual(['fast']);
    expect(calls[1]!.signal.aborted).toBe(true);
  });
});

describe('delegate: sequential', () => {
  it("runs one agent at a time, feeding each the previous agent's response", async () => {
    const { invoke, calls } = agents({
      research: (m, s) => sleep(10, s).then(() => `facts about ${String(m.content)}`),
      analysis: (m) => `analysis of [${String(m.content)}]`,
      summary: (m) => `summary of [${String(m.content)}]`,
    });
    const results = await delegate(
      createMessage({ type: 'task', sender: 'u', content: 'climate' }),
      ['research', 'analysis', 'summary'],
      { strategy: 'sequential' },
      invoke,
    );
    expect(results.map((r) => r.response)).toEqual([
      'facts about climate',
      'analysis of [facts about climate]',
      'summary of [analysis of [facts about climate]]',
    ]);
    expect(calls[1]!.startedAt).toBeGreaterThanOrEqual(calls[0]!.startedAt + 9);
    expect(calls.map((c) => c.message.metadata?.previousAgentId)).toEqual([undefined, 'research', 'analysis']);
  });

  it('skips the rest of the sequence after a failure', async () => {
    const { invoke, calls } = agents({ a: () => 'x', b: () => Promise.reject(new Error('down')), c: () => 'unreached' });
    const results = await delegate(question, ['a', 'b', 'c'], { strategy: 'sequential' }, invoke);
    expect(results.map((r) => [r.agentId, r.success, r.error?.code])).toEqual([
      ['a', true, undefined],
      ['b', false, 'ERR_DELEGATION_AGENT_FAILED'],
      ['c', false, 'ERR_DELEGATION_SKIPPED'],
    ]);
    expect(calls.map((c) => c.agentId)).toEqual(['a', 'b']);
  });
});

describe('delegate: first-success', () => {
  it('returns as soon as one agent succeeds and aborts the slow ones, which observe it', async () => {
    const observedAbort: string[] = [];
    const slow = (name: string) => (_m: AgentMessage, s: AbortSignal) => {
      s.addEventListener('abort', () => observedAbort.push(name));
      return sleep(10_000, s);
    };
    const { invoke } = agents({ slowA: slow('slowA'), fast: (_m, s) => sleep(10, s).then(() => 'first!'), slowB: slow('slowB') });
    const started = performance.now();
    const results = await delegate(question, ['slowA', 'fast', 'slowB'], { strategy: 'first-success', timeoutMs: 5_000 }, invoke);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(results.map((r) => [r.agentId, r.success, r.error?.code])).toEqual([
      ['slowA', false, 'ERR_DELEGATION_SUPERSEDED'],
      ['fast', true, undefined],
      ['slowB', false, 'ERR_DELEGATION_SUPERSEDED'],
    ]);
    expect(results[1]!.response).toBe('first!');
    expect(observedAbort.sort()).toEqual(['slowA', 'slowB']);
  });

  it('lets a later success win over an earlier failure', async () => {
    const { invoke } = agents({ quickFail: () => Promise.reject(new Error('no')), later: (_m, s) => sleep(20, s).then(() => 'yes') });
    const results = await delegate(question, ['quickFail', 'later'], { strategy: 'first-success' }, invoke);
    expect(results.map((r) => [r.success, r.error?.code])).toEqual([
      [false, 'ERR_DELEGATION_AGENT_FAILED'],
      [true, undefined],
    ]);
  });

  it('returns every failure when no agent succeeds', async () => {
    const { invoke } = agents({ a: () => Promise.reject(new Error('a')), b: () => Promise.reject(new Error('b')) });
    const results = await delegate(question, ['a', 'b'], { strategy: 'first-success' }, invoke);
    expect(results.every((r) => !r.success)).toBe(true);
  });
});

describe('delegate: arguments', () => {
  const { invoke } = agents({ a: () => 1 });
  it('needs at least one agent', async () => {
    await expect(delegate(question, [], {}, invoke)).rejects.toMatchObject({ code: 'ERR_DELEGATION_NO_AGENTS' });
  });
  it('rejects duplicates, unknown strategies and malformed messages naming the field', async () => {
    await expect(delegate(question, ['a', 'a'], {}, invoke)).rejects.toThrow(/agents/);
    await expect(delegate(question, ['a'], { strategy: 'random' as never }, invoke)).rejects.toThrow(/options\.strategy/);
    await expect(delegate({ ...question, type: 'nope' } as never, ['a'], {}, invoke)).rejects.toThrow(InvalidOptionError);
  });
});

describe('synthesize', () => {
  const results: DelegationResult[] = [
    { agentId: 'knowledge-agent', success: true, response: 'Based on our docs...', latencyMs: 5 },
    { agentId: 'broken-agent', success: false, error: { code: 'ERR_DELEGATION_TIMEOUT', message: 'timed out' }, latencyMs: 30 },
    { agentId: 'research-agent', success: true, response: { findings: ['x'] }, latencyMs: 7 },
  ];

  it('joins successful responses as "From <agent>:" blocks', () => {
    expect(synthesize(results)).toBe('From knowledge-agent:\nBased on our docs...\n\nFrom research-agent:\n{\n  "findings": [\n    "x"\n  ]\n}');
  });

  it('lists failures on request and says when nothing succeeded', () => {
    expect(synthesize(results, { includeFailures: true })).toContain('From broken-agent (failed):\ntimed out');
    expect(synthesize([results[1]!])).toBe('No agent returned a response.');
  });

  it('lets a coordinator agent do the synthesis', async () => {
    const { invoke, calls } = agents({ director: (input) => `merged ${(input as unknown as { responses: unknown[] }).responses.length}` });
    const synth = coordinatorSynthesizer('director', invoke, { instruction: 'Rank them' });
    expect(await synth(results)).toBe('merged 2');
    expect(calls[0]!.action).toBe('synthesize');
    expect(calls[0]!.message).toMatchObject({ instruction: 'Rank them', text: synthesize(results) });
  });

  it('reports a failing coordinator as DelegationError', async () => {
    const { invoke } = agents({ director: () => Promise.reject(new Error('overloaded')) });
    await expect(coordinatorSynthesizer('director', invoke)(results)).rejects.toMatchObject({
      code: 'ERR_DELEGATION_SYNTHESIS_FAILED',
      message: 'Coordinator director could not synthesize: overloaded',
    });
  });
});
