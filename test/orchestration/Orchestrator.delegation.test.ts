import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, type Orchestrator } from '../../orchestration/index.js';
import { ANALYSIS_ROUNDS } from '../fixtures/orchestration/handlers.js';
import { AnalyseDocuments, analyse } from '../fixtures/orchestration/tasks.js';
import { eventually, handler, startOrchestrator } from './helpers.actors.js';

describe('Orchestrator: delegation, patterns and teams over actors', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;
  const cancelled: { agentId: string; messageId: string; afterMs: number }[] = [];

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'fast', handler: handler('fast') },
        { id: 'slow-1', handler: handler('slow') },
        { id: 'slow-2', handler: handler('slow') },
        { id: 'echo', handler: handler('echo') },
        { id: 'broken', handler: handler('failing') },
        { id: 'collector', handler: handler('collector') },
        { id: 'analyst-1', handler: handler('analyst') },
        { id: 'analyst-2', handler: handler('analyst') },
        { id: 'analyst-3', handler: handler('analyst') },
        { id: 'director', handler: handler('director') },
      ],
    });
    orch = ctx.orchestrator;
    ctx.system.subscribe('test.cancelled', (m) => cancelled.push(m as (typeof cancelled)[number]));
    await ctx.system.spawnPool(AnalyseDocuments, { id: 'analysis-pool', threads: 2 });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('first-success: the fast agent wins and the slow agents are really cancelled', async () => {
    const started = Date.now();
    const results = await orch.delegate('who answers first?', ['slow-1', 'fast', 'slow-2'], { strategy: 'first-success', timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(results.map((r) => [r.agentId, r.success, r.error?.code])).toEqual([
      ['slow-1', false, 'ERR_DELEGATION_SUPERSEDED'],
      ['fast', true, undefined],
      ['slow-2', false, 'ERR_DELEGATION_SUPERSEDED'],
    ]);
    expect(results[1]!.response).toBe('fast answer from fast');

    // Each slow agent's own handler saw its AbortSignal fire, on its worker thread, long before its 10 s of work.
    const seen = await eventually(() => cancelled.map((c) => c.agentId).sort(), (ids) => ids.length === 2);
    expect(seen).toEqual(['slow-1', 'slow-2']);
    expect(cancelled.every((c) => c.afterMs < 5_000)).toBe(true);
    // Their aborted work ended as cancelled error messages, recorded like any other.
    const errors = await eventually(() => orch.history({ type: 'error' }).filter((e) => e.from?.startsWith('slow')), (h) => h.length === 2);
    expect(errors.map((e) => (e.message.content as { code: string }).code)).toEqual(['ERR_AGENT_CANCELLED', 'ERR_AGENT_CANCELLED']);
    // And the agents are free again at once: a short job is answered now, not after the 10 s.
    const t = Date.now();
    expect(await orch.run({ delayMs: 10 }, { agent: 'slow-1' })).toBe('slow answer from slow-1');
    expect(Date.now() - t).toBeLessThan(2_000);
  });

  it('a timeout cancels the agent too, and the result says so', async () => {
    cancelled.length = 0;
    const results = await orch.delegate({ delayMs: 10_000 }, ['slow-2', 'echo'], { timeoutMs: 200 });
    expect(results.map((r) => [r.agentId, r.success, r.error?.code])).toEqual([
      ['slow-2', false, 'ERR_DELEGATION_TIMEOUT'],
      ['echo', true, undefined],
    ]);
    expect(results[0]!.latencyMs).toBeGreaterThanOrEqual(190);
    const seen = await eventually(() => cancelled.map((c) => c.agentId), (ids) => ids.length === 1);
    expect(seen).toEqual(['slow-2']);
  });

  it('a caller abort cancels every agent in flight', async () => {
    cancelled.length = 0;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left')), 100);
    await expect(orch.delegate({ delayMs: 10_000 }, ['slow-1', 'slow-2'], { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_DELEGATION_ABORTED' });
    const seen = await eventually(() => cancelled.map((c) => c.agentId).sort(), (ids) => ids.length === 2);
    expect(seen).toEqual(['slow-1', 'slow-2']);
  });

  it('parallel and sequential strategies, with one failing agent not costing the others', async () => {
    const parallel = await orch.delegate('topic', ['echo', 'broken', 'fast']);
    expect(parallel.map((r) => [r.agentId, r.success])).toEqual([
      ['echo', true],
      ['broken', false],
      ['fast', true],
    ]);
    expect(parallel[1]!.error).toMatchObject({ code: 'ERR_DELEGATION_AGENT_FAILED', causeCode: 'ERR_AGENT_FAILED' });
    expect(parallel.every((r) => r.latencyMs >= 0)).toBe(true);

    const sequential = await orch.delegate('start', ['echo', 'echo-2'].slice(0, 1).concat('fast'), { strategy: 'sequential' });
    expect(sequential.map((r) => r.response)).toEqual(['echo got: start', 'fast answer from fast']);

    const text = await orch.synthesize(parallel, { includeFailures: true });
    expect(text).toContain('From echo:\necho got: topic');
    expect(text).toContain('From broken (failed):');
  });

  it('pipeline, parallel and scatter-gather over agents', async () => {
    await orch.registerAgent({ id: 'echo-2', handler: handler('echo') });
    expect(await orch.pipeline(['echo', 'echo-2'], 'x')).toBe('echo-2 got: echo got: x');
    expect(await orch.parallel(['echo', 'echo-2'], 'y')).toEqual(['echo got: y', 'echo-2 got: y']);
    const joined = await orch.scatterGather(['a', 'b', 'c'], ['echo', 'echo-2'], (outputs) => outputs.join(' | '));
    expect(joined).toBe('echo got: a | echo-2 got: b | echo got: c');
    await expect(orch.pipeline(['echo', 'broken'], 'z')).rejects.toMatchObject({ code: 'ERR_WORKFLOW_STEP_FAILED' });
  });

  it('a seed-style research team: collector, analysts on CPU-bound pool work in parallel, director synthesis', async () => {
    const topic = 'the impact of artificial intelligence on healthcare';
    const principal = { tenantId: 'research-lab', userId: 'rosalind', roles: ['member'] };
    const collected = (await orch.run(topic, { agent: 'collector', threadId: 'research-1', principal })) as { topic: string; documents: string[] };
    expect(collected.documents).toHaveLength(6);

    const team = orch.team({ name: 'Research Team', members: ['analyst-1', 'analyst-2', 'analyst-3'], coordinator: 'director' });
    const started = Date.now();
    const report = await team.run(collected, { threadId: 'research-1', principal, timeoutMs: 30_000 });
    const elapsed = Date.now() - started;

    expect(report.results.map((r) => [r.agentId, r.success])).toEqual([
      ['analyst-1', true],
      ['analyst-2', true],
      ['analyst-3', true],
    ]);
    type Finding = { analyst: string; worker: number; documents: number; words: number; topTerms: string[]; digest: string; startedAt: number; finishedAt: number };
    const findings = report.results.map((r) => r.response as Finding);
    // Real work: each analyst's figures are those of its share of the documents, computed on the pool.
    for (const f of findings) {
      const index = Number(f.analyst.split('-').pop());
      const share = collected.documents.filter((_, i) => i % 3 === index - 1);
      expect(f.documents).toBe(2);
      expect({ words: f.words, topTerms: f.topTerms, digest: f.digest }).toEqual(analyse({ text: share.join(' '), rounds: ANALYSIS_ROUNDS }));
    }
    // In parallel: at least two analysts were working at the same time.
    const overlaps = findings.some((a, i) => findings.some((b, j) => i < j && a.startedAt < b.finishedAt && b.startedAt < a.finishedAt));
    expect(overlaps).toBe(true);
    const serial = findings.reduce((ms, f) => ms + (f.finishedAt - f.startedAt), 0);
    expect(elapsed).toBeLessThan(serial);
    // The director synthesized every analyst's findings.
    expect(report.coordinator).toBe('director');
    expect(report.output).toMatch(/^Research report \(3 analysts, \d+ words analysed\)/);
    for (const f of findings) expect(report.output).toContain(`- ${f.analyst}: ${f.words} words`);

    // The whole exchange is on the thread, in the tenant's history.
    const history = await eventually(() => orch.history({ threadId: 'research-1' }, { principal }), (h) => h.length >= 10);
    const byType = history.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }), {});
    expect(byType).toEqual({ task: 2, query: 3, response: 5 });
    expect(history.every((e) => e.tenantId === 'research-lab')).toBe(true);
  }, 30_000);

  it('a team without a coordinator joins the outputs', async () => {
    const result = await orch.team({ members: ['echo', 'fast'] }).run('status?');
    expect(result.output).toBe('From echo:\necho got: status?\n\nFrom fast:\nfast answer from fast');
  });

  it('an agent asks another agent; cancelling the first cancels the one it asked', async () => {
    await orch.registerAgent({ id: 'delegator', handler: handler('delegator') });
    expect(await orch.run('hello', { agent: 'delegator', metadata: { target: 'echo' } })).toBe('delegator relayed: echo got: hello');

    cancelled.length = 0;
    const err = await orch.run({ delayMs: 10_000 }, { agent: 'delegator', metadata: { target: 'slow-1' }, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_AGENT_TIMEOUT');
    const seen = await eventually(() => cancelled.map((c) => c.agentId), (ids) => ids.length === 1);
    expect(seen).toEqual(['slow-1']);
    // The hop between the agents is recorded with the asking agent as sender.
    const hop = await eventually(() => orch.history({ agent: 'delegator', type: 'task' }).filter((e) => e.to === 'slow-1'), (h) => h.length === 1);
    expect(hop[0]!.from).toBe('delegator');
    await expect(orch.run('x', { agent: 'nobody' })).rejects.toMatchObject({ code: 'ERR_AGENT_NOT_FOUND' });
  });
});
