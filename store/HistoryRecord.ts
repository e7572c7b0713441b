import { StorageError } from '../runtime/errors.js';
import { isKeyPart, KEY_PART_RULE } from './keyRanges.js';

/** One message as the history keeps it. */
export interface HistoryRecord {
  id: string;
  time: number;
  sender?: string;
  recipient: string;
  type: string;
  sessionId?: string;
  threadId?: string;
  tenantId?: string;
  payload: unknown;
}

/** What `append` takes: the store assigns `id` (monotonic) and `time` (now) when absent. */
export type HistoryDraft = Omit<HistoryRecord, 'id' | 'time'> & { id?: string; time?: number };

/**
 * Stored value. `time` and `id` live in the key [time, id]; the rest is a positional array because
 * msgpack writes an array without field names, which makes records smaller and faster to decode.
 */
export type StoredHistoryTuple = [
  sender: string | null,
  recipient: string,
  type: string,
  sessionId: string | null,
  threadId: string | null,
  tenantId: string | null,
  payload: unknown,
];

export const SENDER = 0;
export const RECIPIENT = 1;
export const TYPE = 2;
export const SESSION = 3;
export const THREAD = 4;
export const TENANT = 5;
const PAYLOAD = 6;

function invalid(field: string, id: string | undefined): never {
  throw new StorageError('ERR_STORE_RECORD', `History record field "${field}" ${KEY_PART_RULE}`, {
    field,
    ...(id === undefined ? {} : { id }),
  });
}

/** Hand-written checks (not zod): this runs once per appended message. */
export function toTuple(draft: HistoryDraft, id: string): StoredHistoryTuple {
  const { sender, recipient, type, sessionId, threadId, tenantId } = draft;
  if (!isKeyPart(recipient)) invalid('recipient', id);
  if (!isKeyPart(type)) invalid('type', id);
  if (sender !== undefined && !isKeyPart(sender)) invalid('sender', id);
  if (sessionId !== undefined && !isKeyPart(sessionId)) invalid('sessionId', id);
  if (threadId !== undefined && !isKeyPart(threadId)) invalid('threadId', id);
  if (tenantId !== undefined && !isKeyPart(tenantId)) invalid('tenantId', id);
  return [sender ?? null, recipient, type, sessionId ?? null, threadId ?? null, tenantId ?? null, draft.payload];
}

export function fromTuple(time: number, id: string, t: StoredHistoryTuple): HistoryRecord {
  const record: HistoryRecord = { id, time, recipient: t[RECIPIENT], type: t[TYPE], payload: t[PAYLOAD] };
  if (t[SENDER] !== null) record.sender = t[SENDER];
  if (t[SESSION] !== null) record.sessionId = t[SESSION];
  if (t[THREAD] !== null) record.threadId = t[THREAD];
  if (t[TENANT] !== null) record.tenantId = t[TENANT];
  return record;
}
