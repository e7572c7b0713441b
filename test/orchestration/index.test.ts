import { describe, expect, it } from 'vitest';
import { ActorNotFoundError } from '../../runtime/errors.js';
import {
  ContextSanitizer,
  createMessage,
  delegate,
  HandoffManager,
  InMemoryKeyValueStore,
  LocalModel,
  modelInvoker,
  Permissions,
  pipeline,
  synthesize,
  ThreadRegistry,
  WorkflowRunner,
  type Principal,
} from '../../orchestration/index.js';
import { silentLogger } from './helpers.js';

const text =
  'Troupe runs actors on a worker pool. Actors keep state in LMDB. ' +
  'Supervisors restart failed actors. Orchestration coordinates agents across actors.';

describe('orchestration end to end over the public index', () => {
  const invoke = modelInvoker({
    summariser: new LocalModel({ maxSentences: 1 }),
    analyst: { model: new LocalModel({ maxKeywords: 2 }), system: 'You analyse.' },
  });

  it('checks permission, owns a thread, delegates with redaction and synthesizes', async () => {
    const store = new InMemoryKeyValueStore();
    const principal: Principal = { tenantId: 'acme', userId: 'john', roles: ['member'] };
    new Permissions().check(principal, 'delegate');
    const threads = new ThreadRegistry({ store });
    const thread = await threads.create(principal);

    const message = createMessage({ type: 'query', sender: 'john', content: `${text} Contact john@example.com.`, threadId: thread.id, tenantId: 'acme' });
    const results = await delegate(message, ['summariser', 'analyst'], { sanitizer: new ContextSanitizer() }, invoke);
    expect(results.every((r) => r.success)).toBe(true);
    const answer = synthesize(results);
    expect(answer).toMatch(/^From summariser:\nSummary: /);
    expect(answer).toContain('From analyst:\n');
    expect(answer).not.toContain('john@example.com');
  });

  it('runs a workflow and a pipeline over model agents', async () => {
    const runner = new WorkflowRunner({ invoke, store: new InMemoryKeyValueStore(), logger: silentLogger });
    const result = await runner.run(
      { id: 'digest', steps: [{ id: 'sum', agent: 'summariser', action: 'summarise' }, { id: 'kw', agent: 'analyst', action: 'keywords', input: '$input' }] },
      text,
    );
    expect(result.status).toBe('completed');
    expect(String(result.output)).toMatch(/^Summary: .*\nKeywords: actors, \w+$/);
    expect(String(await pipeline([{ agent: 'summariser', action: 'a' }, { agent: 'analyst', action: 'b' }], text, { invoke }))).toContain('Keywords:');
  });

  it('hands a thread over and back', async () => {
    const handoffs = new HandoffManager({ store: new InMemoryKeyValueStore(), logger: silentLogger });
    const r = await handoffs.initiate({
      threadId: 't',
      tenantId: 'acme',
      userId: 'john',
      sourceAgentId: 'main',
      targetAgentId: 'analyst',
      contextSummary: 'wants keywords',
      reason: 'analysis',
    });
    expect(r.accepted).toBe(true);
    expect((await handoffs.complete('t', { resultSummary: 'done' })).state).toBe('completed');
  });

  it('refuses an unknown model agent', async () => {
    await expect(invoke('nobody', 'x', 'y', { signal: new AbortController().signal })).rejects.toBeInstanceOf(ActorNotFoundError);
  });
});
