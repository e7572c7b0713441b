import type { HistoryRecord, PendingMessage, Store, StoredSnapshot } from '../store/index.js';
import { NotFoundError } from './errors.js';

/** Everything a store knows about one session, as plain data. */
export interface SessionBundle {
  format: 'troupe-session/1';
  session: { id: string; createdAt?: number; updatedAt?: number; data: unknown };
  /** The session's messages, oldest first. */
  history: HistoryRecord[];
  /** Actors that sent or received a message of the session. */
  agents: string[];
  snapshots: Record<string, StoredSnapshot>;
  pending: Record<string, PendingMessage[]>;
}

export type StepProgress = (step: string, done: number, total: number) => void;

const PAGE = 1000;

/** Read a session, its history, and its agents' snapshots and pending messages. */
export function readSession(store: Store, sessionId: string, progress: StepProgress = () => {}): SessionBundle {
  const info = store.sessions.list().find((s) => s.id === sessionId);
  const data = store.sessions.load(sessionId);
  if (info === undefined && data === undefined) {
    throw new NotFoundError(`no session '${sessionId}' in the store at ${store.path}`, { path: store.path, session: sessionId });
  }
  const total = store.history.count({ sessionId });
  const history: HistoryRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = store.history.query({ sessionId, order: 'asc', limit: PAGE, ...(cursor ? { cursor } : {}) });
    history.push(...page.entries);
    progress('history', history.length, total);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const agents = [...new Set(history.flatMap((r) => (r.sender !== undefined ? [r.sender, r.recipient] : [r.recipient])))].sort();
  const snapshots: Record<string, StoredSnapshot> = {};
  const pending: Record<string, PendingMessage[]> = {};
  agents.forEach((agent, i) => {
    const snapshot = store.snapshots.load(agent);
    if (snapshot !== undefined) snapshots[agent] = snapshot;
    const messages = store.mailboxes.pending(agent);
    if (messages.length > 0) pending[agent] = messages;
    progress('agents', i + 1, agents.length);
  });
  const session: SessionBundle['session'] = { id: sessionId, data };
  if (info !== undefined) { session.createdAt = info.createdAt; session.updatedAt = info.updatedAt; }
  return { format: 'troupe-session/1', session, history, agents, snapshots, pending };
}

/**
 * Write a bundle into `store`: the session, its history (same ids and times, so writing twice
 * changes nothing), the snapshots, and the pending messages (appended to the mailboxes).
 */
export async function writeSession(store: Store, bundle: SessionBundle, progress: StepProgress = () => {}): Promise<void> {
  await store.sessions.save(bundle.session.id, bundle.session.data);
  for (let i = 0; i < bundle.history.length; i += PAGE) {
    await store.history.appendMany(bundle.history.slice(i, i + PAGE));
    progress('history', Math.min(bundle.history.length, i + PAGE), bundle.history.length);
  }
  const snapshots = Object.entries(bundle.snapshots);
  let n = 0;
  for (const [actor, s] of snapshots) {
    const snapshot = { state: s.state, seq: s.seq, ...(s.behaviour !== undefined ? { behaviour: s.behaviour } : {}), ...(s.meta !== undefined ? { meta: s.meta } : {}) };
    await store.snapshots.save(actor, snapshot);
    progress('snapshots', ++n, snapshots.length);
  }
  const pending = Object.entries(bundle.pending);
  n = 0;
  for (const [actor, messages] of pending) {
    await Promise.all(messages.map((m) => store.mailboxes.append(actor, m.envelope)));
    progress('mailboxes', ++n, pending.length);
  }
}
