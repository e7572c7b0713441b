import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('troupe demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-demo-'));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('demo runs the workload, repairs the fault, orchestrates agents, persists and summarizes, then ends by itself', async () => {
    const data = join(dir, 'demo-store');
    const r = await runCli(['demo', '--workers', '2', '--duration', '3', '--teams', '2', '--data', data], { timeoutMs: 40_000 });
    expect({ code: r.code, timedOut: r.timedOut, stderr: r.stderr }).toEqual({ code: 0, timedOut: false, stderr: '' });
    expect(r.stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.stdout).toContain('fault: a poison message to team-1/analyst-2');
    expect(r.stdout).toMatch(/repaired: the supervisor restarted team-1\/analyst-2/);
    expect(r.stdout).toMatch(/restarts\s+1 \(team-1\/analyst-2, repaired in \d+ ms\)/);
    expect(r.stdout).toMatch(/dead letters\s+1 \(handler-failed 1\)/);
    const jobs = Number(/jobs\s+([\d,]+) done/.exec(r.stdout)?.[1]?.replace(/,/g, ''));
    expect(jobs).toBeGreaterThan(0);
    const h = await runCli(['history', '--store', data, '--type', 'restart', '--json']);
    expect((JSON.parse(h.stdout) as { recipient: string }[]).map((x) => x.recipient)).toEqual(['team-1/analyst-2']);

    // The research team: the collector, two analysts on the two workers, the director's synthesis.
    expect(r.stdout).toMatch(/collector\s+4 samples of 60,000 numbers/);
    expect(r.stdout).toMatch(/analyst-1\s+worker \d · 1\/2 of every sample · [\d,]+ primes/);
    expect(r.stdout).toMatch(/analyst-2\s+worker \d · 1\/2 of every sample · [\d,]+ primes/);
    expect(r.stdout).toMatch(/director\s+Primes thin out as 1\/ln x says/);
    expect(r.stdout).toContain('Near 10^9, 1 number in 20.7 is prime (2,896 of 60,000)');
    // The workflow: every step read back from LMDB, the check repaired by its retry policy.
    for (const step of ['outline', 'abstract', 'publish']) expect(r.stdout).toMatch(new RegExp(`\\+\\s*\\d+ ms  ${step}\\s+\\S+\\s+completed`));
    expect(r.stdout).toMatch(/check\s+checker\s+completed on attempt 2/);
    expect(r.stdout).toContain('Re-checked by a segmented sieve: 2,896 primes near 10^9, as the analysts found.');
    // The handoff: accepted, the context sanitized, the reply streamed chunk by chunk, then completed.
    expect(r.stdout).toMatch(/handoff\s+front-desk → number-theorist \(needs a computation\): accepted/);
    expect(r.stdout).toContain('"Ada ([EMAIL]) wants the twin primes just above 10^8 counted."');
    expect(r.stdout).toMatch(/\+\s*\d+ ms  segment 5\/5: [\d,]+ pairs/);
    expect(r.stdout).toMatch(/the thread's next message goes to\s+front-desk/);
    // The summary's figures.
    expect(r.stdout).toMatch(/agents\s+9 on 2 workers · 12 requests answered \(1 failed on purpose, and retried\)/);
    expect(r.stdout).toMatch(/delegations\s+research team: 2 analysts in parallel/);
    expect(r.stdout).toMatch(/workflow\s+publish-findings completed: 4\/4 steps \(1 retry\)/);
    expect(r.stdout).toMatch(/handoff\s+front-desk → number-theorist on support-\w+: accepted, 7 chunks streamed in [\d.]+ s, completed/);
    expect(r.stdout).not.toContain('unfinished');
    const thread = /--thread (research-\w+)/.exec(r.stdout)?.[1];
    expect(thread).toBeDefined();
    const agentHistory = await runCli(['history', '--store', data, '--thread', thread!, '--json']);
    const records = JSON.parse(agentHistory.stdout) as { type: string; tenantId: string }[];
    expect(records.map((x) => x.type).sort()).toEqual(['query', 'query', 'response', 'response', 'response', 'response', 'task', 'task']);
    expect(records.every((x) => x.tenantId === 'lab')).toBe(true);
  }, 45_000);
});
