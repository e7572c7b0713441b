/**
 * What an agent needs from a language model, and no more: a whole answer, or the answer as it is
 * produced. Implementations: `LocalModel` (deterministic, offline) and `OpenAICompatibleModel`.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  /** Sent ahead of `messages` as a system message. */
  system?: string;
  /** Cancels the call; the model then rejects (or ends the stream) with `ModelError` `ERR_MODEL_ABORTED`. */
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface CompletionResult {
  content: string;
  usage?: TokenUsage;
  model?: string;
  finishReason?: string;
}

export interface AgentModel {
  complete(request: CompletionRequest): Promise<CompletionResult>;
  /** The answer's text in order, chunk by chunk, as the model produces it. */
  stream(request: CompletionRequest): AsyncIterable<string>;
}
