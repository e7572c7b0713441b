import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import type { SystemMetrics } from '../metrics/SystemMetrics.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import { InvalidOptionError, MessageValidationError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DeadLetter, SystemEvent } from '../runtime/Streams.js';
import { readJsonBody, RequestError, sendError, sendJson, statusOf, errorBody } from './http.js';
import { askBodySchema, parseBody, TellBodySchema } from './schemas.js';
import { SseChannel } from './SseChannel.js';
import { ApiKeysSchema, TenantAuth, type Principal } from './TenantAuth.js';

export const GatewayOptionsSchema = z.strictObject({
  /** Tenant → API key(s). Absent: no authentication (keep the server on loopback then). */
  apiKeys: ApiKeysSchema.optional(),
  /** Largest request body accepted. */
  maxBodyBytes: z.number().int().min(64).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Largest `timeoutMs` a client may ask for. */
  maxAskTimeoutMs: z.number().int().min(1).max(600_000).default(60_000),
});

export type GatewayOptions = z.input<typeof GatewayOptionsSchema>;

export function parseGatewayOptions(options: GatewayOptions): z.output<typeof GatewayOptionsSchema> {
  const parsed = GatewayOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.map(String).join('.') || '(options)';
  throw new InvalidOptionError(`invalid gateway option '${option}': ${issue.message}`, { option });
}

interface StreamContext {
  principal: Principal;
  actor: string | undefined;
}

const ACTOR_ROUTE = /^\/actors\/(.+)\/(tell|ask)$/;

/**
 * The API for programs outside the process, mounted on the dashboard's server:
 *
 *   POST /actors/:id/tell   { message }              → 202 { ok, actor }
 *   POST /actors/:id/ask    { message, timeoutMs? }  → 200 { ok, actor, reply, ms }
 *                           (with `Accept: text/event-stream`: events `accepted`, then `reply` or `error`)
 *   GET  /actors                                     → the caller's actors
 *   GET  /stream[?actor=ID]                          → server-sent events: `event`, `dead-letter`, `alert`
 *
 * Ids may contain `/` (`acme/support`), raw or as %2F. Bodies are validated with zod (400 names the
 * field); keys are per tenant (401 without a valid key, 403 for another tenant's actor).
 */
export class Gateway {
  readonly auth: TenantAuth;
  private readonly options: z.output<typeof GatewayOptionsSchema>;
  private readonly streams = new SseChannel<StreamContext>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly requests: Counter<'route' | 'status'>;
  private readonly duration: Histogram<'route'>;

