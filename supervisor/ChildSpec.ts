import { z } from 'zod';
import { parseOptions } from './parseOptions.js';

/** OTP restart types: permanent is always restarted, transient only after an abnormal exit, temporary never. */
export const RestartTypeSchema = z.enum(['permanent', 'transient', 'temporary']);
export type RestartType = z.output<typeof RestartTypeSchema>;

const shutdownMs = z.custom<number>(
  (value) => typeof value === 'number' && (value === Infinity || (Number.isInteger(value) && value >= 0)),
  { message: 'expected a non-negative integer number of milliseconds, or Infinity' },
);

/**
 * What the supervisor needs to (re)start one child. `start.behaviour` stays opaque: the runtime
 * knows how to load and check behaviours, the supervision logic only needs to name the child.
 */
export const ChildSpecSchema = z
  .object({
    id: z.string().min(1, 'expected a non-empty child id'),
    start: z
      .object({
        behaviour: z.custom<unknown>((value) => value !== undefined && value !== null, {
          message: 'required: the behaviour the runtime starts for this child',
        }),
        args: z.unknown().optional(),
        options: z.unknown().optional(),
      })
      .strict(),
    restart: RestartTypeSchema.default('permanent'),
    // 5000 ms is OTP's default for workers. 0 is OTP's brutal_kill (no grace period); Infinity is
    // OTP's `infinity`, which OTP recommends for children that are themselves supervisors so they
    // get all the time their own subtree needs to stop.
    shutdownMs: shutdownMs.default(5000),
    // A significant child's own termination can shut its supervisor down (see `autoShutdown`).
    significant: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // OTP rejects this combination: a permanent child is always restarted, so it never "terminates"
    // in the sense auto-shutdown counts, and the flag would silently do nothing.
    if (spec.significant && spec.restart === 'permanent') {
      ctx.addIssue({
        code: 'custom',
        path: ['significant'],
        message: 'a permanent child cannot be significant (OTP bad_combination); use transient or temporary',
      });
    }
  });

export type ChildSpec = z.output<typeof ChildSpecSchema>;
export type ChildSpecInput = z.input<typeof ChildSpecSchema>;

/** Validates one child spec on its own; throws `InvalidOptionError` naming the failing field. */
export function parseChildSpec(input: unknown): ChildSpec {
  return parseOptions(ChildSpecSchema, input, 'child spec');
}
