import type { Database, RootDatabase } from 'lmdb';
import { RECIPIENT, SENDER, SESSION, TENANT, THREAD, TYPE, type StoredHistoryTuple } from './HistoryRecord.js';

/** The filters that have a secondary index. */
export interface IndexedFilter {
  agent?: string;
  type?: string;
  sessionId?: string;
  threadId?: string;
  tenantId?: string;
}

export type IndexedField = keyof IndexedFilter;

/**
 * A secondary index: rows keyed [value, time, id] with an empty value, so a filter on one field is
 * a range scan of its rows in time order, and the row itself names the primary key [time, id].
 */
export interface HistoryIndex {
  readonly field: IndexedField;
  readonly db: Database<Uint8Array, [string, number, string]>;
  /**
   * Tuple position of the indexed value, or AGENT for the agent index, which files a record under
   * its sender and its recipient. A position instead of a values() function keeps the append path
   * free of per-record array allocations.
   */
  readonly position: number;
  matches(t: StoredHistoryTuple, value: string): boolean;
}

export const AGENT = -1;

function single(position: number): Pick<HistoryIndex, 'position' | 'matches'> {
  return { position, matches: (t, value) => t[position] === value };
}

/** Calls `emit` once per index row the record has. */
export function forEachIndexValue(index: HistoryIndex, t: StoredHistoryTuple, emit: (value: string) => void): void {
  if (index.position !== AGENT) {
    const v = t[index.position] as string | null;
    if (v !== null) emit(v);
    return;
  }
  const sender = t[SENDER];
  const recipient = t[RECIPIENT];
  if (sender !== null && sender !== recipient) emit(sender);
  emit(recipient);
}

const DEFINITIONS: ReadonlyArray<{ field: IndexedField; dbName: string } & Pick<HistoryIndex, 'position' | 'matches'>> = [
  // Order is the tie-break when the estimates cannot tell indexes apart: usually most selective first.
  { field: 'threadId', dbName: 'history.byThread', ...single(THREAD) },
  { field: 'sessionId', dbName: 'history.bySession', ...single(SESSION) },
  {
    field: 'agent',
    dbName: 'history.byAgent',
    position: AGENT,
    matches: (t, value) => t[SENDER] === value || t[RECIPIENT] === value,
  },
  { field: 'tenantId', dbName: 'history.byTenant', ...single(TENANT) },
  { field: 'type', dbName: 'history.byType', ...single(TYPE) },
];

export function openHistoryIndexes(root: RootDatabase): readonly HistoryIndex[] {
  return DEFINITIONS.map(({ field, dbName, position, matches }) => ({
    field,
    position,
    // Binary values: a row is only its key, and an empty Buffer skips msgpack entirely.
    db: root.openDB<Uint8Array, [string, number, string]>({ name: dbName, encoding: 'binary' }),
    matches,
  }));
}

/** An empty value for index rows. */
export const EMPTY = Buffer.alloc(0);
