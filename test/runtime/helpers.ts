import { ActorSystem, createLogger, type DeadLetter, type SystemOptions } from '../../index.js';

/**
 * Start a system with 2 workers. Logs are silent unless TROUPE_TEST_LOG names a level (the runtime
 * logs every expected handler failure at warn, which would drown the test output).
 */
export function startSystem(options: SystemOptions = {}): Promise<ActorSystem> {
  return ActorSystem.start({
    workers: 2,
    logger: createLogger({ level: process.env.TROUPE_TEST_LOG ?? 'silent' }),
    ...options,
  });
}

/** Run `fn` against a fresh 2-worker system and always stop it. */
export async function withSystem<T>(fn: (system: ActorSystem) => Promise<T>, options: SystemOptions = {}): Promise<T> {
  const system = await startSystem(options);
  try {
    return await fn(system);
  } finally {
    await system.stop({ deadlineMs: 2000 });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reject with a clear message instead of hanging until the test timeout. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    p.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}

/**
 * Poll `probe` until `done(value)` or the time is up, and return the last value either way: the test
 * then asserts exact values on it, so a failure shows what was actually there.
 */
export async function eventually<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > until) return v;
    await sleep(everyMs);
  }
}

/** The error a synchronous call throws (or undefined if it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The error a promise rejects with (fails if it resolves, or does not settle in time). */
export async function rejection(p: Promise<unknown>, ms = 5000): Promise<unknown> {
  try {
    const v = await within(p, ms, 'the promise');
    return new Error(`expected a rejection, but it resolved with ${JSON.stringify(v)}`);
  } catch (err) {
    return err;
  }
}

/** Collect dead letters from now on. */
export function collectDeadLetters(system: ActorSystem): { letters: DeadLetter[]; stop: () => void } {
  const letters: DeadLetter[] = [];
  const stop = system.deadLetters.subscribe((l) => letters.push(l));
  return { letters, stop };
}

/** Collect a main-thread topic subscription. */
export function collectTopic(system: ActorSystem, topic: string): { items: { message: unknown; sender: string | undefined }[]; off: () => void } {
  const items: { message: unknown; sender: string | undefined }[] = [];
  const off = system.subscribe(topic, (message, sender) => items.push({ message, sender: sender?.id }));
  return { items, off };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
