import { z } from 'zod';
import { GatewayOptionsSchema } from '../gateway/Gateway.js';
import { ApiKeysSchema } from '../gateway/TenantAuth.js';
import { SystemMetrics } from '../metrics/SystemMetrics.js';
import { InvalidOptionError } from '../runtime/errors.js';

export const DashboardOptionsSchema = z.strictObject({
  /** TCP port; 0 picks a free one (read it from the handle's `url`). */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Interface to bind. The default keeps the server on this machine. */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Gateway API keys per tenant (see gateway/TenantAuth.ts). Tenant keys open only the gateway's
   * routes. With `apiKeys` set and no `adminKey`, the dashboard's own routes (page, /live, /metrics,
   * /status, /events, /dead-letters...) answer 403 `ERR_ADMIN_KEY_NOT_CONFIGURED`: they show every
   * tenant's data, so they need an `adminKey` once tenants exist.
   */
  apiKeys: ApiKeysSchema.optional(),
  /**
   * The key for the dashboard's own routes (page, /live, /metrics, /status, /events, /dead-letters...):
   * `Authorization: Bearer KEY` or `?key=KEY`. Required to use them when `apiKeys` is set (403
   * otherwise); without `apiKeys` and without `adminKey` they are open (local development: keep
   * `host` on loopback).
   */
  adminKey: z.string().min(8, 'adminKey must be at least 8 characters').optional(),
  /** How often the workers are sampled for the live page. */
  sampleIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /** Samples kept for the charts (at the default interval, 5 minutes). */
  historySize: z.number().int().min(10).max(100_000).default(300),
  /** At most this many actors in /status and on the page (the totals still count all). */
  maxActors: z.number().int().min(1).max(1_000_000).default(2000),
  /** Mount the gateway routes (tell/ask/stream). */
  gateway: z.boolean().default(true),
  /** Gateway limits (body size, longest ask timeout). */
  gatewayLimits: GatewayOptionsSchema.omit({ apiKeys: true }).optional(),
  /** Reuse a metrics registry (e.g. one the application already scrapes); one is made otherwise. */
  metrics: z.instanceof(SystemMetrics).optional(),
});

export type DashboardOptions = z.input<typeof DashboardOptionsSchema>;
export type ResolvedDashboardOptions = z.output<typeof DashboardOptionsSchema>;

export function parseDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  const parsed = DashboardOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.map(String).join('.') || '(options)';
  throw new InvalidOptionError(`invalid dashboard option '${option}': ${issue.message}`, { option });
}
