/**
 * Declarative workflows: a list of steps, each asking one agent to perform one action. Steps run in
 * declaration order unless they say otherwise (`dependsOn`), and the members of a `parallel` group
 * run side by side. A step's input may refer to the workflow input and to earlier steps' outputs;
 * those references also make the step wait for the steps it names.
 *
 * References, inside any string of `input` (or of the workflow's `output`):
 * - `'$input'`, `'$input.customer.name'`: the workflow input, or a path into it (keeps its type);
 * - `'$steps.fetch.output'`, `'$steps.fetch.output.items.0'`: a step's output, or a path into it;
 * - `'Summarise {{ $steps.fetch.output }} for {{ $input.user }}'`: a template, always a string;
 * - `'$$input'`: the literal text `$input`.
 */
import { z } from 'zod';
import { WorkflowError } from './errors.js';
import { isPlainObject, parseOptions } from './parseOptions.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Wait before the second attempt; later waits are multiplied by `factor`. */
  backoffMs: number;
  /** 1 (the default) waits `backoffMs` every time; 2 doubles the wait after each attempt. */
  factor?: number;
  maxBackoffMs?: number;
}

export interface WorkflowStepDefinition {
  id: string;
  agent: string;
  action: string;
  /** Defaults to the output of the single step depended on, an object of outputs keyed by step id
   * when there are several, or the workflow input when there are none. */
  input?: unknown;
  /** Defaults to the previous entry of `steps` (all members of a preceding parallel group). */
  dependsOn?: string[];
  timeoutMs?: number;
  retry?: RetryPolicy;
}

export interface ParallelGroup {
  parallel: WorkflowStepDefinition[];
}

export interface WorkflowDefinition {
  id: string;
  description?: string;
  steps: (WorkflowStepDefinition | ParallelGroup)[];
  /** What the run returns; defaults to the output of the last step(s) nothing depends on. */
  output?: unknown;
}

export type Reference = { source: 'input'; path: string[] } | { source: 'step'; stepId: string; path: string[] };

export interface CompiledStep {
  id: string;
  agent: string;
  action: string;
  input?: unknown;
  /** Explicit and implied dependencies together. */
  dependsOn: string[];
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Position in declaration order, used to start ready steps in a stable order. */
  index: number;
}

export interface Workflow {
  readonly definition: WorkflowDefinition;
  readonly id: string;
  /** Declaration order, groups flattened. */
  readonly steps: readonly CompiledStep[];
  /** Steps no other step depends on: their outputs make the default workflow output. */
  readonly sinks: readonly string[];
}

const STEP_ID = /^[A-Za-z_][\w-]*$/;
const PATH_SEGMENT = /^[\w-]+$/;
const REFERENCE_START = /^\$(?:input|steps)(?!\w)/;
/** Only `{{ $... }}` is ours: other `{{ }}` (a prompt template for something else) stays text. */
const TEMPLATE = /\{\{\s*(\$[^{}]*?)\s*\}\}/g;

const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(100),
  backoffMs: z.number().int().nonnegative(),
  factor: z.number().min(1).optional(),
  maxBackoffMs: z.number().int().nonnegative().optional(),
});

const StepSchema = z.strictObject({
  id: z.string().regex(STEP_ID, 'must start with a letter or _ and hold only letters, digits, _ and -'),
  agent: z.string().min(1),
  action: z.string().min(1),
  input: z.unknown().optional(),
  dependsOn: z.array(z.string().min(1)).optional(),
  timeoutMs: z.number().int().positive().optional(),
  retry: RetrySchema.optional(),
});

const GroupSchema = z.strictObject({ parallel: z.array(z.unknown()).min(1) });

const DefinitionSchema = z.strictObject({
  id: z.string().min(1),
  description: z.string().optional(),
  steps: z.array(z.unknown()).min(1),
  output: z.unknown().optional(),
});

