import { now, throughput, type Throughput } from './stats.js';

interface Inc {
  type: 'inc';
  n: number;
}

/**
 * A growable power-of-two ring: what a hand-written same-thread mailbox looks like. Array#shift is
 * O(n) once V8 leaves its fast path, so a real mailbox would not use it, and neither does the floor.
 */
class Ring<T> {
  private buf: (T | undefined)[] = new Array(1024);
  private mask = 1023;
  private head = 0;
  private tail = 0;

  push(item: T): void {
    if (this.tail - this.head === this.buf.length) this.grow();
    this.buf[this.tail++ & this.mask] = item;
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const i = this.head++ & this.mask;
    const item = this.buf[i];
    // Release the slot so a drained mailbox does not pin its old messages.
    this.buf[i] = undefined;
    return item;
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = this.head, j = 0; i < this.tail; i++, j++) next[j] = this.buf[i & this.mask];
    this.tail -= this.head;
    this.head = 0;
    this.buf = next;
    this.mask = next.length - 1;
  }
}

export interface QueueLoopOptions {
  /** Messages enqueued before each drain; a scheduler turn delivers a burst, not one message. */
  readonly burst?: number;
  /** Skip the JIT warm-up pass (tests). */
  readonly warmup?: boolean;
}

function queueLoop(messages: number, burst: number): number {
  const queue = new Ring<Inc>();
  const state = { total: 0 };
  const handler = (m: Inc): void => {
    if (m.type === 'inc') state.total += m.n;
  };
  let sent = 0;
  while (sent < messages) {
    const end = Math.min(messages, sent + burst);
    for (; sent < end; sent++) queue.push({ type: 'inc', n: sent });
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) handler(m);
  }
  return state.total;
}

function directLoop(messages: number): number {
  const state = { total: 0 };
  const handler = (m: Inc): void => {
    if (m.type === 'inc') state.total += m.n;
  };
  for (let i = 0; i < messages; i++) handler({ type: 'inc', n: i });
  return state.total;
}

function measure(messages: number, warmup: boolean, loop: (n: number) => number): Throughput {
  if (warmup) loop(Math.min(200_000, Math.max(1, messages >> 2)));
  const t0 = now();
  const total = loop(messages);
  const elapsed = now() - t0;
  // Checking the sum keeps the loop observable, so the JIT cannot drop it, and catches lost messages.
  if (total !== (messages * (messages - 1)) / 2) throw new Error(`queue loop lost messages: ${total}`);
  return throughput(messages, elapsed);
}

/**
 * Same-thread mailbox floor: allocate `{ type: 'inc', n }`, enqueue it on a ring, dequeue it and
 * dispatch it to a handler. Any same-thread actor mailbox pays at least this per message.
 */
export function plainQueueLoop(messages: number, options: QueueLoopOptions = {}): Throughput {
  const burst = Math.max(1, options.burst ?? 256);
  return measure(messages, options.warmup ?? true, (n) => queueLoop(n, burst));
}

/** The same messages passed to the handler by a direct call: what the queue itself costs on top. */
export function directCallLoop(messages: number, options: QueueLoopOptions = {}): Throughput {
  return measure(messages, options.warmup ?? true, directLoop);
}

/** The smallest record an in-process actor could be: an id, an empty mailbox, state, a behaviour. */
interface ActorRecord {
  id: number;
  mailbox: unknown[];
  state: unknown;
  behavior: (m: unknown) => void;
}

/**
 * Allocate `count` actor-shaped records and keep them all reachable in a Map by id: the floor of
 * spawning an actor in process, the fallback baseline for a spawn benchmark when BEAM is absent.
 */
export function plainActorAlloc(count: number, options: { warmup?: boolean } = {}): Throughput {
  const behavior = (): void => {};
  const alloc = (n: number): number => {
    const actors = new Map<number, ActorRecord>();
    for (let i = 0; i < n; i++) actors.set(i, { id: i, mailbox: [], state: undefined, behavior });
    return actors.size;
  };
  if (options.warmup ?? true) alloc(Math.min(100_000, Math.max(1, count >> 3)));
  const t0 = now();
  const size = alloc(count);
  const elapsed = now() - t0;
  if (size !== count) throw new Error(`allocated ${size} of ${count} actors`);
  return throughput(count, elapsed);
}
