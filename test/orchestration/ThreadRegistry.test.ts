import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { TenantIsolationError, ThreadError } from '../../orchestration/errors.js';
import { InMemoryKeyValueStore } from '../../orchestration/InMemoryKeyValueStore.js';
import { ThreadRegistry } from '../../orchestration/ThreadRegistry.js';

const alice = { tenantId: 'acme', userId: 'alice', roles: ['member'] };
const bob = { tenantId: 'acme', userId: 'bob', roles: ['member'] };
const eve = { tenantId: 'evil-corp', userId: 'eve', roles: ['admin'] };

function registry(store = new InMemoryKeyValueStore()): ThreadRegistry {
  let t = 1_000;
  return new ThreadRegistry({ store, now: () => t++ });
}

describe('ThreadRegistry', () => {
  it('creates threads owned by tenant and user', async () => {
    const threads = registry();
    const t = await threads.create(alice, { title: 'Demo' });
    expect(t).toMatchObject({ tenantId: 'acme', userId: 'alice', title: 'Demo', createdAt: 1_000 });
    expect(threads.get(t.id)).toEqual(t);
  });

  it('refuses a taken id, even while the first create is still being written', async () => {
    const threads = registry();
    const first = threads.create(alice, { id: 't1' });
    await expect(threads.create(alice, { id: 't1' })).rejects.toMatchObject({ code: 'ERR_THREAD_EXISTS' });
    await first;
    await expect(threads.create(bob, { id: 't1' })).rejects.toBeInstanceOf(ThreadError);
  });

  it('assertOwnership returns the owner its thread', async () => {
    const threads = registry();
    await threads.create(alice, { id: 't1' });
    expect(threads.assertOwnership(alice, 't1').id).toBe('t1');
  });

  it("throws TenantIsolationError on another tenant's thread, without naming the owner", async () => {
    const threads = registry();
    await threads.create(alice, { id: 't1' });
    let error: unknown;
    try {
      threads.assertOwnership(eve, 't1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TenantIsolationError);
    const te = error as TenantIsolationError;
    expect(te.code).toBe('ERR_TENANT_ISOLATION');
    expect(te.message).toBe('Thread t1 does not belong to tenant evil-corp');
    expect(te.context).toEqual({ threadId: 't1', tenantId: 'evil-corp', userId: 'eve' });
    expect(JSON.stringify(te.toJSON())).not.toContain('acme');
  });

  it("throws on another user's thread of the same tenant unless the scope is the tenant", async () => {
    const threads = registry();
    await threads.create(alice, { id: 't1' });
    expect(() => threads.assertOwnership(bob, 't1')).toThrow(expect.objectContaining({ code: 'ERR_THREAD_NOT_OWNED' }));
    expect(threads.assertOwnership(bob, 't1', 'tenant').id).toBe('t1');
    expect(() => threads.assertOwnership(eve, 't1', 'tenant')).toThrow(TenantIsolationError);
  });

  it('throws ThreadError for an unknown thread', () => {
    expect(() => registry().assertOwnership(alice, 'nope')).toThrow(expect.objectContaining({ code: 'ERR_THREAD_NOT_FOUND' }));
  });

  it('persists through the store: a new registry sees earlier threads', async () => {
    const store = new InMemoryKeyValueStore();
    await registry(store).create(alice, { id: 't1' });
    expect(registry(store).assertOwnership(alice, 't1').userId).toBe('alice');
  });

  it('lists only the principal\'s threads, oldest first', async () => {
    const threads = registry();
    await threads.create(alice, { id: 'b' });
    await threads.create(bob, { id: 'c' });
    await threads.create(alice, { id: 'a' });
    await threads.create(eve, { id: 'd' });
    expect(threads.list(alice).map((t) => t.id)).toEqual(['b', 'a']);
    expect(threads.list(alice, 'tenant').map((t) => t.id)).toEqual(['b', 'c', 'a']);
  });

  it('removes only own threads', async () => {
    const threads = registry();
    await threads.create(alice, { id: 't1' });
    await expect(threads.remove(eve, 't1')).rejects.toBeInstanceOf(TenantIsolationError);
    await threads.remove(alice, 't1');
    expect(threads.get('t1')).toBeUndefined();
  });

  it('validates owner and init', async () => {
    const threads = registry();
    await expect(threads.create({ tenantId: '', userId: 'u' })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(threads.create(alice, { titel: 'x' } as never)).rejects.toThrow(/thread\.titel/);
  });
});
