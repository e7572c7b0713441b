/**
 * Supervision and health monitoring: the deterministic decision logic the runtime hosts inside
 * supervisor and monitor actors.
 */
export type { Alert, AlertKind, AlertSubject } from './Alert.js';
export { policyActionsFor, type PolicyAction } from './AlertPolicy.js';
export {
  AlertPoliciesSchema,
  AlertThresholdsSchema,
  HealthWindowSchema,
  parseAlertThresholds,
  type AlertPolicies,
  type AlertThresholds,
  type AlertThresholdsInput,
  type HealthWindow,
} from './AlertThresholds.js';
export { Backoff, BackoffSchema, backoffDelay, type BackoffInput, type BackoffOptions } from './Backoff.js';
export {
  ChildSpecSchema,
  RestartTypeSchema,
  parseChildSpec,
  type ChildSpec,
  type ChildSpecInput,
  type RestartType,
} from './ChildSpec.js';
export {
  ChildAlreadyPresentError,
  ChildNotFoundError,
  ChildRunningError,
  InvalidSampleError,
  StrategyMismatchError,
  SupervisorNotRunningError,
} from './errors.js';
export { isAbnormalExit, type ExitReason } from './ExitReason.js';
export {
  HealthMonitor,
  type AgentHealthView,
  type AgentSample,
  type AlertListener,
  type HealthMonitorOptions,
  type HealthReport,
  type WorkerSample,
} from './HealthMonitor.js';
export { LatencyHistogram, type LatencyHistogramOptions } from './LatencyHistogram.js';
export type { OptionIssue } from './parseOptions.js';
export {
  RestartIntensity,
  RestartIntensitySchema,
  type RestartIntensityInput,
  type RestartIntensityOptions,
} from './RestartIntensity.js';
export {
  SupervisionPlan,
  type ChildStatus,
  type ChildView,
  type SupervisionAction,
  type SupervisionDecision,
  type SupervisionEvent,
  type SupervisionPlanOptions,
  type SupervisorPhase,
} from './SupervisionPlan.js';
export {
  AutoShutdownSchema,
  StrategySchema,
  SupervisorSpecSchema,
  parseSupervisorSpec,
  type AutoShutdown,
  type Strategy,
  type SupervisorSpec,
  type SupervisorSpecInput,
} from './SupervisorSpec.js';
export { defineSupervisor, SupervisorEscalation, type SupervisorDefinition, type SupervisorMessage } from './Supervisor.js';
