import type { ActorRef, ActorSystem, SystemEvent } from '../../index.js';
import { sleep } from '../runtime/helpers.js';

// One way to start and stop a test system for every suite: the runtime tests' helpers.
export { startSystem, withSystem, sleep } from '../runtime/helpers.js';

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

/**
 * The ref of an actor registered by a worker (children of supervisors): registration reaches the
 * main thread in batches, so wait for it.
 */
export async function refOf<M = unknown>(system: ActorSystem, id: string, timeoutMs = 5000): Promise<ActorRef<M>> {
  const ref = await eventually(() => system.lookup<M>(id), (r) => r !== undefined, timeoutMs);
  if (ref === undefined) throw new Error(`actor '${id}' was never registered`);
  return ref;
}

/** Events of `type` so far (optionally about one actor / supervisor), oldest first. */
export function eventsOf(system: ActorSystem, type: string, where: (e: SystemEvent) => boolean = () => true): SystemEvent[] {
  return system.events.recent().filter((e) => e.type === type && where(e));
}

/** Wait until `count` events match, then return them (all that match by then). */
export async function waitForEvents(system: ActorSystem, type: string, count: number, where: (e: SystemEvent) => boolean = () => true, timeoutMs = 5000): Promise<SystemEvent[]> {
  return eventually(() => eventsOf(system, type, where), (es) => es.length >= count, timeoutMs);
}

/** The error a promise rejects with (fails if it resolves, or does not settle in time). */
export async function rejection(p: Promise<unknown>, ms = 5000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no rejection within ${ms} ms`)), ms); });
  try {
    const v = await Promise.race([p, timeout]);
    return new Error(`expected a rejection, but it resolved with ${JSON.stringify(v)}`);
  } catch (err) {
    return err;
  } finally {
    clearTimeout(timer);
  }
}

/** How a promise settles within `ms`: 'pending' if it has not. */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => { timer = setTimeout(() => resolve('pending'), ms); });
  try {
    return await Promise.race([p.then(() => 'resolved' as const, () => 'rejected' as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Entries of a worker's start/stop journal about the children of `supervisor` (its prefix cut off). */
export function journalOf(journal: string[], supervisor: string): string[] {
  const out: string[] = [];
  for (const e of journal) {
    const [what, id] = e.split(/:(.*)/s) as [string, string];
    if (id.startsWith(`${supervisor}/`)) out.push(`${what}:${id.slice(supervisor.length + 1)}`);
  }
  return out;
}
