/**
 * The demo's multi-agent steps, on the same actor system and LMDB store as the workload:
 *
 *   - a research team in the style of the seeds: a collector lays out the work, analysts count
 *     primes in parallel on the workers (CPU-bound handlers), a director (the team's coordinator)
 *     synthesizes their findings;
 *   - a declarative workflow over the report (outline, then an abstract and a re-count side by
 *     side, then publish), whose progress is read back from LMDB as each step ends; one step
 *     fails its first attempt on purpose and its retry policy repairs it;
 *   - a handoff on a thread: the front desk hands the thread to a specialist, the stream router
 *     sends the user's message there and its chunks are printed as they arrive, then the handoff
 *     is completed and the thread goes back to normal orchestration.
 *
 * Agents are handlers in examples/demo/agents.ts and the deterministic local model: no network.
 */
import { randomUUID } from 'node:crypto';
import { AGENTS_MODULE, type AnalystFinding, type CollectedSamples, type ResearchBrief, densities } from '../../examples/demo/agents.js';
import {
  defineWorkflow,
  Orchestrator,
  type AgentDefinition,
  type PlainData,
  type RegisterOptions,
  type Handoff,
  type StepRecord,
  type WorkflowRunRecord,
} from '../../orchestration/index.js';
import { formatNumber } from '../format.js';
import type { DemoContext, DemoStep } from './context.js';

const TENANT = 'lab';
const USER = 'ada';
/** Deadline of any one agent call; the whole of both steps stays well under it in practice. */
const CALL_MS = 20_000;
const SAMPLE_WIDTH = 60_000;
const EXPONENTS = [6, 7, 8, 9];
const QUESTION = 'How dense are the primes from 10^6 to 10^9, and does 1/ln x predict it?';
const SUPPORT_QUESTION = 'How many twin primes are there just above 10^8?';

/** What the orchestration steps did, for the summary (plain data: it is persisted with it). */
export interface OrchestrationFigures {
  startedAt: number;
  /** Names this run's threads and workflow run: the session's first 8 characters. */
  tag: string;
  agents: string[];
  /** Worker threads hosting the agents. */
  workers: number;
  research?: { thread: string; analysts: number; ms: number; busyMs: number; spanMs: number; overlap: number; primes: number };
  workflow?: { id: string; runId: string; status: string; steps: number; completed: number; retries: number; ms: number };
  handoff?: { thread: string; from: string; to: string; accepted: boolean; state: string; chunks: number; ms: number };
  /** Parts that did not finish (an error, or Ctrl-C). */
  problems: string[];
}

/** Filled in by `collectOrchestration` at summary time. */
export interface OrchestrationSummary extends OrchestrationFigures {
  requests: number;
  failedRequests: number;
  /** Agent messages of this run in the LMDB history (undefined without a store). */
  messages?: number;
}

type Note = (text: string) => void;

const elapsed = (since: number): number => Math.round(performance.now() - since);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const quote = (text: string, max = 90): string => {
  const one = text.replace(/\s+/g, ' ').trim();
  return `"${one.length > max ? `${one.slice(0, max - 1)}…` : one}"`;
};

/** Notes `text` under a 12-column label, wrapped at about 100 columns. */
function labelled(note: Note, label: string, text: string, width = 100): void {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  if (line !== '') lines.push(line);
  lines.forEach((l, i) => note(`  ${(i === 0 ? label : '').padEnd(12)} ${l}`));
}

function describeFailure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one part; an error (or Ctrl-C) is printed and noted, and the demo goes on to the summary. */
async function part(ctx: DemoContext, name: string, run: () => Promise<void>): Promise<void> {
  const figures = ctx.orchestration!;
  if (ctx.signal.aborted) {
    figures.problems.push(`${name}: skipped (interrupted)`);
    ctx.out.note(`${name}: skipped (interrupted)`);
    return;
  }
  try {
    await run();
  } catch (err) {
    const why = ctx.signal.aborted ? 'interrupted' : describeFailure(err);
    figures.problems.push(`${name}: ${why}`);
    ctx.out.note(`${name} did not finish: ${why}`);
  }
}

