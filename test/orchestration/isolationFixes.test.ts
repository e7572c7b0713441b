/**
 * Regression tests for tenant and thread isolation fixes: conversation memory per tenant and
 * thread, workflow runs and forged messages across tenants, requirePrincipal on every entry point,
 * handoffs on tenant-only threads, askAgent deadlines, and sessions restored as they were saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchestrator, TenantIsolationError, createMessage, type Principal } from '../../orchestration/index.js';
import { ISOLATION_HANDLERS } from '../fixtures/orchestration/isolationFixes.js';
import { handler, removePath, startOrchestrator, startPersistentSystem, tempStorePath } from './helpers.actors.js';

const iso = (name: string): { module: string; export: string } => ({ module: ISOLATION_HANDLERS, export: name });

const acme: Principal = { tenantId: 'acme', userId: 'alice', roles: ['member'] };
const globex: Principal = { tenantId: 'globex', userId: 'bob', roles: ['member'] };
const ada: Principal = { tenantId: 'lab', userId: 'ada', roles: ['member'] };

/** The call is refused with an ERR_TENANT_ISOLATION error, itself or as the cause of a failed pattern step. */
async function expectIsolationRefusal(call: Promise<unknown>): Promise<void> {
  const err = await call.then(
    (v) => ({ resolved: v }),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  const cause = (err as Error).cause ?? err;
  expect(cause).toBeInstanceOf(TenantIsolationError);
  expect((cause as TenantIsolationError).code).toBe('ERR_TENANT_ISOLATION');
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe('isolation fixes under requirePrincipal', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'desk', handler: handler('streamer') },
        { id: 'specialist', handler: handler('specialist') },
        { id: 'recall', memory: 'conversation', handler: iso('memoryDump') },
        { id: 'echo', handler: handler('echo') },
      ],
      defaultAgent: 'desk',
      requirePrincipal: true,
    });
    orch = ctx.orchestrator;
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('conversation memory is kept per tenant: one tenant never sees another one', async () => {
    expect(await orch.run('acme secret: wire 1M to account 12345', { agent: 'recall', principal: acme })).toEqual([]);
    // The handler of globex's request is given no memory of acme's conversation.
    expect(await orch.run('hello', { agent: 'recall', principal: globex })).toEqual([]);

    await expect(orch.agentMemory('recall')).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
    const acmeMemory = await orch.agentMemory('recall', { principal: acme });
    expect(acmeMemory.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(acmeMemory[0]!.content).toBe('acme secret: wire 1M to account 12345');
    expect(JSON.stringify(acmeMemory)).not.toContain('hello');
    const globexMemory = await orch.agentMemory('recall', { principal: globex });
    expect(globexMemory.map((m) => m.content)[0]).toBe('hello');
    expect(JSON.stringify(globexMemory)).not.toContain('acme secret');
  });

  it('two threads of one tenant have separate memories', async () => {
    expect(await orch.run('note on thread one', { agent: 'recall', threadId: 'acme-mem-1', principal: acme })).toEqual([]);
    expect(await orch.run('note on thread two', { agent: 'recall', threadId: 'acme-mem-2', principal: acme })).toEqual([]);
    expect(await orch.run('again on thread one', { agent: 'recall', threadId: 'acme-mem-1', principal: acme })).toEqual([
      'user: note on thread one',
      'assistant: []',
    ]);
    const one = await orch.agentMemory('recall', { principal: acme, threadId: 'acme-mem-1' });
    expect(one.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['note on thread one', 'again on thread one']);
    const two = await orch.agentMemory('recall', { principal: acme, threadId: 'acme-mem-2' });
    expect(two.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['note on thread two']);
  });

  it("a workflow run belongs to its tenant: another tenant cannot reuse its runId, a caller without a principal cannot resume it", async () => {
    const wf = { id: 'nightly', steps: [{ id: 's1', agent: 'echo', action: 'task' }] };
    const first = await orch.executeWorkflow(wf, 'acme input', { runId: 'acme-nightly', principal: acme });
    expect(first.status).toBe('completed');
    expect(first.output).toBe('echo got: acme input');

    const other = { id: 'other', steps: [{ id: 'x', agent: 'echo', action: 'task' }] };
    await expect(orch.executeWorkflow(other, 'whatever', { runId: 'acme-nightly', principal: globex })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    await expect(orch.resumeWorkflow('acme-nightly', { principal: globex })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    await expect(orch.resumeWorkflow('acme-nightly')).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
    // Its owner still gets the recorded result.
    expect((await orch.executeWorkflow(wf, 'ignored', { runId: 'acme-nightly', principal: acme })).output).toBe('echo got: acme input');
  });

  it('routeMessage with roles acts as that principal; handoff and thread calls without one are refused', async () => {
    const chunks = await collect(orch.routeMessage({ threadId: 'route-1', tenantId: 'lab', userId: 'ada', roles: ['member'], message: 'hi there' }));
    expect(chunks).toEqual(['HI ', 'THERE ']);

    const started = await orch.initiateHandoff(
      { threadId: 'route-1', tenantId: 'lab', userId: 'ada', sourceAgentId: 'desk', targetAgentId: 'specialist', contextSummary: 'ctx', reason: 'r' },
      { principal: ada },
    );
    expect(started.accepted).toBe(true);
    await expect(orch.cancelHandoff('route-1', 'someone cancels')).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
    await expect(orch.completeHandoff('route-1', { resultSummary: 'done' })).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
    await expect(orch.createThread({ tenantId: 'lab', userId: 'eve' }, { id: 'route-x' })).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
    expect(orch.threads.get('route-x')).toBeUndefined();
    expect(orch.activeHandoff('route-1', { principal: ada })?.state).toBe('active');
    // The tenant's own principal may.
    expect((await orch.cancelHandoff('route-1', 'ada cancels', { principal: ada })).state).toBe('cancelled');
  });
});

describe('isolation fixes: messages that name another tenant or thread, and tenant-only threads', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;
  const acmeAdmin: Principal = { tenantId: 'acme', userId: 'alice', roles: ['admin'] };
  const globexAdmin: Principal = { tenantId: 'globex', userId: 'bob', roles: ['admin'] };

  const globexThread = async (): Promise<string[]> => {
    await ctx.system.flushHistory();
    return orch.history({ threadId: 'globex-thread' }, { principal: globexAdmin }).map((e) => `${e.type}:${JSON.stringify(e.message.content)}`);
  };

  beforeAll(async () => {
    ctx = await startOrchestrator({
      agents: [
        { id: 'echo', handler: handler('echo') },
        { id: 'desk', handler: handler('echo') },
        { id: 'specialist', handler: handler('specialist') },
      ],
      defaultAgent: 'desk',
    });
    orch = ctx.orchestrator;
    await orch.run('globex private', { agent: 'echo', threadId: 'globex-thread', principal: globexAdmin });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("pipeline, parallel and scatterGather refuse a message addressed to another tenant's thread", async () => {
    const before = await globexThread();
    expect(before).toHaveLength(2);
    const forged = createMessage({ type: 'task', sender: 'alice', content: 'injected by acme', tenantId: 'globex', threadId: 'globex-thread' });
    // The patterns pass the refusal through as it is (not as a failed step), so that callers and
    // gateways can tell "not allowed" from "went wrong".
    const refused = (call: Promise<unknown>) => expect(call).rejects.toBeInstanceOf(TenantIsolationError);
    await refused(orch.pipeline(['echo'], forged, { principal: acmeAdmin }));
    await refused(orch.parallel(['echo'], forged, { principal: acmeAdmin }));
    await refused(orch.scatterGather([forged], 'echo', (r) => r, { principal: acmeAdmin }));
    // Naming only the thread (no tenant) is refused too.
    const onThread = createMessage({ type: 'task', sender: 'alice', content: 'injected by acme', threadId: 'globex-thread' });
    await refused(orch.pipeline(['echo'], onThread, { principal: acmeAdmin }));
    await refused(orch.parallel(['echo'], onThread, { principal: acmeAdmin }));
    expect(await globexThread()).toEqual(before);
  });

  it("send and delegate refuse a message whose threadId is another tenant's thread", async () => {
    const before = await globexThread();
    await expect(orch.send('echo', { type: 'task', sender: 'alice', content: 'on your thread', threadId: 'globex-thread' }, { principal: acmeAdmin })).rejects.toMatchObject({
      code: 'ERR_TENANT_ISOLATION',
    });
    const message = createMessage({ type: 'query', sender: 'alice', content: 'deleg', threadId: 'globex-thread' });
    await expect(orch.delegate(message, ['echo'], { principal: acmeAdmin })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    expect(await globexThread()).toEqual(before);
  });

  it('a thread first used with only a tenant id can be handed off by a user of that tenant', async () => {
    await orch.run('hello', { agent: 'desk', threadId: 't-star', tenantId: 'lab' });
    expect(orch.threads.get('t-star')).toMatchObject({ tenantId: 'lab', userId: '*' });
    const result = await orch.initiateHandoff({ threadId: 't-star', tenantId: 'lab', userId: 'ada', sourceAgentId: 'desk', targetAgentId: 'specialist', contextSummary: 'c', reason: 'r' });
    expect(result.accepted).toBe(true);
  });
});

describe('isolation fixes: askAgent deadlines', () => {
  const path = tempStorePath();
  let system: Awaited<ReturnType<typeof startPersistentSystem>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    system = await startPersistentSystem(path, { askTimeoutMs: 300 });
    orch = await Orchestrator.start({
      system,
      agents: [
        { id: 'relay', handler: iso('askRelay') },
        { id: 'sub', handler: iso('slowSub') },
      ],
    });
  });
  afterAll(async () => {
    await orch.stop();
    await system.stop({ deadlineMs: 2000 });
    removePath(path);
  });

  it("a sub-agent slower than the system's ask timeout answers within the outer run's deadline", async () => {
    const out = await orch.run({ target: 'sub' }, { agent: 'relay', timeoutMs: 5000 });
    expect(out).toEqual({ ok: true, answer: 'sub done after 600 ms' });
  });

  it("askAgent's own timeout ends in an AgentError ERR_AGENT_TIMEOUT", async () => {
    const out = await orch.run({ target: 'sub', timeoutMs: 200 }, { agent: 'relay', timeoutMs: 5000 });
    expect(out).toEqual({ ok: false, error: 'AgentError', agentError: true, code: 'ERR_AGENT_TIMEOUT' });
  });
});

describe('isolation fixes: sessions', () => {
  it('restoring an earlier session brings back the memory it had then, not the latest', async () => {
    const path = tempStorePath();
    try {
      const system1 = await startPersistentSystem(path, { workers: 1 });
      const first = await Orchestrator.start({ system: system1, agents: [{ id: 'bot', memory: 'conversation' }], defaultAgent: 'bot' });
      await first.run('First question about actors.');
      await first.saveSession('s1');
      expect(await first.agentMemory('bot')).toHaveLength(2);
      await first.run('Second question about mailboxes.');
      await first.saveSession('s2');
      expect(await first.agentMemory('bot')).toHaveLength(4);
      await first.stop();
      await system1.stop();

      const system2 = await startPersistentSystem(path, { workers: 1 });
      const second = await Orchestrator.start({ system: system2 });
      try {
        expect((await second.restoreSession('s1')).map((a) => a.id)).toEqual(['bot']);
        const memory = await second.agentMemory('bot');
        expect(memory).toHaveLength(2);
        expect(memory[0]!.content).toBe('First question about actors.');
      } finally {
        await second.stop();
        await system2.stop();
      }
    } finally {
      removePath(path);
    }
  });
});
