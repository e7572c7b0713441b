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
 * Collects frames (in any arrival order) and hands chunks out in sequence. `end` finishes the
 * stream once every chunk up to the end marker has been handed out; `fail` finishes it with an
 * error after the chunks already received.
 */
export class ChunkQueue implements AsyncIterable<string> {
  private readonly pending = new Map<number, StreamFrame>();
  private next = 0;
  private finished = false;
  private error: unknown;
  private waiting: (() => void) | undefined;
  private endSeq: number | undefined;

  push(frame: StreamFrame): void {
    if (typeof frame !== 'object' || frame === null || typeof frame.seq !== 'number') return;
    if ('done' in frame) this.endSeq = frame.seq;
    else this.pending.set(frame.seq, frame);
    this.wake();
  }

  /** Ends the stream when the end marker has not come (e.g. the reply arrived first): after what has arrived. */
  end(): void {
    this.finished = true;
    this.wake();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    this.error = error;
    this.finished = true;
    this.wake();
  }

  get ended(): boolean {
    return this.endSeq !== undefined && this.next >= this.endSeq;
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const frame = this.pending.get(this.next);
      if (frame !== undefined && !('done' in frame)) {
        this.pending.delete(this.next);
        this.next++;
        yield frame.chunk;
        continue;
      }
      if (this.endSeq !== undefined && this.next >= this.endSeq) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      if (this.finished) {
        // Whatever arrived, in order, even with gaps: the reply is authoritative about completion.
        const rest = [...this.pending.keys()].sort((a, b) => a - b);
        for (const seq of rest) {
          const f = this.pending.get(seq)!;
          this.pending.delete(seq);
          if (!('done' in f)) yield f.chunk;
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
