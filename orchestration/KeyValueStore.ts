/**
 * The persistence the orchestration layer needs, kept this small so that any ordered key-value
 * store (the LMDB store, an in-memory map in tests) can back it. Reads are synchronous because
 * LMDB reads are; writes are asynchronous because durable writes are.
 */
export interface KeyValueStore {
  /** The stored value, or undefined when the key is absent. */
  get(key: string): unknown;
  put(key: string, value: unknown): Promise<void>;
  /** Removing an absent key is not an error. */
  remove(key: string): Promise<void>;
  /** Every entry whose key starts with `prefix`, in ascending key order. */
  range(prefix: string): Iterable<{ key: string; value: unknown }>;
}
