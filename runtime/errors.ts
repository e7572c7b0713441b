/**
 * Typed errors. Every error Troupe raises is a `TroupeError` with a stable `code` and a `context`
 * object naming what went wrong (actor id, message type, worker, option, path...), so callers can
 * branch on the code and logs carry the facts without parsing the message.
 */
export type ErrorContext = Record<string, unknown>;

export class TroupeError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
  toJSON(): { name: string; code: string; message: string; context: ErrorContext } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** An option passed to the system (or any component) failed validation. */
export class InvalidOptionError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_INVALID_OPTION', message, context);
  }
}

/** A message failed its behaviour's zod schema; nothing was enqueued. */
export class MessageValidationError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MESSAGE_INVALID', message, context);
  }
}

/** A payload holds something that cannot cross threads (a function, a class instance, a symbol). */
export class UnserializableMessageError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MESSAGE_UNSERIALIZABLE', message, context);
  }
}

/** An `ask` got no reply in time. */
export class AskTimeoutError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_ASK_TIMEOUT', message, context);
  }
}

/** The target of a message is stopped or was never known. */
export class ActorNotFoundError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_ACTOR_NOT_FOUND', message, context);
  }
}

/** A name is already taken in the registry. */
export class DuplicateNameError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_DUPLICATE_NAME', message, context);
  }
}

/** A bounded mailbox is full and its policy is `reject`. */
export class MailboxFullError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_MAILBOX_FULL', message, context);
  }
}

/** A behaviour module could not be loaded, or lacks the named export. */
export class BehaviourLoadError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}, cause?: unknown) {
    super('ERR_BEHAVIOUR_LOAD', message, context, { cause });
  }
}

/** The actor's handler threw while processing the message an `ask` was waiting on. */
export class ActorFailedError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}, cause?: unknown) {
    super('ERR_ACTOR_FAILED', message, context, { cause });
  }
}

/** An operation was attempted on a system that is not running. */
export class SystemStoppedError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_SYSTEM_STOPPED', message, context);
  }
}

/** A task on a pool actor was aborted (timeout or cancellation). */
export class TaskAbortedError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}, cause?: unknown) {
    super('ERR_TASK_ABORTED', message, context, { cause });
  }
}

/** A storage operation failed: unwritable path, full map, corrupt record. */
export class StorageError extends TroupeError {
  constructor(code: string, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

/** The worker hosting an actor died before a reply came. */
export class WorkerDiedError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_WORKER_DIED', message, context);
  }
}

const errorClasses: Record<string, new (message: string, context?: ErrorContext) => TroupeError> = {
  InvalidOptionError, MessageValidationError, UnserializableMessageError, AskTimeoutError,
  ActorNotFoundError, DuplicateNameError, MailboxFullError, BehaviourLoadError, ActorFailedError,
  SystemStoppedError, TaskAbortedError, WorkerDiedError,
};

/** An error as it crosses a thread: plain data. */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  context?: ErrorContext;
  stack?: string;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof TroupeError) {
    return { name: err.name, code: err.code, message: err.message, context: sanitizeContext(err.context), stack: err.stack };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** Rebuild a typed error on the receiving thread, so `instanceof` and `code` work across threads. */
export function errorFromWire(w: WireError): Error {
  const C = errorClasses[w.name];
  let err: Error;
  if (C !== undefined) {
    err = new C(w.message, w.context ?? {});
  } else if (w.code !== undefined) {
    err = new TroupeError(w.code, w.message, w.context ?? {});
  } else {
    err = new Error(w.message);
    err.name = w.name;
  }
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

function sanitizeContext(ctx: ErrorContext): ErrorContext {
  const out: ErrorContext = {};
  for (const [k, v] of Object.entries(ctx)) {
    out[k] = typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : typeof v === 'function' ? String(v) : v;
  }
  return out;
}
