/**
 * Regressions for the front door: a request target that is not a URL, the admin routes when only
 * tenant keys are configured, what a streamed ask carries, and asks in flight when the system stops.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorSystem } from '../../index.js';
import { startDashboard, type DashboardHandle } from '../../dashboard/index.js';
import { Tally } from '../fixtures/frontdoor/actors.js';
import { sleep, startSystem } from './helpers.js';

const ACME = 'acme-key-0001';
const ADMIN = 'admin-secret-key';

interface ErrorReply { error: { code: string; message: string; field?: string } }

/** Send `raw` on a fresh socket; resolves with what came back (or '' when nothing did). */
function rawRequest(port: number, raw: string, timeoutMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d: Buffer) => { text += d.toString(); });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(text); });
  });
}

/** The named events of a finished event-stream body. */
function eventsOf(body: string): { event: string; data: unknown }[] {
  return body.split('\n\n').flatMap((frame) => {
    const event = /^event: (.*)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    return event !== undefined && data !== undefined ? [{ event, data: JSON.parse(data) as unknown }] : [];
  });
}

const ask = (base: string, id: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base}actors/${id}/ask`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('front door fixes', () => {
  let system: ActorSystem;
  let open: DashboardHandle;
  let tenants: DashboardHandle;
  let guarded: DashboardHandle;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => { rejections.push(reason); };

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    system = await startSystem();
    await system.spawn(Tally, { id: 'acme/tally' });
    await system.spawn(Tally, { id: 'acme/quiet' });
    open = await startDashboard(system, { sampleIntervalMs: 200 });
    tenants = await startDashboard(system, { sampleIntervalMs: 200, apiKeys: { acme: ACME } });
    guarded = await startDashboard(system, { sampleIntervalMs: 200, apiKeys: { acme: ACME }, adminKey: ADMIN });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await Promise.all([open?.close(), tenants?.close(), guarded?.close()]);
    await system?.stop({ deadlineMs: 2000 });
  });

  it('answers 400 to a request target that is not a URL, and keeps serving', async () => {
    const answer = await rawRequest(open.port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as ErrorReply;
    expect(body.error).toMatchObject({ code: 'ERR_INVALID_REQUEST', field: '(url)' });
    expect(body.error.message).toContain("'//['");
    const next = await rawRequest(open.port, 'GET /alerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(next.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    await sleep(20);
    expect(rejections).toEqual([]);
  });

  it('closes the dashboard routes with 403 when apiKeys are set but no adminKey', async () => {
    for (const path of ['', 'status', 'dead-letters', 'events?limit=2', 'metrics', 'live', 'samples', 'alerts', 'assets/dashboard.js']) {
      const headerSets: Record<string, string>[] = [{}, { authorization: `Bearer ${ACME}` }];
      for (const headers of headerSets) {
        const res = await fetch(`${tenants.url}${path}`, { headers });
        const text = await res.text();
        const error = res.status === 403 ? (JSON.parse(text) as ErrorReply).error : undefined;
        expect({ path, status: res.status, code: error?.code }).toEqual({ path, status: 403, code: 'ERR_ADMIN_KEY_NOT_CONFIGURED' });
        expect(error?.message).toMatch(/no adminKey is.*'adminKey'/);
      }
    }
    // The gateway itself still works with the tenant's key.
    const asked = await ask(tenants.url, 'acme/tally', { message: 'get' }, { authorization: `Bearer ${ACME}` });
    expect(asked.status).toBe(200);
    // With an admin key configured the routes open with it; without any key (local dev) they stay open.
    expect((await fetch(`${guarded.url}status`)).status).toBe(401);
    expect((await fetch(`${guarded.url}status`, { headers: { authorization: `Bearer ${ACME}` } })).status).toBe(401);
    expect((await fetch(`${guarded.url}dead-letters?key=${ADMIN}`)).status).toBe(200);
    expect((await fetch(`${open.url}status`)).status).toBe(200);
  });

  it('sends only accepted then reply or error on a streamed ask, never the system\'s broadcasts', async () => {
    const headers = { authorization: `Bearer ${ACME}`, accept: 'text/event-stream' };
    // The actor fails on this very message: its restart and dead letter are broadcast meanwhile.
    const failed = eventsOf(await (await ask(tenants.url, 'acme/tally', { message: 'boom' }, headers)).text());
    expect(failed.map((e) => e.event)).toEqual(['accepted', 'error']);
    expect(failed[1]!.data).toMatchObject({ status: 500, error: { code: 'ERR_ACTOR_FAILED' } });

    // While the ask waits, the same actor restarts (events and dead letters about it): none of them arrive.
    const waiting = ask(tenants.url, 'acme/tally', { message: 'inc', timeoutMs: 400 }, headers).then((r) => r.text());
    await sleep(100);
    system.tell('acme/tally', 'boom');
    await sleep(100);
    system.tell('acme/tally', 'boom');
    const timedOut = eventsOf(await waiting);
    expect(timedOut.map((e) => e.event)).toEqual(['accepted', 'error']);
    expect(timedOut[1]!.data).toMatchObject({ status: 504, error: { code: 'ERR_ASK_TIMEOUT' } });

    const ok = eventsOf(await (await ask(open.url, 'acme/quiet', { message: 'get' }, { accept: 'text/event-stream' })).text());
    expect(ok.map((e) => e.event)).toEqual(['accepted', 'reply']);
  });

  it('answers the asks in flight with 503 when the system stops', async () => {
    const own = await startSystem({ dashboard: { sampleIntervalMs: 200 } });
    try {
      await own.spawn(Tally, { id: 'slow' });
      const base = own.dashboard!.url;
      // Tally never answers 'inc': both asks are still waiting when stop() closes the dashboard.
      const plain = ask(base, 'slow', { message: 'inc', timeoutMs: 10_000 }).then(async (r) => ({ status: r.status, body: (await r.json()) as ErrorReply }));
      const streamed = ask(base, 'slow', { message: 'inc', timeoutMs: 10_000 }, { accept: 'text/event-stream' }).then(async (r) => eventsOf(await r.text()));
      await sleep(200);
      const stopped = own.stop({ deadlineMs: 1000 });
      const answer = await plain;
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('ERR_SERVER_CLOSING');
      expect(answer.body.error.message).toContain("'slow'");
      const events = await streamed;
      expect(events.map((e) => e.event)).toEqual(['accepted', 'error']);
      expect(events[1]!.data).toMatchObject({ status: 503, error: { code: 'ERR_SERVER_CLOSING' } });
      await stopped;
    } finally {
      await own.stop();
    }
  });
});
