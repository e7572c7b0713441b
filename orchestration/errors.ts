/**
 * Errors raised by the orchestration layer. Each class narrows `code` to a fixed set of stable
 * strings, so callers can branch on the exact failure (`ERR_WORKFLOW_CYCLE` vs
 * `ERR_WORKFLOW_STEP_TIMEOUT`) without matching on message text, and each context names the
 * thing to look at (agent, thread, tenant, step, run).
 */
import { TroupeError, type ErrorContext } from '../runtime/errors.js';

export type DelegationErrorCode =
  | 'ERR_DELEGATION_NO_AGENTS'
  | 'ERR_DELEGATION_ABORTED'
  | 'ERR_DELEGATION_TIMEOUT'
  | 'ERR_DELEGATION_AGENT_FAILED'
  | 'ERR_DELEGATION_SUPERSEDED'
  | 'ERR_DELEGATION_SKIPPED'
  | 'ERR_DELEGATION_SYNTHESIS_FAILED';

export interface DelegationErrorContext extends ErrorContext {
  agentId?: string;
  agentIds?: readonly string[];
  strategy?: string;
  threadId?: string;
  tenantId?: string;
}

/** Delegating a message to one or more agents failed as a whole (not a single agent's failure). */
export class DelegationError extends TroupeError {
  declare readonly code: DelegationErrorCode;
  declare readonly context: DelegationErrorContext;
  constructor(code: DelegationErrorCode, message: string, context: DelegationErrorContext = {}, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

export type HandoffErrorCode = 'ERR_HANDOFF_NOT_ACTIVE' | 'ERR_HANDOFF_PERSISTENCE';

export interface HandoffErrorContext extends ErrorContext {
  threadId: string;
  handoffId?: string;
  tenantId?: string;
  sourceAgentId?: string;
  targetAgentId?: string;
}

/** A handoff transition was impossible (nothing active to complete) or could not be recorded. */
export class HandoffError extends TroupeError {
  declare readonly code: HandoffErrorCode;
  declare readonly context: HandoffErrorContext;
  constructor(code: HandoffErrorCode, message: string, context: HandoffErrorContext, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

export interface PermissionErrorContext extends ErrorContext {
  tenantId: string;
  userId: string;
  roles: readonly string[];
  permission: string;
}

/** The principal's roles do not grant the permission the operation needs. */
export class PermissionError extends TroupeError {
  declare readonly code: 'ERR_PERMISSION_DENIED';
  declare readonly context: PermissionErrorContext;
  constructor(message: string, context: PermissionErrorContext) {
    super('ERR_PERMISSION_DENIED', message, context);
  }
}

export type TenantIsolationErrorCode = 'ERR_TENANT_ISOLATION' | 'ERR_THREAD_NOT_OWNED';

/**
 * Only the requesting side is named: putting the owning tenant or user into an error that may
 * travel back to the requester would leak who owns the thread.
 */
export interface TenantIsolationErrorContext extends ErrorContext {
  threadId: string;
  tenantId: string;
  userId?: string;
}

/** A principal reached for a thread (or handoff) that belongs to another tenant or user. */
export class TenantIsolationError extends TroupeError {
  declare readonly code: TenantIsolationErrorCode;
  declare readonly context: TenantIsolationErrorContext;
  constructor(code: TenantIsolationErrorCode, message: string, context: TenantIsolationErrorContext) {
    super(code, message, context);
  }
}

export type ThreadErrorCode = 'ERR_THREAD_NOT_FOUND' | 'ERR_THREAD_EXISTS';

/** A thread id that is unknown, or already taken when creating one. */
export class ThreadError extends TroupeError {
  declare readonly code: ThreadErrorCode;
  declare readonly context: { threadId: string };
  constructor(code: ThreadErrorCode, message: string, context: { threadId: string }) {
    super(code, message, context);
  }
}

export type WorkflowErrorCode =
  | 'ERR_WORKFLOW_DUPLICATE_STEP'
  | 'ERR_WORKFLOW_UNKNOWN_STEP'
  | 'ERR_WORKFLOW_CYCLE'
  | 'ERR_WORKFLOW_INVALID_REFERENCE'
  | 'ERR_WORKFLOW_UNRESOLVED_REFERENCE'
  | 'ERR_WORKFLOW_STEP_FAILED'
  | 'ERR_WORKFLOW_STEP_TIMEOUT'
  | 'ERR_WORKFLOW_TIMEOUT'
  | 'ERR_WORKFLOW_CANCELLED'
  | 'ERR_WORKFLOW_RUN_NOT_FOUND'
  | 'ERR_WORKFLOW_ALREADY_RUNNING'
  | 'ERR_WORKFLOW_PERSISTENCE';

export interface WorkflowErrorContext extends ErrorContext {
  workflowId?: string;
  runId?: string;
  stepId?: string;
  agentId?: string;
  action?: string;
  attempt?: number;
}

/** A workflow definition is invalid, or running one (or a pipeline/parallel/scatter call) failed. */
export class WorkflowError extends TroupeError {
  declare readonly code: WorkflowErrorCode;
  declare readonly context: WorkflowErrorContext;
  constructor(code: WorkflowErrorCode, message: string, context: WorkflowErrorContext = {}, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

export type ModelErrorCode =
  | 'ERR_MODEL_HTTP'
  | 'ERR_MODEL_TIMEOUT'
  | 'ERR_MODEL_ABORTED'
  | 'ERR_MODEL_NETWORK'
  | 'ERR_MODEL_BAD_RESPONSE'
  | 'ERR_MODEL_STREAM';

/** Never carries the API key: contexts end up in logs. */
export interface ModelErrorContext extends ErrorContext {
  model: string;
  url?: string;
  status?: number;
  body?: string;
  timeoutMs?: number;
}

/** A language-model call failed: HTTP error status, timeout, cancellation, or an unreadable reply. */
export class ModelError extends TroupeError {
  declare readonly code: ModelErrorCode;
  declare readonly context: ModelErrorContext;
  constructor(code: ModelErrorCode, message: string, context: ModelErrorContext, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

export type AgentErrorCode =
  | 'ERR_AGENT_NOT_FOUND'
  | 'ERR_AGENT_EXISTS'
  | 'ERR_AGENT_FAILED'
  | 'ERR_AGENT_CANCELLED'
  | 'ERR_AGENT_TIMEOUT'
  | 'ERR_AGENT_HANDLER_LOAD'
  | 'ERR_AGENT_BAD_REPLY'
  | 'ERR_REMOTE_AGENT_UNREACHABLE'
  | 'ERR_REMOTE_AGENT_FAILED';

export interface AgentErrorContext extends ErrorContext {
  agentId: string;
  messageId?: string;
  threadId?: string;
  /** The code of the error the agent's handler or model raised, when it had one. */
  causeCode?: string;
  endpoint?: string;
  module?: string;
  export?: string;
}

/**
 * One agent could not answer: its handler or model failed, it was cancelled, it is unknown, or
 * (for a remote agent) its endpoint could not be reached. When the failure happened inside the
 * agent's actor, the error crossed threads as an `error` message and was rebuilt here.
 */
export class AgentError extends TroupeError {
  declare readonly code: AgentErrorCode;
  declare readonly context: AgentErrorContext;
  constructor(code: AgentErrorCode, message: string, context: AgentErrorContext, cause?: unknown) {
    super(code, message, context, { cause });
  }
}

export type OrchestratorErrorCode =
  | 'ERR_ORCHESTRATOR_STOPPED'
  | 'ERR_NO_DEFAULT_AGENT'
  | 'ERR_PERSISTENCE_REQUIRED'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_PRINCIPAL_REQUIRED';

/** The orchestrator cannot do what was asked in its current configuration or state. */
export class OrchestratorError extends TroupeError {
  declare readonly code: OrchestratorErrorCode;
  constructor(code: OrchestratorErrorCode, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(code, message, context, { cause });
  }
}