function scope(ctx: DemoContext): { tenantId: string; userId: string; sessionId?: string; signal: AbortSignal; timeoutMs: number } {
  return { tenantId: TENANT, userId: USER, ...(ctx.recorder ? { sessionId: ctx.recorder.sessionId } : {}), signal: ctx.signal, timeoutMs: CALL_MS };
}

function researchAnalysts(ctx: DemoContext): number {
  return Math.min(4, Math.max(2, ctx.options.workers));
}

/** Starts the orchestrator on the demo's system and registers the agents. */
async function startAgents(ctx: DemoContext): Promise<Orchestrator> {
  const system = ctx.system!;
  const workers = ctx.options.workers;
  const orch = await Orchestrator.start({
    system,
    namespace: 'demo',
    // The agents keep no state worth a snapshot; what matters (workflow runs, handoffs, threads,
    // agent messages) goes to LMDB anyway. It also keeps one run's agents from starting with an
    // earlier run's counters.
    persistAgents: false,
    defaultTimeoutMs: CALL_MS,
    workflow: { defaultStepTimeoutMs: CALL_MS },
    handoffAcceptTimeoutMs: 5000,
  });
  ctx.orchestrator = orch;
  const handler = (name: string): AgentDefinition['handler'] => ({ module: AGENTS_MODULE, export: name });
  const n = researchAnalysts(ctx);
  // Analysts go one per worker (round robin), so that they really work side by side.
  const agents: [AgentDefinition, RegisterOptions?][] = [
    [{ id: 'collector', description: 'lays out the samples to study', handler: handler('collector') }],
    ...Array.from({ length: n }, (_, i): [AgentDefinition, RegisterOptions] => [
      { id: `analyst-${i + 1}`, description: 'counts primes (CPU-bound)', handler: handler('analyst') },
      { placement: { worker: (i % workers) + 1 } },
    ]),
    [{ id: 'director', description: 'synthesizes the findings', handler: handler('director') }],
    [{ id: 'editor', description: 'outlines and publishes', handler: handler('editor') }],
    [{ id: 'writer', description: 'writes abstracts', model: { kind: 'local', maxSentences: 1, maxKeywords: 4 } }],
    [{ id: 'checker', description: 're-counts with a sieve', handler: handler('checker') }],
    [{ id: 'front-desk', description: 'answers the thread', model: { kind: 'local', chunkWords: 3, chunkDelayMs: 10 } }, { setAsDefault: true }],
    [{ id: 'number-theorist', description: 'the specialist', handler: handler('numberTheorist') }],
  ];
  for (const [spec, options] of agents) await orch.registerAgent(spec, options);
  return orch;
}

export const orchestrateAgents: DemoStep = {
  title: 'orchestrate agents: a research team, then a workflow over its findings',
  async run(ctx) {
    const tag = (ctx.recorder?.sessionId ?? randomUUID()).slice(0, 8);
    const figures: OrchestrationFigures = { startedAt: Date.now(), tag, agents: [], workers: 0, problems: [] };
    ctx.orchestration = figures;
    const note: Note = (text) => ctx.out.note(text);
    if (ctx.signal.aborted) {
      figures.problems.push('orchestration: skipped (interrupted)');
      note('skipped (interrupted)');
      return;
    }
    await part(ctx, 'agents', async () => {
      const orch = await startAgents(ctx);
      figures.agents = orch.listAgents().map((a) => a.id);
      const hosts = await Promise.all(figures.agents.map((id) => orch.describeAgent(id).then((d) => d.worker)));
      figures.workers = new Set(hosts).size;
      note(`${figures.agents.length} agents (actors) on ${figures.workers} worker${figures.workers === 1 ? '' : 's'}: ${figures.agents.join(', ')}`);
    });
    const orch = ctx.orchestrator;
    if (orch === undefined) return;
    let report: string | undefined;
    let checkExpected = 0;
    await part(ctx, 'research team', async () => {
      const r = await researchTeam(ctx, orch, tag, note);
      report = r.report;
      checkExpected = r.primesNearTop;
    });
    if (report !== undefined) await part(ctx, 'workflow', () => workflow(ctx, orch, tag, report!, checkExpected, note));
  },
};