/** Parses one reference expression (`$input...` or `$steps.<id>.output...`); undefined if malformed. */
export function parseReference(expression: string): Reference | undefined {
  const parts = expression.trim().split('.');
  if (parts.some((p) => p === '')) return undefined;
  if (parts[0] === '$input') {
    const path = parts.slice(1);
    return path.every((p) => PATH_SEGMENT.test(p)) ? { source: 'input', path } : undefined;
  }
  if (parts[0] === '$steps' && parts.length >= 3 && STEP_ID.test(parts[1]!) && parts[2] === 'output') {
    const path = parts.slice(3);
    return path.every((p) => PATH_SEGMENT.test(p)) ? { source: 'step', stepId: parts[1]!, path } : undefined;
  }
  return undefined;
}

/** Every reference inside a value, in document order; malformed ones are reported with `onInvalid`. */
export function collectReferences(value: unknown, onInvalid: (expression: string) => never): Reference[] {
  const out: Reference[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.startsWith('$$')) return;
      if (REFERENCE_START.test(v)) {
        out.push(parseReference(v) ?? onInvalid(v));
        return;
      }
      for (const m of v.matchAll(TEMPLATE)) out.push(parseReference(m[1]!) ?? onInvalid(m[0]));
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isPlainObject(v)) {
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return out;
}

/**
 * Validates a definition and works out every step's dependencies. Throws `InvalidOptionError` for a
 * malformed field and `WorkflowError` naming the step for a duplicate id, a reference to an unknown
 * step, a malformed reference, or a dependency cycle.
 */
export function defineWorkflow(definition: WorkflowDefinition): Workflow {
  const def = parseOptions(DefinitionSchema, definition, 'workflow');
  const workflowId = def.id;

  // Flatten groups; `previous` is what a step without `dependsOn` waits for.
  const steps: CompiledStep[] = [];
  let previous: string[] = [];
  def.steps.forEach((entry, i) => {
    const isGroup = isPlainObject(entry) && 'parallel' in entry;
    const members = isGroup
      ? parseOptions(GroupSchema, entry, `workflow.steps[${i}]`).parallel.map((s, j) =>
          parseOptions(StepSchema, s, `workflow.steps[${i}].parallel[${j}]`),
        )
      : [parseOptions(StepSchema, entry, `workflow.steps[${i}]`)];
    for (const s of members) {
      const step: CompiledStep = { id: s.id, agent: s.agent, action: s.action, dependsOn: s.dependsOn ?? previous, index: steps.length };
      if (s.input !== undefined) step.input = s.input;
      if (s.timeoutMs !== undefined) step.timeoutMs = s.timeoutMs;
      if (s.retry !== undefined) step.retry = s.retry;
      steps.push(step);
    }
    previous = members.map((s) => s.id);
  });

  const byId = new Map<string, CompiledStep>();
  for (const step of steps) {
    if (byId.has(step.id)) {
      throw new WorkflowError('ERR_WORKFLOW_DUPLICATE_STEP', `Workflow ${workflowId} declares step '${step.id}' more than once`, {
        workflowId,
        stepId: step.id,
      });
    }
    byId.set(step.id, step);
  }

  const referencesOf = (value: unknown, stepId: string | undefined): Reference[] =>
    collectReferences(value, (expression) => {
      throw new WorkflowError(
        'ERR_WORKFLOW_INVALID_REFERENCE',
        `${stepId ? `Step '${stepId}'` : 'Workflow output'} of workflow ${workflowId} has a malformed reference ${expression} (expected $input[.path] or $steps.<id>.output[.path])`,
        { workflowId, ...(stepId ? { stepId } : {}), reference: expression },
      );
    });

  const unknownStep = (stepId: string | undefined, missing: string, how: string): never => {
    throw new WorkflowError(
      'ERR_WORKFLOW_UNKNOWN_STEP',
      `${stepId ? `Step '${stepId}'` : 'Workflow output'} of workflow ${workflowId} ${how} unknown step '${missing}'`,
      { workflowId, ...(stepId ? { stepId } : {}), unknownStepId: missing },
    );
  };

  for (const step of steps) {
    for (const dep of step.dependsOn) if (!byId.has(dep)) unknownStep(step.id, dep, 'depends on');
    const implied = referencesOf(step.input, step.id).flatMap((r) => (r.source === 'step' ? [r.stepId] : []));
    for (const dep of implied) if (!byId.has(dep)) unknownStep(step.id, dep, 'refers to');
    step.dependsOn = [...new Set([...step.dependsOn, ...implied])];
  }
  for (const r of referencesOf(def.output, undefined)) {
    if (r.source === 'step' && !byId.has(r.stepId)) unknownStep(undefined, r.stepId, 'refers to');
  }

  assertAcyclic(workflowId, steps, byId);

  const dependedOn = new Set(steps.flatMap((s) => s.dependsOn));
  const workflow: Workflow = {
    definition: def as WorkflowDefinition,
    id: workflowId,
    steps,
    sinks: steps.filter((s) => !dependedOn.has(s.id)).map((s) => s.id),
  };
  return workflow;
}

