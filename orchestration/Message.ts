/**
 * The envelope agents exchange. It is plain data (no class instances) so that it can cross worker
 * threads, be persisted and be logged as is.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MessageValidationError } from '../runtime/errors.js';
import { fieldOf, isPlainData } from './parseOptions.js';

export const MESSAGE_TYPES = [
  'task',
  'query',
  'response',
  'broadcast',
  'error',
  'status',
  'handoff',
  'handoff-return',
] as const;

export type MessageType = (typeof MESSAGE_TYPES)[number];

/** JSON-like data: what `content` and `metadata` values may hold. */
export type PlainData = string | number | boolean | null | PlainData[] | { [key: string]: PlainData | undefined };

const plainData = z.custom<PlainData>((v) => isPlainData(v), {
  message: 'Expected plain data (string, finite number, boolean, null, array or plain object)',
});

const nonEmpty = z.string().min(1);

export const AgentMessage = z.strictObject({
  id: nonEmpty,
  type: z.enum(MESSAGE_TYPES),
  sender: nonEmpty,
  /** Absent for broadcasts: those go to every agent except the sender. */
  recipient: nonEmpty.optional(),
  content: plainData,
  threadId: nonEmpty.optional(),
  sessionId: nonEmpty.optional(),
  tenantId: nonEmpty.optional(),
  metadata: z.record(z.string(), plainData).optional(),
  /** Epoch milliseconds: sortable and cheap to compare, unlike date strings. */
  timestamp: z.number().int().nonnegative(),
});

export type AgentMessage = z.output<typeof AgentMessage>;

export type MessageInit = Omit<AgentMessage, 'id' | 'timestamp'> & { id?: string; timestamp?: number };

function toValidationError(error: z.ZodError): MessageValidationError {
  const issue = error.issues[0]!;
  const field = fieldOf('', issue) || '(message)';
  return new MessageValidationError(`Invalid agent message field ${field}: ${issue.message}`, { field });
}

/** Fills in `id` and `timestamp` and validates; throws `MessageValidationError` naming the field. */
export function createMessage(init: MessageInit, now: () => number = Date.now): AgentMessage {
  const candidate = { ...init, id: init.id ?? randomUUID(), timestamp: init.timestamp ?? now() };
  // Drop undefined optionals so that `{ recipient: undefined }` is the same as leaving it out.
  for (const key of Object.keys(candidate) as (keyof typeof candidate)[]) {
    if (candidate[key] === undefined) delete candidate[key];
  }
  const parsed = AgentMessage.safeParse(candidate);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

/** Validates a message that arrived from elsewhere (another thread, the store, the network). */
export function parseMessage(value: unknown): AgentMessage {
  const parsed = AgentMessage.safeParse(value);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

/** A reply to `original`, addressed back to its sender on the same thread, session and tenant. */
export function replyTo(
  original: AgentMessage,
  init: { sender: string; content: PlainData; type?: MessageType; metadata?: AgentMessage['metadata'] },
  now: () => number = Date.now,
): AgentMessage {
  return createMessage(
    {
      type: init.type ?? 'response',
      sender: init.sender,
      recipient: original.sender,
      content: init.content,
      threadId: original.threadId,
      sessionId: original.sessionId,
      tenantId: original.tenantId,
      metadata: { ...init.metadata, inReplyTo: original.id },
    },
    now,
  );
}
