import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';
import type { Behaviour, BehaviourSpec } from './Behaviour.js';

const SpecShape = z.object({
  name: z.string().min(1, 'name must be the export name of the behaviour'),
  module: z.string().regex(/^(file|data|node):/, 'module must be import.meta.url of the defining module'),
  init: z.function(),
  receive: z.function(),
  onSignal: z.function().optional(),
  postStop: z.function().optional(),
  applyEvent: z.function().optional(),
  messages: z.custom<unknown>((v) => v === undefined || (typeof v === 'object' && v !== null && 'safeParse' in v), {
    message: 'messages must be a zod schema',
  }).optional(),
});

/**
 * Define an actor behaviour. Export the result under `name` from the module whose
 * `import.meta.url` is `module`:
 *
 *   export const Counter = defineActor({
 *     name: 'Counter', module: import.meta.url,
 *     init: (start: number) => start,
 *     receive: (n, msg: 'inc' | 'get', ctx) => { if (msg === 'get') ctx.reply(n); else return n + 1; },
 *   });
 */
export function defineActor<S, M, A = void>(spec: BehaviourSpec<S, M, A>): Behaviour<S, M, A> {
  const parsed = SpecShape.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(spec)';
    throw new InvalidOptionError(`defineActor: invalid ${field}: ${issue.message}`, {
      option: field,
      behaviour: (spec as { name?: unknown })?.name,
    });
  }
  const behaviour = { ...spec, key: `${spec.module}#${spec.name}`, $troupe: 'behaviour' as const };
  // Not enumerable: a behaviour spread into another (`{ ...Base, receive }`) must not carry the
  // arity of a function it replaced; without them the runtime reads the functions' own.
  Object.defineProperties(behaviour, {
    initArity: { value: spec.init.length },
    receiveArity: { value: spec.receive.length },
  });
  return Object.freeze(behaviour) as Behaviour<S, M, A>;
}
