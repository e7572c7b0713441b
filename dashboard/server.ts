import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from '../gateway/Gateway.js';
import { errorBody, RequestError, sendError, sendJson, sendText } from '../gateway/http.js';
import { SseChannel } from '../gateway/SseChannel.js';
import { SystemMetrics } from '../metrics/SystemMetrics.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import { assetFor } from './assets.js';
import { parseDashboardOptions, type DashboardOptions } from './DashboardOptions.js';
import { LiveState } from './LiveState.js';

/**
 * A running dashboard. `close()` stops accepting requests (later ones on open connections get 503),
 * answers the gateway asks still waiting with 503, ends the event streams, waits briefly for those
 * answers to be sent, then closes every connection, its timers and its listeners.
 */
export interface DashboardHandle {
  /** e.g. `http://127.0.0.1:39113/` */
  readonly url: string;
  readonly port: number;
  readonly metrics: SystemMetrics;
  readonly live: LiveState;
  readonly gateway: Gateway | undefined;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Serve the live dashboard of `system`, its Prometheus metrics and the gateway on one HTTP server.
 *
 * Routes: `/` (the page), `/assets/*`, `/live` (server-sent events for the page), `/metrics`
 * (Prometheus text), `/status` (workers, actors, supervision tree), `/samples` (chart history),
 * `/alerts`, `/events`, `/dead-letters` (JSON, `?limit=`), plus the gateway's routes (see
 * gateway/Gateway.ts). Throws InvalidOptionError for bad options.
 *
 * Access to the dashboard's own routes (everything but the gateway's):
 * - no `apiKeys` and no `adminKey`: open (local development; keep `host` on loopback);
 * - `adminKey` set: they need it (`Authorization: Bearer KEY` or `?key=KEY`);
 * - `apiKeys` set without an `adminKey`: they answer 403 `ERR_ADMIN_KEY_NOT_CONFIGURED`, since they
 *   show every tenant's actors, events and dead letters; tenant keys never open them.
 * A request whose target is not a valid URL is answered 400; no request can reject unhandled.
 */
