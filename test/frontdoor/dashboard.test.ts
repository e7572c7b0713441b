import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, type ActorSystem } from '../../index.js';
import { startDashboard, type DashboardHandle, type Status, type TreeNode } from '../../dashboard/index.js';
import { Lead, Tally } from '../fixtures/frontdoor/actors.js';
import { eventually, parseMetrics, startSystem } from './helpers.js';

const closeScript = fileURLToPath(new URL('../fixtures/frontdoor/closeScript.js', import.meta.url));

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Read server-sent events from `url` until `until` says enough (or the time is up). */
async function readEvents(url: string, until: (events: { event: string; data: unknown }[]) => boolean, timeoutMs = 8000): Promise<{ event: string; data: unknown }[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: { event: string; data: unknown }[] = [];
  try {
    const res = await fetch(url, { signal: abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      }
      if (until(events)) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}

describe('dashboard', () => {
  let system: ActorSystem;
  let dash: DashboardHandle;

  beforeAll(async () => {
    system = await startSystem();
    await system.spawn(Lead, { id: 'lead', args: 2 });
    await system.spawn(Tally, { id: 'solo' });
    await eventually(() => system.list().length, (n) => n === 4);
    dash = await startDashboard(system, { port: 0, sampleIntervalMs: 200 });
  });

  afterAll(async () => {
    await dash?.close();
    await system?.stop({ deadlineMs: 2000 });
  });

  it('serves /status with the workers, the actors and the supervision tree', async () => {
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // The workers' figures come with their first sample (every 200 ms here): wait for it.
    const status = await eventually(() => json<Status>(`${dash.url}status`), (s) => s.workers.length === 2);
    expect(status.actors.map((a) => a.id).sort()).toEqual(['lead', 'lead/child-1', 'lead/child-2', 'solo']);
    expect(status.totals.actors).toBe(4);
    expect(status.workers.map((w) => w.worker)).toEqual([1, 2]);
    const lead = status.tree.find((n: TreeNode) => n.id === 'lead')!;
    expect(lead.behaviour).toBe('Lead');
    expect(lead.children.map((c) => c.id)).toEqual(['lead/child-1', 'lead/child-2']);
    expect(status.tree.map((n) => n.id)).toEqual(['lead', 'solo']);
  });

  it('serves Prometheus text at /metrics', async () => {
    const res = await fetch(`${dash.url}metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseMetrics(await res.text());
    expect(m.get('troupe_actors{behaviour="Tally"}')).toBe(3);
    expect(m.get('troupe_workers')).toBe(2);
  });

  it('reports a restart in /events, /dead-letters and /status, and live on /live', async () => {
    const live = readEvents(`${dash.url}live`, (evs) => evs.some((e) => e.event === 'event' && (e.data as { event: { type: string } }).event.type === 'restart'));
    await new Promise((r) => setTimeout(r, 300));
    system.tell('solo', 'boom');
    const events = await live;
    expect(events[0]!.event).toBe('hello');
    const restart = events.find((e) => e.event === 'event')!.data as { event: { type: string; actor: string }; restarts: number };
    expect(restart.event).toMatchObject({ type: 'restart', actor: 'solo' });
    expect(restart.restarts).toBe(1);

    const ev = await json<{ events: { type: string; actor?: string }[] }>(`${dash.url}events?limit=50`);
    expect(ev.events.some((e) => e.type === 'restart' && e.actor === 'solo')).toBe(true);
    const dl = await json<{ deadLetters: { target: string; reason: string; preview: string }[] }>(`${dash.url}dead-letters`);
    expect(dl.deadLetters).toContainEqual(expect.objectContaining({ target: 'solo', reason: 'handler-failed', preview: 'boom' }));
    const status = await json<Status>(`${dash.url}status`);
    expect(status.totals.restarts).toBe(1);
    expect(status.actors.find((a) => a.id === 'solo')).toMatchObject({ restarts: 1, state: 'restarted' });
    const alerts = await json<{ alerts: unknown[] }>(`${dash.url}alerts`);
    expect(Array.isArray(alerts.alerts)).toBe(true);
  });

  it('samples throughput over time for the charts', async () => {
    for (let i = 0; i < 200; i++) system.tell('lead/child-1', 'inc');
    const samples = await eventually(
      async () => (await json<{ samples: { throughput: number; workers: { rate: number }[] }[] }>(`${dash.url}samples`)).samples,
      (s) => s.some((x) => x.throughput > 0),
    );
    expect(samples.some((x) => x.throughput > 0)).toBe(true);
    expect(samples[0]!.workers).toHaveLength(2);
  });

  it('serves the page, its script and the chart library; 404 and 405 elsewhere; 400 for a bad limit', async () => {
    const page = await fetch(dash.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('assets/uplot.js');
    expect(html).toContain('id="actor-tree"');
    const uplot = await fetch(`${dash.url}assets/uplot.js`);
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toContain('uPlot');
    expect((await fetch(`${dash.url}assets/dashboard.js`)).status).toBe(200);
    expect((await fetch(`${dash.url}nope`)).status).toBe(404);
    expect((await fetch(`${dash.url}status`, { method: 'POST' })).status).toBe(405);
    const bad = await fetch(`${dash.url}events?limit=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('limit');
  });

  it('validates its options, naming the option', async () => {
    await expect(startDashboard(system, { port: -1 })).rejects.toThrow(InvalidOptionError);
    await expect(startDashboard(system, { port: 70000 })).rejects.toThrow(/'port'/);
    await expect(startDashboard(system, { apiKeys: { acme: 'short' } })).rejects.toThrow(/apiKeys\.acme/);
  });

  it('guards its own routes with the admin key when one is set', async () => {
    const guarded = await startDashboard(system, { adminKey: 'admin-secret-key' });
    try {
      expect((await fetch(`${guarded.url}status`)).status).toBe(401);
      expect((await fetch(`${guarded.url}status?key=admin-secret-key`)).status).toBe(200);
      expect((await fetch(`${guarded.url}status`, { headers: { authorization: 'Bearer admin-secret-key' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('leaves nothing running after close(): the process exits by itself', async () => {
    const child = spawn(process.execPath, [closeScript], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    expect({ code, stderr: stderr.slice(0, 1000) }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('closed');
  }, 20_000);
});
