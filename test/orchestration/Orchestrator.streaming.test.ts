import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, HandoffManager, Orchestrator, PermissionError, TenantIsolationError } from '../../orchestration/index.js';
import { eventually, handler, startOrchestrator } from './helpers.actors.js';

const owner = { tenantId: 'acme', userId: 'john' };

async function collect(stream: AsyncIterable<string>): Promise<{ chunks: string[]; at: number[] }> {
  const chunks: string[] = [];
  const at: number[] = [];
  for await (const c of stream) {
    chunks.push(c);
    at.push(Date.now());
  }
  return { chunks, at };
}

describe('Orchestrator: streaming, handoffs and the stream router', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'main-agent', model: { kind: 'local', chunkWords: 2, chunkDelayMs: 25 } },
        { id: 'specialist', handler: handler('specialist'), model: { kind: 'local', chunkWords: 3, chunkDelayMs: 5 } },
        { id: 'streamer', handler: handler('streamer') },
        { id: 'broken', handler: handler('failing') },
      ],
      defaultAgent: 'main-agent',
    });
    orch = ctx.orchestrator;
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('streams a model reply chunk by chunk from the worker, as it is produced', async () => {
    const text = 'Actors run on worker threads and exchange messages. Each actor handles one message at a time. State stays private.';
    const started = Date.now();
    const stream = orch.stream(text, { agent: 'main-agent' });
    const { chunks, at } = await collect(stream);
    const response = await stream.response;
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.join('')).toBe(response.content);
    expect(response.content).toBe(await orch.run(text, { agent: 'main-agent' }));
    // Chunks arrived spread over time, not in one lump at the end.
    expect(at[0]! - started).toBeLessThan(at[at.length - 1]! - started - 50);
  });

  it('streams what a custom handler yields, and breaking out of the loop cancels the agent', async () => {
    const { chunks } = await collect(orch.stream('one two three', { agent: 'streamer' }));
    expect(chunks).toEqual(['ONE ', 'TWO ', 'THREE ']);

    const many = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const got: string[] = [];
    for await (const c of orch.stream(many, { agent: 'streamer' })) {
      got.push(c);
      if (got.length === 2) break;
    }
    expect(got).toEqual(['W0 ', 'W1 ']);
    const d = await eventually(() => orch.describeAgent('streamer'), (x) => x.failed === 1, 3000);
    expect(d.failed).toBe(1);
    const cancelled = await eventually(() => orch.history({ agent: 'streamer', type: 'error' }), (h) => h.length === 1);
    expect((cancelled[0]!.message.content as { code: string }).code).toBe('ERR_AGENT_CANCELLED');
  });

  it('a failing agent ends the stream with its typed error', async () => {
    const err = await collect(orch.stream('x', { agent: 'broken' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_AGENT_FAILED');
  });

  it('handoff lifecycle: initiate, route to the target, complete; rejections with reasons', async () => {
    const thread = 'support-1';
    await orch.createThread(owner, { id: thread });
    expect(orch.streamRouter.isHandoffActive(thread, 'acme')).toBe(false);
    const before = await collect(orch.routeMessage({ threadId: thread, ...owner, message: 'How do I create a skill for Slack alerts?' }));
    expect(before.chunks.join('')).toMatch(/^Summary: /);

    const request = { threadId: thread, ...owner, sourceAgentId: 'main-agent', targetAgentId: 'specialist', contextSummary: 'User john@example.com wants a Slack alert skill', reason: 'skill_creation' };
    const accepted = await orch.initiateHandoff(request);
    expect(accepted.accepted).toBe(true);
    if (!accepted.accepted) throw new Error('unreachable');
    expect(accepted.handoff.estimatedDurationSeconds).toBe(60);
    // The context summary was sanitized before the target (and the store) saw it.
    expect(accepted.handoff.contextSummary).toBe('User [EMAIL] wants a Slack alert skill');
    expect(orch.activeHandoff(thread, { tenantId: 'acme' })?.targetAgentId).toBe('specialist');

    const again = await orch.initiateHandoff({ ...request, targetAgentId: 'streamer' });
    expect(again).toMatchObject({ accepted: false, code: 'already-active' });

    const during = await collect(orch.routeMessage({ threadId: thread, ...owner, message: 'send alerts to #engineering' }));
    expect(during.chunks.length).toBeGreaterThan(1);
    expect(during.chunks.join('')).toMatch(/^Summary: Specialist specialist takes care of: send alerts to #engineering/);

    const done = await orch.completeHandoff(thread, { resultSummary: 'Skill created', artifacts: ['slack-alerts.md'], tenantId: 'acme' });
    expect(done).toMatchObject({ state: 'completed', resultSummary: 'Skill created', artifacts: ['slack-alerts.md'] });
    expect(orch.streamRouter.isHandoffActive(thread, 'acme')).toBe(false);
    const after = await collect(orch.routeMessage({ threadId: thread, ...owner, message: 'thanks' }));
    expect(after.chunks.join('')).not.toContain('Specialist');

    const refused = await orch.initiateHandoff({ ...request, reason: 'refuse-me' });
    expect(refused).toMatchObject({ accepted: false, code: 'refused', reason: 'specialist is busy' });
    const unknown = await orch.initiateHandoff({ ...request, targetAgentId: 'nobody' });
    expect(unknown).toMatchObject({ accepted: false, code: 'refused' });
  });

  it('handoff states live in LMDB: a new manager over the same store sees the active handoff; tenants are isolated', async () => {
    const thread = 'support-2';
    const result = await orch.initiateHandoff({ threadId: thread, ...owner, sourceAgentId: 'main-agent', targetAgentId: 'specialist', contextSummary: 'billing', reason: 'billing' });
    expect(result.accepted).toBe(true);
    const fresh = new HandoffManager({ store: orch.kv, namespace: `troupe/${orch.namespace}` });
    expect(fresh.active(thread)?.targetAgentId).toBe('specialist');
    expect(() => orch.activeHandoff(thread, { tenantId: 'globex' })).toThrow(TenantIsolationError);
    await expect(
      orch.initiateHandoff(
        { threadId: 'support-3', tenantId: 'acme', userId: 'val', sourceAgentId: 'main-agent', targetAgentId: 'specialist', contextSummary: '', reason: 'x' },
        { principal: { tenantId: 'acme', userId: 'val', roles: ['viewer'] } },
      ),
    ).rejects.toBeInstanceOf(PermissionError);
    const cancelled = await orch.cancelHandoff(thread, 'user left', { tenantId: 'acme' });
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelReason: 'user left' });
    expect(fresh.history(thread).map((h) => h.state)).toEqual(['cancelled']);
  });
});
