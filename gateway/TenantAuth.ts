import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { RequestError } from './http.js';

const Key = z.string().min(8, 'API keys must be at least 8 characters');

/** Per tenant: one key, several keys, or keys plus extra actors it may reach. */
export const TenantKeysSchema = z.union([
  Key,
  z.array(Key).min(1),
  z.strictObject({
    keys: z.union([Key, z.array(Key).min(1)]),
    /** Actors outside `${tenant}/` this tenant may reach. */
    actors: z.array(z.string().min(1)).optional(),
  }),
]);

export const ApiKeysSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'tenant names use letters, digits, _ . and -'), TenantKeysSchema)
  .superRefine((tenants, ctx) => {
    const seen = new Map<string, string>();
    for (const [tenant, spec] of Object.entries(tenants)) {
      for (const key of keysOf(spec)) {
        const other = seen.get(key);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: [tenant], message: `shares an API key with tenant '${other}'` });
        seen.set(key, tenant);
      }
    }
  });

export type TenantKeys = z.input<typeof TenantKeysSchema>;
export type ApiKeys = z.input<typeof ApiKeysSchema>;

function keysOf(spec: TenantKeys): string[] {
  if (typeof spec === 'string') return [spec];
  if (Array.isArray(spec)) return spec;
  return typeof spec.keys === 'string' ? [spec.keys] : spec.keys;
}

/** Who made a request: a tenant, or nobody in particular when the gateway runs without keys. */
export interface Principal {
  tenant: string | undefined;
}

const digest = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * API keys per tenant. A tenant's key reaches the actors whose id starts with `${tenant}/` and the
 * actors listed for it; nothing else. Without keys configured every request is let through (the
 * server binds to loopback by default). Keys are kept only as SHA-256 digests.
 */
export class TenantAuth {
  private readonly byDigest = new Map<string, string>();
  private readonly extraActors = new Map<string, Set<string>>();
  readonly enabled: boolean;

  constructor(apiKeys: z.output<typeof ApiKeysSchema> | undefined) {
    this.enabled = apiKeys !== undefined;
    for (const [tenant, spec] of Object.entries(apiKeys ?? {})) {
      for (const key of keysOf(spec)) this.byDigest.set(digest(key), tenant);
      if (typeof spec === 'object' && !Array.isArray(spec) && spec.actors !== undefined) this.extraActors.set(tenant, new Set(spec.actors));
    }
  }

  /**
   * The request's tenant from `Authorization: Bearer KEY` or `X-API-Key: KEY` (or `?key=` where
   * `queryKey` is passed: browsers' EventSource cannot set headers). 401 when missing or unknown.
   */
  authenticate(req: IncomingMessage, queryKey?: string | null): Principal {
    if (!this.enabled) return { tenant: undefined };
    const auth = req.headers.authorization;
    const header = req.headers['x-api-key'];
    const presented =
      auth !== undefined && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim()
        : typeof header === 'string' ? header.trim()
          : queryKey ?? undefined;
    if (presented === undefined || presented === '') {
      throw new RequestError(401, 'ERR_UNAUTHENTICATED', 'an API key is required (Authorization: Bearer KEY or X-API-Key)');
    }
    const tenant = this.byDigest.get(digest(presented));
    if (tenant === undefined) throw new RequestError(401, 'ERR_UNAUTHENTICATED', 'the API key is not valid');
    return { tenant };
  }

  /** Whether `principal` may reach `actorId`. */
  allows(principal: Principal, actorId: string): boolean {
    if (!this.enabled) return true;
    const tenant = principal.tenant;
    if (tenant === undefined) return false;
    return actorId.startsWith(`${tenant}/`) || this.extraActors.get(tenant)?.has(actorId) === true;
  }

  /** 403 unless `principal` may reach `actorId`. */
  authorize(principal: Principal, actorId: string): void {
    if (this.allows(principal, actorId)) return;
    throw new RequestError(403, 'ERR_FORBIDDEN', `tenant '${principal.tenant}' may not reach actor '${actorId}'`, { actor: actorId, tenant: principal.tenant });
  }
}
