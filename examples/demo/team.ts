/**
 * The demo's team: a lead per team fans each job out to its analysts (its children, spread over
 * the workers), gathers their results and publishes the finished job on the `demo.jobs` topic; a
 * ledger subscribed to that topic keeps the totals. Analysts do real CPU work and throw on a
 * poison message, which is how the demo injects a fault for the supervisor to repair.
 */
import { defineActor, type ActorContext, type ActorRef } from '../../index.js';
import { countPrimes } from './primes.js';

const module = import.meta.url;

export const JOBS_TOPIC = 'demo.jobs';

export interface AnalyzeMsg { type: 'analyze'; job: number; from: number; count: number }
export type AnalystMsg = AnalyzeMsg | { type: 'state' } | { type: 'poison' };
export interface AnalystState { jobs: number; primes: number }

/** CPU-bound worker: counts primes in a range and replies with the count. */
export const Analyst = defineActor({
  name: 'Analyst',
  module,
  init: (): AnalystState => ({ jobs: 0, primes: 0 }),
  receive: (s: AnalystState, msg: AnalystMsg, ctx) => {
    switch (msg.type) {
      case 'analyze': {
        const primes = countPrimes(msg.from, msg.count);
        s.jobs++;
        s.primes += primes;
        ctx.reply({ type: 'result', job: msg.job, primes } satisfies ResultMsg);
        return;
      }
      case 'state':
        ctx.reply({ ...s });
        return;
      case 'poison':
        throw new Error(`poison message reached ${ctx.self.id}`);
    }
  },
});

export interface JobMsg { type: 'job'; job: number; base: number }
export interface ResultMsg { type: 'result'; job: number; primes: number }
export type LeadMsg = JobMsg | ResultMsg | { type: 'state' };

export interface LeadArgs { analysts: number; chunk: number }
export interface JobDone { team: string; job: number; primes: number }

interface LeadState {
  analysts: ActorRef<AnalystMsg>[];
  chunk: number;
  open: Map<number, { left: number; primes: number }>;
  done: number;
}

/** Team lead: splits a job into one range per analyst and reports it done when all answered. */
export const Lead = defineActor({
  name: 'Lead',
  module,
  init: (args: LeadArgs, ctx: ActorContext<LeadMsg>): LeadState => {
    const analysts: ActorRef<AnalystMsg>[] = [];
    for (let i = 1; i <= args.analysts; i++) analysts.push(ctx.spawn(Analyst, { id: `analyst-${i}` }));
    return { analysts, chunk: args.chunk, open: new Map(), done: 0 };
  },
  receive: (s: LeadState, msg: LeadMsg, ctx) => {
    switch (msg.type) {
      case 'job':
        s.open.set(msg.job, { left: s.analysts.length, primes: 0 });
        s.analysts.forEach((a, i) => ctx.tell(a, { type: 'analyze', job: msg.job, from: msg.base + i * s.chunk, count: s.chunk }));
        return;
      case 'result': {
        const open = s.open.get(msg.job);
        if (open === undefined) return;
        open.primes += msg.primes;
        if (--open.left > 0) return;
        s.open.delete(msg.job);
        s.done++;
        ctx.publish(JOBS_TOPIC, { team: ctx.self.id, job: msg.job, primes: open.primes } satisfies JobDone);
        return;
      }
      case 'state':
        ctx.reply({ done: s.done, open: s.open.size });
        return;
    }
  },
});

export type LedgerMsg = JobDone | { type: 'state' };

export interface LedgerState { jobs: number; primes: number; byTeam: Record<string, number> }

/** Keeps the totals of every finished job, heard on the jobs topic. */
export const Ledger = defineActor({
  name: 'Ledger',
  module,
  init: (_args: void, ctx: ActorContext<LedgerMsg>): LedgerState => {
    ctx.subscribe(JOBS_TOPIC);
    return { jobs: 0, primes: 0, byTeam: {} };
  },
  receive: (s: LedgerState, msg: LedgerMsg, ctx) => {
    if ('type' in msg) {
      ctx.reply({ ...s, byTeam: { ...s.byTeam } });
      return;
    }
    s.jobs++;
    s.primes += msg.primes;
    s.byTeam[msg.team] = (s.byTeam[msg.team] ?? 0) + 1;
  },
});
