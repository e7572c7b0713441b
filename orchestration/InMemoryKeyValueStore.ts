import type { KeyValueStore } from './KeyValueStore.js';

/**
 * A `KeyValueStore` held in a Map, for tests and demos. Values are cloned on the way in and out,
 * as a real store serialises them: a caller mutating what it stored or read cannot change the
 * stored state, and a value that cannot be serialised fails at `put` here too.
 */
export class InMemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, unknown>();

  get(key: string): unknown {
    const value = this.entries.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async put(key: string, value: unknown): Promise<void> {
    this.entries.set(key, structuredClone(value));
  }

  async remove(key: string): Promise<void> {
    this.entries.delete(key);
  }

  *range(prefix: string): Iterable<{ key: string; value: unknown }> {
    // Snapshot the keys first so that writes made while iterating do not disturb the iteration.
    const keys = [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      if (this.entries.has(key)) yield { key, value: structuredClone(this.entries.get(key)) };
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
