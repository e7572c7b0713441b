import type { DashboardHandle } from '../../dashboard/server.js';
import type { AnalystMsg, LeadMsg, LedgerMsg } from '../../examples/demo/team.js';
import type { TileRow } from '../../examples/demo/tiles.js';
import type { ActorRef } from '../../runtime/ActorRef.js';
import type { ActorSystem } from '../../runtime/ActorSystem.js';
import type { Logger } from '../../runtime/logger.js';
import type { Orchestrator } from '../../orchestration/index.js';
import type { OrchestrationFigures } from './orchestrate.js';
import type { ResolvedDemoOptions } from './options.js';
import type { DemoRecorder } from './persistence.js';
import type { Reporter } from './reporter.js';

/** What the demo's steps share: each step fills in what it starts, shutdown stops what is there. */
export interface DemoContext {
  readonly options: ResolvedDemoOptions;
  readonly out: Reporter;
  readonly log: Logger;
  /** Aborted by Ctrl-C (or the caller): the workload winds down and the summary is still printed. */
  readonly signal: AbortSignal;
  readonly startedAt: number;
  system?: ActorSystem;
  dashboard?: DashboardHandle;
  recorder?: DemoRecorder;
  leads: ActorRef<LeadMsg>[];
  ledger?: ActorRef<LedgerMsg>;
  pool?: ActorRef<TileRow>;
  /** The analyst the fault is injected into. */
  victim?: ActorRef<AnalystMsg>;
  /** The multi-agent layer on the same system (and store), and what its steps did. */
  orchestrator?: Orchestrator;
  orchestration?: OrchestrationFigures;
}

export interface DemoStep {
  title: string;
  run(ctx: DemoContext): Promise<void>;
}
