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

/** Results of a batch: values by position, and the errors of the inputs that failed (sparse). */
export interface TaskOutcomes {
  values: unknown[];
  errors?: Record<number, WireError>;
  /** How long the batch ran on this thread, in ms (the pool sizes its next batches by it). */
  ms: number;
}

export default async function runBatch(batch: TaskBatch): Promise<TaskOutcomes> {
  const task = await load(batch.module, batch.name);
  const started = performance.now();
  const values: unknown[] = new Array(batch.inputs.length);
  let errors: Record<number, WireError> | undefined;
  for (let i = 0; i < batch.inputs.length; i++) {
    try {
      let v = task.run(batch.inputs[i]);
      if (v instanceof Promise) v = await v;
      values[i] = v;
    } catch (err) {
      (errors ??= {})[i] = errorToWire(err);
    }
  }
  const ms = performance.now() - started;
  return errors === undefined ? { values, ms } : { values, errors, ms };
}
