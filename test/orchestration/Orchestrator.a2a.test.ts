import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Role } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, serveAgentOverA2A, type A2AServerHandle, type Orchestrator } from '../../orchestration/index.js';
import { handler, startOrchestrator } from './helpers.actors.js';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const question = 'Actors exchange messages across worker threads. Remote agents speak the Agent2Agent protocol. Troupe records every message.';

describe('remote agents over A2A', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;
  let server: A2AServerHandle;

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'expert', name: 'Expert', description: 'Summarises anything', model: { kind: 'local', chunkWords: 2, chunkDelayMs: 5 } },
        { id: 'helper', handler: handler('echo') },
        { id: 'director', handler: handler('echo') },
      ],
    });
    orch = ctx.orchestrator;
    server = await serveAgentOverA2A(orch, { agentId: 'expert' });
    await orch.registerAgent({ kind: 'a2a', id: 'remote-expert', card: server.card });
    await orch.registerAgent({
      kind: 'a2a',
      card: { id: 'down-agent', name: 'Down', description: 'Nobody home', endpoint: `http://127.0.0.1:${await closedPort()}/` },
    });
  });
  afterAll(async () => {
    await server?.close();
    await ctx.close();
  });

  it('serves a Troupe agent over A2A to any A2A client, card included', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const card = (await (await fetch(`${server.url}.well-known/agent-card.json`)).json()) as { name: string; description: string };
    expect(card).toMatchObject({ name: 'Expert', description: 'Summarises anything' });

    const client = await new ClientFactory().createFromUrl(server.url);
    const result = await client.sendMessage({ message: { messageId: randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: question } }] } } as never);
    const task = result as { artifacts: { parts: { content?: { $case: string; value: string } }[] }[] };
    const text = task.artifacts.flatMap((a) => a.parts.map((p) => p.content?.value ?? '')).join('');
    expect(text).toBe(await orch.run(question, { agent: 'expert' }));
  });

  it('a remote agent answers run and stream like a local one', async () => {
    const local = await orch.run(question, { agent: 'expert' });
    expect(await orch.run(question, { agent: 'remote-expert' })).toBe(local);
    const chunks: string[] = [];
    for await (const c of orch.stream(question, { agent: 'remote-expert' })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join('')).toBe(local);
    expect((await orch.describeAgent('remote-expert')).kind).toBe('remote');
  });

  it('in delegation, a down endpoint is a typed error in its own result and the others are unaffected', async () => {
    const results = await orch.delegate(question, ['helper', 'remote-expert', 'down-agent'], { timeoutMs: 10_000 });
    expect(results.map((r) => [r.agentId, r.success])).toEqual([
      ['helper', true],
      ['remote-expert', true],
      ['down-agent', false],
    ]);
    expect(results[1]!.response).toBe(await orch.run(question, { agent: 'expert' }));
    expect(results[2]!.error).toMatchObject({ code: 'ERR_DELEGATION_AGENT_FAILED', causeCode: 'ERR_REMOTE_AGENT_UNREACHABLE' });
    const err = await orch.run('hello?', { agent: 'down-agent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_REMOTE_AGENT_UNREACHABLE');
  });

  it('remote agents take part in teams, workflows and handoffs', async () => {
    const team = await orch.team({ members: ['helper', 'remote-expert'], coordinator: 'director' }).run(question);
    expect(team.results.every((r) => r.success)).toBe(true);
    expect(team.output).toContain('director got: ');
    expect(team.output).toContain('remote-expert');

    const run = await orch.executeWorkflow(
      { id: 'remote-flow', steps: [{ id: 'ask', agent: 'remote-expert', action: 'summarise' }, { id: 'check', agent: 'helper', action: 'check' }] },
      question,
    );
    expect(run.status).toBe('completed');
    expect(run.output).toBe(`helper got: ${await orch.run(question, { agent: 'expert' })}`);

    const handoff = await orch.initiateHandoff({
      threadId: 'remote-thread',
      tenantId: 'acme',
      userId: 'john',
      sourceAgentId: 'helper',
      targetAgentId: 'remote-expert',
      contextSummary: 'needs a summary',
      reason: 'summaries',
    });
    expect(handoff.accepted).toBe(true);
    const routed: string[] = [];
    for await (const c of orch.routeMessage({ threadId: 'remote-thread', tenantId: 'acme', userId: 'john', message: question })) routed.push(c);
    expect(routed.join('')).toBe(await orch.run(question, { agent: 'expert' }));
    const failedHandoff = await orch.initiateHandoff({
      threadId: 'remote-thread-2',
      tenantId: 'acme',
      userId: 'john',
      sourceAgentId: 'helper',
      targetAgentId: 'down-agent',
      contextSummary: '',
      reason: 'x',
    });
    expect(failedHandoff).toMatchObject({ accepted: false, code: 'hook-failed' });
  });
});
