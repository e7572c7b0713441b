import { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export const MetricsOptionsSchema = z.strictObject({
  /** Prefix of every series name. */
  prefix: z.string().regex(metricName, 'must be a valid Prometheus metric name prefix').default('troupe_'),
  /** Also export prom-client's process metrics (CPU, heap, event-loop lag, GC). */
  processMetrics: z.boolean().default(false),
  /** Labels added to every series (e.g. `{ service: 'checkout' }`). */
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names must be valid Prometheus label names'), z.string()).optional(),
  /** Histogram buckets for ask latency, in seconds. */
  latencyBuckets: z.array(z.number().positive()).min(1).optional(),
});

export type MetricsOptions = z.input<typeof MetricsOptionsSchema>;
export type ResolvedMetricsOptions = z.output<typeof MetricsOptionsSchema>;

export function parseMetricsOptions(options: MetricsOptions): ResolvedMetricsOptions {
  const parsed = MetricsOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.join('.') || '(options)';
  throw new InvalidOptionError(`invalid metrics option '${option}': ${issue.message}`, { option });
}
