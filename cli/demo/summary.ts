import { Analyst, Lead, Ledger, type LedgerState } from '../../examples/demo/team.js';
import { alertFromEvent } from '../../metrics/alerts.js';
import { deadLetterReason } from '../../metrics/labels.js';
import { formatNumber } from '../format.js';
import type { DemoContext } from './context.js';
import { collectOrchestration, type OrchestrationSummary } from './orchestrate.js';
import type { WorkloadFigures } from './workload.js';

/** What `runDemo` resolves with (and prints). Latencies in ms. */
export interface DemoSummary {
  seconds: number;
  workers: number;
  actors: number;
  messages: number;
  messagesPerSecond: number;
  jobs: number;
  jobsPerSecond: number;
  jobP50Ms: number | null;
  jobP99Ms: number | null;
  tiles: number;
  tileP50Ms: number | null;
  tileP99Ms: number | null;
  restarts: number;
  deadLetters: number;
  deadLettersByReason: Record<string, number>;
  /** Alerts raised by the health monitor during the run, and how many of each kind. */
  alerts: number;
  alertsByKind: Record<string, number>;
  faults: WorkloadFigures['faults'];
  ledger: { jobs: number; primes: number } | null;
  /** What the multi-agent steps did: agents, the research team, the workflow, the handoff. */
  orchestration?: OrchestrationSummary;
  dashboardUrl?: string;
  store?: { path: string; sessionId: string; records: number };
}

export async function collectSummary(ctx: DemoContext, w: WorkloadFigures): Promise<DemoSummary> {
  const system = ctx.system!;
  const events = system.events.recent();
  const byReason: Record<string, number> = {};
  for (const d of system.deadLetters.recent()) byReason[deadLetterReason(d.reason)] = (byReason[deadLetterReason(d.reason)] ?? 0) + 1;
  const alertsByKind: Record<string, number> = {};
  let alerts = 0;
  for (const e of events) {
    const a = alertFromEvent(e);
    if (a?.state !== 'raised') continue;
    alerts++;
    alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
  }
  let ledger: DemoSummary['ledger'] = null;
  try {
    const s = await system.ask<LedgerState>(ctx.ledger!, { type: 'state' }, { timeoutMs: 2000 });
    ledger = { jobs: s.jobs, primes: s.primes };
  } catch {
    // The summary still prints without the ledger's view.
  }
  const summary: DemoSummary = {
    seconds: w.seconds,
    workers: ctx.options.workers,
    actors: w.actors,
    messages: w.messages,
    messagesPerSecond: w.messages / w.seconds,
    jobs: w.jobs,
    jobsPerSecond: w.jobs / w.seconds,
    jobP50Ms: w.jobLatency.p50,
    jobP99Ms: w.jobLatency.p99,
    tiles: w.tiles,
    tileP50Ms: w.tileLatency.p50,
    tileP99Ms: w.tileLatency.p99,
    restarts: events.filter((e) => e.type === 'restart').length,
    deadLetters: system.deadLetters.count,
    deadLettersByReason: byReason,
    alerts,
    alertsByKind,
    faults: w.faults,
    ledger,
  };
  const orchestration = await collectOrchestration(ctx);
  if (orchestration !== undefined) summary.orchestration = orchestration;
  if (ctx.dashboard !== undefined) summary.dashboardUrl = ctx.dashboard.url;
  return summary;
}

/** Snapshot every demo actor's state and record the summary in the session. */
export async function persistSummary(ctx: DemoContext, summary: DemoSummary): Promise<void> {
  const recorder = ctx.recorder;
  if (recorder === undefined) return;
  const system = ctx.system!;
  const actors = system.list().filter((a) => [Analyst.key, Lead.key, Ledger.key].includes(a.behaviour));
  const states = await Promise.all(actors.map(async (a) => {
    try {
      return { actor: a.id, behaviour: a.behaviour, state: await system.ask(a.id, { type: 'state' }, { timeoutMs: 2000 }) };
    } catch {
      return undefined;
    }
  }));
  const { store: _store, ...plain } = summary;
  await recorder.finish(states.filter((s) => s !== undefined), plain);
  summary.store = { path: recorder.path, sessionId: recorder.sessionId, records: recorder.written };
}

const ms = (x: number | null): string => (x === null ? '–' : `${x < 10 ? x.toFixed(2) : formatNumber(x)} ms`);

