import { z } from 'zod';
import type { Store } from '../store/index.js';
import { parseCli } from './cliOptions.js';
import { formatBytes, formatTime, preview, table } from './format.js';
import { write } from './output.js';
import { openExistingStore } from './storeAccess.js';

const InspectArgs = z.object({
  store: z.string().min(1),
  json: z.boolean().optional(),
});

export type InspectArgs = z.input<typeof InspectArgs>;

/** What `inspect` reports about a store. */
export interface StoreReport {
  path: string;
  usage: { usedBytes: number; fileBytes: number; mapSize: number };
  sessions: { id: string; createdAt: number; updatedAt: number }[];
  actors: { id: string; pending: number; snapshot: boolean; journalSeq: number }[];
  mailboxes: { actor: string; depth: number }[];
  snapshots: { actor: string; behaviour?: string; seq: number; savedAt: number; state: string }[];
  historyRecords: number;
}

export function inspectStore(store: Store): StoreReport {
  const mailboxes = store.mailboxes.pendingActors().map((actor) => ({ actor, depth: store.mailboxes.pendingCount(actor) }));
  mailboxes.sort((a, b) => b.depth - a.depth || a.actor.localeCompare(b.actor));
  const snapshots: StoreReport['snapshots'] = [];
  for (const [actor, s] of store.snapshots.entries()) {
    snapshots.push({ actor, ...(s.behaviour !== undefined ? { behaviour: s.behaviour } : {}), seq: s.seq, savedAt: s.savedAt, state: preview(s.state, 80) });
  }
  const ids = new Set<string>([...mailboxes.map((m) => m.actor), ...snapshots.map((s) => s.actor)]);
  const depth = new Map(mailboxes.map((m) => [m.actor, m.depth]));
  const snap = new Set(snapshots.map((s) => s.actor));
  const actors = [...ids].sort().map((id) => ({ id, pending: depth.get(id) ?? 0, snapshot: snap.has(id), journalSeq: store.journal.lastSeq(id) }));
  const { usedBytes, fileBytes, mapSize } = store.usage();
  return {
    path: store.path,
    usage: { usedBytes, fileBytes, mapSize },
    sessions: store.sessions.list().sort((a, b) => b.updatedAt - a.updatedAt),
    actors,
    mailboxes,
    snapshots,
    historyRecords: store.history.count(),
  };
}

export async function runInspect(input: InspectArgs, out: NodeJS.WritableStream = process.stdout): Promise<StoreReport> {
  const a = parseCli(InspectArgs, input);
  const store = await openExistingStore(a.store);
  try {
    const r = inspectStore(store);
    if (a.json) {
      await write(JSON.stringify(r, null, 2) + '\n', out);
      return r;
    }
    const lines: string[] = [
      `Store ${r.path}`,
      `  ${formatBytes(r.usage.usedBytes)} used, file ${formatBytes(r.usage.fileBytes)}, ${r.historyRecords} history record${r.historyRecords === 1 ? '' : 's'}`,
      '',
      `Sessions (${r.sessions.length})`,
      r.sessions.length === 0 ? '  none' : table(['session', 'created', 'updated'], r.sessions.map((s) => [s.id, formatTime(s.createdAt), formatTime(s.updatedAt)])),
      '',
      `Actors (${r.actors.length}: with a snapshot or pending messages)`,
      r.actors.length === 0 ? '  none' : table(['actor', 'pending', 'snapshot', 'journal seq'], r.actors.map((x) => [x.id, x.pending, x.snapshot ? 'yes' : 'no', x.journalSeq]), ['left', 'right', 'left', 'right']),
      '',
      `Mailbox depths (${r.mailboxes.length} non-empty)`,
      r.mailboxes.length === 0 ? '  all empty' : table(['actor', 'pending'], r.mailboxes.slice(0, 20).map((m) => [m.actor, m.depth]), ['left', 'right']),
      '',
      `Snapshots (${r.snapshots.length})`,
      r.snapshots.length === 0 ? '  none' : table(['actor', 'behaviour', 'seq', 'saved', 'state'], r.snapshots.map((s) => [s.actor, behaviourLabel(s.behaviour), s.seq, formatTime(s.savedAt), s.state])),
    ];
    await write(lines.join('\n') + '\n', out);
    return r;
  } finally {
    await store.close();
  }
}

function behaviourLabel(key: string | undefined): string {
  if (key === undefined) return '';
  const hash = key.lastIndexOf('#');
  return hash >= 0 ? key.slice(hash + 1) : key;
}
