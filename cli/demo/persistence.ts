import type { HistoryDraft, Store } from '../../store/index.js';
import type { Logger } from '../../runtime/logger.js';
import type { SystemEvent } from '../../runtime/Streams.js';

/** Something the demo keeps in LMDB, per finished job. */
export interface JobRecord {
  team: string;
  job: number;
  primes: number;
  ms: number;
}

const FLUSH_MS = 250;

/**
 * The demo's persistence: one session per run, every finished job and every supervision event in
 * the message history (thread = team), and at the end a snapshot of each actor's state. Writes are
 * batched per quarter second: lmdb-js commits a batch in one transaction.
 *
 * It writes to the system's own store (the one the orchestrator keeps workflow runs, handoffs and
 * agent messages in), so one LMDB file holds the whole run; the system closes it when it stops.
 */
export class DemoRecorder {
  private buffer: HistoryDraft[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private records = 0;
  private failed: unknown;

  private constructor(readonly store: Store, readonly sessionId: string, private readonly log: Logger) {}

  static async open(store: Store, meta: Record<string, unknown>, log: Logger): Promise<DemoRecorder> {
    const sessionId = await store.sessions.create({ kind: 'demo', status: 'running', ...meta });
    const recorder = new DemoRecorder(store, sessionId, log);
    recorder.timer = setInterval(() => recorder.flush(), FLUSH_MS);
    recorder.timer.unref();
    return recorder;
  }

  get path(): string {
    return this.store.path;
  }

  /** History records committed so far. */
  get written(): number {
    return this.records;
  }

  jobDone(r: JobRecord): void {
    this.buffer.push({
      sender: r.team, recipient: 'ledger', type: 'job-done', sessionId: this.sessionId, threadId: r.team, tenantId: 'demo',
      payload: { job: r.job, primes: r.primes, ms: Math.round(r.ms * 1000) / 1000 },
    });
  }

  event(e: SystemEvent): void {
    const actor = typeof e.actor === 'string' && e.actor !== '' ? e.actor : 'system';
    this.buffer.push({
      sender: 'supervisor', recipient: actor, type: e.type, sessionId: this.sessionId, threadId: actor.split('/')[0]!, tenantId: 'demo',
      payload: e,
    });
  }

  /** Start writing what is buffered; resolves when it is committed. */
  flush(): Promise<unknown> {
    if (this.buffer.length === 0) return this.writing;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing
      .then(() => this.store.history.appendMany(batch))
      .then(() => { this.records += batch.length; })
      .catch((err: unknown) => {
        this.failed ??= err;
        this.log.error({ err }, 'demo: could not persist history');
      });
    return this.writing;
  }

  /** Save snapshots and the session's summary, and wait until everything is committed. */
  async finish(snapshots: { actor: string; behaviour: string; state: unknown }[], summary: unknown): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
    await Promise.all(snapshots.map((s) => this.store.snapshots.save(s.actor, { state: s.state, seq: 0, behaviour: s.behaviour })));
    const data = this.store.sessions.load<Record<string, unknown>>(this.sessionId) ?? {};
    await this.store.sessions.save(this.sessionId, { ...data, status: 'finished', endedAt: Date.now(), summary });
    await this.store.flushed;
    if (this.failed !== undefined) throw this.failed;
  }

  /** Stop writing and wait for what is under way; the store itself belongs to the system. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.writing;
  }
}
