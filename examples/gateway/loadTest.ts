/**
 * A bounded load test of the gateway on loopback: `node dist/examples/gateway/loadTest.js
 * [requests] [concurrency]` starts a system with an echo actor per tenant, serves the gateway with
 * API keys, sends `requests` asks (default 20000, at most 30 s) over keep-alive connections
 * (default concurrency 32), and prints requests/s and latency percentiles. Only 127.0.0.1 is used.
 */
import { Agent, request } from 'node:http';
import { z } from 'zod';
import { ActorSystem, createLogger } from '../../index.js';
import { startDashboard } from '../../dashboard/index.js';
import { Echo } from './echo.js';

const count = (name: string, fallback: number) =>
  z.coerce.number({ message: `${name} must be a whole number` }).int(`${name} must be a whole number`).positive(`${name} must be at least 1`).default(fallback);
const args = z.tuple([count('requests', 20_000), count('concurrency', 32)]).safeParse([process.argv[2], process.argv[3]]);
if (!args.success) {
  process.stderr.write(`loadTest: ${args.error.issues[0]!.message} (usage: loadTest [requests] [concurrency])\n`);
  process.exit(2);
}
const [total, concurrency] = args.data;
const MAX_MS = 30_000;

const system = await ActorSystem.start({ logger: createLogger({ level: 'error' }) });
await system.spawn(Echo, { id: 'acme/echo' });
const dash = await startDashboard(system, { apiKeys: { acme: 'acme-load-test-key' } });
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const url = new URL('actors/acme/echo/ask', dash.url);
const body = JSON.stringify({ message: { type: 'ping', n: 1 } });

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer acme-load-test-key' },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies: number[] = [];
let sent = 0;
let failed = 0;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (sent < total && performance.now() - started < MAX_MS) {
    sent++;
    try {
      latencies.push(await once());
    } catch {
      failed++;
    }
  }
}));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN).toFixed(2);
process.stdout.write(
  `gateway ask on loopback: ${latencies.length} ok, ${failed} failed in ${seconds.toFixed(2)} s with ${concurrency} connections\n` +
  `  ${(latencies.length / seconds).toFixed(0)} requests/s · p50 ${pct(0.5)} ms · p99 ${pct(0.99)} ms · max ${pct(1)} ms\n`,
);
agent.destroy();
await dash.close();
await system.stop();
