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
  /**
   * Keep this actor in the system's LMDB store: a durable mailbox (a message is logged before it is
   * delivered, and `offer` resolves once it is committed) and state snapshots every N messages /
   * T ms and on stop. A new actor with the same id starts from the snapshot and replays the log.
   */
  persistent?: boolean | { mailbox?: boolean; snapshotEvery?: number; snapshotIntervalMs?: number };
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
  persistent: z.union([z.boolean(), z.object({
    mailbox: z.boolean().optional(),
    snapshotEvery: z.number().int().min(0).optional(),
    snapshotIntervalMs: z.number().int().min(0).optional(),
  }).strict()]).optional(),
}).strict();
