import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchestrator, PermissionError, TenantIsolationError, createMessage, type Principal } from '../../orchestration/index.js';
import { eventually, handler, startOrchestrator } from './helpers.actors.js';

const acme: Principal = { tenantId: 'acme', userId: 'john', roles: ['member'] };
const acmeColleague: Principal = { tenantId: 'acme', userId: 'jane', roles: ['member'] };
const globex: Principal = { tenantId: 'globex', userId: 'hank', roles: ['member'] };
const globexViewer: Principal = { tenantId: 'globex', userId: 'vera', roles: ['viewer'] };

describe('Orchestrator: tenants, threads and permissions', () => {
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    ctx = await startOrchestrator({ agents: [{ id: 'echo', handler: handler('echo') }, { id: 'fast', handler: handler('fast') }] });
    orch = ctx.orchestrator;
    await orch.run('acme secret plans', { threadId: 'acme-t1', principal: acme });
    await orch.delegate('acme quarterly numbers', ['echo', 'fast'], { threadId: 'acme-t1', principal: acme });
    await orch.run('globex question', { threadId: 'globex-t1', principal: globex });
    // Untenanted traffic exists too; it must not leak into tenant-scoped queries either.
    await orch.run('no tenant here', { threadId: 'plain-t1' });
    await eventually(() => orch.history({}), (h) => h.length >= 10);
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('history with a principal returns only its tenant messages, by any filter', () => {
    const mine = orch.history({}, { principal: globex });
    expect(mine.length).toBe(2);
    expect(mine.every((e) => e.tenantId === 'globex')).toBe(true);
    expect(orch.history({ agent: 'echo' }, { principal: globex }).every((e) => e.tenantId === 'globex')).toBe(true);
    expect(orch.history({ type: 'response' }, { principal: acme }).map((e) => e.tenantId)).toEqual(['acme', 'acme', 'acme']);
  });

  it('a cross-tenant history query returns nothing', () => {
    expect(orch.history({ tenantId: 'acme' }, { principal: globex })).toEqual([]);
    expect(orch.history({ threadId: 'acme-t1' }, { principal: globex })).toEqual([]);
    expect(orch.history({ threadId: 'acme-t1', agent: 'echo', type: 'query' }, { principal: globex })).toEqual([]);
    expect(orch.history({ from: 0, to: Date.now() + 1000, order: 'desc' }, { principal: globex }).some((e) => e.tenantId !== 'globex')).toBe(false);
    // The data is there for its owner.
    expect(orch.history({ threadId: 'acme-t1' }, { principal: acme }).length).toBe(6);
  });

  it('a thread belongs to its tenant and user: others are refused before any agent sees the message', async () => {
    await expect(orch.run('let me in', { threadId: 'acme-t1', principal: globex })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    await expect(orch.run('me too', { threadId: 'acme-t1', principal: acmeColleague })).rejects.toMatchObject({ code: 'ERR_THREAD_NOT_OWNED' });
    await expect(orch.delegate('x', ['echo'], { threadId: 'acme-t1', principal: globex })).rejects.toBeInstanceOf(TenantIsolationError);
    // A message that claims another tenant is refused too.
    const forged = createMessage({ type: 'query', sender: 'hank', content: 'x', tenantId: 'acme' });
    await expect(orch.delegate(forged, ['echo'], { principal: globex })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    await expect(orch.run('x', { tenantId: 'acme', principal: globex })).rejects.toBeInstanceOf(TenantIsolationError);
    const stillTwo = orch.history({}, { principal: globex });
    expect(stillTwo.length).toBe(2);
    expect(orch.threads.get('acme-t1')).toMatchObject({ tenantId: 'acme', userId: 'john' });
  });

  it('roles are checked: a viewer reads history but cannot send or delegate', async () => {
    expect(orch.history({}, { principal: globexViewer }).length).toBe(2);
    await expect(orch.run('hi', { principal: globexViewer })).rejects.toBeInstanceOf(PermissionError);
    await expect(orch.delegate('hi', ['echo'], { principal: globexViewer })).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
    await expect(orch.clearHistory({ principal: globex })).rejects.toBeInstanceOf(PermissionError);
    expect(() => orch.history({}, { principal: { tenantId: 'globex', userId: 'x', roles: [] } })).toThrow(PermissionError);
  });

  it('requirePrincipal refuses calls that do not say who acts', async () => {
    const strict = await Orchestrator.start({ system: ctx.system, namespace: 'strict', requirePrincipal: true, agents: [{ id: 'strict-echo', handler: handler('echo') }] });
    try {
      await expect(strict.run('x')).rejects.toMatchObject({ code: 'ERR_PRINCIPAL_REQUIRED' });
      expect(() => strict.history({})).toThrow(/principal/);
      expect(await strict.run('x', { principal: acme })).toBe('strict-echo got: x');
    } finally {
      await strict.stop();
    }
  });
});
