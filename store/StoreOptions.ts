import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { HistoryPolicy } from './HistoryPolicy.js';

const StoreOptionsSchema = z.strictObject({
  /** Directory holding the LMDB environment (data.mdb + lock.mdb). Created if missing. */
  path: z.string().min(1).default('./data/troupe'),
  /**
   * Initial size of the memory map in bytes. lmdb-js grows the map on its own when it fills, so this
   * is a starting point, not a limit; see `maxSize` for a limit.
   */
  mapSize: z.number().int().min(16 * 1024).optional(),
  /**
   * Ceiling on the data file in bytes. lmdb-js always grows the map, so the only way to bound disk
   * use is to refuse new records once the file reaches this size: inserting writes then reject with
   * ERR_STORE_FULL while deletes (ack, retention, drop) keep working so space can be reclaimed.
   */
  maxSize: z.number().int().min(16 * 1024).optional(),
  /**
   * Skip fsync. Commits still survive a process crash (they are in the OS page cache) but not a
   * power loss. Every thread opening the same path must pass the same value: LMDB fixes it per file.
   */
  noSync: z.boolean().default(false),
  /** Extra milliseconds lmdb-js waits to gather more writes into one transaction. */
  commitDelay: z.number().int().min(0).max(1000).optional(),
  /** Upper bound on concurrent read transactions across all threads and processes. */
  maxReaders: z.number().int().min(1).max(32_768).optional(),
  /** Which messages `history.append` keeps; everything by default. */
  historyPolicy: z.custom<HistoryPolicy>((v) => typeof v === 'function', 'expected a function').optional(),
  logger: z
    .custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function', 'expected a pino logger')
    .optional(),
});

export type StoreOptions = z.input<typeof StoreOptionsSchema>;
export type ResolvedStoreOptions = z.output<typeof StoreOptionsSchema>;

/** Validate once at the edge so nothing downstream re-checks options on a hot path. */
export function parseStoreOptions(options: StoreOptions = {}): ResolvedStoreOptions {
  const parsed = StoreOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option =
    issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.length > 0 ? issue.path.join('.') : '(options)';
  const value = option in (options as object) ? (options as Record<string, unknown>)[option] : undefined;
  throw new InvalidOptionError(`Invalid store option "${option}": ${issue.message}`, {
    option,
    ...(typeof value === 'function' || typeof value === 'object' ? {} : { value }),
  });
}
