/**
 * The orchestration layer's `KeyValueStore` over the system's LMDB store (`store.kv`): workflow
 * runs, handoffs, threads and the orchestrator's own records live in the same environment as the
 * actors' mailboxes, snapshots and history, and survive a crash like them.
 */
import type { KeyValueStore as LmdbKv } from '../store/KeyValueStore.js';
import type { KeyValueStore } from './KeyValueStore.js';

export class LmdbKeyValueStore implements KeyValueStore {
  constructor(private readonly kv: LmdbKv) {}

  get(key: string): unknown {
    return this.kv.get(key);
  }

  put(key: string, value: unknown): Promise<void> {
    return this.kv.set(key, value);
  }

  async remove(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  *range(prefix: string): Iterable<{ key: string; value: unknown }> {
    for (const [key, value] of this.kv.list(prefix)) yield { key, value };
  }
}
