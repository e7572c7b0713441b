/**
 * The caller's side of talking to agent actors: a request is an `ask` carrying an
 * `AgentMessage`, answered by a `response` or `error` message. Giving up on a request (the
 * caller's signal fires or its deadline passes) publishes a cancellation that the relay on the
 * agent's worker turns into an abort of the agent's work, so that an abandoned agent stops instead
 * of finishing for nobody. Streams subscribe to a topic of their own for the request's chunks.
 */
import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../runtime/ActorRef.js';
import type { ActorSystem } from '../runtime/ActorSystem.js';
import { AskTimeoutError } from '../runtime/errors.js';
import { agentErrorFromReply } from './AgentBehaviour.js';
import { describeError } from './AgentInvoker.js';
import { ChunkQueue, STREAM_TOPIC_KEY, type AgentStream, type StreamFrame } from './AgentStream.js';
import type { CancelRequestMessage } from './CancellationRelay.js';
import { AgentError } from './errors.js';
import type { AgentMessage } from './Message.js';

export interface AgentRequestOptions {
  signal?: AbortSignal;
  /** Deadline of the agent's answer. */
  timeoutMs?: number;
}

export interface AgentClientOptions {
  cancelTopic: string;
  /** Stream topics are `<prefix>.<uuid>`. */
  streamTopicPrefix: string;
  defaultTimeoutMs: number;
}

export class AgentClient {
  constructor(
    private readonly system: ActorSystem,
    private readonly options: AgentClientOptions,
  ) {}

  /** Asks the agent to stop working on `messageId`. Harmless when it has finished or never started. */
  cancel(agentId: string, messageId: string, reason?: string): void {
    if (!this.system.running) return;
    const msg: CancelRequestMessage = { type: 'cancel', agentId, messageId };
    if (reason !== undefined) msg.reason = reason;
    this.system.publish(this.options.cancelTopic, msg);
  }

  /**
   * Sends a request; resolves with the agent's reply message (`response` or `error`). Rejects with
   * `AgentError` `ERR_AGENT_CANCELLED` when `signal` fires and `ERR_AGENT_TIMEOUT` at the deadline,
   * after asking the agent to stop in both cases.
   */
  request(ref: ActorRef, message: AgentMessage, options: AgentRequestOptions = {}): Promise<AgentMessage> {
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    const context = { agentId: ref.id, messageId: message.id, ...(message.threadId !== undefined ? { threadId: message.threadId } : {}) };
    if (signal?.aborted) {
      return Promise.reject(new AgentError('ERR_AGENT_CANCELLED', `Request to agent ${ref.id} was cancelled before it was sent`, context, signal.reason));
    }
    return new Promise<AgentMessage>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        this.cancel(ref.id, message.id, describeError(signal!.reason));
        reject(new AgentError('ERR_AGENT_CANCELLED', `Request to agent ${ref.id} was cancelled: ${describeError(signal!.reason)}`, context, signal!.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.system.ask<AgentMessage>(ref, message, { timeoutMs }).then(
        (reply) => {
          signal?.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          if (typeof reply !== 'object' || reply === null || (reply.type !== 'response' && reply.type !== 'error')) {
            reject(new AgentError('ERR_AGENT_BAD_REPLY', `Agent ${ref.id} answered with something that is not a response message`, context));
            return;
          }
          resolve(reply);
        },
        (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          if (err instanceof AskTimeoutError) {
            this.cancel(ref.id, message.id, `no answer within ${timeoutMs} ms`);
            reject(new AgentError('ERR_AGENT_TIMEOUT', `Agent ${ref.id} did not answer within ${timeoutMs} ms`, context, err));
            return;
          }
          reject(err);
        },
      );
    });
  }

  /** Like `request`, then unwraps: the response content, or the agent's `error` message thrown as `AgentError`. */
  async call(ref: ActorRef, message: AgentMessage, options: AgentRequestOptions = {}): Promise<AgentMessage['content']> {
    const reply = await this.request(ref, message, options);
    if (reply.type === 'error') throw agentErrorFromReply(reply, ref.id);
    return reply.content;
  }

  /**
   * Sends a request whose reply is streamed: chunks come out of the returned iterable as the agent
   * produces them, on whatever thread it runs. Breaking out of the iteration cancels the agent.
   */
  stream(ref: ActorRef, message: AgentMessage, options: AgentRequestOptions = {}): AgentStream {
    const topic = `${this.options.streamTopicPrefix}.${randomUUID()}`;
    const queue = new ChunkQueue();
    const unsubscribe = this.system.subscribe(topic, (frame) => queue.push(frame as StreamFrame));
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(options.signal!.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const request: AgentMessage = { ...message, metadata: { ...message.metadata, [STREAM_TOPIC_KEY]: topic } };
    let finished = false;
    const response = this.request(ref, request, { signal: controller.signal, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) })
      .then((reply) => {
        if (reply.type === 'error') throw agentErrorFromReply(reply, ref.id);
        return reply;
      })
      .finally(() => {
        finished = true;
        options.signal?.removeEventListener('abort', onCallerAbort);
      });
    response.then(
      () => {
        queue.end();
        // Frames travel ahead of the reply, so normally all are here; if not, listen a little longer.
        if (queue.complete) unsubscribe();
        else setTimeout(unsubscribe, 1000).unref();
      },
      (err: unknown) => {
        queue.fail(err);
        unsubscribe();
      },
    );
    // A consumer that only iterates must not see an unhandled rejection on `response`.
    response.catch(() => undefined);
    return {
      response,
      cancel(reason?: string) {
        controller.abort(new DOMException(reason ?? 'stream cancelled', 'AbortError'));
      },
      async *[Symbol.asyncIterator]() {
        try {
          yield* queue;
        } finally {
          unsubscribe();
          if (!finished) controller.abort(new DOMException('stream consumer stopped reading', 'AbortError'));
        }
      },
    };
  }
}
