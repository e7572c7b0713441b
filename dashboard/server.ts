import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway } from '../gateway/Gateway.js';
import { RequestError, sendError, sendJson, sendText } from '../gateway/http.js';
import { SseChannel } from '../gateway/SseChannel.js';
import { SystemMetrics } from '../metrics/SystemMetrics.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import { assetFor } from './assets.js';
import { parseDashboardOptions, type DashboardOptions } from './DashboardOptions.js';
import { LiveState } from './LiveState.js';

/** A running dashboard. `close()` stops the server, its timers and its listeners. */
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
  const adminDigest = o.adminKey === undefined ? undefined : createHash('sha256').update(o.adminKey).digest();

  const checkAdmin = (req: IncomingMessage, url: URL): void => {
    if (adminDigest === undefined) return;
    const auth = req.headers.authorization;
    const presented = auth?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('key') ?? '';
    const digest = createHash('sha256').update(presented).digest();
    if (!timingSafeEqual(digest, adminDigest)) throw new RequestError(401, 'ERR_UNAUTHENTICATED', 'the dashboard needs its admin key (Authorization: Bearer KEY or ?key=KEY)');
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
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
      if (status >= 500) log.error({ err, path: url.pathname }, 'dashboard request failed');
    }
  };

  const server: Server = createServer((req, res) => void route(req, res));
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
        offLive();
        live.close();
        gateway?.close();
        pageStream.close();
        if (ownMetrics) metrics.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
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
