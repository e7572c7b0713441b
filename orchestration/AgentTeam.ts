/**
 * A team (seed 001): members that each take the same task, side by side or one after another,
 * and an optional coordinator that synthesizes their outputs into one answer. Without a
 * coordinator the outputs are joined by `synthesize`.
 */
import { z } from 'zod';
import type { DelegationResult, DelegationStrategy } from './Delegation.js';
import type { AgentMessage, PlainData } from './Message.js';
import { parseOptions } from './parseOptions.js';

export interface TeamOptions {
  name?: string;
  members: string[];
  /** The agent that merges the members' outputs. */
  coordinator?: string;
  /** `parallel` (default) or `sequential` (each member gets the previous member's output). */
  strategy?: Exclude<DelegationStrategy, 'first-success'>;
  /** Deadline of each member's answer and of the coordinator's. */
  timeoutMs?: number;
  /** What the coordinator is asked to do with the outputs. */
  instruction?: string;
}

export interface TeamRunOptions {
  threadId?: string;
  tenantId?: string;
  userId?: string;
  sessionId?: string;
  principal?: { tenantId: string; userId: string; roles: readonly string[] };
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TeamResult {
  team: string;
  /** One per member, in member order. */
  results: DelegationResult[];
  /** The coordinator's synthesis, or the joined outputs when there is no coordinator. */
  output: string;
  coordinator?: string;
}

/** What a team needs from its orchestrator. */
export interface TeamHost {
  delegate(
    message: string | PlainData | AgentMessage,
    agents: readonly string[],
    options: TeamRunOptions & { strategy?: DelegationStrategy },
  ): Promise<DelegationResult[]>;
  synthesize(
    results: readonly DelegationResult[],
    options: TeamRunOptions & { coordinator?: string; instruction?: string },
  ): Promise<string>;
}

export const TeamOptionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  members: z
    .array(z.string().min(1))
    .min(1)
    .refine((m) => new Set(m).size === m.length, { message: 'must not name a member twice' }),
  coordinator: z.string().min(1).optional(),
  strategy: z.enum(['parallel', 'sequential']).optional(),
  timeoutMs: z.number().int().positive().optional(),
  instruction: z.string().optional(),
});

export class AgentTeam {
  readonly name: string;
  readonly members: readonly string[];
  readonly coordinator: string | undefined;
  private readonly options: TeamOptions;

  constructor(
    private readonly host: TeamHost,
    options: TeamOptions,
  ) {
    this.options = parseOptions(TeamOptionsSchema, options, 'team');
    this.name = this.options.name ?? `team(${this.options.members.join(', ')})`;
    this.members = this.options.members;
    this.coordinator = this.options.coordinator;
  }

  /** Gives `task` to every member, then has the coordinator (if any) synthesize the outputs. */
  async run(task: string | PlainData, options: TeamRunOptions = {}): Promise<TeamResult> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const common = { ...options, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    const results = await this.host.delegate(task, this.members, { ...common, strategy: this.options.strategy ?? 'parallel' });
    const label = typeof task === 'string' && task.length <= 200 ? `: ${task}` : '';
    const instruction = this.options.instruction ?? `Synthesize the outputs of ${this.name} for the task${label}`;
    const output = await this.host.synthesize(results, {
      ...common,
      ...(this.coordinator !== undefined ? { coordinator: this.coordinator } : {}),
      instruction,
    });
    const out: TeamResult = { team: this.name, results, output };
    if (this.coordinator !== undefined) out.coordinator = this.coordinator;
    return out;
  }
}
