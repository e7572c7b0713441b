import { TroupeError, type ErrorContext } from '../runtime/errors.js';

/*
 * Errors for operations a supervisor refuses, mirroring the `{error, ...}` replies of OTP's
 * supervisor API (not_found, already_present, running, simple_one_for_one). They live here rather
 * than in runtime/errors.ts because that file belongs to the runtime.
 */

/** OTP `{error, not_found}`: no child with that id. */
export class ChildNotFoundError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_CHILD_NOT_FOUND', message, context);
  }
}

/** OTP `{error, already_present}` / `{error, {already_started, _}}`: the id is taken. */
export class ChildAlreadyPresentError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_CHILD_ALREADY_PRESENT', message, context);
  }
}

/** OTP `{error, running}` / `{error, restarting}`: the operation needs a stopped child. */
export class ChildRunningError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_CHILD_RUNNING', message, context);
  }
}

/** OTP `{error, simple_one_for_one}`: the call does not apply to this supervisor's strategy. */
export class StrategyMismatchError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_STRATEGY_MISMATCH', message, context);
  }
}

/** The supervisor has not been started yet, or has already terminated. */
export class SupervisorNotRunningError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_SUPERVISOR_NOT_RUNNING', message, context);
  }
}

/** A health sample carried a value no metric can be computed from (NaN, negative, zero heap limit). */
export class InvalidSampleError extends TroupeError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_INVALID_SAMPLE', message, context);
  }
}
