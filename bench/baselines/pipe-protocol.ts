import type { MessagePort } from 'node:worker_threads';

/** How the producer worker frames messages for the consumer worker. */
export type PipeEncoding =
  /** One structured clone per postMessage. */
  | 'clone'
  /** An array of `batch` messages per postMessage, structured-cloned. */
  | 'clone-batch'
  /** An array of `batch` messages packed by msgpackr into an ArrayBuffer that is transferred. */
  | 'msgpack-batch'
  /** The SharedArrayBuffer SPSC ring, published every `batch` messages. */
  | 'sab-ring'
  /** The same ring, objects packed with msgpackr sequential records (shape sent once). */
  | 'sab-ring-records'
  /** The same ring, each batch of `batch` messages packed by msgpackr as one array frame. */
  | 'sab-ring-batch';

/** What each message is: `{ type: 'inc', n }`, the number `n`, or the short string `inc:n`. */
export type PipePayload = 'object' | 'number' | 'string';

export interface PipeWorkerData {
  role: 'producer' | 'consumer';
  encoding: PipeEncoding;
  payload: PipePayload;
  count: number;
  batch: number;
  port?: MessagePort;
  ring?: SharedArrayBuffer;
}

export interface ReadyMsg {
  type: 'ready';
}
export interface SentMsg {
  type: 'sent';
  checksum: number;
}
export interface DoneMsg {
  type: 'done';
  received: number;
  checksum: number;
}

export function makeMessage(payload: PipePayload, i: number): unknown {
  switch (payload) {
    case 'object':
      return { type: 'inc', n: i };
    case 'number':
      return i;
    case 'string':
      return 'inc:' + i;
  }
}

/**
 * What the consumer adds up per message. Both sides compute it, so a benchmark that drops,
 * duplicates or mangles messages fails instead of reporting a fast wrong figure.
 */
export function checksumOf(msg: unknown): number {
  if (typeof msg === 'number') return msg;
  if (typeof msg === 'string') return msg.length + msg.charCodeAt(msg.length - 1);
  const o = msg as { type?: unknown; n?: unknown };
  if (o.type !== 'inc' || typeof o.n !== 'number') throw new Error('mangled message ' + JSON.stringify(msg));
  return o.n;
}
