import { randomUUID } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import type { CommitGate } from './CommitGate.js';
import { assertKeyPart } from './keyRanges.js';

export interface SessionInfo {
  id: string;
  createdAt: number;
  updatedAt: number;
}

interface StoredSession extends Omit<SessionInfo, 'id'> {
  data: unknown;
}

/** Conversation/user sessions: opaque data under a generated id, with creation and update times. */
export class SessionStore {
  private readonly db: Database<StoredSession, string>;

  constructor(
    root: RootDatabase,
    private readonly gate: CommitGate,
  ) {
    this.db = gate.track(root.openDB<StoredSession, string>({ name: 'sessions' }));
  }

  /** Resolves with the new session's id once committed. */
  create(data: unknown = {}): Promise<string> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    const id = randomUUID();
    const now = Date.now();
    try {
      return this.gate.commit(this.gate.observe(this.db.put(id, { data, createdAt: now, updatedAt: now })), id);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Replaces the session's data, creating the session under this id if it does not exist. */
  save(sessionId: string, data: unknown): Promise<void> {
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(sessionId, 'sessionId');
      const now = Date.now();
      const createdAt = this.db.get(sessionId)?.createdAt ?? now;
      return this.gate.commit(this.gate.observe(this.db.put(sessionId, { data, createdAt, updatedAt: now })), undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  load<T = unknown>(sessionId: string): T | undefined {
    this.gate.assertOpen();
    assertKeyPart(sessionId, 'sessionId');
    return this.db.get(sessionId)?.data as T | undefined;
  }

  list(): SessionInfo[] {
    this.gate.assertOpen();
    const out: SessionInfo[] = [];
    for (const { key, value } of this.db.getRange()) out.push({ id: key, createdAt: value.createdAt, updatedAt: value.updatedAt });
    return out;
  }

  /** Resolves true if the session existed. */
  delete(sessionId: string): Promise<boolean> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    try {
      assertKeyPart(sessionId, 'sessionId');
      const existed = this.db.doesExist(sessionId);
      return this.gate.commit(this.gate.observe(this.db.remove(sessionId)), existed);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
