export { Store, type StoreUsage } from './Store.js';
export type { StoreOptions } from './StoreOptions.js';
export {
  MessageHistory,
  type HistoryFilter,
  type HistoryQuery,
  type HistoryPage,
  type RetentionRule,
} from './MessageHistory.js';
export type { HistoryRecord, HistoryDraft } from './HistoryRecord.js';
export { HistoryPolicy, type HistoryPolicyConfig } from './HistoryPolicy.js';
export { DurableMailboxLog, type PendingMessage } from './DurableMailboxLog.js';
export { SnapshotStore, type Snapshot, type StoredSnapshot } from './SnapshotStore.js';
export { EventJournal, type JournalEntry } from './EventJournal.js';
export { SessionStore, type SessionInfo } from './SessionStore.js';
export { KeyValueStore } from './KeyValueStore.js';
