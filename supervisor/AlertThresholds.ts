import { z } from 'zod';
import { parseOptions } from './parseOptions.js';

const ratio = z.number().min(0).max(1);
const positiveMs = z.number().int().positive();

/** Which remedies the runtime applies on its own when an alert is raised. */
export const AlertPoliciesSchema = z
  .object({
    restartUnhealthyAgents: z.boolean().default(true),
    drainOverloadedWorkers: z.boolean().default(true),
    backpressureOnLoad: z.boolean().default(true),
    recycleWorkersOverResourceLimit: z.boolean().default(true),
  })
  .strict();

export type AlertPolicies = z.output<typeof AlertPoliciesSchema>;

/**
 * The span over which agent health is judged: the last `messages` messages, or the last `ms`
 * milliseconds. Counts adapt to traffic; time bounds how long an old failure keeps counting.
 */
export const HealthWindowSchema = z.union([
  z.object({ messages: z.number().int().positive() }).strict(),
  z.object({ ms: positiveMs }).strict(),
]);

export type HealthWindow = z.output<typeof HealthWindowSchema>;

/**
 * Monitoring configuration. Ratios are in [0, 1]. `systemLoad`, `resourceUsage` and
 * `communicationLatencyMs` are ceilings (alert when above); `agentHealth` is a floor (alert when
 * below).
 */
export const AlertThresholdsSchema = z
  .object({
    /** Event-loop utilisation of a worker, and the mean over all workers. */
    systemLoad: ratio.default(0.8),
    /** Share of an agent's messages handled without failure. */
    agentHealth: ratio.default(0.9),
    /** heapUsed / heapLimit of a worker. */
    resourceUsage: ratio.default(0.7),
    /** p99 of an agent's mailbox wait or ask round trip, whichever is worse. */
    communicationLatencyMs: z.number().positive().default(1000),
    /** How often the runtime should push worker and agent samples. */
    updateIntervalMs: positiveMs.default(60_000),
    /** How often the runtime should publish a full health report (current alerts, agent health). */
    monitoringIntervalMs: positiveMs.default(300_000),
    /**
     * Relative margin an alert must recover past before it clears: a ceiling T clears at or below
     * T × (1 − hysteresis), a floor T at or above T × (1 + hysteresis) (capped at 1). Without it a
     * value hovering at the threshold raises and clears on every sample.
     */
    hysteresis: z.number().min(0).lt(1).default(0.05),
    // Five samples at the default update interval: enough to smooth one bad sample, short enough
    // that a recovered agent clears within one monitoring interval.
    window: HealthWindowSchema.default({ ms: 300_000 }),
    /** Agent health is not judged on fewer messages than this: two failures of three say little. */
    minMessages: z.number().int().positive().default(10),
    policies: AlertPoliciesSchema.prefault({}),
  })
  .strict();

export type AlertThresholds = z.output<typeof AlertThresholdsSchema>;
export type AlertThresholdsInput = z.input<typeof AlertThresholdsSchema>;

/** Validates monitoring config; throws `InvalidOptionError` naming the failing option path. */
export function parseAlertThresholds(input: unknown = {}): AlertThresholds {
  return parseOptions(AlertThresholdsSchema, input, 'alert thresholds');
}
