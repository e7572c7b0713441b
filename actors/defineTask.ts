import { z, type ZodType } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';

/**
 * A stateless, CPU-bound function run on a piscina thread pool behind an actor ref. Like a behaviour
 * it lives in a module (piscina's threads import it by `module`), and its `name` is its export name.
 */
export interface TaskSpec<I, O> {
  name: string;
  module: string;
  /** Optional zod schema for the input, checked before the task is queued. */
  input?: ZodType<I>;
  run: (input: I) => O | Promise<O>;
}

export interface Task<I = any, O = any> extends Readonly<TaskSpec<I, O>> {
  readonly key: string;
  readonly $troupe: 'task';
}

const Shape = z.object({
  name: z.string().min(1),
  module: z.string().regex(/^(file|data|node):/, 'module must be import.meta.url of the defining module'),
  run: z.function(),
});

export function defineTask<I, O>(spec: TaskSpec<I, O>): Task<I, O> {
  const r = Shape.safeParse(spec);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidOptionError(`defineTask: invalid ${i.path.join('.') || '(spec)'}: ${i.message}`, { option: i.path.join('.') });
  }
  return Object.freeze({ ...spec, key: `${spec.module}#${spec.name}`, $troupe: 'task' as const });
}

export function isTask(v: unknown): v is Task {
  return typeof v === 'object' && v !== null && (v as { $troupe?: unknown }).$troupe === 'task';
}
