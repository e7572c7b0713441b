import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../index.js';
import { AgentError, Orchestrator, OrchestratorError, PermissionError, type Principal } from '../../orchestration/index.js';
import { eventually, handler, startOrchestrator } from './helpers.actors.js';

describe('Orchestrator: agents as actors', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'echo', handler: handler('echo') },
        { id: 'assistant', systemMessage: 'You summarise.', memory: 'conversation' },
      ],
      defaultAgent: 'assistant',
    });
    orch = ctx.orchestrator;
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('registers, lists, gets and deletes agents; each is an actor on a worker', async () => {
    expect(orch.listAgents().map((a) => [a.id, a.kind])).toEqual([
      ['echo', 'handler'],
      ['assistant', 'model'],
    ]);
    expect(orch.hasAgent('echo')).toBe(true);
    expect(orch.getAgent('assistant')?.definition.model).toBe('local');
    const described = await orch.describeAgent('echo');
    expect(described.worker).toBeGreaterThanOrEqual(1);
    expect(ctx.system.exists('echo')).toBe(true);

    await orch.createAgent({ id: 'temp', handler: handler('fast') });
    expect(await orch.run('hi', { agent: 'temp' })).toBe('fast answer from temp');
    expect(await orch.deleteAgent('temp')).toBe(true);
    expect(orch.hasAgent('temp')).toBe(false);
    expect(ctx.system.exists('temp')).toBe(false);
    expect(await orch.deleteAgent('temp')).toBe(false);
    await expect(orch.run('hi', { agent: 'temp' })).rejects.toMatchObject({ code: 'ERR_AGENT_NOT_FOUND' });
  });

  it('refuses a duplicate id, a bad definition and a handler module without the export', async () => {
    await expect(orch.registerAgent({ id: 'echo', handler: handler('echo') })).rejects.toMatchObject({ code: 'ERR_AGENT_EXISTS' });
    await expect(orch.registerAgent({ id: 'bad', memory: 'forever' as never })).rejects.toBeInstanceOf(InvalidOptionError);
    const err = await orch.registerAgent({ id: 'missing', handler: handler('noSuchExport') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_AGENT_HANDLER_LOAD');
    expect((err as AgentError).context.export).toBe('noSuchExport');
    expect(orch.hasAgent('missing')).toBe(false);
  });

  it('runs the default agent with its model and keeps conversation memory in the actor', async () => {
    const answer = await orch.run('Troupe runs actors on worker threads. Actors keep their state in LMDB.');
    expect(answer).toMatch(/^Summary: .*\nKeywords: actors/);
    await orch.run('Supervisors restart failed actors.');
    const memory = await orch.agentMemory('assistant');
    expect(memory.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(memory[2]!.content).toBe('Supervisors restart failed actors.');
  });

  it('sends a message directly and gets the reply message back', async () => {
    const reply = await orch.send('echo', { type: 'query', sender: 'alice', content: 'ping', threadId: 't-direct' });
    expect(reply).toMatchObject({ type: 'response', sender: 'echo', recipient: 'alice', content: 'echo got: ping', threadId: 't-direct' });
    expect(reply!.metadata?.inReplyTo).toBeTypeOf('string');
  });

  it('turns an agent failure into an error message that is routed and recorded in history', async () => {
    await orch.registerAgent({ id: 'broken', handler: handler('failing') });
    const err = await orch.run('analyse this', { agent: 'broken', threadId: 't-fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_AGENT_FAILED');
    expect((err as AgentError).message).toContain('the analysis engine is on fire');

    const reply = await orch.send('broken', { type: 'task', sender: 'bob', content: 'again', threadId: 't-fail' });
    expect(reply?.type).toBe('error');
    expect(reply?.content).toMatchObject({ code: 'ERR_AGENT_FAILED', agentId: 'broken' });

    const errors = await eventually(
      () => orch.history({ agent: 'broken', type: 'error' }),
      (h) => h.length === 2,
    );
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e.from === 'broken' && e.threadId === 't-fail')).toBe(true);
    expect(errors[0]!.message.content).toMatchObject({ code: 'ERR_AGENT_FAILED' });
    // The requests are in the history too, on the same thread.
    const thread = orch.history({ threadId: 't-fail' });
    expect(thread.map((e) => e.type).sort()).toEqual(['error', 'error', 'task', 'task']);
    // The agent is still there and answers the next request.
    expect((await orch.describeAgent('broken')).failed).toBe(2);
  });

  it('filters history by agent, type, both, thread and time range', async () => {
    const before = Date.now();
    await orch.run('first', { agent: 'echo', threadId: 't-hist', type: 'query' });
    await orch.run('second', { agent: 'echo', threadId: 't-hist' });
    const all = await eventually(() => orch.history({ threadId: 't-hist' }), (h) => h.length === 4);
    expect(all.map((e) => [e.type, e.message.content])).toEqual([
      ['query', 'first'],
      ['response', 'echo got: first'],
      ['task', 'second'],
      ['response', 'echo got: second'],
    ]);
    expect(orch.history({ agent: 'echo', type: 'query', threadId: 't-hist' }).map((e) => e.message.content)).toEqual(['first']);
    expect(orch.history({ agent: 'echo', type: 'response', from: before }).map((e) => e.message.content)).toEqual(['echo got: first', 'echo got: second']);
    expect(orch.history({ agent: 'echo', from: Date.now() + 60_000 })).toEqual([]);
    expect(orch.history({ threadId: 't-hist', order: 'desc', limit: 1 }).map((e) => e.message.content)).toEqual(['echo got: second']);
  });

  it('broadcasts to every agent except the sender', async () => {
    await orch.registerAgent({ id: 'listener', memory: 'conversation' });
    const recipients = await orch.broadcast({ sender: 'echo', content: 'maintenance at noon' });
    expect(recipients.sort()).toEqual(['assistant', 'broken', 'listener']);
    const memory = await eventually(() => orch.agentMemory('listener'), (m) => m.length === 1);
    expect(memory).toEqual([{ role: 'user', content: '[broadcast from echo] maintenance at noon' }]);
    const recorded = await eventually(() => orch.history({ type: 'broadcast' }), (h) => h.length === 3);
    expect(recorded.map((e) => e.to).sort()).toEqual(['assistant', 'broken', 'listener']);
  });

  it('creates agents dynamically by key, once even when asked concurrently', async () => {
    let made = 0;
    const factory = (key: string) => {
      made++;
      return { systemMessage: `You are an expert in ${key.replace('-specialist', '')}.`, handler: handler('echo') };
    };
    const [a, b] = await Promise.all([orch.getOrCreateAgent('physics-specialist', factory), orch.getOrCreateAgent('physics-specialist', factory)]);
    expect(a.id).toBe('physics-specialist');
    expect(b.id).toBe('physics-specialist');
    expect(made).toBe(1);
    expect(await orch.run('quarks', { agent: 'physics-specialist' })).toBe('physics-specialist got: quarks');
    await orch.getOrCreateAgent('physics-specialist', factory);
    expect(made).toBe(1);
  });

  it('checks permissions before administering agents and before delegating', async () => {
    const viewer: Principal = { tenantId: 'acme', userId: 'val', roles: ['viewer'] };
    const admin: Principal = { tenantId: 'acme', userId: 'ada', roles: ['admin'] };
    await expect(orch.registerAgent({ id: 'x1', handler: handler('fast') }, { principal: viewer })).rejects.toBeInstanceOf(PermissionError);
    await expect(orch.delegate('q', ['echo'], { principal: viewer })).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
    await expect(orch.unregisterAgent('echo', { principal: viewer })).rejects.toBeInstanceOf(PermissionError);
    expect(orch.hasAgent('echo')).toBe(true);
    await orch.registerAgent({ id: 'x1', handler: handler('fast') }, { principal: admin });
    expect(await orch.unregisterAgent('x1', { principal: admin })).toBe(true);
  });

  it('redacts content before handing it from one agent to others', async () => {
    const results = await orch.delegate('Mail jane.doe@example.com, card 4111 1111 1111 1111, password: hunter2!', ['echo']);
    expect(results[0]!.success).toBe(true);
    const seen = String(results[0]!.response);
    expect(seen).not.toContain('jane.doe@example.com');
    expect(seen).not.toContain('4111 1111 1111 1111');
    expect(seen).toContain('[EMAIL]');
    expect(seen).toContain('[CARD]');
  });

  it('validates its options, naming the field', async () => {
    await expect(Orchestrator.start({ system: ctx.system, namespace: '1bad' })).rejects.toThrow(/namespace/);
    await expect(Orchestrator.start({ system: ctx.system, defaultTimeoutMs: -1 })).rejects.toThrow(/defaultTimeoutMs/);
  });

  it('refuses calls after stop', async () => {
    const other = await Orchestrator.start({ system: ctx.system, namespace: 'second', agents: [{ id: 'second-echo', handler: handler('echo') }] });
    expect(await other.run('x')).toBe('second-echo got: x');
    await other.stop();
    expect(ctx.system.exists('second-echo')).toBe(false);
    await expect(other.run('x')).rejects.toBeInstanceOf(OrchestratorError);
  });
});