async function researchTeam(ctx: DemoContext, orch: Orchestrator, tag: string, note: Note): Promise<{ report: string; primesNearTop: number }> {
  const figures = ctx.orchestration!;
  const n = researchAnalysts(ctx);
  const thread = `research-${tag}`;
  const call = { threadId: thread, ...scope(ctx) };
  note(`research team on thread ${thread}: ${quote(QUESTION)}`);

  let t = performance.now();
  const brief: ResearchBrief = { question: QUESTION, exponents: EXPONENTS, width: SAMPLE_WIDTH, analysts: n };
  const collected = (await orch.run(brief as unknown as PlainData, { agent: 'collector', ...call })) as unknown as CollectedSamples;
  note(`  collector    ${collected.samples.length} samples of ${formatNumber(SAMPLE_WIDTH)} numbers (at 10^${EXPONENTS[0]} … 10^${EXPONENTS[EXPONENTS.length - 1]}), each split ${n} ways (${elapsed(t)} ms)`);

  t = performance.now();
  const members = Array.from({ length: n }, (_, i) => `analyst-${i + 1}`);
  const team = orch.team({ name: 'research team', members, coordinator: 'director', timeoutMs: CALL_MS });
  const result = await team.run(collected as unknown as PlainData, call);
  const ms = elapsed(t);
  const findings: AnalystFinding[] = [];
  for (const r of result.results) {
    if (!r.success) {
      note(`  ${r.agentId.padEnd(12)} failed: ${r.error?.message ?? 'unknown error'}`);
      continue;
    }
    const f = r.response as AnalystFinding;
    findings.push(f);
    note(`  ${f.analyst.padEnd(12)} worker ${f.worker} · 1/${n} of every sample · ${formatNumber(f.primes)} primes · busy ${formatNumber(f.busyMs)} ms`);
  }
  const busyMs = findings.reduce((s, f) => s + f.busyMs, 0);
  const spanMs = findings.length === 0 ? 0 : Math.max(...findings.map((f) => f.finishedAt)) - Math.min(...findings.map((f) => f.startedAt));
  const overlap = spanMs > 0 ? busyMs / spanMs : 1;
  note(`  in parallel  ${formatNumber(busyMs)} ms of analyst work within ${formatNumber(spanMs)} ms: they overlapped ${overlap.toFixed(1)}×`);
  const [headline = '', ...rows] = result.output.split('\n');
  labelled(note, 'director', headline);
  for (const row of rows) labelled(note, '', row);
  const primes = findings.reduce((s, f) => s + f.primes, 0);
  figures.research = { thread, analysts: n, ms, busyMs, spanMs, overlap: Math.round(overlap * 10) / 10, primes };
  const top = densities(findings, SAMPLE_WIDTH).find((d) => d.exponent === EXPONENTS[EXPONENTS.length - 1]);
  return { report: result.output, primesNearTop: top?.primes ?? 0 };
}

const PUBLISH = defineWorkflow({
  id: 'publish-findings',
  description: 'outline the report; write an abstract and re-count one sample side by side; publish',
  steps: [
    { id: 'outline', agent: 'editor', action: 'outline', input: '$input.report' },
    {
      parallel: [
        { id: 'abstract', agent: 'writer', action: 'abstract', input: '{{ $steps.outline.output.text }}' },
        { id: 'check', agent: 'checker', action: 'check', input: '$input.check', retry: { attempts: 3, backoffMs: 50 } },
      ],
    },
    {
      id: 'publish',
      agent: 'editor',
      action: 'publish',
      input: { title: '$steps.outline.output.title', abstract: '$steps.abstract.output', check: '$steps.check.output' },
    },
  ],
});

