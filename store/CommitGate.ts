import type { Database, RootDatabase } from 'lmdb';
import type { ErrorContext, StorageError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { classifyWriteError, storeClosedError, storeFullError } from './storageErrors.js';

const noop = (): void => {};

/** How stale the exact usage may get while a full-sized file still accepts writes. */
const LIVE_CHECK_INTERVAL_MS = 25;

interface EnvInfo {
  lastPageNumber: number;
}

interface TreeStats {
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  overflowPages: number;
}

interface RootStats {
  root: TreeStats;
  free: TreeStats;
}

const pagesOf = (s: TreeStats): number => s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;

/**
 * The one place every write of a Store passes through: refuses writes after close, enforces
 * `maxSize`, and turns lmdb-js commit failures into StorageErrors.
 *
 * It also works around an lmdb-js 3.5.x behaviour: for each event-turn batch it creates an
 * internal commit promise nobody listens to, so a failed commit (disk full) surfaces as an
 * unhandled rejection and would kill the process. Attaching a handler to `committed` once per
 * turn, after lmdb-js has started the batch, keeps the process alive and lets the failure reach
 * the caller as a rejected write instead.
 */
export class CommitGate {
  private closed = false;
  private turnScheduled = false;
  private roomChecked = false;
  private readonly forgetRoomCheck = (): void => {
    this.roomChecked = false;
  };
  private refusal: StorageError | undefined;
  private observed: PromiseLike<unknown> | undefined;
  private lastLiveCheck = -Infinity;
  private readonly databases: Database<any, any>[] = [];
  private readonly pageSize: number;
  /** A failed commit leaves lmdb-js waiting on a flush that never comes; close() must not wait on it. */
  lastCommitFailed = false;
  /** Set once lmdb-js has been asked to close: from then on a put would throw synchronously. */
  environmentClosed = false;

  constructor(
    private readonly root: RootDatabase,
    readonly path: string,
    private readonly maxSize: number | undefined,
    private readonly logger: Logger,
  ) {
    this.pageSize = (root.getStats() as { pageSize: number }).pageSize;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  markClosed(): void {
    this.closed = true;
  }

  /** For reads and deletes: only a closed store refuses them. */
  refuseWrite(): StorageError | undefined {
    return this.closed ? storeClosedError(this.path) : undefined;
  }

  assertOpen(): void {
    if (this.closed) throw storeClosedError(this.path);
  }

  /**
   * For writes that add data. Usage only moves on commit, so it is read once per synchronous run of
   * writes (a loop of appends costs one check), not once per record.
   */
  refuseInsert(): StorageError | undefined {
    if (this.closed) return storeClosedError(this.path);
    if (this.maxSize === undefined) return undefined;
    if (!this.roomChecked) {
      this.roomChecked = true;
      queueMicrotask(this.forgetRoomCheck);
      this.refusal = this.checkRoom(this.maxSize);
    }
    return this.refusal;
  }

  /** Sub-databases whose pages count toward `maxSize`. */
  track<D extends Database<any, any>>(db: D): D {
    this.databases.push(db);
    return db;
  }

  /** Bytes of the file up to its last used page: what the file occupies, freed pages included. */
  fileBytes(): number {
    return ((this.root as unknown as { env: { info(): EnvInfo } }).env.info().lastPageNumber + 1) * this.pageSize;
  }

  /** Bytes in pages that hold live data (every tracked tree, the catalogue, the free list, the metas). */
  liveBytes(): number {
    const root = this.root.getStats() as RootStats;
    let pages = 2 + pagesOf(root.root) + pagesOf(root.free);
    for (const db of this.databases) pages += pagesOf(db.getStats() as TreeStats);
    return pages * this.pageSize;
  }

  /**
   * The file's high-water mark is cheap (~2 µs) and bounds live data from above, so it settles the
   * common case. Only once the file has reached maxSize does the exact count (~40 µs per
   * sub-database) decide, at most every LIVE_CHECK_INTERVAL_MS while writes are accepted, because
   * after retention freed pages are reused and the file need not grow further.
   */
  private checkRoom(maxSize: number): StorageError | undefined {
    if (this.fileBytes() < maxSize) return undefined;
    const now = Date.now();
    if (!this.refusal && now - this.lastLiveCheck < LIVE_CHECK_INTERVAL_MS) return undefined;
    this.lastLiveCheck = now;
    const used = this.liveBytes();
    if (used < maxSize) return undefined;
    if (!this.refusal) this.logger.warn({ path: this.path, used, maxSize }, 'store reached maxSize; refusing new records');
    return storeFullError(`The store at ${this.path} is full: ${used} bytes of live data, maxSize ${maxSize}`, {
      path: this.path,
      used,
      maxSize,
    });
  }

  /**
   * Mark a write's promise as handled. lmdb-js hands the same promise to every write of a batch but
   * starts a new one when a large batch begins committing early; if that transaction failed, any
   * promise no caller held would reject unhandled. Checking identity keeps this to one handler per
   * batch.
   */
  observe<P extends PromiseLike<unknown>>(written: P): P {
    if (written !== this.observed) {
      this.observed = written;
      written.then(undefined, noop);
    }
    return written;
  }

  /** Resolve with `value` once `written` commits; reject with a StorageError if the commit fails. */
  commit<T>(written: PromiseLike<unknown>, value: T, context?: ErrorContext): Promise<T> {
    this.scheduleTurnEnd();
    return Promise.resolve(written).then(
      () => {
        this.lastCommitFailed = false;
        return value;
      },
      (error: unknown) => this.fail(error, context),
    );
  }

  private async fail(error: unknown, context: ErrorContext | undefined): Promise<never> {
    // Every write of a failed transaction rejects; one log line per run of failures is enough.
    const first = !this.lastCommitFailed;
    this.lastCommitFailed = true;
    const storageError = await classifyWriteError(error, { path: this.path, ...context });
    if (first) this.logger.warn({ err: storageError, path: this.path }, 'store write failed');
    throw storageError;
  }

  private scheduleTurnEnd(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    // Queued after lmdb-js's own setImmediate for this turn, so `committed` now refers to the batch's promise.
    setImmediate(() => {
      this.turnScheduled = false;
      (this.root.committed as PromiseLike<unknown>).then(noop, noop);
    });
  }
}
