import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { InvalidOptionError } from '../../runtime/errors.js';

export const DemoOptionsSchema = z.strictObject({
  /** Worker threads for actors (default: one per core). */
  workers: z.number().int().min(1).max(64).default(() => availableParallelism()),
  /** How long the workload runs, in seconds. */
  duration: z.number().min(1).max(3600).default(20),
  /** Teams (a lead and its analysts each); default two per worker. */
  teams: z.number().int().min(1).max(1000).optional(),
  /** Analysts per team. */
  analysts: z.number().int().min(1).max(100).default(3),
  /** Store directory for persistence; `false` keeps everything in memory. */
  data: z.union([z.string().min(1), z.literal(false)]).default('./data/troupe'),
  /** Keep the workload and the dashboard running after `duration`, until interrupted. */
  serve: z.boolean().default(false),
  /** Dashboard port (0 = any free port) and interface. */
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** Level of the runtime's own logs (stderr). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('error'),
});

export type DemoOptions = z.input<typeof DemoOptionsSchema>;
export type ResolvedDemoOptions = z.output<typeof DemoOptionsSchema> & { teams: number };

export function parseDemoOptions(options: DemoOptions): ResolvedDemoOptions {
  const parsed = DemoOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.map(String).join('.') || '(options)';
    throw new InvalidOptionError(`invalid demo option '${option}': ${issue.message}`, { option });
  }
  return { ...parsed.data, teams: parsed.data.teams ?? parsed.data.workers * 2 };
}
