import { z } from 'zod';
import { BackoffSchema } from './Backoff.js';
import { ChildSpecSchema } from './ChildSpec.js';
import { parseOptions } from './parseOptions.js';
import { RestartIntensitySchema } from './RestartIntensity.js';

/** OTP's four restart strategies, spelled with dashes. */
export const StrategySchema = z.enum(['one-for-one', 'one-for-all', 'rest-for-one', 'simple-one-for-one']);
export type Strategy = z.output<typeof StrategySchema>;

/** OTP's auto_shutdown: whether significant children terminating by themselves stop the supervisor. */
export const AutoShutdownSchema = z.enum(['never', 'any-significant', 'all-significant']);
export type AutoShutdown = z.output<typeof AutoShutdownSchema>;

/**
 * A supervisor's flags and children. Defaults follow OTP (strategy one-for-one, auto-shutdown
 * never) except intensity, whose default is explained in RestartIntensity.ts.
 */
export const SupervisorSpecSchema = z
  .object({
    strategy: StrategySchema.default('one-for-one'),
    intensity: RestartIntensitySchema.prefault({}),
    backoff: BackoffSchema.optional(),
    autoShutdown: AutoShutdownSchema.default('never'),
    children: z.array(ChildSpecSchema).default([]),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.strategy === 'simple-one-for-one') {
      // The single spec is the template every dynamic child is stamped from; OTP refuses anything else.
      if (spec.children.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['children'],
          message: `simple-one-for-one needs exactly one child spec (the template), got ${spec.children.length}`,
        });
      }
      // OTP 27 dropped auto-shutdown for simple_one_for_one: with children coming and going by the
      // thousand, "all significant children gone" is true between any two of them.
      if (spec.autoShutdown !== 'never') {
        ctx.addIssue({
          code: 'custom',
          path: ['autoShutdown'],
          message: 'simple-one-for-one supervisors cannot auto-shutdown; use never',
        });
      }
    }
    const seen = new Set<string>();
    spec.children.forEach((child, index) => {
      if (seen.has(child.id)) {
        ctx.addIssue({ code: 'custom', path: ['children', index, 'id'], message: `duplicate child id "${child.id}"` });
      }
      seen.add(child.id);
      if (child.significant && spec.autoShutdown === 'never') {
        ctx.addIssue({
          code: 'custom',
          path: ['children', index, 'significant'],
          message: 'significant children need autoShutdown any-significant or all-significant (OTP bad_combination)',
        });
      }
    });
  });

export type SupervisorSpec = z.output<typeof SupervisorSpecSchema>;
export type SupervisorSpecInput = z.input<typeof SupervisorSpecSchema>;

/** Validates a supervisor spec; throws `InvalidOptionError` naming the failing option path. */
export function parseSupervisorSpec(input: unknown): SupervisorSpec {
  return parseOptions(SupervisorSpecSchema, input, 'supervisor spec');
}
