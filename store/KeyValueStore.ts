import type { Database, RootDatabase } from 'lmdb';
import type { CommitGate } from './CommitGate.js';
import { assertKeyPart } from './keyRanges.js';

/**
 * Small generic key/value space for other layers (workflow progress, handoff states...). Use a
 * prefix per owner, e.g. `workflow:<runId>`, and `list(prefix)` to read one owner's keys.
 */
export class KeyValueStore {
  private readonly db: Database<unknown, string>;

  constructor(
    root: RootDatabase,
    private readonly gate: CommitGate,
  ) {
    this.db = gate.track(root.openDB<unknown, string>({ name: 'kv' }));
  }

  get<T = unknown>(key: string): T | undefined {
    this.gate.assertOpen();
    assertKeyPart(key, 'key');
    return this.db.get(key) as T | undefined;
  }

  set(key: string, value: unknown): Promise<void> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(key, 'key');
      return this.gate.commit(this.gate.observe(this.db.put(key, value)), undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Resolves true if the key existed. */
  delete(key: string): Promise<boolean> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(key, 'key');
      const existed = this.db.doesExist(key);
      return this.gate.commit(this.gate.observe(this.db.remove(key)), existed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Entries whose key starts with `prefix`, in key order. */
  list<T = unknown>(prefix = ''): Array<[key: string, value: T]> {
    this.gate.assertOpen();
    const out: Array<[string, T]> = [];
    // Seek to the prefix and stop at the first key without it: exact for any Unicode, unlike an end sentinel.
    for (const { key, value } of this.db.getRange(prefix === '' ? {} : { start: prefix })) {
      if (typeof key !== 'string' || !key.startsWith(prefix)) break;
      out.push([key, value as T]);
    }
    return out;
  }
}
