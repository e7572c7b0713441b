import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { createLogger } from '../../runtime/logger.js';
import { ActorSystem } from '../../index.js';
import { Store } from '../../store/index.js';
import { Sink } from '../actors/crossworker.js';
import { result, type BenchContext, type BenchResult } from '../harness.js';
import { wants, type ListedSuite } from '../select.js';
import { median } from '../baselines/index.js';

const SUITE = 'store';
const quietLogger = createLogger({ level: 'silent' });

interface Scale {
  appendMessages: number;
  appendActors: number;
  appendBatch: number;
  historyEntries: number;
  historyAgents: number;
  queryPage: number;
  queries: number;
  restoreActors: number;
  restorePerActor: number;
  durableMessages: number;
  durableRounds: number;
}

const FULL: Scale = {
  appendMessages: 100_000,
  appendActors: 100,
  appendBatch: 500,
  historyEntries: 1_000_000,
  historyAgents: 200,
  queryPage: 1000,
  queries: 200,
  restoreActors: 5000,
  restorePerActor: 10,
  durableMessages: 50_000,
  durableRounds: 5,
};

const QUICK: Scale = {
  ...FULL,
  appendMessages: 20_000,
  historyEntries: 200_000,
  queries: 60,
  restoreActors: 1000,
  durableMessages: 20_000,
  durableRounds: 3,
};

function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `troupe-bench-${label}-`));
}

function rawEnv(path: string, noSync: boolean): RootDatabase {
  return open({ path, noSync, maxDbs: 8 });
}

const envelope = (i: number) => ({ from: `client-${i % 17}`, type: 'work', body: { n: i, note: 'payload of a typical size' } });


/**
 * Median timings (ms) of two synchronous workloads run alternately, so load from other processes
 * or a GC pause lands on both rather than deciding one figure.
 */
function alternateMedians(runs: number, troupe: () => void, raw: () => void): { troupeMs: number; rawMs: number } {
  const t: number[] = [];
  const r: number[] = [];
  const time = (fn: () => void, into: number[]) => {
    const t0 = performance.now();
    fn();
    into.push(performance.now() - t0);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      time(troupe, t);
      time(raw, r);
    } else {
      time(raw, r);
      time(troupe, t);
    }
  }
  return { troupeMs: median(t), rawMs: median(r) };
}

/** Durable (fsync'd) appends: per-actor sequence numbers + group commit, vs batched raw puts. */
async function durableAppend(ctx: BenchContext, scale: Scale, dirs: string[]): Promise<BenchResult> {
  const troupeDir = tempDir('append');
  const rawDir = tempDir('append-raw');
  dirs.push(troupeDir, rawDir);
  const store = Store.open({ path: troupeDir, logger: quietLogger });
  const raw = rawEnv(rawDir, false);
  const rawLog: Database = raw.openDB({ name: 'mailbox' });
  const rawSeqs = new Map<string, number>();
  const actors = Array.from({ length: scale.appendActors }, (_, i) => `actor-${i}`);

  const troupeRun = async (count: number, offset: number) => {
    for (let done = 0; done < count; done += scale.appendBatch) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < scale.appendBatch; i++) batch.push(store.mailboxes.append(actors[(done + i) % actors.length]!, envelope(offset + done + i)));
      await Promise.all(batch);
      ctx.progress('durable append (troupe)', offset + done + scale.appendBatch, scale.appendMessages);
    }
  };
  const rawRun = async (count: number, offset: number) => {
    for (let done = 0; done < count; done += scale.appendBatch) {
      let last: Promise<boolean> | undefined;
      for (let i = 0; i < scale.appendBatch; i++) {
        const actor = actors[(done + i) % actors.length]!;
        const seq = (rawSeqs.get(actor) ?? 0) + 1;
        rawSeqs.set(actor, seq);
        last = rawLog.put([actor, seq], envelope(offset + done + i));
      }
      await last;
      ctx.progress('durable append (raw lmdb)', offset + done + scale.appendBatch, scale.appendMessages);
    }
  };

  // Warm both paths (JIT, file growth) before timing, then alternate short segments so load from
  // other processes and fsync jitter fall on both sides alike.
  await troupeRun(scale.appendBatch * 4, 0);
  await rawRun(scale.appendBatch * 4, 0);
  const segments = 10;
  const segment = Math.max(1, Math.floor(scale.appendMessages / segments / scale.appendBatch)) * scale.appendBatch;
  let troupeMs = 0;
  let rawMs = 0;
  const timed = async (run: () => Promise<void>): Promise<number> => {
    const t0 = performance.now();
    await run();
    return performance.now() - t0;
  };
  for (let part = 0; part < segments; part++) {
    // Swap which side goes first: the previous commit's background flush slows whoever follows it.
    const troupeSegment = () => troupeRun(segment, segment * part);
    const rawSegment = () => rawRun(segment, segment * part);
    if (part % 2 === 0) {
      troupeMs += await timed(troupeSegment);
      rawMs += await timed(rawSegment);
    } else {
      rawMs += await timed(rawSegment);
      troupeMs += await timed(troupeSegment);
    }
  }
  await store.close();
  await raw.close();
  const n = segment * segments;
  return result({
    suite: SUITE,
    name: 'durable-append',
    metric: `throughput (${n.toLocaleString('en-US')} msgs, ${scale.appendBatch} per turn, ${scale.appendActors} actors, fsync)`,
    value: Math.round(n / (troupeMs / 1000)),
    unit: 'msg/s',
    baseline: 'raw-lmdb-batched-put',
    baselineValue: Math.round(n / (rawMs / 1000)),
  });
}

