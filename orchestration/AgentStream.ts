/**
 * Streaming a reply across threads. The caller subscribes to a topic of its own for the request
 * and names it in the request (`metadata.streamTopic`); the agent publishes each chunk there as it
 * is produced (`{ seq, chunk }`) and an end marker (`{ seq, done }`) before it replies with the
 * whole response. On the caller's side the chunks come out of an async iterable in `seq` order,
 * as they arrive.
 */
import type { AgentMessage } from './Message.js';

export type StreamFrame = { seq: number; chunk: string } | { seq: number; done: true };

/** The metadata key naming the topic a request's chunks go to. */
export const STREAM_TOPIC_KEY = 'streamTopic';

/** An agent's streamed reply: iterate for the chunks; `response` settles with the whole reply message. */
export interface AgentStream extends AsyncIterable<string> {
  /** The agent's final `response` message (its content is every chunk joined); rejects like `run`. */
  readonly response: Promise<AgentMessage>;
  /** Stops the agent's work; the iteration then ends with the cancellation error. */
  cancel(reason?: string): void;
}

/**
 * Collects frames (in any arrival order) and hands chunks out in sequence. The stream finishes
 * when the reply has come (`end`, or `fail` with the agent's error) and every chunk before the end
 * marker has been handed out; chunks come before the reply, so the reply decides how it ends.
 */
export class ChunkQueue implements AsyncIterable<string> {
  private readonly pending = new Map<number, string>();
  private next = 0;
  private finished = false;
  private error: unknown;
  private waiting: (() => void) | undefined;
  private endSeq: number | undefined;

  push(frame: StreamFrame): void {
    if (typeof frame !== 'object' || frame === null || typeof frame.seq !== 'number') return;
    if ('done' in frame) this.endSeq = frame.seq;
    else if (frame.seq >= this.next) this.pending.set(frame.seq, frame.chunk);
    this.wake();
  }

  /** The reply came: finish after the chunks announced by the end marker (all of those received when there is none). */
  end(): void {
    this.finished = true;
    this.wake();
  }

  /** The reply was an error (or the request failed): finish with it after the chunks received before it. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.error = error;
    this.finished = true;
    this.wake();
  }

  /** Every chunk up to the end marker has arrived (handed out or waiting). */
  get complete(): boolean {
    return this.endSeq !== undefined && this.next + this.pending.size >= this.endSeq;
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const chunk = this.pending.get(this.next);
      if (chunk !== undefined) {
        this.pending.delete(this.next);
        this.next++;
        yield chunk;
        continue;
      }
      if (this.finished && (this.error !== undefined || this.endSeq === undefined || this.next >= this.endSeq)) {
        if (this.error === undefined) {
          // No end marker (it cannot normally be missing): hand out whatever arrived, in order.
          for (const seq of [...this.pending.keys()].sort((a, b) => a - b)) yield this.pending.get(seq)!;
          this.pending.clear();
        }
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }
}