export function printSummary(ctx: DemoContext, s: DemoSummary): void {
  const out = ctx.out;
  const reasons = Object.entries(s.deadLettersByReason).map(([r, n]) => `${r} ${n}`).join(', ');
  const repaired = s.faults.map((f) => `${f.actor}${f.repairedMs !== undefined ? `, repaired in ${f.repairedMs} ms` : ', not repaired'}`).join('; ');
  out.line();
  out.line(`Summary (${s.seconds.toFixed(1)} s on ${s.workers} worker${s.workers === 1 ? '' : 's'})`);
  const rows: [string, string][] = [
    ['messages', `${formatNumber(s.messages)} handled by ${s.actors} actors (${formatNumber(s.messagesPerSecond)}/s)`],
    ['jobs', `${formatNumber(s.jobs)} done (${formatNumber(s.jobsPerSecond)}/s) · p50 ${ms(s.jobP50Ms)} · p99 ${ms(s.jobP99Ms)}${s.ledger ? ` · ledger agrees: ${formatNumber(s.ledger.jobs)} jobs, ${formatNumber(s.ledger.primes)} primes` : ''}`],
    ['pool tasks', `${formatNumber(s.tiles)} Mandelbrot rows (${formatNumber(s.tiles / s.seconds)}/s) · p50 ${ms(s.tileP50Ms)} · p99 ${ms(s.tileP99Ms)}`],
    ['restarts', `${s.restarts}${repaired ? ` (${repaired})` : ''}`],
    ['dead letters', `${s.deadLetters}${reasons ? ` (${reasons})` : ''}`],
    ['alerts', `${s.alerts} raised${s.alerts > 0 ? ` (${Object.entries(s.alertsByKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`],
  ];
  const o = s.orchestration;
  if (o !== undefined) rows.push(...orchestrationRows(o));
  if (s.store) {
    const agentMessages = o?.messages !== undefined ? ` + ${formatNumber(o.messages)} agent messages` : '';
    rows.push(['persisted', `${formatNumber(s.store.records)} history records${agentMessages}, session ${s.store.sessionId} in ${s.store.path}`]);
  }
  for (const [k, v] of rows) out.line(`  ${k.padEnd(13)} ${v}`);
  if (s.store) {
    const flag = s.store.path === process.cwd() + '/data/troupe' ? '' : ` --store ${s.store.path}`;
    const research = o?.research !== undefined ? `troupe history${flag} --thread ${o.research.thread} · ` : '';
    out.line(`  next          ${research}troupe history${flag} --thread team-1 -n 5 · troupe inspect${flag}`);
  }
}

function orchestrationRows(o: OrchestrationSummary): [string, string][] {
  const rows: [string, string][] = [];
  const retried = o.workflow?.retries ?? 0;
  const onPurpose = retried === 0 ? '' : retried === o.failedRequests ? ' on purpose, and retried' : `, ${retried} of them on purpose and retried`;
  const failed = o.failedRequests > 0 ? ` (${o.failedRequests} failed${onPurpose})` : '';
  if (o.agents.length > 0) rows.push(['agents', `${o.agents.length} on ${o.workers} worker${o.workers === 1 ? '' : 's'} · ${formatNumber(o.requests)} requests answered${failed}`]);
  if (o.research !== undefined) {
    const r = o.research;
    rows.push(['delegations', `research team: ${r.analysts} analysts in parallel (work overlapped ${r.overlap.toFixed(1)}×) + director synthesis, ${(r.ms / 1000).toFixed(1)} s`]);
  }
  if (o.workflow !== undefined) {
    const w = o.workflow;
    const retries = w.retries;
    rows.push(['workflow', `${w.id} ${w.status}: ${w.completed}/${w.steps} steps${retries > 0 ? ` (${retries} retr${retries === 1 ? 'y' : 'ies'})` : ''} in ${(w.ms / 1000).toFixed(1)} s, progress recorded per step`]);
  }
  if (o.handoff !== undefined) {
    const h = o.handoff;
    rows.push(['handoff', `${h.from} → ${h.to} on ${h.thread}: ${h.accepted ? `accepted, ${h.chunks} chunks streamed in ${(h.ms / 1000).toFixed(1)} s, ${h.state}` : 'rejected'}`]);
  }
  if (o.problems.length > 0) rows.push(['unfinished', o.problems.join('; ')]);
  return rows;
}
