import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { ContextSanitizer } from '../../orchestration/ContextSanitizer.js';
import { HandoffError, TenantIsolationError } from '../../orchestration/errors.js';
import { HandoffManager, type HandoffManagerOptions, type HandoffRequest } from '../../orchestration/HandoffManager.js';
import { InMemoryKeyValueStore } from '../../orchestration/InMemoryKeyValueStore.js';
import type { KeyValueStore } from '../../orchestration/KeyValueStore.js';
import { ThreadRegistry } from '../../orchestration/ThreadRegistry.js';
import { silentLogger } from './helpers.js';

const request: HandoffRequest = {
  threadId: 'thread-1',
  tenantId: 'acme',
  userId: 'john',
  sourceAgentId: 'main-chatbot',
  targetAgentId: 'skill-creation-agent',
  contextSummary: 'User wants to create a skill for Slack alerts',
  reason: 'skill_creation_workflow',
};

function manager(options: Partial<HandoffManagerOptions> = {}): HandoffManager {
  let t = 1_000;
  return new HandoffManager({ store: new InMemoryKeyValueStore(), now: () => t++, logger: silentLogger, ...options });
}

function recordEvents(m: HandoffManager): string[] {
  const seen: string[] = [];
  for (const e of ['requested', 'accepted', 'rejected', 'completed', 'cancelled'] as const) m.on(e, () => seen.push(e));
  return seen;
}

