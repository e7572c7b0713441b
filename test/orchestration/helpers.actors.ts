import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorSystem, createLogger, type SystemOptions } from '../../index.js';
import { Orchestrator, type OrchestratorOptions } from '../../orchestration/index.js';
import { HANDLERS } from '../fixtures/orchestration/handlers.js';

/** A custom handler from the fixtures module, as agent definitions name it. */
export const handler = (name: string): { module: string; export: string } => ({ module: HANDLERS, export: name });

export function tempStorePath(prefix = 'troupe-orch-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** A 2-worker system with LMDB persistence recording all history, silent unless TROUPE_TEST_LOG is set. */
export function startPersistentSystem(path: string, options: SystemOptions = {}): Promise<ActorSystem> {
  return ActorSystem.start({
    workers: 2,
    persistence: { path, history: { record: 'all' } },
    logger: createLogger({ level: process.env.TROUPE_TEST_LOG ?? 'silent' }),
    ...options,
  });
}

/** An orchestrator over a fresh persistent system in a temporary directory; `close` stops and removes both. */
export async function startOrchestrator(options: Omit<OrchestratorOptions, 'system' | 'systemOptions'> = {}): Promise<{
  orchestrator: Orchestrator;
  system: ActorSystem;
  path: string;
  close: () => Promise<void>;
}> {
  const path = tempStorePath();
  const system = await startPersistentSystem(path);
  const orchestrator = await Orchestrator.start({ system, ...options });
  return {
    orchestrator,
    system,
    path,
    close: async () => {
      await orchestrator.stop();
      await system.stop({ deadlineMs: 2000 });
      removePath(path);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` passes `done`, returning the last value either way (so the assertion shows it). */
export async function eventually<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await sleep(10);
  }
}
