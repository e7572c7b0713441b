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

  it('demo runs the workload, repairs the fault, persists and summarizes, then ends by itself', async () => {
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
  }, 45_000);
});
