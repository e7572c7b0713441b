import type { Database, RootDatabase } from 'lmdb';
import { InvalidOptionError, StorageError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { CommitGate } from './CommitGate.js';
import { decodeCursor, encodeCursor } from './HistoryCursor.js';
import { AGENT, EMPTY, forEachIndexValue, openHistoryIndexes, type HistoryIndex, type IndexedFilter } from './HistoryIndexes.js';
import { HistoryPolicy } from './HistoryPolicy.js';
import { fromTuple, RECIPIENT, SENDER, toTuple, type HistoryDraft, type HistoryRecord, type StoredHistoryTuple } from './HistoryRecord.js';
import { assertKeyPart, isKeyPart, KEY_PART_RULE, timeRange } from './keyRanges.js';
import type { MessageIdGenerator } from './MessageIdGenerator.js';

export interface HistoryFilter extends IndexedFilter {
  /** Inclusive lower bound on `time` (ms). */
  from?: number;
  /** Inclusive upper bound on `time` (ms). */
  to?: number;
}

export interface HistoryQuery extends HistoryFilter {
  order?: 'asc' | 'desc';
  /** Page size; default 100. `Infinity` returns everything in one page. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface HistoryPage {
  entries: HistoryRecord[];
  /** Present when more entries match; pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

export interface RetentionRule {
  /** Delete entries whose `time` is older than now minus this. */
  maxAgeMs?: number;
  /** Keep at most this many entries, deleting the oldest. */
  maxCount?: number;
}

const DEFAULT_LIMIT = 100;
/** How many index rows a combined query looks at per candidate index to find the most selective one. */
const SELECTIVITY_PROBE = 2048;
/** Entries deleted per transaction by retention: bounds the size of one commit. */
const RETENTION_CHUNK = 10_000;

type PrimaryKey = [number, string];
type Residual = readonly [HistoryIndex, string];

/**
 * The message history: a primary sub-database keyed [time, id] (so key order is time order) and
 * one secondary index per filterable field, all written in the same transaction as the record.
 * Every filtered query is a range scan of one index; other filters are checked on the records it
 * yields.
 */
export class MessageHistory {
  private readonly records: Database<StoredHistoryTuple, PrimaryKey>;
  private readonly indexes: readonly HistoryIndex[];

  constructor(
    root: RootDatabase,
    private readonly gate: CommitGate,
    private readonly ids: MessageIdGenerator,
    private readonly logger: Logger,
    /** Consulted on every append; replace it at any time. */
    public policy: HistoryPolicy = HistoryPolicy.all(),
  ) {
    this.records = gate.track(root.openDB<StoredHistoryTuple, PrimaryKey>({ name: 'history' }));
    this.indexes = openHistoryIndexes(root);
    for (const index of this.indexes) gate.track(index.db);
  }

  /** Resolves with the record id once committed, or `undefined` if the policy skipped it. */
  append(draft: HistoryDraft): Promise<string | undefined> {
    const closed = this.gate.refuseWrite();
    if (closed) return Promise.reject(closed);
    // A skipped message writes nothing, so it succeeds even when the store is full.
    if (!this.policy(draft)) return Promise.resolve(undefined);
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    try {
      const [time, id, tuple] = this.prepare(draft, Date.now());
      return this.gate.commit(this.write(time, id, tuple), id);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** All records go into one transaction; resolves with their ids (`undefined` where the policy skipped). */
  appendMany(drafts: readonly HistoryDraft[]): Promise<Array<string | undefined>> {
    const closed = this.gate.refuseWrite();
    if (closed) return Promise.reject(closed);
    const now = Date.now();
    const prepared: Array<readonly [number, string, StoredHistoryTuple] | undefined> = [];
    let kept = 0;
    try {
      // Validate everything before writing anything, so a bad record leaves no partial batch.
      for (const draft of drafts) {
        const admitted = this.policy(draft);
        prepared.push(admitted ? this.prepare(draft, now) : undefined);
        if (admitted) kept++;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (kept === 0) return Promise.resolve(prepared.map(() => undefined));
    const refused = this.gate.refuseInsert();
    if (refused) return Promise.reject(refused);
    let written: Promise<boolean> | undefined;
    const ids = prepared.map((p) => {
      if (!p) return undefined;
      written = this.write(p[0], p[1], p[2]);
      return p[1];
    });
    return this.gate.commit(written!, ids);
  }

  query(query: HistoryQuery = {}): HistoryPage {
    this.gate.assertOpen();
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) {
      throw new InvalidOptionError('"limit" must be a positive integer or Infinity', { option: 'limit', value: limit });
    }
    if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') {
      throw new InvalidOptionError('"order" must be "asc" or "desc"', { option: 'order', value: query.order });
    }
    const descending = query.order === 'desc';
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const { driver, residuals } = this.plan(query);
    const entries: HistoryRecord[] = [];
    let more = false;

    if (!driver) {
      for (const { key, value } of this.records.getRange(timeRange([], query.from, query.to, descending, after))) {
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(fromTuple(key[0], key[1], value));
      }
    } else {
      const value = query[driver.field]!;
      for (const key of driver.db.getKeys(timeRange([value], query.from, query.to, descending, after))) {
        const time = key[1];
        const id = key[2];
        const tuple = this.records.get([time, id]);
        // Rows and records commit together, so a missing record means a damaged file: skip, don't throw.
        if (tuple === undefined || !matchesAll(tuple, residuals)) continue;
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(fromTuple(time, id, tuple));
      }
    }
    const last = entries[entries.length - 1];
    return more && last ? { entries, nextCursor: encodeCursor([last.time, last.id]) } : { entries };
  }

  count(filter: HistoryFilter = {}): number {
    this.gate.assertOpen();
    const { driver, residuals } = this.plan(filter);
    if (!driver) {
      if (filter.from === undefined && filter.to === undefined) {
        return (this.records.getStats() as { entryCount: number }).entryCount;
      }
      return this.records.getCount(timeRange([], filter.from, filter.to, false));
    }
    const range = timeRange([filter[driver.field]!], filter.from, filter.to, false);
    if (residuals.length === 0) return driver.db.getCount(range);
    let n = 0;
    for (const key of driver.db.getKeys(range)) {
      const tuple = this.records.get([key[1], key[2]]);
      if (tuple !== undefined && matchesAll(tuple, residuals)) n++;
    }
    return n;
  }

  /** Deletes every record and index row in one transaction. */
  clear(): Promise<void> {
    const refused = this.gate.refuseWrite();
    if (refused) return Promise.reject(refused);
    let last: Promise<void> = this.gate.observe(this.records.clearAsync());
    for (const index of this.indexes) last = this.gate.observe(index.db.clearAsync());
    return this.gate.commit(last, undefined);
  }

  /**
   * Deletes the oldest entries (and their index rows) that break the rule, in transactions of
   * bounded size. Resolves with how many were deleted. LMDB reuses the freed pages for new
   * records, so the file stops growing but does not shrink (see `Store.backup` with compaction).
   */
  async applyRetention(rule: RetentionRule, now: number = Date.now()): Promise<number> {
    const { maxAgeMs, maxCount } = rule;
    if (maxAgeMs !== undefined && !(maxAgeMs >= 0)) {
      throw new InvalidOptionError('"maxAgeMs" must be a non-negative number', { option: 'maxAgeMs', value: maxAgeMs });
    }
    if (maxCount !== undefined && !(Number.isInteger(maxCount) && maxCount >= 0)) {
      throw new InvalidOptionError('"maxCount" must be a non-negative integer', { option: 'maxCount', value: maxCount });
    }
    const cutoff = maxAgeMs === undefined ? -Infinity : now - maxAgeMs;
    let excess = maxCount === undefined ? 0 : Math.max(0, this.count() - maxCount);
    let deleted = 0;
    for (;;) {
      this.gate.assertOpen();
      let last: Promise<boolean> | undefined;
      let inChunk = 0;
      for (const { key, value } of this.records.getRange({ limit: RETENTION_CHUNK })) {
        const [time, id] = key;
        if (!(time < cutoff) && excess <= 0) break;
        for (const index of this.indexes) {
          forEachIndexValue(index, value, (v) => this.gate.observe(index.db.remove([v, time, id])));
        }
        last = this.gate.observe(this.records.remove(key));
        excess--;
        inChunk++;
      }
      if (!last) break;
      await this.gate.commit(last, undefined);
      deleted += inChunk;
      if (inChunk < RETENTION_CHUNK) break;
    }
    if (deleted > 0) this.logger.debug({ deleted, maxAgeMs, maxCount }, 'history retention applied');
    return deleted;
  }

  private prepare(draft: HistoryDraft, now: number): readonly [number, string, StoredHistoryTuple] {
    const time = draft.time ?? now;
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new StorageError('ERR_STORE_RECORD', 'History record field "time" must be a finite number', { field: 'time' });
    }
    let id = draft.id;
    if (id === undefined) id = this.ids.next(now);
    else if (!isKeyPart(id)) {
      throw new StorageError('ERR_STORE_RECORD', `History record field "id" ${KEY_PART_RULE}`, { field: 'id' });
    }
    return [time, id, toTuple(draft, id)];
  }

  /** Issues the puts; lmdb-js commits every write of this event turn in one transaction. */
  private write(time: number, id: string, tuple: StoredHistoryTuple): Promise<boolean> {
    const gate = this.gate;
    let last = gate.observe(this.records.put([time, id], tuple));
    for (const index of this.indexes) {
      const position = index.position;
      if (position !== AGENT) {
        const v = tuple[position] as string | null;
        if (v !== null) last = gate.observe(index.db.put([v, time, id], EMPTY));
        continue;
      }
      const sender = tuple[SENDER];
      const recipient = tuple[RECIPIENT];
      if (sender !== null && sender !== recipient) gate.observe(index.db.put([sender, time, id], EMPTY));
      last = gate.observe(index.db.put([recipient, time, id], EMPTY));
    }
    return last;
  }

  private plan(filter: HistoryFilter): { driver: HistoryIndex | undefined; residuals: Residual[] } {
    if (filter.from !== undefined && typeof filter.from !== 'number') {
      throw new InvalidOptionError('"from" must be a number (ms)', { option: 'from' });
    }
    if (filter.to !== undefined && typeof filter.to !== 'number') {
      throw new InvalidOptionError('"to" must be a number (ms)', { option: 'to' });
    }
    const active: Residual[] = [];
    for (const index of this.indexes) {
      const value = filter[index.field];
      if (value === undefined) continue;
      assertKeyPart(value, index.field);
      active.push([index, value]);
    }
    if (active.length <= 1) return { driver: active[0]?.[0], residuals: [] };
    let best = active[0]!;
    let bestCount = Infinity;
    for (const candidate of active) {
      const n = this.probe(candidate[0], candidate[1], filter);
      if (n < bestCount) {
        best = candidate;
        bestCount = n;
      }
    }
    return { driver: best[0], residuals: active.filter((a) => a !== best) };
  }

  /** Index rows in range, counted up to a cap: cheap, and enough to rank candidates. */
  private probe(index: HistoryIndex, value: string, filter: HistoryFilter): number {
    let n = 0;
    for (const _ of index.db.getKeys({ ...timeRange([value], filter.from, filter.to, false), limit: SELECTIVITY_PROBE })) n++;
    return n;
  }
}

function matchesAll(tuple: StoredHistoryTuple, residuals: readonly Residual[]): boolean {
  for (const [index, value] of residuals) if (!index.matches(tuple, value)) return false;
  return true;
}

