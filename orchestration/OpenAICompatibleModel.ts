/**
 * An `AgentModel` over any server that speaks the OpenAI chat-completions protocol (OpenAI, vLLM,
 * llama.cpp, Ollama, LM Studio...), through the platform `fetch`: no SDK dependency. Failures are
 * `ModelError`s with a code per cause; the API key never appears in an error or a log line.
 */
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import { defaultLoggerFor } from '../runtime/logger.js';
import type { AgentModel, ChatMessage, CompletionRequest, CompletionResult } from './AgentModel.js';
import { describeError } from './AgentInvoker.js';
import { ModelError, type ModelErrorCode } from './errors.js';
import { parseOptions } from './parseOptions.js';

export interface OpenAICompatibleModelOptions {
  /** Server root (`http://127.0.0.1:8080`) or API root ending in `/v1` (`https://api.openai.com/v1`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Whole-request deadline for `complete`; for `stream`, the longest wait for the next chunk. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Replaces the global fetch (a proxying or instrumented one). */
  fetch?: typeof fetch;
  logger?: Logger;
}

const OptionsSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  fetch: z.custom<typeof fetch>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
});

const CompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
    .optional(),
});

const ChunkSchema = z.object({
  choices: z
    .array(z.object({ delta: z.object({ content: z.string().nullable().optional() }).optional() }))
    .optional(),
  error: z.looseObject({ message: z.string().optional() }).optional(),
});

const MAX_ERROR_BODY = 2_000;

/** One request's abort wiring: a deadline and the caller's signal, and which of them fired. */
class RequestControl {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = (): void => this.controller.abort(this.caller!.reason);

  constructor(
    private readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.arm();
  }

