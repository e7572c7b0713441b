import type { IncomingMessage, ServerResponse } from 'node:http';

/** One connected event-stream client. `context` is whatever the route attached (e.g. a tenant). */
export interface SseClient<C = unknown> {
  readonly res: ServerResponse;
  readonly context: C;
}

/**
 * Server-sent events: keeps the open responses, writes named events to them, sends a comment as a
 * heartbeat so proxies keep the connection, and ends every stream on `close()`.
 */
export class SseChannel<C = unknown> {
  private readonly clients = new Set<SseClient<C>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly heartbeatMs = 15_000) {}

  get size(): number {
    return this.clients.size;
  }

  /** Answer `req` with an event stream and register it. */
  open(req: IncomingMessage, res: ServerResponse, context: C): SseClient<C> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const client: SseClient<C> = { res, context };
    if (this.closed) {
      res.end();
      return client;
    }
    this.clients.add(client);
    const drop = (): void => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    req.on('close', drop);
    res.on('close', drop);
    this.startHeartbeat();
    return client;
  }

  send(client: SseClient<C>, event: string, data: unknown): void {
    if (client.res.writableEnded) return;
    client.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Send to every client, or to those `accept` lets through. */
  broadcast(event: string, data: unknown, accept?: (context: C) => boolean): void {
    if (this.clients.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) {
      if (c.res.writableEnded || (accept !== undefined && !accept(c.context))) continue;
      c.res.write(frame);
    }
  }

  /** End every stream; later `open` calls end at once. */
  close(): void {
    this.closed = true;
    this.stopHeartbeat();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) if (!c.res.writableEnded) c.res.write(': keep-alive\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
