import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SystemStoppedError } from '../../index.js';
import { Counter, Recorder } from '../fixtures/behaviours.js';
import { rejection, startSystem, thrown } from './helpers.js';

const script = fileURLToPath(new URL('../fixtures/runtime/leakScript.js', import.meta.url));

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ms from the script's "stopped" line (written right after `await system.stop()`) to the exit. */
  exitAfterStopMs: number | undefined;
}

function runNode(file: string, limitMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let stoppedAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stoppedAt === undefined && stdout.includes('"stopped":true')) stoppedAt = performance.now();
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const exitAfterStopMs = stoppedAt === undefined ? undefined : performance.now() - stoppedAt;
      resolve({ code, stdout, stderr, timedOut, exitAfterStopMs });
    });
  });
}

describe('lifecycle', () => {
  it('after `await system.stop()` the process exits by itself (no process.exit), code 0, within ~5 s', async () => {
    const r = await runNode(script, 20_000);
    expect({ timedOut: r.timedOut, code: r.code, stderr: r.stderr.slice(0, 2000) }).toEqual({ timedOut: false, code: 0, stderr: '' });
    expect(r.exitAfterStopMs).toBeDefined();
    expect(r.exitAfterStopMs!).toBeLessThan(5000);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stopped: boolean; counts: number[]; viaAsker: unknown; pendingOutcome: string };
    expect(out).toEqual({
      stopped: true,
      counts: [1000, 1000],
      viaAsker: { ok: true, value: 'hello', worker: 1 },
      pendingOutcome: 'SystemStoppedError',
    });
  }, 30_000);

  it('after stop: tell throws SystemStoppedError, ask/offer/spawn reject with it, stop is idempotent', async () => {
    const system = await startSystem();
    const c = await system.spawn(Counter, { id: 'c', placement: { worker: 1 } });
    expect(system.running).toBe(true);
    await system.stop();
    expect(system.running).toBe(false);

    const byRef = thrown(() => c.tell('inc'));
    expect(byRef).toBeInstanceOf(SystemStoppedError);
    expect((byRef as SystemStoppedError).code).toBe('ERR_SYSTEM_STOPPED');
    expect(thrown(() => system.tell(c, 'inc'))).toBeInstanceOf(SystemStoppedError);
    expect(thrown(() => system.tell('c', 'inc'))).toBeInstanceOf(SystemStoppedError);
    expect(thrown(() => system.publish('t', 1))).toBeInstanceOf(SystemStoppedError);
    expect(thrown(() => system.broadcast(1))).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(system.ask(c, 'get'))).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(c.ask('get'))).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(system.offer(c, 'inc'))).toBeInstanceOf(SystemStoppedError);
    expect(await rejection(system.spawn(Counter))).toBeInstanceOf(SystemStoppedError);
    await system.stop();
    expect(system.running).toBe(false);
  });

  it('on stop the worker threads end by themselves (exit code 0), not by the terminate() fallback', async () => {
    const system = await startSystem();
    await system.spawn(Counter, { id: 'c1', placement: { worker: 1 } });
    await system.spawn(Counter, { id: 'c2', placement: { worker: 2 } });
    // Internal field, read only to observe how the threads end.
    const workers = (system as unknown as { workers: import('node:worker_threads').Worker[] }).workers;
    expect(workers.length).toBe(2);
    const codes = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    await system.stop();
    // terminate() makes a worker exit with code 1; a worker that ends on its own exits with 0.
    expect(await Promise.all(codes)).toEqual([0, 0]);
  });

  it('an ask pending when the system stops rejects with SystemStoppedError instead of hanging', async () => {
    const system = await startSystem();
    const rec = await system.spawn(Recorder, { id: 'r', placement: { worker: 2 } });
    const pending = rejection(rec.ask('never-answered', { timeoutMs: 20_000 }), 10_000);
    await system.stop();
    expect(await pending).toBeInstanceOf(SystemStoppedError);
  });
});