/** query({ agent }) over a large history vs a range scan of a raw db keyed [agent, time, id]. */
async function historyByAgent(ctx: BenchContext, scale: Scale, dirs: string[]): Promise<BenchResult> {
  const troupeDir = tempDir('history');
  const rawDir = tempDir('history-raw');
  dirs.push(troupeDir, rawDir);
  // Loading is not what is measured, so skip fsync for it.
  const store = Store.open({ path: troupeDir, noSync: true, logger: quietLogger });
  const raw = rawEnv(rawDir, true);
  const rawByAgent: Database = raw.openDB({ name: 'byAgent' });
  const agents = Array.from({ length: scale.historyAgents }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
  const chunk = 10_000;
  const t0 = 1_700_000_000_000;
  for (let start = 0; start < scale.historyEntries; start += chunk) {
    const drafts = [];
    let last: Promise<boolean> | undefined;
    for (let i = start; i < start + chunk; i++) {
      const sender = agents[(i * 7) % agents.length]!;
      const recipient = agents[(i * 13 + 1) % agents.length]!;
      const draft = { id: `m${i}`, time: t0 + i, sender, recipient, type: i % 3 === 0 ? 'ask' : 'tell', payload: { n: i, text: 'hello there' } };
      drafts.push(draft);
      // The raw layout a hand-written query would use: the whole record under each agent.
      rawByAgent.put([sender, draft.time, draft.id], draft);
      last = rawByAgent.put([recipient, draft.time, draft.id], draft);
    }
    await Promise.all([store.history.appendMany(drafts), last]);
    ctx.progress('history load', start + chunk, scale.historyEntries);
  }

  const picks = Array.from({ length: scale.queries }, (_, i) => agents[(i * 37) % agents.length]!);
  let troupeRows = 0;
  let rawRows = 0;
  const troupeQueries = () => {
    for (const agent of picks) troupeRows += store.history.query({ agent, order: 'desc', limit: scale.queryPage }).entries.length;
  };
  const rawQueries = () => {
    for (const agent of picks) {
      for (const { value } of rawByAgent.getRange({ start: [agent, Infinity], end: [agent, -Infinity], reverse: true, limit: scale.queryPage })) {
        if (value) rawRows++;
      }
    }
  };
  troupeQueries();
  rawQueries();
  const { troupeMs, rawMs } = alternateMedians(3, troupeQueries, rawQueries);
  ctx.progress('history query', 1, 1);
  if (troupeRows !== rawRows) throw new Error(`history bench mismatch: troupe read ${troupeRows} rows, raw ${rawRows}`);
  await store.close();
  await raw.close();
  return result({
    suite: SUITE,
    name: 'history-query-by-agent',
    metric: `throughput (newest ${scale.queryPage} of ${scale.historyEntries.toLocaleString('en-US')} entries, ${scale.historyAgents} agents)`,
    value: Math.round(picks.length / (troupeMs / 1000)),
    unit: 'query/s',
    baseline: 'raw-lmdb-range-scan',
    baselineValue: Math.round(picks.length / (rawMs / 1000)),
  });
}

/** What a restart does: every pending mailbox + every snapshot, vs one raw full range scan of each. */
async function restoreRead(ctx: BenchContext, scale: Scale, dirs: string[]): Promise<BenchResult> {
  const troupeDir = tempDir('restore');
  const rawDir = tempDir('restore-raw');
  dirs.push(troupeDir, rawDir);
  const store = Store.open({ path: troupeDir, noSync: true, logger: quietLogger });
  const raw = rawEnv(rawDir, true);
  const rawLog: Database = raw.openDB({ name: 'mailbox' });
  const rawSnapshots: Database = raw.openDB({ name: 'snapshots' });
  let writes: Promise<unknown>[] = [];
  for (let a = 0; a < scale.restoreActors; a++) {
    const actor = `actor-${String(a).padStart(6, '0')}`;
    const state = { counter: a, items: [a, a + 1, a + 2], label: 'restored state' };
    writes.push(store.snapshots.save(actor, { state, seq: a }), rawSnapshots.put(actor, { state, seq: a }));
    for (let s = 1; s <= scale.restorePerActor; s++) {
      writes.push(store.mailboxes.append(actor, envelope(s)), rawLog.put([actor, s], envelope(s)));
    }
    if (a % 500 === 499 || a === scale.restoreActors - 1) {
      await Promise.all(writes);
      writes = [];
      ctx.progress('restore load', a + 1, scale.restoreActors);
    }
  }

  let troupeCount = 0;
  let rawCount = 0;
  const troupeRestore = () => {
    for (const messages of store.mailboxes.pendingAll().values()) troupeCount += messages.length;
    for (const [, snapshot] of store.snapshots.entries()) if (snapshot) troupeCount++;
  };
  const rawRestore = () => {
    for (const { value } of rawLog.getRange()) if (value) rawCount++;
    for (const { value } of rawSnapshots.getRange()) if (value) rawCount++;
  };
  troupeRestore();
  rawRestore();
  const { troupeMs, rawMs } = alternateMedians(5, troupeRestore, rawRestore);
  if (troupeCount !== rawCount) throw new Error(`restore bench mismatch: troupe read ${troupeCount}, raw ${rawCount}`);
  await store.close();
  await raw.close();
  const total = scale.restoreActors * (scale.restorePerActor + 1);
  return result(
    {
      suite: SUITE,
      name: 'restore-read',
      metric: `time (${scale.restoreActors.toLocaleString('en-US')} actors × ${scale.restorePerActor} pending + snapshot, ${total.toLocaleString('en-US')} records)`,
      value: Math.round(troupeMs * 100) / 100,
      unit: 'ms',
      baseline: 'raw-lmdb-full-scan',
      baselineValue: Math.round(rawMs * 100) / 100,
    },
    false,
  );
}

/**
 * A durable actor end to end: tells from the main thread to a persistent actor on a worker, each
 * appended to its LMDB mailbox before delivery and removed once handled, fsync on, until an ask
 * confirms all were handled. The baseline is the storage work alone: the same puts and removes
 * issued raw from one thread in turns of the same size, until the last commits.
 */
async function durableActor(ctx: BenchContext, scale: Scale, dirs: string[]): Promise<BenchResult> {
  const troupeDir = tempDir('durable-actor');
  const rawDir = tempDir('durable-actor-raw');
  dirs.push(troupeDir, rawDir);
  const n = scale.durableMessages;
  const system = await ActorSystem.start({ workers: 1, persistence: { path: troupeDir }, logLevel: 'silent', monitoring: false });
  const raw = rawEnv(rawDir, false);
  const rawLog: Database = raw.openDB({ name: 'mailbox' });
  try {
    const sink = await system.spawn(Sink, { id: 'durable-sink', persistent: true, placement: { worker: 1 } });
    let sent = 0;
    const troupeRound = async () => {
      for (let i = 0; i < n; i++) sink.tell(i);
      sent += n;
      const seen = await sink.ask<number>('get', { timeoutMs: 120_000 });
      if (seen !== sent) throw new Error(`durable-actor bench: the actor saw ${seen} of ${sent} messages`);
    };
    let seq = 0;
    const TURN = 1000;
    const rawRound = async () => {
      let last: Promise<boolean> | undefined;
      for (let done = 0; done < n; done += TURN) {
        const first = seq + 1;
        for (let i = 0; i < TURN; i++) last = rawLog.put(['durable-sink', ++seq], done + i);
        for (let k = first; k <= seq; k++) last = rawLog.remove(['durable-sink', k]);
        await new Promise<void>((r) => setImmediate(r));
      }
      await last;
    };
    await troupeRound();
    await rawRound();
    const t: number[] = [];
    const r: number[] = [];
    for (let round = 0; round < scale.durableRounds; round++) {
      const order: Array<[() => Promise<void>, number[]]> = round % 2 === 0 ? [[troupeRound, t], [rawRound, r]] : [[rawRound, r], [troupeRound, t]];
      for (const [run, into] of order) {
        const t0 = performance.now();
        await run();
        into.push(performance.now() - t0);
      }
      ctx.progress('durable actor', round + 1, scale.durableRounds);
    }
    return result({
      suite: SUITE,
      name: 'durable-actor',
      metric: `throughput (${n.toLocaleString('en-US')} tells to one persistent actor, fsync; median of ${scale.durableRounds})`,
      value: Math.round(n / (median(t) / 1000)),
      unit: 'msg/s',
      baseline: 'raw-lmdb-put-then-remove',
      baselineValue: Math.round(n / (median(r) / 1000)),
    });
  } finally {
    await system.stop();
    await raw.close();
  }
}

export const storeSuite: ListedSuite = {
  name: SUITE,
  benchmarks: ['durable-append', 'durable-actor', 'history-query-by-agent', 'restore-read'],
  description: 'LMDB persistence: durable mailbox appends, a durable actor end to end, history queries by agent and restore reads, each against raw lmdb-js',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const scale = ctx.quick ? QUICK : FULL;
    const dirs: string[] = [];
    const results: BenchResult[] = [];
    try {
      if (wants(ctx, 'durable-append')) results.push(await durableAppend(ctx, scale, dirs));
      if (wants(ctx, 'durable-actor')) results.push(await durableActor(ctx, scale, dirs));
      if (wants(ctx, 'history-query-by-agent')) results.push(await historyByAgent(ctx, scale, dirs));
      if (wants(ctx, 'restore-read')) results.push(await restoreRead(ctx, scale, dirs));
      return results;
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  },
};
