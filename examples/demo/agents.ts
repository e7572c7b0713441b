/**
 * The demo's agents (custom handlers the orchestrator's `Agent` actors load on their workers).
 * They do real, deterministic CPU work on numbers, so that what they report can be checked:
 *
 * - a research team: the `collector` lays out samples of the number line, `analyst-N` agents
 *   count the primes in their share of every sample (trial division, in parallel on the workers)
 *   and the `director` compares the densities with the prime number theorem's 1/ln x;
 * - a workflow over the findings: the `editor` outlines and publishes, the `checker` re-counts one
 *   sample by another method (a segmented sieve; its first attempt fails on purpose, to be retried);
 *   the `writer` is a plain local-model agent with no handler here;
 * - a handoff: the `number-theorist` accepts the thread and streams a twin-prime count segment by
 *   segment, each chunk sent as soon as its segment is done.
 *
 * Handlers slice their work and yield to the event loop between slices: the worker stays
 * responsive (other actors, chunks leaving, cancellation) while an agent computes.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AgentHandler, PlainData } from '../../orchestration/index.js';
import { countPrimes } from './primes.js';

/** Where workers load these handlers from. */
export const AGENTS_MODULE = import.meta.url;

const SLICE = 2_000;
const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (actual: number, predicted: number): string => `${(Math.abs(actual - predicted) / predicted * 100).toFixed(1)} %`;

// ---------------------------------------------------------------- the research team

export interface ResearchBrief {
  question: string;
  /** Samples start at 10^e for each of these exponents. */
  exponents: number[];
  /** Numbers per sample. */
  width: number;
  /** How many analysts share every sample. */
  analysts: number;
}

export interface Sample { exponent: number; from: number; width: number }
export interface CollectedSamples { question: string; analysts: number; samples: Sample[] }

export interface AnalystFinding {
  analyst: string;
  worker: number;
  /** Per sample: the analyst's share and the primes in it. */
  shares: { exponent: number; from: number; count: number; primes: number }[];
  primes: number;
  /** Time spent in the counting slices (without the yields between them). */
  busyMs: number;
  startedAt: number;
  finishedAt: number;
}

/** The collector: turns the question into samples of the number line, one per exponent. */
export const collector: AgentHandler = (message) => {
  const brief = message.content as unknown as ResearchBrief;
  const samples = brief.exponents.map((exponent) => ({ exponent, from: 10 ** exponent, width: brief.width }));
  return { question: brief.question, analysts: brief.analysts, samples } satisfies CollectedSamples as unknown as PlainData;
};

/** Analyst i of n counts the primes in the i-th n-th of every sample. */
export const analyst: AgentHandler = async (message, ctx) => {
  const input = message.content as unknown as CollectedSamples;
  const index = Number(/(\d+)$/.exec(ctx.agentId)?.[1] ?? '1') - 1;
  const startedAt = Date.now();
  let busyMs = 0;
  const shares: AnalystFinding['shares'] = [];
  for (const s of input.samples) {
    const part = Math.floor(s.width / input.analysts);
    const from = s.from + index * part;
    const count = index === input.analysts - 1 ? s.width - index * part : part;
    let primes = 0;
    for (let at = from; at < from + count; at += SLICE) {
      await yieldToEventLoop();
      ctx.signal.throwIfAborted();
      const t = performance.now();
      primes += countPrimes(at, Math.min(SLICE, from + count - at));
      busyMs += performance.now() - t;
    }
    shares.push({ exponent: s.exponent, from, count, primes });
  }
  const finding: AnalystFinding = {
    analyst: ctx.agentId,
    worker: ctx.worker,
    shares,
    primes: shares.reduce((n, s) => n + s.primes, 0),
    busyMs: Math.round(busyMs),
    startedAt,
    finishedAt: Date.now(),
  };
  return finding as unknown as PlainData;
};

export interface DensityRow { exponent: number; from: number; width: number; primes: number; oneIn: number; predictedOneIn: number }

