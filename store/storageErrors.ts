import { constants } from 'node:os';
import { StorageError, type ErrorContext } from '../runtime/errors.js';

const MDB_MAP_FULL = -30792;

/**
 * errnos that mean "the file cannot grow". LMDB reports a short write (what a full disk or a
 * file-size limit produces mid-page) as EIO, so EIO on commit lands here too.
 */
const FULL_ERRNOS = new Set<number>(
  [constants.errno.ENOSPC, constants.errno.EFBIG, constants.errno.EDQUOT, constants.errno.EIO].filter(
    (n): n is number => typeof n === 'number',
  ),
);

interface LmdbCommitFailure extends Error {
  /** lmdb-js rejects every write of a failed transaction with a generic error; the cause sits here. */
  commitError?: PromiseLike<unknown>;
}

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isFull(error: unknown): boolean {
  const code = codeOf(error);
  if (code === MDB_MAP_FULL) return true;
  if (code !== undefined && FULL_ERRNOS.has(Math.abs(code))) return true;
  return error instanceof Error && /MDB_MAP_FULL|ENOSPC|No space left/i.test(error.message);
}

/** All writes of one failed transaction share its `commitError`; resolve it once for all of them. */
const causes = new WeakMap<object, Promise<unknown>>();

function commitCause(error: LmdbCommitFailure): Promise<unknown> {
  const commitError = error.commitError;
  if (!commitError) return Promise.resolve(error);
  let cause = causes.get(commitError);
  if (!cause) {
    cause = awaitCause(commitError, error);
    causes.set(commitError, cause);
  }
  return cause;
}

/** Waits briefly for the real cause; the timer never holds the process open. */
async function awaitCause(commitError: PromiseLike<unknown>, error: Error): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, 200, undefined);
    timer.unref();
  });
  const cause = await Promise.race([
    Promise.resolve(commitError).then(
      () => undefined,
      (e: unknown) => e,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return cause ?? error;
}

export function storeFullError(message: string, context: ErrorContext, cause?: unknown): StorageError {
  return new StorageError('ERR_STORE_FULL', message, context, cause);
}

export function storeClosedError(path: string): StorageError {
  return new StorageError('ERR_STORE_CLOSED', `The store at ${path} is closed`, { path });
}

/** Turn whatever lmdb-js rejected a write with into a StorageError with a stable code. */
export async function classifyWriteError(error: unknown, context: ErrorContext): Promise<StorageError> {
  if (error instanceof StorageError) return error;
  const cause = await commitCause(error as LmdbCommitFailure);
  const code = codeOf(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (isFull(cause)) {
    return storeFullError(
      `The store at ${String(context.path)} cannot grow (disk full, file-size limit or map full): ${detail}`,
      { ...context, ...(code === undefined ? {} : { lmdbCode: code }) },
      cause,
    );
  }
  if (error instanceof Error && /closed/i.test(error.message)) return storeClosedError(String(context.path));
  return new StorageError(
    'ERR_STORE_WRITE',
    `A write to the store at ${String(context.path)} failed: ${detail}`,
    { ...context, ...(code === undefined ? {} : { lmdbCode: code }) },
    cause,
  );
}
