import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator, WorkflowRunResult } from '../../orchestration/index.js';
import { eventually, handler, removePath, sleep, startOrchestrator, tempStorePath } from './helpers.actors.js';

const child = fileURLToPath(new URL('../fixtures/orchestration/workflowProcess.js', import.meta.url));

interface ChildRun {
  lines: Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
}

function startChild(storePath: string, countersPath: string, slowStep?: string): ChildRun {
  const env: NodeJS.ProcessEnv = { ...process.env, TROUPE_TEST_COUNTERS: countersPath };
  if (slowStep !== undefined) env.TROUPE_TEST_SLOW_STEP = slowStep;
  else delete env.TROUPE_TEST_SLOW_STEP;
  const p = spawn(process.execPath, [child, storePath], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const l of parts) if (l.startsWith('{')) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { lines, exit, kill: () => p.kill('SIGKILL') };
}

describe('workflows over agents, persisted in LMDB', () => {
  it('resumes a run whose process was killed, from the last completed step, without re-running completed steps', async () => {
    const storePath = tempStorePath('troupe-wf-store-');
    const countersPath = tempStorePath('troupe-wf-counters-');
    const counters = open({ path: countersPath });
    const runs = (): Record<string, number> => Object.fromEntries([...counters.getRange()].map(({ key, value }) => [String(key), value as number]));
    try {
      // First life: the `review` step hangs; kill the process while it runs.
      const first = startChild(storePath, countersPath, 'review');
      const reached = await eventually(runs, (r) => r.review === 1, 20_000);
      expect(reached.review).toBe(1);
      await sleep(50);
      first.kill();
      const died = await first.exit;
      expect(died.signal).toBe('SIGKILL');
      expect(runs()).toMatchObject({ gather: 1, outline: 1, review: 1 });

      // Second life: the same run id resumes from what the store recorded.
      const second = startChild(storePath, countersPath);
      const ended = await second.exit;
      expect(ended.code, ended.stderr).toBe(0);
      const started = second.lines.find((l) => l.event === 'started')!;
      const recorded = Object.fromEntries(started.recorded as [string, string][]);
      expect(recorded.gather).toBe('completed');
      expect(recorded.outline).toBe('completed');
      expect(recorded.publish).toBe('pending');

      const { result } = second.lines.find((l) => l.event === 'result') as { result: WorkflowRunResult };
      expect(result.status).toBe('completed');
      expect(result.output).toBe('publish({"draft":"draft(outline(gather(actors)))","review":"review(outline(gather(actors)))"})');
      // Completed steps were not run again; the interrupted ones were.
      const counts = runs();
      expect(counts.gather).toBe(1);
      expect(counts.outline).toBe(1);
      expect(counts.review).toBe(2);
      expect(counts.publish).toBe(1);
      // `draft` ran beside `review` in the first life; it ran again only if it had not completed before the kill.
      expect(counts.draft === 1 ? recorded.draft === 'completed' : recorded.draft !== 'completed').toBe(true);
    } finally {
      await counters.close();
      removePath(storePath);
      removePath(countersPath);
    }
  }, 45_000);

  describe('in process', () => {
    let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
    let orch: Orchestrator;
    const countersPath = join(tempStorePath('troupe-wf-counters-'), 'c');

    beforeAll(async () => {
      process.env.TROUPE_TEST_COUNTERS = countersPath;
      ctx = await startOrchestrator({
        agents: [
          { id: 'echo', handler: handler('echo') },
          { id: 'broken', handler: handler('failing') },
          { id: 'summariser', model: { kind: 'local', maxSentences: 1 } },
        ],
      });
      orch = ctx.orchestrator;
    });
    afterAll(async () => {
      await ctx.close();
      removePath(countersPath);
    });

    it('runs a declarative workflow over agents and records every step', async () => {
      const result = await orch.executeWorkflow(
        {
          id: 'digest',
          steps: [
            { id: 'summary', agent: 'summariser', action: 'summarise', input: '$input.text' },
            { parallel: [{ id: 'a', agent: 'echo', action: 'check' }, { id: 'b', agent: 'echo', action: 'check' }] },
          ],
          output: { summary: '$steps.summary.output', checked: '$steps.a.output' },
        },
        { text: 'Actors process messages one at a time. Workers host many actors.' },
        { threadId: 'wf-1', tenantId: 'acme' },
      );
      expect(result.status).toBe('completed');
      expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
        ['summary', 'completed', 1],
        ['a', 'completed', 1],
        ['b', 'completed', 1],
      ]);
      expect((result.output as { checked: string }).checked).toMatch(/^echo got: Summary: /);
      // Steps are agent messages on the workflow's thread and tenant.
      const recorded = await eventually(() => orch.history({ threadId: 'wf-1' }), (h) => h.length === 6);
      expect(recorded.every((e) => e.tenantId === 'acme')).toBe(true);
      expect(orch.getWorkflowRun(result.runId)?.status).toBe('completed');
    });

    it('a failing step fails the run with a typed error after its retries; a finished run id returns its record', async () => {
      const result = await orch.executeWorkflow(
        { id: 'fragile', steps: [{ id: 'x', agent: 'broken', action: 'go', retry: { attempts: 2, backoffMs: 5 } }, { id: 'y', agent: 'echo', action: 'go' }] },
        'in',
        { runId: 'fragile-1' },
      );
      expect(result.status).toBe('failed');
      expect(result.error).toMatchObject({ code: 'ERR_WORKFLOW_STEP_FAILED', stepId: 'x' });
      expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
        ['x', 'failed', 2],
        ['y', 'skipped', 0],
      ]);
      expect(orch.listWorkflowRuns({ status: 'failed' }).map((r) => r.runId)).toContain('fragile-1');
    });
  });
});