  /** (Re)starts the deadline: once per request for `complete`, on every chunk for `stream`. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('model request timed out', 'TimeoutError'));
    }, this.timeoutMs);
  }

  get callerAborted(): boolean {
    return this.caller?.aborted === true && !this.timedOut;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

export class OpenAICompatibleModel implements AgentModel {
  private readonly endpoint: string;
  private readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: Logger;

  constructor(options: OpenAICompatibleModelOptions) {
    const o = parseOptions(OptionsSchema, options, 'OpenAICompatibleModel');
    const base = o.baseUrl.replace(/\/+$/, '');
    this.endpoint = /\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
    this.model = o.model;
    this.apiKey = o.apiKey;
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.headers = o.headers ?? {};
    this.fetchImpl = o.fetch ?? fetch;
    this.logger = (o.logger ?? defaultLoggerFor()).child({ component: 'OpenAICompatibleModel', model: this.model });
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const control = new RequestControl(this.timeoutMs, request.signal);
    try {
      const response = await this.post(request, false, control);
      let text: string;
      try {
        text = await response.text();
      } catch (err) {
        throw this.failure(control, 'ERR_MODEL_NETWORK', `reading the reply failed: ${describeError(err)}`, err);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw this.error('ERR_MODEL_BAD_RESPONSE', 'the reply is not JSON', { body: text.slice(0, MAX_ERROR_BODY) }, err);
      }
      const parsed = CompletionSchema.safeParse(json);
      if (!parsed.success) {
        throw this.error('ERR_MODEL_BAD_RESPONSE', 'the reply is not a chat completion (no choices[0].message)', {
          body: text.slice(0, MAX_ERROR_BODY),
        });
      }
      const choice = parsed.data.choices[0]!;
      const result: CompletionResult = { content: choice.message.content ?? '', model: parsed.data.model ?? this.model };
      if (choice.finish_reason) result.finishReason = choice.finish_reason;
      const usage = parsed.data.usage;
      if (usage) {
        result.usage = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens };
      }
      return result;
    } finally {
      control.dispose();
    }
  }

  async *stream(request: CompletionRequest): AsyncIterable<string> {
    const control = new RequestControl(this.timeoutMs, request.signal);
    let done = false;
    try {
      const response = await this.post(request, true, control);
      if (!response.body) throw this.error('ERR_MODEL_BAD_RESPONSE', 'the streamed reply has no body', {});
      try {
        for await (const data of serverSentEvents(response.body)) {
          control.arm();
          if (data.trim() === '[DONE]') {
            done = true;
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(data);
          } catch (err) {
            throw this.error('ERR_MODEL_BAD_RESPONSE', 'a streamed event is not JSON', { body: data.slice(0, MAX_ERROR_BODY) }, err);
          }
          const chunk = ChunkSchema.safeParse(json);
          if (!chunk.success) {
            throw this.error('ERR_MODEL_BAD_RESPONSE', 'a streamed event is not a chat completion chunk', { body: data.slice(0, MAX_ERROR_BODY) });
          }
          if (chunk.data.error) {
            throw this.error('ERR_MODEL_STREAM', `the server reported an error mid-stream: ${chunk.data.error.message ?? 'unknown'}`, {
              body: data.slice(0, MAX_ERROR_BODY),
            });
          }
          const piece = chunk.data.choices?.[0]?.delta?.content;
          if (piece) yield piece;
        }
        done = true;
      } catch (err) {
        if (err instanceof ModelError) throw err;
        throw this.failure(control, 'ERR_MODEL_STREAM', `the stream broke off: ${describeError(err)}`, err);
      }
    } finally {
      // Reached early when the consumer stops iterating: abort so the connection is released.
      if (!done) control.controller.abort(new DOMException('stream closed by consumer', 'AbortError'));
      control.dispose();
    }
  }

  private async post(request: CompletionRequest, stream: boolean, control: RequestControl): Promise<Response> {
    if (request.signal?.aborted) throw this.error('ERR_MODEL_ABORTED', 'the call was aborted before it started', {}, request.signal.reason);
    const messages: ChatMessage[] = request.system ? [{ role: 'system', content: request.system }, ...request.messages] : request.messages;
    const body: Record<string, unknown> = { model: this.model, messages, stream };
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...this.headers,
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    this.logger.debug({ url: this.endpoint, stream, messages: messages.length }, 'model request');

    let response: Response;
    try {
      response = await this.fetchImpl(this.endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: control.controller.signal });
    } catch (err) {
      throw this.failure(control, 'ERR_MODEL_NETWORK', `the request failed: ${describeError((err as Error).cause ?? err)}`, err);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const detail = errorMessageOf(text);
      throw this.error('ERR_MODEL_HTTP', `the server answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`, {
        status: response.status,
        body: text.slice(0, MAX_ERROR_BODY),
      });
    }
    return response;
  }

  /** A failure whose real cause may be our own deadline or the caller's abort. */
  private failure(control: RequestControl, otherwise: ModelErrorCode, message: string, cause: unknown): ModelError {
    if (control.timedOut) return this.error('ERR_MODEL_TIMEOUT', `no answer within ${this.timeoutMs} ms`, { timeoutMs: this.timeoutMs }, cause);
    if (control.callerAborted) return this.error('ERR_MODEL_ABORTED', 'the call was aborted', {}, cause);
    return this.error(otherwise, message, {}, cause);
  }

  private error(code: ModelErrorCode, what: string, context: Omit<ConstructorParameters<typeof ModelError>[2], 'model'>, cause?: unknown): ModelError {
    return new ModelError(code, `Model ${this.model} at ${this.endpoint}: ${what}`, { model: this.model, url: this.endpoint, ...context }, cause);
  }
}

/** The server's own explanation in an OpenAI-style error body, if there is one. */
function errorMessageOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (typeof json.error?.message === 'string') return json.error.message;
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: the raw body is in the error's context
  }
  return body.trim() ? body.trim().slice(0, 200) : undefined;
}

/**
 * The `data` of each server-sent event in a byte stream (multi-line data joined with newlines,
 * comments and other fields skipped), per the EventSource format; events may straddle chunks.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const takeLine = (line: string): string | undefined => {
    if (line === '') {
      const event = data.length > 0 ? data.join('\n') : undefined;
      data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    return undefined;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A lone \r at the very end may be half of \r\n: keep it until more arrives.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = done ? '' : lines.pop()!;
      if (done && lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      for (const line of lines) {
        const event = takeLine(line.replace(/\r$/, ''));
        if (event !== undefined) yield event;
      }
      if (done) {
        if (data.length > 0) yield data.join('\n');
        return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
