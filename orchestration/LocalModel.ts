/**
 * A deterministic model that runs in-process with no network: it answers with an extractive
 * summary and the keywords of the last user message. Same request, same answer, so that demos
 * and tests are reproducible; the work (tokenising, term frequencies, sentence scoring) grows with
 * the input, so that it loads a CPU the way a real workload does in benchmarks.
 */
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AgentModel, ChatMessage, CompletionRequest, CompletionResult } from './AgentModel.js';
import { ModelError } from './errors.js';
import { parseOptions } from './parseOptions.js';

export interface LocalModelOptions {
  /** Reported as `model` in results and errors. */
  name?: string;
  maxSentences?: number;
  maxKeywords?: number;
  /** Words per streamed chunk. */
  chunkWords?: number;
  /** Pause between streamed chunks, to make streaming visible in demos. */
  chunkDelayMs?: number;
}

const OptionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  maxSentences: z.number().int().positive().optional(),
  maxKeywords: z.number().int().nonnegative().optional(),
  chunkWords: z.number().int().positive().optional(),
  chunkDelayMs: z.number().int().nonnegative().optional(),
});

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers him his how i if in ' +
    'into is it its itself just me more most my no nor not now of off on once only or other our ours out over own same she should ' +
    'so some such than that the their theirs them then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours please tell give make let us'
  ).split(' '),
);

const WORD = /[a-z0-9][a-z0-9'-]*/g;

function terms(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export class LocalModel implements AgentModel {
  private readonly name: string;
  private readonly maxSentences: number;
  private readonly maxKeywords: number;
  private readonly chunkWords: number;
  private readonly chunkDelayMs: number;

  constructor(options: LocalModelOptions = {}) {
    const o = parseOptions(OptionsSchema, options, 'LocalModel');
    this.name = o.name ?? 'troupe-local';
    this.maxSentences = o.maxSentences ?? 2;
    this.maxKeywords = o.maxKeywords ?? 5;
    this.chunkWords = o.chunkWords ?? 4;
    this.chunkDelayMs = o.chunkDelayMs ?? 0;
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    this.throwIfAborted(request.signal);
    const content = this.answer(request.messages);
    const prompt = [request.system ?? '', ...request.messages.map((m) => m.content)].join(' ');
    const promptTokens = countWords(prompt);
    const completionTokens = countWords(content);
    return {
      content,
      model: this.name,
      finishReason: 'stop',
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    };
  }

  async *stream(request: CompletionRequest): AsyncIterable<string> {
    this.throwIfAborted(request.signal);
    const content = this.answer(request.messages);
    // Split after whitespace so that the chunks join back to exactly `content`.
    const pieces = content.match(/\S+\s*/g) ?? [];
    for (let i = 0; i < pieces.length; i += this.chunkWords) {
      if (i > 0) {
        // Yield the thread between chunks: a stream that never yields is not a stream.
        if (this.chunkDelayMs > 0) await sleep(this.chunkDelayMs, undefined, { signal: request.signal }).catch(() => undefined);
        else await yieldToEventLoop();
        this.throwIfAborted(request.signal);
      }
      yield pieces.slice(i, i + this.chunkWords).join('');
    }
  }

  /** Summary and keywords of the last user message (of all messages when there is none). */
  private answer(messages: ChatMessage[]): string {
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const source = (lastUser ? lastUser.content : messages.map((m) => m.content).join('\n')).trim();
    const frequency = new Map<string, number>();
    for (const t of terms(source)) frequency.set(t, (frequency.get(t) ?? 0) + 1);
    if (frequency.size === 0) return 'Summary: (nothing to summarise)\nKeywords: (none)';

    const sentences = source
      .split(/(?<=[.!?])\s+|\n+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const scored = sentences.map((sentence, index) => {
      const ts = terms(sentence);
      const weight = ts.reduce((sum, t) => sum + frequency.get(t)!, 0);
      // Normalised by length so that one long sentence does not win on size alone.
      return { sentence, index, score: ts.length === 0 ? 0 : weight / Math.sqrt(ts.length) };
    });
    const chosen = [...scored]
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, this.maxSentences)
      .sort((a, b) => a.index - b.index)
      .map((s) => s.sentence);
    const keywords = [...frequency.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, this.maxKeywords)
      .map(([word]) => word);
    return `Summary: ${chosen.join(' ')}\nKeywords: ${keywords.length > 0 ? keywords.join(', ') : '(none)'}`;
  }

  private throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted) {
      throw new ModelError('ERR_MODEL_ABORTED', `Model ${this.name} call was aborted`, { model: this.name }, signal.reason);
    }
  }
}
