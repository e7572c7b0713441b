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
import { SseChannel, type SseClient } from './SseChannel.js';
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

/** An ask waiting for its reply; `close()` answers it with a 503 and marks it answered. */
interface PendingAsk {
  readonly res: ServerResponse;
  readonly actor: string;
  /** Set when the ask is answered as an event stream. */
  stream: SseClient<null> | undefined;
  answered: boolean;
  /** Ends the ask's wait for its reply (after `close()` answered it). */
  readonly abandon: () => void;
}

const ACTOR_ROUTE = /^\/actors\/(.+)\/(tell|ask)$/;

/**
 * The API for programs outside the process, mounted on the dashboard's server:
 *
 *   POST /actors/:id/tell   { message }              → 202 { ok, actor }
 *   POST /actors/:id/ask    { message, timeoutMs? }  → 200 { ok, actor, reply, ms }
 *                           (with `Accept: text/event-stream`: events `accepted`, then `reply` or `error`,
 *                           and nothing else: the system's events never go to an ask's stream)
 *   GET  /actors                                     → the caller's actors
 *   GET  /stream[?actor=ID]                          → server-sent events: `event`, `dead-letter`, `alert`
 *
 * Ids may contain `/` (`acme/support`), raw or as %2F. Bodies are validated with zod (400 names the
 * field); keys are per tenant (401 without a valid key, 403 for another tenant's actor). On `close()`
 * an ask still waiting for its reply is answered 503 `ERR_SERVER_CLOSING` (its message may still be
 * handled), and requests that arrive later are refused the same way.
 */
export class Gateway {
  readonly auth: TenantAuth;
  private readonly options: z.output<typeof GatewayOptionsSchema>;
  /** `/stream` clients: the system's events and dead letters are broadcast to them. */
  private readonly streams = new SseChannel<StreamContext>();
  /** Streamed asks: only their own `accepted`, `reply`, `error` (never broadcast to). */
  private readonly askStreams = new SseChannel<null>();
  private readonly pending = new Set<PendingAsk>();
  private closed = false;
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

  /**
   * Stop listening to the system, answer the asks still waiting with 503 (an `error` event on a
   * streamed ask) and end the open event streams. Later requests are refused with 503.
   */
  close(): void {
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const ask of this.pending) this.answerClosing(ask);
    this.pending.clear();
    this.streams.close();
    this.askStreams.close();
  }

  private async tell(req: IncomingMessage, res: ServerResponse, id: string): Promise<number> {
    const principal = this.auth.authenticate(req);
    this.auth.authorize(principal, id);
    const body = parseBody(TellBodySchema, await readJsonBody(req, this.options.maxBodyBytes));
    this.requireOpen(id);
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
    this.requireOpen(id);
    this.requireActor(id);
    const streaming = (req.headers.accept ?? '').includes('text/event-stream');
    const started = performance.now();
    const reply = this.metrics.timeAsk(id, body.message, body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : undefined);
    let abandon!: () => void;
    const abandoned = new Promise<undefined>((resolve) => { abandon = () => resolve(undefined); });
    const ask: PendingAsk = { res, actor: id, stream: undefined, answered: false, abandon };
    this.pending.add(ask);
    try {
      if (streaming) {
        // Its own channel, not `streams`: the broadcasts to `/stream` clients must not reach it.
        ask.stream = this.askStreams.open(req, res, null);
        this.askStreams.send(ask.stream, 'accepted', { actor: id });
      }
      const outcome = await Promise.race([
        reply.then((value) => ({ ok: true as const, value }), (err: unknown) => ({ ok: false as const, err })),
        abandoned,
      ]);
      // close() answered it already (503); the reply, if it ever comes, has nowhere to go.
      if (ask.answered || outcome === undefined) return 503;
      if (outcome.ok) {
        const answer = { ok: true, actor: id, reply: outcome.value, ms: round(performance.now() - started) };
        if (ask.stream === undefined) {
          sendJson(res, 200, answer);
        } else {
          this.askStreams.send(ask.stream, 'reply', answer);
          res.end();
        }
        return 200;
      }
      const e = asRequestError(outcome.err);
      if (ask.stream === undefined) throw e;
      this.askStreams.send(ask.stream, 'error', { status: statusOf(e), ...errorBody(e) });
      res.end();
      return statusOf(e);
    } finally {
      this.pending.delete(ask);
    }
  }

  /** Answer an ask that is still waiting with 503, on a stream or as JSON. */
  private answerClosing(ask: PendingAsk): void {
    ask.answered = true;
    const err = closingError(ask.actor, true);
    if (ask.stream !== undefined) {
      this.askStreams.send(ask.stream, 'error', { status: statusOf(err), ...errorBody(err) });
      ask.res.end();
    } else if (!ask.res.headersSent) {
      sendJson(ask.res, statusOf(err), errorBody(err), { connection: 'close' });
    }
    ask.abandon();
  }

  private openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const principal = this.auth.authenticate(req, url.searchParams.get('key'));
    const actor = url.searchParams.get('actor') ?? undefined;
    if (actor !== undefined) this.auth.authorize(principal, actor);
    const client = this.streams.open(req, res, { principal, actor });
    this.streams.send(client, 'hello', { tenant: principal.tenant ?? null, actor: actor ?? null });
  }

  /** 503 once `close()` has run: nothing is delivered for a closing server. */
  private requireOpen(id: string): void {
    if (this.closed) throw closingError(id, false);
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

/** The gateway is closing (the system stopping, or the dashboard closed): 503, retry elsewhere or later. */
function closingError(actor: string, delivered: boolean): RequestError {
  const what = delivered
    ? `the server closed before actor '${actor}' answered (the message was delivered and may still be handled)`
    : `the server is closing: the message for actor '${actor}' was not delivered`;
  return new RequestError(503, 'ERR_SERVER_CLOSING', what, { actor });
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