function assertAcyclic(workflowId: string, steps: CompiledStep[], byId: Map<string, CompiledStep>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      throw new WorkflowError(
        'ERR_WORKFLOW_CYCLE',
        `Workflow ${workflowId} has a dependency cycle: ${cycle.join(' -> ')}`,
        { workflowId, stepId: id, cycle },
      );
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of byId.get(id)!.dependsOn) visit(dep);
    stack.pop();
    state.set(id, 'done');
  };
  for (const step of steps) visit(step.id);
}

export interface ResolutionScope {
  input: unknown;
  outputs: ReadonlyMap<string, unknown>;
}

/**
 * Replaces references in `value` by what they point at. A path that does not exist is an error
 * rather than `undefined`, so that a typo in a path fails the step that has it instead of feeding
 * an agent an empty value.
 */
export function resolveReferences(value: unknown, scope: ResolutionScope, where: { workflowId: string; stepId?: string }): unknown {
  const lookup = (expression: string): unknown => {
    const ref = parseReference(expression)!;
    let current: unknown;
    if (ref.source === 'input') {
      current = scope.input;
    } else {
      if (!scope.outputs.has(ref.stepId)) unresolved(expression, `step '${ref.stepId}' has no output`);
      current = scope.outputs.get(ref.stepId);
    }
    for (const segment of ref.path) {
      if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, segment)) {
        unresolved(expression, `no '${segment}' in ${describeValue(current)}`);
      }
      current = (current as Record<string, unknown>)[segment];
    }
    return current;
  };
  const unresolved = (expression: string, why: string): never => {
    throw new WorkflowError(
      'ERR_WORKFLOW_UNRESOLVED_REFERENCE',
      `${where.stepId ? `Step '${where.stepId}'` : 'Workflow output'} of workflow ${where.workflowId} could not resolve ${expression.trim()}: ${why}`,
      { ...where, reference: expression.trim() },
    );
  };
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.startsWith('$$')) return v.slice(1);
      if (REFERENCE_START.test(v)) return lookup(v);
      if (!v.includes('{{')) return v;
      return v.replace(TEMPLATE, (_m, expression: string) => stringify(lookup(expression)));
    }
    if (Array.isArray(v)) return v.map(visit);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, visit(item)]));
    return v;
  };
  return visit(value);
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The input a step receives when its definition gives none (see `WorkflowStepDefinition.input`). */
export function defaultInputOf(step: CompiledStep, scope: ResolutionScope): unknown {
  if (step.dependsOn.length === 0) return scope.input;
  if (step.dependsOn.length === 1) return scope.outputs.get(step.dependsOn[0]!);
  return Object.fromEntries(step.dependsOn.map((id) => [id, scope.outputs.get(id)]));
}
