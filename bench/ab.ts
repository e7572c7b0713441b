/**
 * A/B two builds of Troupe in one process: `node dist/bench/ab.js ROOT_A ROOT_B [BENCH] [N] [PAIRS]`.
 *
 * Each ROOT is a checkout with a `dist/` build (e.g. a `git worktree` of another commit). Both are
 * loaded side by side (separate module instances, one ActorSystem with one worker each), and the
 * same Savina benchmark runs on A then B, PAIRS times. On a shared VM whose speed moves 2x within
 * seconds, separate runs, even interleaved, rarely show a 5% change; two runs a fraction of a
 * second apart meet the same phase, so the ratio of each pair is steady where the figures are not.
 * The median of those ratios is the answer; run it again with A and B swapped to rule out an order
 * effect.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActorRef, ActorSystem } from '../index.js';
import type { SavinaRequest, SavinaResult } from './actors/savina.js';
import { median } from './baselines/stats.js';

type Bench = 'counting' | 'pingpong' | 'threadring' | 'forkjoin' | 'spawn';

function request(bench: Bench, n: number): SavinaRequest {
  switch (bench) {
    case 'counting': case 'pingpong': return { bench, n };
    case 'threadring': return { bench, actors: 503, hops: n };
    case 'forkjoin': return { bench, actors: 60, messages: n };
    case 'spawn': return { bench, actors: n };
  }
}

interface Side { system: ActorSystem; driver: ActorRef<SavinaRequest> }

async function load(root: string, req: SavinaRequest): Promise<Side> {
  const url = (p: string): string => pathToFileURL(resolve(root, p)).href;
  const { ActorSystem: System } = (await import(url('dist/index.js'))) as typeof import('../index.js');
  const { SavinaDriver } = (await import(url('dist/bench/actors/savina.js'))) as typeof import('./actors/savina.js');
  const system = await System.start({ workers: 1, logLevel: 'silent', monitoring: false, askTimeoutMs: 600_000, watchdog: { intervalMs: 1000, unresponsiveMs: 120_000 } });
  const driver: ActorRef<SavinaRequest> = await system.spawn(SavinaDriver, { id: 'ab-driver', placement: { worker: 1 } });
  // Two untimed runs at the timed size: the JIT's final code, as the savina suite does.
  for (let i = 0; i < 2; i++) await run(driver, req);
  return { system, driver };
}

async function run(driver: ActorRef<SavinaRequest>, req: SavinaRequest): Promise<number> {
  const r = await driver.ask<SavinaResult>(req);
  if (req.bench === 'spawn') await driver.ask({ bench: 'cleanup' });
  return (r.messages / r.ms) * 1000;
}

async function main(): Promise<void> {
  const [rootA, rootB, bench = 'counting', nText, pairsText] = process.argv.slice(2);
  const benches: Bench[] = ['counting', 'pingpong', 'threadring', 'forkjoin', 'spawn'];
  if (rootA === undefined || rootB === undefined || !benches.includes(bench as Bench)) {
    process.stderr.write(`usage: node dist/bench/ab.js ROOT_A ROOT_B [${benches.join('|')}] [N] [PAIRS]\n`);
    process.exitCode = 2;
    return;
  }
  const n = nText === undefined ? (bench === 'spawn' ? 200_000 : 3_000_000) : Number(nText);
  const pairs = pairsText === undefined ? 12 : Number(pairsText);
  const req = request(bench as Bench, n);
  const a = await load(rootA, req);
  const b = await load(rootB, req);
  try {
    const ratios: number[] = [];
    const ra: number[] = [];
    const rb: number[] = [];
    for (let i = 0; i < pairs; i++) {
      ra.push(await run(a.driver, req));
      rb.push(await run(b.driver, req));
      ratios.push(rb[i]! / ra[i]!);
    }
    const m = (xs: number[]): string => `${(median(xs) / 1e6).toFixed(2)}M/s`;
    process.stdout.write(
      `${bench} (${n.toLocaleString('en-US')}), ${pairs} pairs: A ${m(ra)}, B ${m(rb)}, ` +
      `B/A median ${median(ratios).toFixed(3)} (pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')})\n`,
    );
  } finally {
    await a.system.stop();
    await b.system.stop();
  }
}

await main();
