import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { PermissionError } from '../../orchestration/errors.js';
import { DEFAULT_ROLE_PERMISSIONS, Permissions, PERMISSIONS, type Principal } from '../../orchestration/Permissions.js';

const viewer: Principal = { tenantId: 'acme', userId: 'vera', roles: ['viewer'] };
const member: Principal = { tenantId: 'acme', userId: 'max', roles: ['member'] };
const admin: Principal = { tenantId: 'acme', userId: 'ada', roles: ['admin'] };

describe('Permissions', () => {
  const permissions = new Permissions();

  it('grants by the default role table', () => {
    expect(permissions.can(viewer, 'read-history')).toBe(true);
    expect(permissions.can(viewer, 'delegate')).toBe(false);
    expect(permissions.can(member, 'initiate-handoff')).toBe(true);
    expect(permissions.can(member, 'administer-agents')).toBe(false);
    for (const p of PERMISSIONS) expect(permissions.can(admin, p)).toBe(true);
  });

  it('unions the permissions of several roles', () => {
    const p = new Permissions({ roles: { reader: ['read-history'], sender: ['send'] } });
    const both: Principal = { tenantId: 't', userId: 'u', roles: ['reader', 'sender'] };
    expect([...p.permissionsOf(both)].sort()).toEqual(['read-history', 'send']);
  });

  it('grants nothing for unknown roles or no roles', () => {
    expect(permissions.can({ tenantId: 't', userId: 'u', roles: ['superuser'] }, 'send')).toBe(false);
    expect(permissions.can({ tenantId: 't', userId: 'u', roles: [] }, 'send')).toBe(false);
  });

  it('check() throws PermissionError naming principal and permission', () => {
    expect(() => permissions.check(member, 'send')).not.toThrow();
    let error: unknown;
    try {
      permissions.check(viewer, 'delegate');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermissionError);
    const pe = error as PermissionError;
    expect(pe.code).toBe('ERR_PERMISSION_DENIED');
    expect(pe.message).toBe('Principal acme/vera (roles: viewer) lacks permission "delegate"');
    expect(pe.context).toEqual({ tenantId: 'acme', userId: 'vera', roles: ['viewer'], permission: 'delegate' });
  });

  it('replaces the defaults with a custom table', () => {
    const p = new Permissions({ roles: { member: ['send'] } });
    expect(p.can(member, 'delegate')).toBe(false);
    expect(DEFAULT_ROLE_PERMISSIONS.member).toContain('delegate');
  });

  it('rejects unknown permissions in the table and malformed principals', () => {
    expect(() => new Permissions({ roles: { editor: ['send', 'fly'] as never } })).toThrow(/Permissions\.roles\.editor\[1\]/);
    expect(() => permissions.can({ tenantId: '', userId: 'u', roles: [] }, 'send')).toThrow(InvalidOptionError);
    expect(() => permissions.can(member, 'teleport' as never)).toThrow(/permission/);
  });
});
