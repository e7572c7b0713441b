/**
 * Conversation threads and who owns them. Every orchestration call names a thread; checking that
 * the caller's tenant (and user) owns it is what keeps one tenant's conversation out of another's.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TenantIsolationError, ThreadError } from './errors.js';
import type { KeyValueStore } from './KeyValueStore.js';
import type { PlainData } from './Message.js';
import { isPlainData, parseOptions } from './parseOptions.js';

export interface Thread {
  id: string;
  tenantId: string;
  userId: string;
  title?: string;
  metadata?: Record<string, PlainData>;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface ThreadOwner {
  tenantId: string;
  userId: string;
}

export interface ThreadRegistryOptions {
  store: KeyValueStore;
  /** Key prefix, so that several registries can share one store. */
  namespace?: string;
  now?: () => number;
}

export type OwnershipScope = 'user' | 'tenant';

const OwnerSchema = z.object({ tenantId: z.string().min(1), userId: z.string().min(1) });
const CreateSchema = z.strictObject({
  id: z.string().min(1).optional(),
  title: z.string().optional(),
  metadata: z.record(z.string(), z.custom<PlainData>((v) => isPlainData(v))).optional(),
});

/** The owner of a thread opened for a whole tenant rather than one user. */
export const ANY_USER = '*';

export class ThreadRegistry {
  private readonly store: KeyValueStore;
  private readonly prefix: string;
  private readonly now: () => number;
  /** Ids being created: a store write may not be visible to `get` until it commits. */
  private readonly creating = new Set<string>();

  constructor(options: ThreadRegistryOptions) {
    this.store = options.store;
    this.prefix = `${options.namespace ?? 'troupe/orchestration'}/thread/`;
    this.now = options.now ?? Date.now;
  }

  /** Creates a thread owned by `owner`; a given `id` that is already taken is a `ThreadError`. */
  async create(owner: ThreadOwner, init: { id?: string; title?: string; metadata?: Record<string, PlainData> } = {}): Promise<Thread> {
    const o = parseOptions(OwnerSchema, owner, 'owner');
    const i = parseOptions(CreateSchema, init, 'thread');
    const id = i.id ?? randomUUID();
    if (this.creating.has(id) || this.store.get(this.key(id)) !== undefined) {
      throw new ThreadError('ERR_THREAD_EXISTS', `Thread ${id} already exists`, { threadId: id });
    }
    const thread: Thread = { id, tenantId: o.tenantId, userId: o.userId, createdAt: this.now() };
    if (i.title !== undefined) thread.title = i.title;
    if (i.metadata !== undefined) thread.metadata = i.metadata;
    this.creating.add(id);
    try {
      await this.store.put(this.key(id), thread);
    } finally {
      this.creating.delete(id);
    }
    return thread;
  }

  /** Unchecked lookup, for system code; anything acting for a principal should use `assertOwnership`. */
  get(threadId: string): Thread | undefined {
    return this.store.get(this.key(threadId)) as Thread | undefined;
  }

  /**
   * Returns the thread when `principal` may use it. Another tenant's thread is a
   * `TenantIsolationError` (`ERR_TENANT_ISOLATION`); with scope `user` (the default) so is another
   * user's thread in the same tenant (`ERR_THREAD_NOT_OWNED`).
   */
  assertOwnership(principal: ThreadOwner, threadId: string, scope: OwnershipScope = 'user'): Thread {
    const p = parseOptions(OwnerSchema, principal, 'principal');
    const thread = this.get(threadId);
    if (thread === undefined) {
      throw new ThreadError('ERR_THREAD_NOT_FOUND', `Thread ${threadId} does not exist`, { threadId });
    }
    if (thread.tenantId !== p.tenantId) {
      throw new TenantIsolationError(
        'ERR_TENANT_ISOLATION',
        `Thread ${threadId} does not belong to tenant ${p.tenantId}`,
        { threadId, tenantId: p.tenantId, userId: p.userId },
      );
    }
    // A thread opened for a whole tenant (owner '*': first used with a tenant and no user) is every
    // user's of that tenant.
    if (scope === 'user' && thread.userId !== p.userId && thread.userId !== ANY_USER) {
      throw new TenantIsolationError(
        'ERR_THREAD_NOT_OWNED',
        `Thread ${threadId} does not belong to user ${p.userId} of tenant ${p.tenantId}`,
        { threadId, tenantId: p.tenantId, userId: p.userId },
      );
    }
    return thread;
  }

  /** The tenant's threads (only the user's own with scope `user`), oldest first. */
  list(principal: ThreadOwner, scope: OwnershipScope = 'user'): Thread[] {
    const p = parseOptions(OwnerSchema, principal, 'principal');
    const out: Thread[] = [];
    for (const { value } of this.store.range(this.prefix)) {
      const t = value as Thread;
      if (t.tenantId === p.tenantId && (scope === 'tenant' || t.userId === p.userId)) out.push(t);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async remove(principal: ThreadOwner, threadId: string): Promise<void> {
    this.assertOwnership(principal, threadId);
    await this.store.remove(this.key(threadId));
  }

  private key(threadId: string): string {
    return `${this.prefix}${threadId}`;
  }
}
