import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { createLogger } from '../runtime/logger.js';
import { Store } from '../store/index.js';
import { NotAStoreError, StoreNotFoundError } from './errors.js';

/** Sub-databases every Troupe store has (store/Store.ts opens them all when it creates one). */
const MARKERS = ['history', 'sessions', 'mailbox', 'snapshots'];

/**
 * Open an existing store for the CLI. Unlike `Store.open`, which creates what is missing, this
 * refuses a path that does not exist (StoreNotFoundError) or that is not a Troupe store
 * (NotAStoreError: a file, a directory without an LMDB environment, or another program's LMDB
 * environment); both messages name the path.
 */
export async function openExistingStore(path: string): Promise<Store> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new StoreNotFoundError(`no Troupe store at ${abs}: the path does not exist`, { path: abs });
  if (!statSync(abs).isDirectory()) throw new NotAStoreError(`${abs} is not a Troupe store: it is a file, not a store directory`, { path: abs });
  if (!existsSync(join(abs, 'data.mdb'))) throw new NotAStoreError(`${abs} is not a Troupe store: it has no data.mdb`, { path: abs });
  let names: string[];
  try {
    const root = open({ path: abs, readOnly: true, maxDbs: 32 });
    try {
      names = [...root.getKeys({})].filter((k): k is string => typeof k === 'string');
    } finally {
      await root.close();
    }
  } catch (err) {
    throw new NotAStoreError(`${abs} is not a Troupe store: it cannot be read as an LMDB environment (${(err as Error).message})`, { path: abs });
  }
  const missing = MARKERS.filter((m) => !names.includes(m));
  if (missing.length > 0) throw new NotAStoreError(`${abs} is not a Troupe store: it lacks the ${missing.join(', ')} sub-database${missing.length > 1 ? 's' : ''}`, { path: abs });
  return Store.open({ path: abs, logger: createLogger({ level: process.env.TROUPE_LOG_LEVEL ?? 'warn' }) });
}