  constructor(
    private readonly system: ActorSystem,
    private readonly metrics: SystemMetrics,
    private readonly log: Logger,
    options: GatewayOptions = {},
  ) {
    this.options = parseGatewayOptions(options);
    this.auth = new TenantAuth(this.options.apiKeys);
    this.requests = metricOf(metrics.registry, 'troupe_gateway_requests_total', () => new Counter({
      name: 'troupe_gateway_requests_total', help: 'Gateway requests, per route and status.', labelNames: ['route', 'status'], registers: [metrics.registry],
    }));
    this.duration = metricOf(metrics.registry, 'troupe_gateway_request_duration_seconds', () => new Histogram({
      name: 'troupe_gateway_request_duration_seconds', help: 'Gateway request handling time, per route.', labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30], registers: [metrics.registry],
    }));
    this.unsubscribe.push(
      system.events.subscribe((e) => this.onEvent(e)),
      system.deadLetters.subscribe((d) => this.onDeadLetter(d)),
    );
  }

  /** Handle the request if it is one of the gateway's routes; resolves false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const actorRoute = ACTOR_ROUTE.exec(path);
    const route = actorRoute ? `/actors/:id/${actorRoute[2]}` : path === '/actors' || path === '/stream' ? path : undefined;
    if (route === undefined) return false;
    const started = performance.now();
    let status = 200;
    try {
      if (actorRoute) {
        if (req.method !== 'POST') throw methodNotAllowed(req.method, 'POST');
        const id = decodeId(actorRoute[1]!);
        status = actorRoute[2] === 'tell' ? await this.tell(req, res, id) : await this.ask(req, res, id);
      } else if (path === '/actors') {
        if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET');
        const principal = this.auth.authenticate(req);
        sendJson(res, 200, { actors: this.system.list().filter((a) => this.auth.allows(principal, a.id)) });
      } else {
        if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET');
        this.openStream(req, res, url);
      }
    } catch (err) {
      status = sendError(res, err);
      if (status >= 500) this.log.error({ err, route }, 'gateway request failed');
    }
    this.requests.inc({ route, status: String(status) });
    this.duration.observe({ route }, (performance.now() - started) / 1000);
    return true;
  }

  /** End the open event streams and stop listening to the system. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.streams.close();
  }

  private async tell(req: IncomingMessage, res: ServerResponse, id: string): Promise<number> {
    const principal = this.auth.authenticate(req);
    this.auth.authorize(principal, id);
    const body = parseBody(TellBodySchema, await readJsonBody(req, this.options.maxBodyBytes));
    this.requireActor(id);
    try {
      this.system.tell(id, body.message);
    } catch (err) {
      throw asRequestError(err);
    }
    sendJson(res, 202, { ok: true, actor: id });
    return 202;
  }

  private async ask(req: IncomingMessage, res: ServerResponse, id: string): Promise<number> {
    const principal = this.auth.authenticate(req);
    this.auth.authorize(principal, id);
    const body = parseBody(askBodySchema(this.options.maxAskTimeoutMs), await readJsonBody(req, this.options.maxBodyBytes));
    this.requireActor(id);
    const streaming = (req.headers.accept ?? '').includes('text/event-stream');
    const started = performance.now();
    const reply = this.metrics.timeAsk(id, body.message, body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : undefined);
    if (!streaming) {
      const value = await reply.catch((err: unknown) => { throw asRequestError(err); });
      sendJson(res, 200, { ok: true, actor: id, reply: value, ms: round(performance.now() - started) });
      return 200;
    }
    const client = this.streams.open(req, res, { principal, actor: id });
    this.streams.send(client, 'accepted', { actor: id });
    try {
      const value = await reply;
      this.streams.send(client, 'reply', { ok: true, actor: id, reply: value, ms: round(performance.now() - started) });
      res.end();
      return 200;
    } catch (err) {
      const e = asRequestError(err);
      this.streams.send(client, 'error', { status: statusOf(e), ...errorBody(e) });
      res.end();
      return statusOf(e);
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const principal = this.auth.authenticate(req, url.searchParams.get('key'));
    const actor = url.searchParams.get('actor') ?? undefined;
    if (actor !== undefined) this.auth.authorize(principal, actor);
    const client = this.streams.open(req, res, { principal, actor });
    this.streams.send(client, 'hello', { tenant: principal.tenant ?? null, actor: actor ?? null });
  }

  private requireActor(id: string): void {
    if (!this.system.exists(id)) throw new RequestError(404, 'ERR_ACTOR_NOT_FOUND', `no actor named '${id}' is registered`, { actor: id });
  }

  private reaches(ctx: StreamContext, actor: string | undefined): boolean {
    if (actor === undefined) return !this.auth.enabled && ctx.actor === undefined;
    if (ctx.actor !== undefined && ctx.actor !== actor) return false;
    return this.auth.allows(ctx.principal, actor);
  }

  private onEvent(e: SystemEvent): void {
    this.streams.broadcast(e.type === 'alert' ? 'alert' : 'event', e, (ctx) => this.reaches(ctx, e.actor));
  }

  private onDeadLetter(d: DeadLetter): void {
    const { message: _message, ...letter } = d;
    this.streams.broadcast('dead-letter', letter, (ctx) => this.reaches(ctx, d.target));
  }
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RequestError(400, 'ERR_INVALID_REQUEST', `the actor id in the path is not valid percent-encoding: '${raw}'`, { field: 'id' });
  }
}

function methodNotAllowed(method: string | undefined, allowed: string): RequestError {
  return new RequestError(405, 'ERR_METHOD_NOT_ALLOWED', `method ${method ?? '?'} is not allowed here (use ${allowed})`, { allowed });
}

/** The runtime's message-validation error names a field inside the message; the body field is `message`. */
function asRequestError(err: unknown): unknown {
  if (err instanceof MessageValidationError) {
    const inner = typeof err.context.field === 'string' && err.context.field !== '(message)' ? `.${err.context.field}` : '';
    return new RequestError(400, err.code, err.message, { ...err.context, field: `message${inner}` });
  }
  return err;
}

function metricOf<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