describe('HandoffManager: initiate', () => {
  it('accepts a handoff on a free thread and makes it active', async () => {
    const m = manager();
    const events = recordEvents(m);
    const result = await m.initiate(request);
    expect(result.accepted).toBe(true);
    if (!result.accepted) return;
    expect(result.handoff).toMatchObject({ ...request, state: 'active', createdAt: 1_000 });
    expect(m.active('thread-1')).toEqual(result.handoff);
    expect(events).toEqual(['requested', 'accepted']);
  });

  it('rejects a second handoff while one is active', async () => {
    const m = manager();
    const events = recordEvents(m);
    await m.initiate(request);
    const second = await m.initiate({ ...request, targetAgentId: 'billing-agent' });
    expect(second).toEqual({
      accepted: false,
      code: 'already-active',
      reason: 'Thread thread-1 already has an active handoff to skill-creation-agent',
    });
    expect(m.active('thread-1')?.targetAgentId).toBe('skill-creation-agent');
    expect(events).toEqual(['requested', 'accepted', 'rejected']);
  });

  it('lets only one of two concurrent initiations win', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const m = manager({ acceptHandoff: async () => (await gate, true) });
    const first = m.initiate(request);
    const second = await m.initiate({ ...request, targetAgentId: 'other-agent' });
    expect(second).toMatchObject({ accepted: false, code: 'already-active' });
    release();
    expect((await first).accepted).toBe(true);
  });

  it('asks the target through acceptHandoff and honours a refusal with its reason', async () => {
    const asked: unknown[] = [];
    const m = manager({
      acceptHandoff: (req) => {
        asked.push(req.targetAgentId);
        return { accepted: false, reason: 'busy with another user' };
      },
    });
    const events = recordEvents(m);
    expect(await m.initiate(request)).toEqual({ accepted: false, code: 'refused', reason: 'busy with another user' });
    expect(asked).toEqual(['skill-creation-agent']);
    expect(m.active('thread-1')).toBeUndefined();
    expect(events).toEqual(['requested', 'rejected']);
  });

  it('takes a plain boolean and an estimated duration from the hook', async () => {
    expect(await manager({ acceptHandoff: () => false }).initiate(request)).toMatchObject({ accepted: false, code: 'refused' });
    const r = await manager({ acceptHandoff: async () => ({ accepted: true, estimatedDurationSeconds: 90 }) }).initiate(request);
    expect(r.accepted && r.handoff.estimatedDurationSeconds).toBe(90);
  });

  it('rejects when the hook throws or does not answer in time, aborting its signal', async () => {
    const thrown = await manager({
      acceptHandoff: () => {
        throw new Error('agent offline');
      },
    }).initiate(request);
    expect(thrown).toEqual({
      accepted: false,
      code: 'hook-failed',
      reason: 'Target agent skill-creation-agent failed to answer the handoff: agent offline',
    });

    let signal: AbortSignal | undefined;
    const slow = await manager({
      acceptTimeoutMs: 20,
      acceptHandoff: (_req, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
    }).initiate(request);
    expect(slow).toMatchObject({ accepted: false, code: 'hook-timeout' });
    expect(signal?.aborted).toBe(true);
  });

  it('refuses a handoff to the source agent itself and malformed requests', async () => {
    const m = manager();
    await expect(m.initiate({ ...request, targetAgentId: 'main-chatbot' })).rejects.toThrow(/handoff\.targetAgentId/);
    await expect(m.initiate({ ...request, threadId: '' })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("checks thread ownership when given a thread registry", async () => {
    const store = new InMemoryKeyValueStore();
    const threads = new ThreadRegistry({ store });
    await threads.create({ tenantId: 'acme', userId: 'john' }, { id: 'thread-1' });
    const m = manager({ store, threads });
    await expect(m.initiate({ ...request, tenantId: 'evil-corp' })).rejects.toBeInstanceOf(TenantIsolationError);
    expect((await m.initiate(request)).accepted).toBe(true);
  });

  it('redacts the context summary before the target or the store sees it', async () => {
    let seen = '';
    const m = manager({
      sanitizer: new ContextSanitizer(),
      acceptHandoff: (req) => ((seen = req.contextSummary), true),
    });
    const r = await m.initiate({ ...request, contextSummary: 'Reach me at john@example.com' });
    expect(seen).toBe('Reach me at [EMAIL]');
    expect(r.accepted && r.handoff.contextSummary).toBe('Reach me at [EMAIL]');
  });
});

describe('HandoffManager: complete and cancel', () => {
  it('completes with a result, frees the thread and keeps history in order', async () => {
    const m = manager();
    const events = recordEvents(m);
    await m.initiate(request);
    const done = await m.complete('thread-1', { resultSummary: 'Created Slack alert skill', artifacts: ['skill-slack-alerts.md'] });
    expect(done).toMatchObject({ state: 'completed', resultSummary: 'Created Slack alert skill', artifacts: ['skill-slack-alerts.md'] });
    expect(m.active('thread-1')).toBeUndefined();

    await m.initiate({ ...request, targetAgentId: 'billing-agent' });
    await m.cancel('thread-1', 'User cancelled');
    expect(m.history('thread-1').map((h) => [h.targetAgentId, h.state])).toEqual([
      ['skill-creation-agent', 'completed'],
      ['billing-agent', 'cancelled'],
    ]);
    expect(m.history('thread-1')[1]!.cancelReason).toBe('User cancelled');
    expect(events).toEqual(['requested', 'accepted', 'completed', 'requested', 'accepted', 'cancelled']);
  });

  it('throws HandoffError when there is nothing active to complete or cancel', async () => {
    const m = manager();
    await expect(m.complete('thread-1', { resultSummary: 'x' })).rejects.toMatchObject({
      code: 'ERR_HANDOFF_NOT_ACTIVE',
      message: 'Thread thread-1 has no active handoff to complete',
      context: { threadId: 'thread-1' },
    });
    await m.initiate(request);
    await m.cancel('thread-1', 'stop');
    await expect(m.cancel('thread-1', 'again')).rejects.toBeInstanceOf(HandoffError);
  });

  it('lets only one of a racing complete and cancel through', async () => {
    const m = manager();
    await m.initiate(request);
    const outcomes = await Promise.allSettled([m.complete('thread-1', { resultSummary: 'done' }), m.cancel('thread-1', 'stop')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(m.history('thread-1')[0]!.state).toBe('completed');
  });

  it("refuses another tenant's handoff", async () => {
    const m = manager();
    await m.initiate(request);
    expect(() => m.active('thread-1', { tenantId: 'evil-corp' })).toThrow(TenantIsolationError);
    await expect(m.cancel('thread-1', 'x', { tenantId: 'evil-corp' })).rejects.toMatchObject({ code: 'ERR_TENANT_ISOLATION' });
    await expect(m.complete('thread-1', { resultSummary: 'x', tenantId: 'evil-corp' })).rejects.toBeInstanceOf(TenantIsolationError);
    expect(m.active('thread-1', { tenantId: 'acme' })?.state).toBe('active');
  });

  it('keeps a listener that throws from breaking the transition', async () => {
    const m = manager();
    m.on('accepted', () => {
      throw new Error('observer bug');
    });
    expect((await m.initiate(request)).accepted).toBe(true);
  });
});

describe('HandoffManager: persistence', () => {
  it('survives a restart: a new manager over the same store sees and finishes the handoff', async () => {
    const store = new InMemoryKeyValueStore();
    const before = new HandoffManager({ store });
    const started = await before.initiate(request);

    const after = new HandoffManager({ store });
    expect(after.active('thread-1')).toEqual(started.accepted && started.handoff);
    expect(await after.initiate(request)).toMatchObject({ accepted: false, code: 'already-active' });
    await after.complete('thread-1', { resultSummary: 'ok' });
    expect(new HandoffManager({ store }).active('thread-1')).toBeUndefined();
    expect(new HandoffManager({ store }).history('thread-1')[0]!.state).toBe('completed');
  });

  it('keeps threads apart even when one id is a prefix of another', async () => {
    const m = manager();
    await m.initiate({ ...request, threadId: 'a' });
    await m.initiate({ ...request, threadId: 'a/b' });
    expect(m.history('a')).toHaveLength(1);
  });

  it('reports a store that cannot write as HandoffError, leaving no active handoff', async () => {
    const inner = new InMemoryKeyValueStore();
    const failing: KeyValueStore = {
      get: (k) => inner.get(k),
      range: (p) => inner.range(p),
      remove: (k) => inner.remove(k),
      put: async () => {
        throw new Error('disk full');
      },
    };
    const m = manager({ store: failing });
    await expect(m.initiate(request)).rejects.toMatchObject({ code: 'ERR_HANDOFF_PERSISTENCE', context: { threadId: 'thread-1' } });
    expect(m.active('thread-1')).toBeUndefined();
  });
});
