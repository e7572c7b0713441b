import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { StorageError } from '../runtime/errors.js';
import type { ResolvedStoreOptions } from './StoreOptions.js';

/** Named sub-databases: history + 5 indexes, mailbox, counters, snapshots, journal, sessions, kv = 12, plus room to grow. */
const MAX_DBS = 32;

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
  const lmdbOptions: RootDatabaseOptionsWithPath = {
    path,
    // A path like "/var/lib/troupe.db" would otherwise be taken as a file, not a directory.
    noSubdir: false,
    maxDbs: MAX_DBS,
    noSync: options.noSync,
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
