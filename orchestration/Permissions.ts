/**
 * Role-based permissions for orchestration operations. Roles are plain names mapped to sets of
 * permissions; a principal holds roles within one tenant. Unknown role names grant nothing, so a
 * stale or forged role can never widen access.
 */
import { z } from 'zod';
import { PermissionError } from './errors.js';
import { parseOptions } from './parseOptions.js';

export const PERMISSIONS = ['delegate', 'initiate-handoff', 'administer-agents', 'read-history', 'send'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface Principal {
  tenantId: string;
  userId: string;
  roles: readonly string[];
}

export type RolePermissions = Readonly<Record<string, readonly Permission[]>>;

/** Defaults meant as a starting point; pass `roles` to replace them. */
export const DEFAULT_ROLE_PERMISSIONS: RolePermissions = {
  viewer: ['read-history'],
  member: ['send', 'read-history', 'delegate', 'initiate-handoff'],
  agent: ['send', 'delegate', 'initiate-handoff'],
  admin: [...PERMISSIONS],
};

export const PrincipalSchema = z.strictObject({
  tenantId: z.string().min(1),
  userId: z.string().min(1),
  roles: z.array(z.string().min(1)),
});

const RolesSchema = z.record(z.string().min(1), z.array(z.enum(PERMISSIONS)));

export interface PermissionsOptions {
  /** Replaces the default role table. */
  roles?: RolePermissions;
}

export class Permissions {
  private readonly table: ReadonlyMap<string, ReadonlySet<Permission>>;

  constructor(options: PermissionsOptions = {}) {
    const roles = parseOptions(RolesSchema, options.roles ?? DEFAULT_ROLE_PERMISSIONS, 'Permissions.roles');
    this.table = new Map(Object.entries(roles).map(([role, perms]) => [role, new Set(perms)]));
  }

  /** Everything the principal's roles grant together. */
  permissionsOf(principal: Principal): ReadonlySet<Permission> {
    const p = parseOptions(PrincipalSchema, principal, 'principal');
    const granted = new Set<Permission>();
    for (const role of p.roles) for (const perm of this.table.get(role) ?? []) granted.add(perm);
    return granted;
  }

  can(principal: Principal, permission: Permission): boolean {
    parseOptions(z.enum(PERMISSIONS), permission, 'permission');
    return this.permissionsOf(principal).has(permission);
  }

  /** Throws `PermissionError` naming principal and permission when the roles do not grant it. */
  check(principal: Principal, permission: Permission): void {
    if (this.can(principal, permission)) return;
    const roles = principal.roles.length > 0 ? principal.roles.join(', ') : 'none';
    throw new PermissionError(
      `Principal ${principal.tenantId}/${principal.userId} (roles: ${roles}) lacks permission "${permission}"`,
      { tenantId: principal.tenantId, userId: principal.userId, roles: [...principal.roles], permission },
    );
  }
}
