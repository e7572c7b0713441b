import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RootDatabase, Transaction } from 'lmdb';
import { StorageError } from '../runtime/errors.js';
import { defaultLoggerFor, type Logger } from '../runtime/logger.js';
import { CommitGate } from './CommitGate.js';
import { DurableMailboxLog } from './DurableMailboxLog.js';
import { EventJournal } from './EventJournal.js';
import { KeyValueStore } from './KeyValueStore.js';
import { MessageHistory } from './MessageHistory.js';
import { MessageIdGenerator } from './MessageIdGenerator.js';
import { openEnvironment } from './openEnvironment.js';
import type { CounterKey } from './SequenceAllocator.js';
import { SessionStore } from './SessionStore.js';
import { SnapshotStore } from './SnapshotStore.js';
import { parseStoreOptions, type StoreOptions } from './StoreOptions.js';

/** How long close() waits for lmdb-js after a failed commit, whose flush promise never settles. */
const CLOSE_AFTER_FAILURE_MS = 1000;

export interface StoreUsage {
  /** Bytes in pages holding live data: what `maxSize` limits. */
  usedBytes: number;
  /** Bytes of the data file up to its last page. Freed pages are reused but never returned, so this only grows. */
  fileBytes: number;
  /** Current size of the memory map; lmdb-js grows it as needed. */
  mapSize: number;
  maxSize?: number;
}

/**
 * One LMDB environment (one file) holding every kind of Troupe record in its own named
 * sub-database. Writes from all parts share lmdb-js's per-turn transaction, so a message appended
 * to a mailbox and to the history in the same turn commit together.
 *
 * Any number of worker threads may open the same path at once: lmdb-js shares one native
 * environment per process, and LMDB serializes writers across threads and processes.
 */
export class Store {
  readonly history: MessageHistory;
  readonly mailboxes: DurableMailboxLog;
  readonly snapshots: SnapshotStore;
  readonly journal: EventJournal;
  readonly sessions: SessionStore;
  readonly kv: KeyValueStore;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly root: RootDatabase,
    readonly path: string,
    private readonly gate: CommitGate,
    private readonly maxSize: number | undefined,
    private readonly logger: Logger,
  ) {
    const counters = gate.track(root.openDB<number, CounterKey>({ name: 'counters' }));
    this.history = new MessageHistory(root, gate, new MessageIdGenerator(root), logger);
    this.mailboxes = new DurableMailboxLog(root, counters, gate);
    this.snapshots = new SnapshotStore(root, gate);
    this.journal = new EventJournal(root, counters, gate);
    this.sessions = new SessionStore(root, gate);
    this.kv = new KeyValueStore(root, gate);
  }

  /**
   * Opens (creating if needed) the store at `options.path`. Throws InvalidOptionError for bad
   * options and StorageError ERR_STORE_PATH when the directory cannot be created or written.
   */
  static open(options: StoreOptions = {}): Store {
    const resolved = parseStoreOptions(options);
    const logger = (resolved.logger ?? defaultLoggerFor()).child({ component: 'store' });
    const { root, path } = openEnvironment(resolved);
    try {
      const gate = new CommitGate(root, path, resolved.maxSize, logger);
      const store = new Store(root, path, gate, resolved.maxSize, logger);
      if (resolved.historyPolicy) store.history.policy = resolved.historyPolicy;
      logger.debug({ path, noSync: resolved.noSync, maxSize: resolved.maxSize }, 'store opened');
      return store;
    } catch (error) {
      void root.close().catch(() => undefined);
      throw new StorageError('ERR_STORE_OPEN', `Cannot open the sub-databases of the store at ${path}`, { path }, error);
    }
  }

  /**
   * Runs `read` with a read transaction begun now; reads given it (`{ transaction }`, or the `txn`
   * parameter of load/pending/recover) all see the store as of this call, one snapshot.
   *
   * Fresh: lmdb-js keeps one read transaction per thread for a whole event turn and renews it early
   * only after this thread's own commits, so a plain read may predate a commit another thread made
   * a moment ago (a restore would take the snapshot before the actor's final one, and lose what
   * the newer one covers). The reset makes the next transaction start at the latest commit.
   *
   * One snapshot: a restore pairs a snapshot with the log entries after it, and the pair is only
   * exact if both come from the same commit (acks remove entries only once a later snapshot
   * committed, so a log read newer than its snapshot lacks messages neither holds). Pinning the
   * transaction, rather than relying on the cached one staying current between two reads, keeps
   * that true even if something resets the thread's read transaction in between.
   */
  readLatest<T>(read: (txn: Transaction) => T): T {
    this.gate.assertOpen();
    this.root.resetReadTxn();
    const txn = this.root.useReadTransaction();
    try {
      return read(txn);
    } finally {
      txn.done();
    }
  }

  get isClosed(): boolean {
    return this.gate.isClosed;
  }

  /** Resolves once everything committed so far is flushed to disk (survives power loss). */
  get flushed(): Promise<void> {
    return Promise.resolve(this.root.flushed as PromiseLike<unknown>).then(() => undefined);
  }

  usage(): StoreUsage {
    this.gate.assertOpen();
    const usage: StoreUsage = {
      usedBytes: this.gate.liveBytes(),
      fileBytes: this.gate.fileBytes(),
      mapSize: (this.root.getStats() as { mapSize: number }).mapSize,
    };
    if (this.maxSize !== undefined) usage.maxSize = this.maxSize;
    return usage;
  }

  /**
   * Writes a consistent copy of the whole environment into `directory` while the store stays
   * usable. With `compact` (default) free pages are left out, so this is also how to shrink a file
   * after heavy retention: LMDB reuses freed pages but never returns them to the filesystem.
   */
  async backup(directory: string, options: { compact?: boolean } = {}): Promise<void> {
    this.gate.assertOpen();
    const target = resolve(directory);
    try {
      mkdirSync(target, { recursive: true });
      await this.root.backup(target, options.compact ?? true);
    } catch (error) {
      throw new StorageError('ERR_STORE_BACKUP', `Cannot back up the store at ${this.path} to ${target}`, { path: this.path, target }, error);
    }
  }

  /**
   * Idempotent. Refuses new operations at once, waits for writes already issued to commit, then
   * releases this thread's handle; other threads keep theirs. Leaves nothing holding the event loop.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.gate.markClosed();
    // Sequence counters are written from a microtask queued by the last acks; let it run first.
    await Promise.resolve();
    this.gate.environmentClosed = true;
    const closed = this.root.close().catch((error: unknown) => {
      this.logger.warn({ err: error, path: this.path }, 'store close reported an error');
    });
    if (!this.gate.lastCommitFailed) {
      await closed;
    } else {
      // lmdb-js waits for the failed transaction's flush, which never comes; do not hang the caller.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((done) => {
          timer = setTimeout(done, CLOSE_AFTER_FAILURE_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    this.logger.debug({ path: this.path }, 'store closed');
  }
}
