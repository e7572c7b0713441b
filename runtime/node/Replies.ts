import { messageTypeOf } from '../Transferable.js';

/*
 * Who is waiting for an answer: the asks and control requests this thread sent (PendingAsk), and
 * the address of an asker on another thread (RemoteReply). Shared by the node, which settles and
 * answers them, and by the control plane, migration and worker-death handling, which create, carry
 * or fail them.
 */

/** A remote asker's address, kept in the mailbox where a local ask keeps its numeric id. */
export class RemoteReply {
  constructor(readonly origin: number, readonly corr: number) {}
}

export interface PendingAsk {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout | undefined;
  /** Set for asks (their deadline is in AskDeadlines); the message type is derived only on timeout. */
  timeoutMs?: number;
  message?: unknown;
  target: string;
  node: number;
  type: string;
  started: number;
}

/** The message type of a pending ask or control request, for its error. */
export function askType(p: PendingAsk): string {
  return p.type || messageTypeOf(p.message);
}
