export { SystemMetrics, collectMetrics, type AskOutcome, type AskListener } from './SystemMetrics.js';
export { MetricsOptionsSchema, type MetricsOptions } from './MetricsOptions.js';
export { StatsSampler, type StatsSample } from './StatsSampler.js';
export { LatencyWindow, type LatencySummary } from './LatencyWindow.js';
export { ActiveAlerts, alertFromEvent, type AlertView } from './alerts.js';
export { behaviourName, deadLetterReason } from './labels.js';
