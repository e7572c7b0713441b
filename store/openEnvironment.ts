import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { StorageError } from '../runtime/errors.js';
import type { ResolvedStoreOptions } from './StoreOptions.js';

/** Named sub-databases: history + 5 indexes, mailbox, counters, snapshots, journal, sessions, kv = 12, plus room to grow. */
const MAX_DBS = 32;
/** Past any real turn's write count: the write thread sees a turn's writes only once it has ended. */
const TURN_BATCH_HELD_UNTIL_TURN_END = 2 ** 30;

/**
 * Check the directory before lmdb-js sees it: its own failures say "ENOTDIR" or "Permission denied"
 * without the path, and an operator needs the path.
 */
function ensureWritableDirectory(path: string): void {
  const fail = (reason: string, cause: unknown): never => {
    throw new StorageError('ERR_STORE_PATH', `Cannot use ${path} as a store directory: ${reason}`, { path }, cause);
  };
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    fail((error as NodeJS.ErrnoException).code ?? String(error), error);
  }
  try {
    if (!statSync(path).isDirectory()) fail('not a directory', undefined);
    accessSync(path, fsConstants.R_OK | fsConstants.W_OK);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    fail((error as NodeJS.ErrnoException).code ?? String(error), error);
  }
}

export function openEnvironment(options: ResolvedStoreOptions): { root: RootDatabase; path: string } {
  const path = resolve(options.path);
  ensureWritableDirectory(path);
  // batchStartThreshold is a real lmdb-js option (write.js) that its typings leave out.
  const lmdbOptions: RootDatabaseOptionsWithPath & { batchStartThreshold: number } = {
    path,
    // A path like "/var/lib/troupe.db" would otherwise be taken as a file, not a directory.
    noSubdir: false,
    maxDbs: MAX_DBS,
    noSync: options.noSync,
    // lmdb-js wraps one event turn's writes in a block that its write thread starts applying once
    // 1,000 writes are queued, then waits for the block's end, which only the turn's closing task
    // writes. A worker thread that ends mid-turn (process.exit in a handler, an uncaught error)
    // never runs that task, and Node's exit waits forever on the write thread: the worker never
    // dies and the process never exits. Holding the block back until the turn ends keeps a turn
    // all-or-nothing and lets the write thread give up cleanly on a dead thread's unfinished turn.
    batchStartThreshold: TURN_BATCH_HELD_UNTIL_TURN_END,
  };
  if (options.mapSize !== undefined) lmdbOptions.mapSize = options.mapSize;
  if (options.commitDelay !== undefined) lmdbOptions.commitDelay = options.commitDelay;
  if (options.maxReaders !== undefined) lmdbOptions.maxReaders = options.maxReaders;
  try {
    return { root: open(lmdbOptions), path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const pathProblem = code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EPERM';
    throw new StorageError(
      pathProblem ? 'ERR_STORE_PATH' : 'ERR_STORE_OPEN',
      `Cannot open the store at ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { path },
      error,
    );
  }
}
