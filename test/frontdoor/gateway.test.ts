import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorSystem } from '../../index.js';
import { startDashboard, type DashboardHandle } from '../../dashboard/index.js';
import { Greeter, Tally } from '../fixtures/frontdoor/actors.js';
import { parseMetrics, startSystem } from './helpers.js';

const ACME = 'acme-key-0001';
const GLOBEX = 'globex-key-0002';
const ADMIN = 'admin-key-0003';

interface Reply { status: number; body: { ok?: boolean; reply?: unknown; error?: { code: string; message: string; field?: string } } }

describe('gateway', () => {
  let system: ActorSystem;
  let dash: DashboardHandle;

  const post = async (path: string, body: unknown, key?: string, raw = false): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${dash.url}${path}`, { method: 'POST', headers, body: raw ? (body as string) : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Reply['body'] };
  };

  beforeAll(async () => {
    system = await startSystem();
    await system.spawn(Tally, { id: 'acme/tally' });
    await system.spawn(Greeter, { id: 'acme/greeter' });
    await system.spawn(Tally, { id: 'globex/tally' });
    await system.spawn(Tally, { id: 'shared' });
    dash = await startDashboard(system, {
      apiKeys: { acme: ACME, globex: { keys: [GLOBEX], actors: ['shared'] } },
      // With tenants, the dashboard's own routes (/metrics here) need an admin key.
      adminKey: ADMIN,
      gatewayLimits: { maxBodyBytes: 4096 },
    });
  });

  afterAll(async () => {
    await dash?.close();
    await system?.stop({ deadlineMs: 2000 });
  });

  it('tell then ask reach the tenant\'s own actor', async () => {
    expect(await post('actors/acme/tally/tell', { message: 'inc' }, ACME)).toEqual({ status: 202, body: { ok: true, actor: 'acme/tally' } });
    expect(await post('actors/acme%2Ftally/tell', { message: 'inc' }, ACME)).toMatchObject({ status: 202 });
    const asked = await post('actors/acme/tally/ask', { message: 'get', timeoutMs: 2000 }, ACME);
    expect(asked).toMatchObject({ status: 200, body: { ok: true, actor: 'acme/tally', reply: 2 } });
    expect(await post('actors/acme/greeter/ask', { message: { type: 'greet', name: 'Ann' } }, ACME)).toMatchObject({ status: 200, body: { reply: 'hello Ann' } });
    // Listed extra actors are reachable too.
    expect(await post('actors/shared/ask', { message: 'get' }, GLOBEX)).toMatchObject({ status: 200, body: { reply: 0 } });
  });

  it('answers 400 naming the failing field for bad bodies', async () => {
    const cases: [string, unknown, string, boolean?][] = [
      ['actors/acme/tally/tell', {}, 'message'],
      ['actors/acme/tally/ask', { message: 'get', timeoutMs: 'soon' }, 'timeoutMs'],
      ['actors/acme/tally/ask', { message: 'get', timeoutMs: 0 }, 'timeoutMs'],
      ['actors/acme/tally/tell', { message: 'inc', extra: true }, 'extra'],
      ['actors/acme/tally/tell', '{"message": ', '(body)', true],
      ['actors/acme/greeter/ask', { message: { type: 'greet', name: 42 } }, 'message.name'],
    ];
    for (const [path, body, field, raw] of cases) {
      const r = await post(path, body, ACME, raw);
      expect({ path, status: r.status, field: r.body.error?.field }).toEqual({ path, status: 400, field });
      expect(r.body.error?.message).toContain(field === '(body)' ? 'JSON' : field.split('.').pop()!);
    }
    const wrongType = await fetch(`${dash.url}actors/acme/tally/tell`, { method: 'POST', headers: { authorization: `Bearer ${ACME}`, 'content-type': 'text/plain' }, body: 'inc' });
    expect(wrongType.status).toBe(415);
    const big = await post('actors/acme/tally/tell', { message: 'x'.repeat(5000) }, ACME);
    expect(big.status).toBe(413);
  });

  it('answers 401 without a valid key and 403 for another tenant\'s actor', async () => {
    const none = await post('actors/acme/tally/tell', { message: 'inc' });
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe('ERR_UNAUTHENTICATED');
    expect((await post('actors/acme/tally/tell', { message: 'inc' }, 'not-a-real-key')).status).toBe(401);
    const other = await post('actors/globex/tally/ask', { message: 'get' }, ACME);
    expect(other.status).toBe(403);
    expect(other.body.error?.message).toContain('globex/tally');
    expect((await post('actors/shared/tell', { message: 'inc' }, ACME)).status).toBe(403);
    // Existence is not revealed to a tenant that may not reach the id.
    expect((await post('actors/globex/nobody/tell', { message: 'inc' }, ACME)).status).toBe(403);
    expect((await post('actors/acme/nobody/tell', { message: 'inc' }, ACME)).status).toBe(404);
    const list = await fetch(`${dash.url}actors`, { headers: { 'x-api-key': GLOBEX } });
    expect(((await list.json()) as { actors: { id: string }[] }).actors.map((a) => a.id).sort()).toEqual(['globex/tally', 'shared']);
  });

  it('maps actor failures and timeouts to 500 and 504', async () => {
    const failed = await post('actors/acme/tally/ask', { message: 'boom' }, ACME);
    expect(failed.status).toBe(500);
    expect(failed.body.error?.code).toBe('ERR_ACTOR_FAILED');
    // Tally never answers 'inc': the ask runs out of time.
    const slow = await post('actors/acme/tally/ask', { message: 'inc', timeoutMs: 200 }, ACME);
    expect(slow.status).toBe(504);
    expect(slow.body.error?.code).toBe('ERR_ASK_TIMEOUT');
  });

  it('streams a tenant\'s events only, and streams an ask\'s reply', async () => {
    const abort = new AbortController();
    const res = await fetch(`${dash.url}stream?key=${ACME}`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      const until = Date.now() + 5000;
      while (!text.includes(needle) && Date.now() < until) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: hello');
    system.tell('globex/tally', 'boom');
    await new Promise((r) => setTimeout(r, 200));
    system.tell('acme/tally', 'boom');
    await readUntil('"actor":"acme/tally"');
    abort.abort();
    expect(text).toContain('"type":"restart"');
    expect(text).toContain('"actor":"acme/tally"');
    expect(text).not.toContain('globex/tally');

    const streamed = await fetch(`${dash.url}actors/acme/tally/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'get' }),
    });
    const body = await streamed.text();
    expect(body).toMatch(/event: accepted\n/);
    expect(body).toMatch(/event: reply\ndata: \{"ok":true,"actor":"acme\/tally","reply":0/);
  });

  it('counts its requests in the metrics', async () => {
    const m = parseMetrics(await (await fetch(`${dash.url}metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text());
    expect(m.get('troupe_gateway_requests_total{route="/actors/:id/tell",status="202"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('troupe_gateway_requests_total{route="/actors/:id/tell",status="401"}')).toBeGreaterThanOrEqual(2);
  });
});
