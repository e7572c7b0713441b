import { StorageError, type ErrorContext } from '../runtime/errors.js';

/** The path given as a store does not exist. */
export class StoreNotFoundError extends StorageError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_STORE_NOT_FOUND', message, context);
  }
}

/** The path exists but holds something other than a Troupe store. */
export class NotAStoreError extends StorageError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_NOT_A_STORE', message, context);
  }
}

/** A session id, actor or file named on the command line is not there. */
export class NotFoundError extends StorageError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_NOT_FOUND', message, context);
  }
}
