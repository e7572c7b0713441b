import { errorToWire, type WireError } from '../errors.js';
import type { Task } from '../../actors/defineTask.js';

/**
 * The piscina worker of pool actors. One piscina task carries a batch of inputs: a round trip
 * through piscina costs tens of microseconds, so trivial tasks only pay off in batches.
 */
export interface TaskBatch {
  module: string;
  name: string;
  inputs: unknown[];
}

export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

const tasks = new Map<string, Promise<Task>>();

function load(module: string, name: string): Promise<Task> {
  const key = `${module}#${name}`;
  let p = tasks.get(key);
  if (p === undefined) {
    p = import(module).then((m: Record<string, unknown>) => {
      const t = m[name] as Task | undefined;
      if (t?.$troupe !== 'task') throw new Error(`module '${module}' has no task export '${name}'`);
      return t;
    });
    tasks.set(key, p);
  }
  return p;
}

export default async function runBatch(batch: TaskBatch): Promise<TaskOutcome[]> {
  const task = await load(batch.module, batch.name);
  const out: TaskOutcome[] = new Array(batch.inputs.length);
  for (let i = 0; i < batch.inputs.length; i++) {
    try {
      let v = task.run(batch.inputs[i]);
      if (v instanceof Promise) v = await v;
      out[i] = { ok: true, value: v };
    } catch (err) {
      out[i] = { ok: false, error: errorToWire(err) };
    }
  }
  return out;
}