async function workflow(ctx: DemoContext, orch: Orchestrator, tag: string, report: string, expected: number, note: Note): Promise<void> {
  const figures = ctx.orchestration!;
  const runId = `publish-${tag}`;
  const top = EXPONENTS[EXPONENTS.length - 1]!;
  const lmdb = ctx.system!.store !== undefined;
  note(`workflow '${PUBLISH.id}': outline → (abstract ‖ check) → publish, run ${runId}; steps as ${lmdb ? 'LMDB records them' : 'the in-memory store (--no-data) records them'}:`);
  const agentOf = new Map(PUBLISH.steps.map((s) => [s.id, s.agent]));
  const shown = new Set<string>();
  const show = (record: WorkflowRunRecord | undefined): void => {
    if (record === undefined) return;
    const ended = record.steps.filter((s) => s.finishedAt !== undefined && s.status !== 'pending' && s.status !== 'running' && !shown.has(s.id));
    ended.sort((a, b) => a.finishedAt! - b.finishedAt!);
    for (const s of ended) {
      shown.add(s.id);
      note(`  +${String(s.finishedAt! - record.createdAt).padStart(4)} ms  ${s.id.padEnd(9)} ${agentOf.get(s.id)!.padEnd(8)} ${stepOutcome(s)}`);
    }
  };
  const t = performance.now();
  const poll = setInterval(() => show(orch.getWorkflowRun(runId)), 10);
  let result;
  try {
    result = await orch.executeWorkflow(
      PUBLISH.definition,
      { report, check: { exponent: top, width: SAMPLE_WIDTH, expected, failFirst: runId } },
      { runId, threadId: `publish-${tag}`, ...scope(ctx), timeoutMs: CALL_MS },
    );
  } finally {
    clearInterval(poll);
  }
  const ms = elapsed(t);
  const recorded = orch.getWorkflowRun(runId);
  show(recorded);
  if (result.status === 'completed') labelled(note, 'output', String(result.output));
  else labelled(note, result.status, result.error?.message ?? 'no reason given');
  const completed = recorded?.steps.filter((s) => s.status === 'completed').length ?? 0;
  labelled(note, lmdb ? 'in LMDB' : 'in memory', `run ${runId} ${recorded?.status ?? 'not recorded'} in ${ms} ms, ${completed}/${PUBLISH.steps.length} steps recorded with their outputs${lmdb ? ' (after a crash, running its id again resumes it)' : ''}`);
  figures.workflow = {
    id: PUBLISH.id,
    runId,
    status: result.status,
    steps: PUBLISH.steps.length,
    completed,
    retries: result.steps.reduce((n, s) => n + Math.max(0, s.attempts - 1), 0),
    ms,
  };
  if (result.status !== 'completed') throw new Error(`workflow ${result.status}: ${result.error?.message ?? ''}`);
}

function stepOutcome(s: StepRecord): string {
  if (s.status !== 'completed') return `${s.status}${s.error ? `: ${s.error.message}` : ''}`;
  if (s.attempts > 1) return `completed on attempt ${s.attempts} (attempt 1 failed on purpose; the step's retry policy repaired it)`;
  return 'completed';
}

export const handOff: DemoStep = {
  title: 'hand a thread off to a specialist and stream its reply',
  async run(ctx) {
    const orch = ctx.orchestrator;
    if (orch === undefined || ctx.orchestration === undefined) {
      ctx.out.note(ctx.signal.aborted ? 'skipped (interrupted)' : 'skipped: no agents');
      return;
    }
    await part(ctx, 'handoff', () => handoff(ctx, orch, ctx.orchestration!.tag, (text) => ctx.out.note(text)));
  },
};

