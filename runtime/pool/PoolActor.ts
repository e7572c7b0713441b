import { Piscina } from 'piscina';
import { z } from 'zod';
import type { Behaviour } from '../../actors/Behaviour.js';
import type { Task } from '../../actors/defineTask.js';
import { ActorCell, Status } from '../ActorCell.js';
import type { ActorRef } from '../ActorRef.js';
import type { LocalNode } from '../LocalNode.js';
import { InvalidOptionError, MailboxFullError, TaskAbortedError, errorFromWire } from '../errors.js';
import type { TaskBatch, TaskOutcomes } from './taskWorker.js';

export const PoolOptionsSchema = z.object({
  id: z.string().min(1).optional(),
  /** piscina threads (default: one per core). */
  threads: z.number().int().min(1).max(256).optional(),
  /** Inputs waiting for a thread before new ones are refused (offer waits instead). */
  maxQueue: z.number().int().min(1).default(100_000),
  /** Largest batch sent to one thread in one piscina task. */
  maxBatch: z.number().int().min(1).max(100_000).default(1024),
  /** A batch that runs longer is aborted and its asks reject with TaskAbortedError. */
  timeoutMs: z.number().int().positive().optional(),
}).strict();

export type PoolOptions = z.input<typeof PoolOptionsSchema>;

interface Pending {
  input: unknown;
  reply: unknown;
  sender: ActorRef | undefined;
}

/** How long stopping a pool waits for the batches in flight. */
const CLOSE_DRAIN_MS = 5000;
/** Work per batch the pool aims at: piscina's per-task cost (tens of us) stays a few percent of it. */
const BATCH_TARGET_MS = 2;

/**
 * A stateless pool actor: a ref like any other whose messages are task inputs, run on a piscina pool.
 * Inputs that arrive in one tick are cut into batches, at least one per thread, so that trivial
 * tasks are not dominated by piscina's per-task cost; the queue bound is the backpressure. A batch
 * holds about BATCH_TARGET_MS of work, by the time tasks took so far: thousands of trivial tasks,
 * one CPU-heavy task (a thread that finishes early then takes the next task, not a twelfth of the
 * work queued behind a slower thread).
 */
export class PoolCell extends ActorCell {
  private readonly piscina: Piscina;
  /** Inputs not yet on a thread: waiting[waitHead..] (a head index, not shift/splice: O(1) per batch). */
  private waiting: Pending[] = [];
  private waitHead = 0;
  private get waitingCount(): number { return this.waiting.length - this.waitHead; }
  private inFlight = 0;
  private flushQueued = false;
  private readonly parkedInputs: { resolve: () => void; item: Pending }[] = [];
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly timeoutMs: number | undefined;
  private readonly threads: number;
  /** Recent time per task on a pool thread (ms; 0 until the first batch is back). */
  private msPerTask = 0;