/** Puts the analysts' shares back together per sample: primes, and 1 in how many numbers is prime. */
export function densities(findings: AnalystFinding[], width: number): DensityRow[] {
  const rows = new Map<number, DensityRow>();
  for (const f of findings) {
    for (const s of f.shares) {
      const from = 10 ** s.exponent;
      const row = rows.get(s.exponent) ?? { exponent: s.exponent, from, width, primes: 0, oneIn: 0, predictedOneIn: Math.log(from + width / 2) };
      row.primes += s.primes;
      rows.set(s.exponent, row);
    }
  }
  const out = [...rows.values()].sort((a, b) => a.exponent - b.exponent);
  for (const r of out) r.oneIn = r.width / r.primes;
  return out;
}

/** The director (the team's coordinator): synthesizes the findings into a short report, one line per sample. */
export const director: AgentHandler = (message) => {
  const input = message.content as { responses?: { agentId: string; response: unknown }[] };
  const findings = (input.responses ?? []).map((r) => r.response as AnalystFinding);
  if (findings.length === 0) throw new Error('no analyst reported findings');
  const rows = densities(findings, widthOf(findings));
  if (rows.length === 0) throw new Error('the analysts reported no samples');
  const lines = rows.map((r) =>
    `Near 10^${r.exponent}, 1 number in ${r.oneIn.toFixed(1)} is prime (${fmt(r.primes)} of ${fmt(r.width)}); 1/ln x predicts 1 in ${r.predictedOneIn.toFixed(1)}, ${pct(r.oneIn, r.predictedOneIn)} off.`,
  );
  const worst = Math.max(...rows.map((r) => Math.abs(r.oneIn - r.predictedOneIn) / r.predictedOneIn * 100));
  return [
    `Primes thin out as 1/ln x says: from 1 in ${rows[0]!.oneIn.toFixed(1)} to 1 in ${rows[rows.length - 1]!.oneIn.toFixed(1)}, never more than ${worst.toFixed(1)} % from the prediction (${findings.length} analysts, ${fmt(findings.reduce((n, f) => n + f.primes, 0))} primes counted).`,
    ...lines,
  ].join('\n');
};

/** The width of a sample: the analysts' shares of it added up. */
function widthOf(findings: AnalystFinding[]): number {
  const first = findings[0]?.shares[0];
  if (first === undefined) return 0;
  return findings.reduce((w, f) => w + (f.shares.find((s) => s.exponent === first.exponent)?.count ?? 0), 0);
}

// ---------------------------------------------------------------- the workflow

export interface Outline { title: string; headline: string; points: string[]; text: string }

/** The editor: `outline` a report, then `publish` the outline, the abstract and the check. */
export const editor: AgentHandler = (message, ctx) => {
  if (ctx.action === 'outline') {
    const report = typeof message.content === 'string' ? message.content : String((message.content as { report?: unknown }).report ?? '');
    const [headline = '', ...points] = report.split('\n').filter(Boolean);
    const outline: Outline = { title: 'How dense are the primes?', headline, points, text: [headline, ...points].join(' ') };
    return outline as unknown as PlainData;
  }
  if (ctx.action === 'publish') {
    const c = message.content as unknown as { title: string; abstract: string; check: SieveCheck };
    const abstract = c.abstract.split('\n')[0]!.replace(/^Summary:\s*/, '');
    const check = c.check.agrees
      ? `re-checked by a ${c.check.method}: ${fmt(c.check.primes)} primes near 10^${c.check.exponent}, as the analysts found`
      : `a ${c.check.method} found ${fmt(c.check.primes)} primes near 10^${c.check.exponent}, the analysts ${fmt(c.check.expected)}`;
    return `${c.title} ${abstract} ${check.charAt(0).toUpperCase()}${check.slice(1)}.`;
  }
  throw new Error(`the editor does not know how to '${ctx.action}'`);
};

