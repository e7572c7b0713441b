import { z, type ZodType } from 'zod';
import { RequestError } from './http.js';

const message = z.custom<unknown>((v) => v !== undefined, { message: 'is required (the message to deliver, any JSON value)' });

/** `POST /actors/:id/tell` */
export const TellBodySchema = z.strictObject({ message });

/** `POST /actors/:id/ask` */
export function askBodySchema(maxTimeoutMs: number) {
  return z.strictObject({
    message,
    /** Reject with 504 after this many ms (default: the system's ask timeout). */
    timeoutMs: z.number().int().min(1).max(maxTimeoutMs).optional(),
  });
}

export type TellBody = z.output<typeof TellBodySchema>;
export type AskBody = z.output<ReturnType<typeof askBodySchema>>;

/** Validate a request body; a 400 that names the first failing field. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  const what = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  throw new RequestError(400, 'ERR_INVALID_REQUEST', `invalid request body: '${field}' ${what}`, { field });
}
