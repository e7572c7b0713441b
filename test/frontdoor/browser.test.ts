/**
 * The dashboard and the benchmark report in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core). Skipped when /usr/bin/chromium is absent: `apt-get install -y chromium`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorSystem } from '../../index.js';
import { renderBenchReport } from '../../cli/benchReport.js';
import { startDashboard, type DashboardHandle } from '../../dashboard/index.js';
import { Lead, Tally } from '../fixtures/frontdoor/actors.js';
import { eventually, projectRoot, startSystem } from './helpers.js';

/** The page's DOM, as far as the functions run in the browser use it (the tests compile without lib.dom). */
declare const document: { getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null };

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('in headless Chromium', () => {
  let browser: Browser | undefined;
  let system: ActorSystem | undefined;
  let dash: DashboardHandle | undefined;
  const artifacts = join(projectRoot(), 'test-artifacts');

  beforeAll(async () => {
    if (!hasChromium) return;
    mkdirSync(artifacts, { recursive: true });
    [browser, system] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: ARGS }), startSystem()]);
    await system.spawn(Lead, { id: 'crew', args: 2 });
    await system.spawn(Tally, { id: 'solo' });
    await eventually(() => system!.list().length, (n) => n === 4);
    dash = await startDashboard(system, { sampleIntervalMs: 250 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await system?.stop({ deadlineMs: 2000 });
  });

  it.skipIf(!hasChromium)('the dashboard shows the actors of a running system and updates when a fault is injected', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1100 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });

    await page.goto(dash!.url);
    await page.waitForSelector('[data-actor-id="solo"]', { timeout: 10_000 });
    const ids = await page.$$eval('[data-actor-id]', (els) => els.map((e) => e.getAttribute('data-actor-id')));
    expect(ids.sort()).toEqual(['crew', 'crew/child-1', 'crew/child-2', 'solo']);
    // The tree nests children under their parent.
    expect(await page.$$eval('[data-actor-id="crew"] > ul > li', (els) => els.map((e) => e.getAttribute('data-actor-id')))).toEqual(['crew/child-1', 'crew/child-2']);
    await page.waitForFunction(() => document.getElementById('conn')?.dataset.state === 'live');
    expect(await page.textContent('#stat-restarts')).toBe('0');
    expect(await page.$$eval('#workers tbody tr', (rows) => rows.length)).toBe(2);

    for (let i = 0; i < 500; i++) system!.tell('crew/child-1', 'inc');
    system!.tell('solo', 'boom');

    await page.waitForFunction(() => document.getElementById('stat-restarts')?.textContent === '1', undefined, { timeout: 10_000 });
    await page.waitForSelector('[data-actor-id="solo"] > .restarts[data-restarts="1"]', { timeout: 5000 });
    await page.waitForSelector('#events [data-event-type="restart"]', { timeout: 5000 });
    await page.waitForFunction(() => /handler-failed/.test(document.getElementById('dead-letters')?.textContent ?? ''), undefined, { timeout: 5000 });
    // uPlot drew both charts and has points to show.
    expect(await page.$$eval('.chart canvas', (c) => c.length)).toBeGreaterThanOrEqual(2);
    await page.waitForFunction(() => Number((document.getElementById('stat-dead')?.textContent ?? '0').replace(/,/g, '')) >= 1);
    await page.waitForTimeout(600);
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 40_000);

  it.skipIf(!hasChromium)('the benchmark report shows a chart per suite and the table', async () => {
    const file = join(artifacts, 'bench-report.html');
    writeFileSync(file, renderBenchReport([
      { suite: 'savina', name: 'ping-pong', metric: 'msgs/s (1M round trips)', value: 2.4e6, unit: 'msgs/s', baseline: 'Erlang/OTP 25', baselineValue: 1.2e6, ratio: 2 },
      { suite: 'savina', name: 'thread-ring', metric: 'hops/s', value: 2.1e6, unit: 'hops/s', baseline: 'Erlang/OTP 25', baselineValue: 2.5e6, ratio: 0.84 },
      { suite: 'cross-thread', name: 'ask-round-trip-p50', metric: 'p50 latency', value: 30, unit: 'us', baseline: 'raw postMessage', baselineValue: 24, ratio: 0.8 },
    ], { source: 'bench/results/latest.json', generatedAt: new Date(0) }));
    const page = await browser!.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(pathToFileURL(file).href);
    expect(await page.$$eval('svg.suite-chart', (s) => s.map((x) => x.getAttribute('data-suite')))).toEqual(['savina', 'cross-thread']);
    expect(await page.$$eval('svg.suite-chart .bench-row', (r) => r.length)).toBe(3);
    expect(await page.$$eval('#results tbody tr', (r) => r.length)).toBe(3);
    const box = await page.$eval('svg.suite-chart', (s) => s.getBoundingClientRect().width);
    expect(box).toBeGreaterThan(300);
    await page.screenshot({ path: join(artifacts, 'bench-report.png'), fullPage: true });
    await page.close();
  }, 20_000);
});
