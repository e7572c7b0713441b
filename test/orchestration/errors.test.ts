import { describe, expect, it } from 'vitest';
import { TroupeError } from '../../runtime/errors.js';
import {
  DelegationError,
  HandoffError,
  ModelError,
  PermissionError,
  TenantIsolationError,
  ThreadError,
  WorkflowError,
} from '../../orchestration/errors.js';

describe('orchestration errors', () => {
  it.each([
    [new DelegationError('ERR_DELEGATION_NO_AGENTS', 'none', { strategy: 'parallel' }), 'DelegationError', 'ERR_DELEGATION_NO_AGENTS'],
    [new HandoffError('ERR_HANDOFF_NOT_ACTIVE', 'idle', { threadId: 't1' }), 'HandoffError', 'ERR_HANDOFF_NOT_ACTIVE'],
    [
      new PermissionError('denied', { tenantId: 'acme', userId: 'u', roles: [], permission: 'delegate' }),
      'PermissionError',
      'ERR_PERMISSION_DENIED',
    ],
    [new TenantIsolationError('ERR_TENANT_ISOLATION', 'other', { threadId: 't1', tenantId: 'acme' }), 'TenantIsolationError', 'ERR_TENANT_ISOLATION'],
    [new ThreadError('ERR_THREAD_NOT_FOUND', 'gone', { threadId: 't1' }), 'ThreadError', 'ERR_THREAD_NOT_FOUND'],
    [new WorkflowError('ERR_WORKFLOW_CYCLE', 'loop', { stepId: 'a' }), 'WorkflowError', 'ERR_WORKFLOW_CYCLE'],
    [new ModelError('ERR_MODEL_HTTP', 'bad', { model: 'm', status: 500 }), 'ModelError', 'ERR_MODEL_HTTP'],
  ])('%s is a TroupeError with its name, code and context', (error, name, code) => {
    expect(error).toBeInstanceOf(TroupeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.toJSON()).toMatchObject({ name, code, message: error.message, context: error.context });
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new ModelError('ERR_MODEL_NETWORK', 'failed', { model: 'm' }, cause);
    expect(error.cause).toBe(cause);
  });
});