export interface SieveCheck { method: string; exponent: number; from: number; width: number; primes: number; expected: number; agrees: boolean }

/** Tokens whose first attempt has failed already (per worker: retries go to the same agent). */
const failedOnce = new Set<string>();

/**
 * The checker: counts the primes of one sample again with a segmented sieve. When the request
 * carries a `failFirst` token, its first attempt fails: the workflow's retry policy repairs it.
 */
export const checker: AgentHandler = async (message) => {
  const c = message.content as { exponent: number; width: number; expected: number; failFirst?: string };
  await yieldToEventLoop();
  if (c.failFirst !== undefined && !failedOnce.has(c.failFirst)) {
    failedOnce.add(c.failFirst);
    throw new Error('injected fault: the first attempt of the check fails');
  }
  const from = 10 ** c.exponent;
  const primes = sievePrimes(from, c.width);
  const check: SieveCheck = {
    method: 'segmented sieve', exponent: c.exponent, from, width: c.width, primes, expected: c.expected, agrees: primes === c.expected,
  };
  return check as unknown as PlainData;
};

/** Primes in [from, from + width) by a segmented sieve of Eratosthenes. */
export function sievePrimes(from: number, width: number): number {
  const limit = Math.floor(Math.sqrt(from + width)) + 1;
  const small = new Uint8Array(limit + 1);
  const base: number[] = [];
  for (let i = 2; i <= limit; i++) {
    if (small[i] === 1) continue;
    base.push(i);
    for (let j = i * i; j <= limit; j += i) small[j] = 1;
  }
  const composite = new Uint8Array(width);
  for (const p of base) {
    for (let n = Math.max(p * p, Math.ceil(from / p) * p); n < from + width; n += p) composite[n - from] = 1;
  }
  let primes = 0;
  for (let i = 0; i < width; i++) if (composite[i] === 0 && from + i >= 2) primes++;
  return primes;
}

// ---------------------------------------------------------------- the handoff

/** Twin prime constant C2 (Hardy–Littlewood). */
const C2 = 0.6601618158;
const TWIN_WIDTH = 200_000;
const TWIN_SEGMENTS = 5;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * The specialist a thread is handed off to. It accepts a handoff (with an estimate), and answers a
 * question about twin primes near 10^e by counting them, streaming one chunk per segment as soon
 * as the segment is done.
 */
export const numberTheorist: AgentHandler = (message, ctx) => {
  if (message.type === 'handoff') return { accepted: true, estimatedDurationSeconds: 2 };
  const exponent = Number(/10\^(\d+)/.exec(String(message.content))?.[1] ?? '8');
  return twinPrimes(exponent, ctx.signal);
};

async function* twinPrimes(exponent: number, signal: AbortSignal): AsyncIterable<string> {
  const from = 10 ** exponent;
  const segment = TWIN_WIDTH / TWIN_SEGMENTS;
  yield `Twin primes (p, p+2) in [${fmt(from)}, ${fmt(from + TWIN_WIDTH)}), counted in ${TWIN_SEGMENTS} segments:\n`;
  let pairs = 0;
  let previous = -Infinity;
  for (let s = 0; s < TWIN_SEGMENTS; s++) {
    await yieldToEventLoop();
    signal.throwIfAborted();
    let found = 0;
    const start = from + s * segment;
    for (let n = start % 2 === 0 ? start + 1 : start; n < start + segment; n += 2) {
      if (!isPrime(n)) continue;
      if (n - previous === 2) found++;
      previous = n;
    }
    pairs += found;
    yield `segment ${s + 1}/${TWIN_SEGMENTS}: ${fmt(found)} pairs (${fmt(pairs)} so far)\n`;
  }
  const predicted = 2 * C2 * TWIN_WIDTH / Math.log(from + TWIN_WIDTH / 2) ** 2;
  yield `${fmt(pairs)} twin prime pairs; Hardy–Littlewood predicts ${fmt(Math.round(predicted))} (${pct(pairs, predicted)} off).`;
}
