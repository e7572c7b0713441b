import { z } from 'zod';

/** Where a new actor lives. `hash` (of its id) spreads actors evenly and needs no coordination. */
export type Placement = 'hash' | 'least-loaded' | 'local' | { worker: number };

export type OverflowPolicy = 'reject' | 'drop-oldest' | 'drop-newest';

export interface MailboxOptions {
  /** Maximum queued messages; unbounded when absent. */
  capacity?: number;
  /** What a full mailbox does with a new message (default `reject`). */
  overflow?: OverflowPolicy;
}

export interface SpawnOptions<A = unknown> {
  /** Unique id (also the registry name). Generated when absent. */
  id?: string;
  args?: A;
  placement?: Placement;
  mailbox?: MailboxOptions;
  /** Groups receive `broadcast(message, { group })`. */
  groups?: string[];
  /** Messages handled per turn before the scheduler moves to the next actor. */
  throughput?: number;
  /**
   * Set by supervisors for their children: a failure is reported to the parent (which decides) instead
   * of the default in-place restart.
   */
  supervised?: boolean;
}

export const SpawnOptionsSchema = z.object({
  id: z.string().min(1).max(512).optional(),
  args: z.unknown().optional(),
  placement: z.union([
    z.enum(['hash', 'least-loaded', 'local']),
    z.object({ worker: z.number().int().min(1) }),
  ]).optional(),
  mailbox: z.object({
    capacity: z.number().int().positive().optional(),
    overflow: z.enum(['reject', 'drop-oldest', 'drop-newest']).optional(),
  }).optional(),
  groups: z.array(z.string().min(1)).optional(),
  throughput: z.number().int().positive().optional(),
  supervised: z.boolean().optional(),
}).strict();