async function handoff(ctx: DemoContext, orch: Orchestrator, tag: string, note: Note): Promise<void> {
  const figures = ctx.orchestration!;
  const thread = `support-${tag}`;
  const who = { threadId: thread, tenantId: TENANT, userId: USER };
  const signal = ctx.signal;
  note(`thread ${thread} (tenant ${TENANT}, user ${USER}) asks: ${quote(SUPPORT_QUESTION)}`);

  // No handoff yet: the router sends the message to normal orchestration (the default agent).
  let t = performance.now();
  const before: string[] = [];
  for await (const chunk of orch.routeMessage({ ...who, message: SUPPORT_QUESTION, signal })) before.push(chunk);
  note(`  no handoff   routed to ${orch.defaultAgent} (local model): ${before.length} chunks in ${elapsed(t)} ms, ${quote(before.join('').split('\n')[0]!, 70)}`);

  t = performance.now();
  const from = 'front-desk';
  const to = 'number-theorist';
  const initiated = await orch.initiateHandoff({
    ...who,
    sourceAgentId: from,
    targetAgentId: to,
    contextSummary: 'Ada (ada@example.org) wants the twin primes just above 10^8 counted.',
    reason: 'needs a computation',
  });
  if (!initiated.accepted) {
    figures.handoff = { thread, from, to, accepted: false, state: 'rejected', chunks: 0, ms: elapsed(t) };
    throw new Error(`the handoff was rejected (${initiated.code}): ${initiated.reason}`);
  }
  const h = initiated.handoff;
  const acceptMs = elapsed(t);
  try {
    await streamHandoff(ctx, orch, h, acceptMs, note);
  } finally {
    // Interrupted or failed half way: do not leave the thread handed off.
    if (orch.activeHandoff(thread, { tenantId: TENANT }) !== undefined) {
      await orch.cancelHandoff(thread, ctx.signal.aborted ? 'the demo was interrupted' : 'the specialist did not finish', { tenantId: TENANT }).catch(() => undefined);
    }
  }
}

async function streamHandoff(ctx: DemoContext, orch: Orchestrator, h: Handoff, acceptMs: number, note: Note): Promise<void> {
  const figures = ctx.orchestration!;
  const { threadId: thread, sourceAgentId: from, targetAgentId: to } = h;
  const who = { threadId: thread, tenantId: TENANT, userId: USER };
  const signal = ctx.signal;
  note(`  handoff      ${from} → ${to} (${h.reason}): accepted in ${acceptMs} ms, estimate ${h.estimatedDurationSeconds ?? '?'} s, active in ${ctx.system!.store ? 'LMDB' : 'memory'}`);
  note(`               context as handed over (sanitized): ${quote(h.contextSummary)}`);

  const routeTo = await orch.streamRouter.target({ ...who, message: SUPPORT_QUESTION });
  note(`  routed via the ${routeTo.via} to ${routeTo.agentId ?? '?'}; chunks as they arrive:`);
  const t = performance.now();
  const chunks: string[] = [];
  for await (const chunk of orch.routeMessage({ ...who, message: SUPPORT_QUESTION, signal })) {
    chunks.push(chunk);
    note(`    +${String(elapsed(t)).padStart(5)} ms  ${chunk.trim()}`);
  }
  const streamMs = elapsed(t);
  const answer = chunks.join('').trim();

  const done = await orch.completeHandoff(thread, { resultSummary: answer.split('\n').pop()!, artifacts: ['twin-primes-1e8.txt'], tenantId: TENANT });
  const next = await orch.streamRouter.target({ ...who, message: 'thanks' });
  const states = orch.handoffs.history(thread, { tenantId: TENANT }).map((x) => x.state);
  labelled(note, 'completed', `result ${quote(done.resultSummary ?? '')}, artifacts ${done.artifacts?.join(', ') ?? 'none'}; the handoff is ${states.join(', ')} in the store and the thread's next message goes to ${next.agentId ?? '?'}`);
  figures.handoff = { thread, from, to, accepted: true, state: done.state, chunks: chunks.length, ms: streamMs };
}

/** The figures with what the agents report about themselves and what the history holds. */
export async function collectOrchestration(ctx: DemoContext): Promise<OrchestrationSummary | undefined> {
  const figures = ctx.orchestration;
  if (figures === undefined) return undefined;
  const orch = ctx.orchestrator;
  let requests = 0;
  let failedRequests = 0;
  if (orch !== undefined && orch.running) {
    const described = await Promise.all(orch.listAgents().map((a) => orch.describeAgent(a.id).catch(() => undefined)));
    for (const d of described) {
      if (d === undefined) continue;
      requests += d.handled + d.failed;
      failedRequests += d.failed;
    }
  }
  const out: OrchestrationSummary = { ...figures, requests, failedRequests };
  const store = ctx.system?.store;
  if (store !== undefined) {
    try {
      out.messages = store.history.count({ tenantId: TENANT, from: figures.startedAt });
    } catch {
      // The summary prints without it.
    }
  }
  return out;
}