  constructor(node: LocalNode, id: string, readonly task: Task, options: z.output<typeof PoolOptionsSchema>, threads: number) {
    const behaviour: Behaviour = {
      key: task.key, name: task.name, module: task.module, $troupe: 'behaviour', messages: task.input,
      init: () => undefined, receive: () => undefined,
    };
    super(node, id, behaviour, undefined, undefined, 1);
    this.threads = threads;
    this.maxQueue = options.maxQueue;
    this.maxBatch = options.maxBatch;
    this.timeoutMs = options.timeoutMs;
    this.piscina = new Piscina({
      filename: new URL('./taskWorker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    // piscina reports trouble it cannot tie to a task (a result for a task it no longer tracks) as
    // an 'error' event; unheard, that event would be an uncaught exception in the user's process.
    this.piscina.on('error', (err: unknown) => {
      this.host.log.error({ err, actor: this.id, behaviour: this.task.name, worker: 0 }, 'pool thread error');
    });
    this.status = Status.Ready;
    this.broadcastable = false;
  }

  override get queued(): number {
    return this.waitingCount;
  }

  override enqueue(message: unknown, sender: ActorRef | undefined, reply: unknown): void {
    if (this.status !== Status.Ready) {
      this.host.deadLetter(this.id, message, 'stopped', sender, reply);
      return;
    }
    if (this.waitingCount >= this.maxQueue) {
      const err = new MailboxFullError(`pool '${this.id}' has ${this.waitingCount} inputs queued (maxQueue ${this.maxQueue})`, { actor: this.id, worker: 0 });
      if (reply !== undefined) { this.host.replyError(reply, err); return; }
      throw err;
    }
    this.waiting.push({ input: message, reply, sender });
    this.queueFlush();
  }

  /** Wait for room instead of failing: backpressure for producers. */
  override admitOffer(message: unknown, sender: ActorRef | undefined, accepted: () => void, _rejected: (err: unknown) => void): void {
    if (this.waitingCount < this.maxQueue && this.parkedInputs.length === 0) {
      this.enqueue(message, sender, undefined);
      accepted();
      return;
    }
    this.parkedInputs.push({ resolve: accepted, item: { input: message, reply: undefined, sender } });
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => { this.flushQueued = false; this.dispatch(); });
  }

  private dispatch(): void {
    // Keep every thread busy with two batches at most; the rest waits here, in order.
    while (this.waitingCount > 0 && this.inFlight < this.threads * 2) {
      // Until a batch has come back the cost of a task is unknown: one task per batch.
      const byTime = this.msPerTask === 0 ? 1 : Math.max(1, Math.floor(BATCH_TARGET_MS / this.msPerTask));
      const per = Math.min(this.maxBatch, byTime, Math.max(1, Math.ceil(this.waitingCount / (this.threads * 2 - this.inFlight))));
      const batch = this.waiting.slice(this.waitHead, this.waitHead + per);
      this.waitHead += per;
      if (this.waitHead >= this.waiting.length) {
        this.waiting = [];
        this.waitHead = 0;
      } else if (this.waitHead > 4096 && this.waitHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitHead);
        this.waitHead = 0;
      }
      this.runBatch(batch);
    }
    while (this.parkedInputs.length > 0 && this.waitingCount < this.maxQueue) {
      const p = this.parkedInputs.shift()!;
      this.waiting.push(p.item);
      p.resolve();
    }
  }

  private runBatch(batch: Pending[]): void {
    this.inFlight++;
    const payload: TaskBatch = { module: this.task.module, name: this.task.name, inputs: batch.map((b) => b.input) };
    const signal = this.timeoutMs !== undefined ? AbortSignal.timeout(this.timeoutMs) : undefined;
    (this.piscina.run(payload, signal ? { signal } : {}) as Promise<TaskOutcomes>).then(
      (outcomes) => {
        const { values, errors } = outcomes;
        const sample = Math.max(outcomes.ms / batch.length, 1e-6);
        this.msPerTask = this.msPerTask === 0 ? sample : 0.7 * this.msPerTask + 0.3 * sample;
        for (let i = 0; i < batch.length; i++) {
          const b = batch[i]!;
          this.handled++;
          this.host.handledTotal++;
          const failed = errors?.[i];
          if (failed === undefined) {
            if (b.reply !== undefined) this.host.reply(b.reply, values[i]);
            else if (b.sender !== undefined) this.host.tell(b.sender, values[i], this.ref);
          } else {
            this.countFailure();
            const err = errorFromWire(failed);
            if (b.reply !== undefined) this.host.replyError(b.reply, err);
            else this.host.deadLetter(this.id, b.input, `task-failed: ${err.message}`, b.sender, undefined);
          }
        }
      },
      (err: Error) => {
        const aborted = err?.name === 'AbortError' || signal?.aborted === true;
        const e = aborted
          ? new TaskAbortedError(`pool '${this.id}' task '${this.task.name}' aborted after ${this.timeoutMs} ms`, { actor: this.id, task: this.task.name, timeoutMs: this.timeoutMs }, err)
          : err;
        for (const b of batch) {
          this.countFailure();
          if (b.reply !== undefined) this.host.replyError(b.reply, e);
          else this.host.deadLetter(this.id, b.input, aborted ? 'task-aborted' : 'task-failed', b.sender, undefined);
        }
      },
    ).finally(() => {
      this.inFlight--;
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.status = Status.Stopped;
    for (let i = this.waitHead; i < this.waiting.length; i++) {
      const b = this.waiting[i]!;
      this.host.deadLetter(this.id, b.input, 'stopped', b.sender, b.reply);
    }
    this.waiting = [];
    this.waitHead = 0;
    // Batches already on a thread finish first (bounded): destroying the pool under them drops
    // their tasks, and their results would then arrive for tasks piscina no longer knows.
    const until = Date.now() + CLOSE_DRAIN_MS;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await this.piscina.destroy();
  }
}

export function resolvePoolOptions(options: PoolOptions): z.output<typeof PoolOptionsSchema> {
  const r = PoolOptionsSchema.safeParse(options);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const option = i.path.join('.') || (i as { keys?: string[] }).keys?.join(', ') || '(options)';
    throw new InvalidOptionError(`invalid pool option '${option}': ${i.message}`, { option });
  }
  return r.data;
}