export async function startDashboard(system: ActorSystem, options: DashboardOptions = {}): Promise<DashboardHandle> {
  const o = parseDashboardOptions(options);
  const log = system.log.child({ component: 'dashboard' });
  const ownMetrics = o.metrics === undefined;
  const metrics = o.metrics ?? new SystemMetrics(system);
  const live = new LiveState(system, metrics, log, { intervalMs: o.sampleIntervalMs, historySize: o.historySize, maxActors: o.maxActors });
  const gateway = o.gateway ? new Gateway(system, metrics, log.child({ component: 'gateway' }), { ...o.gatewayLimits, ...(o.apiKeys ? { apiKeys: o.apiKeys } : {}) }) : undefined;
  const pageStream = new SseChannel<null>();
  const offLive = live.subscribe((event, data) => pageStream.broadcast(event, data));
  if (o.apiKeys === undefined && o.gateway && !isLoopback(o.host)) {
    log.warn({ host: o.host }, 'the gateway has no API keys and listens beyond loopback: anyone who reaches it can message every actor');
  }
  if (o.apiKeys !== undefined && o.adminKey === undefined) {
    log.warn('apiKeys are set without an adminKey: the dashboard routes (page, /live, /metrics, /status, /events, /dead-letters...) answer 403 until an adminKey is configured');
  }
  const adminDigest = o.adminKey === undefined ? undefined : createHash('sha256').update(o.adminKey).digest();

  const checkAdmin = (req: IncomingMessage, url: URL): void => {
    if (adminDigest === undefined) {
      // Without any key this is a local development server (see the warning above for non-loopback hosts).
      if (o.apiKeys === undefined) return;
      // With tenants, these routes would show every tenant's data to anyone: closed until an admin key is set.
      throw new RequestError(403, 'ERR_ADMIN_KEY_NOT_CONFIGURED',
        `the dashboard route ${url.pathname} is disabled: apiKeys are configured but no adminKey is; set the dashboard option 'adminKey' to use it (tenant API keys do not open it)`,
        { option: 'adminKey' });
    }
    const auth = req.headers.authorization;
    const presented = auth?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('key') ?? '';
    const digest = createHash('sha256').update(presented).digest();
    if (!timingSafeEqual(digest, adminDigest)) throw new RequestError(401, 'ERR_UNAUTHENTICATED', 'the dashboard needs its admin key (Authorization: Bearer KEY or ?key=KEY)');
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path: string | undefined;
    try {
      const url = requestUrl(req);
      path = url.pathname;
      if (gateway !== undefined && (await gateway.handle(req, res, url))) return;
      const asset = assetFor(url.pathname);
      if (asset === undefined && !DATA_ROUTES.has(url.pathname)) throw new RequestError(404, 'ERR_NOT_FOUND', `no route ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new RequestError(405, 'ERR_METHOD_NOT_ALLOWED', `method ${req.method} is not allowed here (use GET)`);
      checkAdmin(req, url);
      if (asset !== undefined) {
        sendText(res, 200, asset.body, asset.type, { ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
        return;
      }
      const limit = limitOf(url);
      switch (url.pathname) {
        case '/live': {
          const client = pageStream.open(req, res, null);
          pageStream.send(client, 'hello', { status: live.status(), samples: live.history(), alerts: live.alerts() });
          return;
        }
        case '/metrics':
          sendText(res, 200, await metrics.metrics(), metrics.contentType);
          return;
        case '/status':
          sendJson(res, 200, live.status(Math.min(limit ?? o.maxActors, o.maxActors)));
          return;
        case '/samples':
          sendJson(res, 200, { intervalMs: o.sampleIntervalMs, samples: live.history(limit) });
          return;
        case '/alerts':
          sendJson(res, 200, { alerts: live.alerts() });
          return;
        case '/events':
          sendJson(res, 200, { count: system.events.count, events: live.events(limit ?? 100) });
          return;
        case '/dead-letters':
          sendJson(res, 200, { count: system.deadLetters.count, deadLetters: live.deadLetters(limit ?? 100) });
          return;
      }
    } catch (err) {
      const status = sendError(res, err);
      if (status >= 500) log.error({ err, path: path ?? req.url }, 'dashboard request failed');
    }
  };

  /** Responses not finished yet: `close()` waits (briefly) for them to be sent. */
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  const server: Server = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (stopping) {
      res.setHeader('connection', 'close');
      sendError(res, new RequestError(503, 'ERR_SERVER_CLOSING', 'the server is closing: the request was not handled'));
      return;
    }
    route(req, res).catch((err: unknown) => {
      // route() answers its own errors; this is the last resort (e.g. the error response itself failed).
      log.error({ err, method: req.method, url: req.url }, 'dashboard request failed outside its error handling');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      try {
        sendJson(res, 500, errorBody(undefined));
      } catch {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.listen(o.port, o.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    offLive();
    live.close();
    gateway?.close();
    if (ownMetrics) metrics.close();
    throw err;
  }
  live.start();
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`;
  log.info({ url }, 'dashboard listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    metrics,
    live,
    gateway,
    close() {
      closing ??= (async () => {
        // Stop accepting first: new connections are refused, requests on open ones get 503.
        stopping = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        offLive();
        live.close();
        // Answers the asks still waiting with 503 and ends the event streams.
        gateway?.close();
        pageStream.close();
        if (ownMetrics) metrics.close();
        await settled(inFlight, CLOSE_GRACE_MS);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** How long `close()` waits for the responses in flight before it cuts their connections. */
const CLOSE_GRACE_MS = 1000;

/** Resolves when every response in `responses` has finished, or after `ms`. */
async function settled(responses: Set<ServerResponse>, ms: number): Promise<void> {
  if (responses.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
  const finished = Promise.all([...responses].map((res) => (res.writableFinished || res.destroyed ? undefined : once(res, 'close').then(() => undefined, () => undefined))));
  await Promise.race([finished, timeout]);
  clearTimeout(timer);
}

/** The request's URL; 400 for a target that is not one (e.g. `//[`), instead of a TypeError. */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    const target = (req.url ?? '').slice(0, 200);
    throw new RequestError(400, 'ERR_INVALID_REQUEST', `the request target '${target}' is not a valid URL path`, { field: '(url)' });
  }
}

const DATA_ROUTES = new Set(['/live', '/metrics', '/status', '/samples', '/alerts', '/events', '/dead-letters']);

function limitOf(url: URL): number | undefined {
  const raw = url.searchParams.get('limit');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new RequestError(400, 'ERR_INVALID_REQUEST', `'limit' must be an integer from 1 to 100000 (got '${raw}')`, { field: 'limit' });
  }
  return n;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
