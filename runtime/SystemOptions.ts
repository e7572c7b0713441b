import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { Logger } from 'pino';
import { InvalidOptionError } from './errors.js';

export const SystemOptionsSchema = z.object({
  /** Worker threads hosting actors (default: one per core). */
  workers: z.number().int().min(1).max(64).default(() => availableParallelism()),
  /** Default placement of new actors. */
  placement: z.enum(['hash', 'least-loaded']).default('hash'),
  /** Default messages per actor per turn: keeps a deep mailbox from starving its neighbours. */
  throughput: z.number().int().min(1).max(1_000_000).default(128),
  /** Default `ask` timeout. */
  askTimeoutMs: z.number().int().positive().default(5000),
  /** Size of each cross-thread ring, in bytes (a power of two, at least 64 KiB). */
  ringBytes: z.number().int().min(65536).refine((n) => (n & (n - 1)) === 0, 'must be a power of two').default(1 << 20),
  /** Longest synchronous slice of the scheduler before it yields to the event loop (I/O, timers). */
  sliceMs: z.number().positive().max(1000).default(10),
  /**
   * How long an idle worker polls its rings before it sleeps: trades CPU for wake-up latency. This
   * is the base: while messages keep arriving within a few hundred microseconds of the last, a
   * worker polls longer (up to 1 ms) so that a stream of asks never waits for a wake-up. 0 turns
   * polling off altogether (every message after a quiet spell then pays a thread wake-up).
   */
  idleSpinMicros: z.number().int().min(0).max(100_000).default(100),
  /**
   * After the main thread sends an ask with nothing else to do, it polls for the reply this long
   * before sleeping: a round trip then costs no thread wake-up. When the ask had to wake the
   * target worker, it polls six times as long (the reply then includes that wake-up). 0 turns it off.
   */
  askSpinMicros: z.number().int().min(0).max(10_000).default(50),
  /** Deadline for a graceful stop: mailboxes drain until then, then actors are terminated. */
  stopDeadlineMs: z.number().int().min(0).default(5000),
  /** Per-worker V8 limits (a worker over them dies and is replaced). */
  resourceLimits: z.object({
    maxOldGenerationSizeMb: z.number().positive().optional(),
    maxYoungGenerationSizeMb: z.number().positive().optional(),
    stackSizeMb: z.number().positive().optional(),
  }).optional(),
  /**
   * JavaScript cannot preempt a handler stuck in a loop; the watchdog notices a worker that stops
   * answering and replaces it (its actors are re-hosted). `false` turns it off.
   */
  watchdog: z.union([z.literal(false), z.object({
    intervalMs: z.number().int().positive().default(1000),
    unresponsiveMs: z.number().int().positive().default(10_000),
  })]).default({ intervalMs: 1000, unresponsiveMs: 10_000 }),
  /**
   * LMDB persistence: one store at `path` shared by every thread, for durable mailboxes, snapshots,
   * sessions and the message history (`history` says which messages it records).
   */
  persistence: z.object({
    path: z.string().min(1),
    history: z.object({
      record: z.enum(['all', 'none']),
      actors: z.array(z.string()).optional(),
      types: z.array(z.string()).optional(),
    }).default({ record: 'none' }),
    /** Skip fsync: commits survive a process crash, not a power loss. */
    noSync: z.boolean().default(false),
  }).strict().optional(),
  /**
   * Health monitoring and alert thresholds (defaults: systemLoad 0.8, agentHealth 0.9, resourceUsage
   * 0.7, communicationLatencyMs 1000, updateIntervalMs 60000, monitoringIntervalMs 300000) and the
   * policies alerts drive. `false` turns monitoring off. Validated by the monitor itself.
   */
  monitoring: z.union([z.literal(false), z.record(z.string(), z.unknown())]).default({}),
  /**
   * Opt-in live dashboard and gateway served by the running system (see dashboard/). Options are
   * validated by the dashboard itself: port (0 = any free), host (default 127.0.0.1), apiKeys...
   */
  dashboard: z.record(z.string(), z.unknown()).optional(),
  /** Replace a worker that dies, re-hosting its actors (default true). */
  restartWorkers: z.boolean().default(true),
  /** A pino logger; one is created (warn level, stderr) when absent. */
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function', {
    message: 'logger must be a pino logger',
  }).optional(),
  /** Log level for the workers' loggers (default: the main logger's level). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
}).strict();

export type SystemOptions = z.input<typeof SystemOptionsSchema>;
export type ResolvedSystemOptions = z.output<typeof SystemOptionsSchema>;

/** Validate once at the edge; the error names the offending option. */
export function resolveSystemOptions(options: SystemOptions = {}): ResolvedSystemOptions {
  const parsed = SystemOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys?.join(', ') : '') || '(options)';
    throw new InvalidOptionError(`invalid system option '${option}': ${issue.message}`, { option });
  }
  return parsed.data;
}
