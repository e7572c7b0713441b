import type { IncomingMessage, ServerResponse } from 'node:http';
import { TroupeError, type ErrorContext } from '../runtime/errors.js';

/** A request the server refuses, with the HTTP status to answer and (for bad input) the field. */
export class RequestError extends TroupeError {
  constructor(readonly status: number, code: string, message: string, context: ErrorContext = {}) {
    super(code, message, context);
  }
}

/** The error body every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** HTTP status for the runtime's typed errors; anything unknown is a 500. */
const STATUS_BY_CODE: Record<string, number> = {
  ERR_INVALID_OPTION: 400,
  ERR_MESSAGE_INVALID: 400,
  ERR_MESSAGE_UNSERIALIZABLE: 400,
  ERR_ACTOR_NOT_FOUND: 404,
  ERR_ACTOR_FAILED: 500,
  ERR_ASK_TIMEOUT: 504,
  ERR_TASK_ABORTED: 504,
  ERR_MAILBOX_FULL: 503,
  ERR_SYSTEM_STOPPED: 503,
  ERR_WORKER_DIED: 503,
};

export function statusOf(err: unknown): number {
  if (err instanceof RequestError) return err.status;
  if (err instanceof TroupeError) return STATUS_BY_CODE[err.code] ?? 500;
  return 500;
}

/** The body for an error: typed errors say what they are; anything else is not described. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof TroupeError) {
    const field = typeof err.context.field === 'string' ? err.context.field : undefined;
    return { error: { code: err.code, message: err.message, ...(field !== undefined ? { field } : {}) } };
  }
  return { error: { code: 'ERR_INTERNAL', message: 'internal error' } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): number {
  const status = statusOf(err);
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  sendJson(res, status, errorBody(err), headers);
  return status;
}

export function sendText(res: ServerResponse, status: number, text: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Read a JSON body of at most `limit` bytes; 413 past it, 415 for another content type, 400 for bad JSON. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new RequestError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `the body must be application/json (got '${type || 'none'}')`, { field: '(body)' });
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new RequestError(400, 'ERR_INVALID_REQUEST', 'the request body is empty: expected a JSON object', { field: '(body)' });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RequestError(400, 'ERR_INVALID_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`, { field: '(body)' });
  }
}

function tooLarge(limit: number): RequestError {
  return new RequestError(413, 'ERR_BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`, { field: '(body)', limit });
}
