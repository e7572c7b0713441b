import { defineActor, type ActorRef } from '../../index.js';

/**
 * Savina benchmarks as Troupe actors. A `Driver` runs one benchmark inside a worker, with every
 * actor placed on that same worker, and answers with the elapsed time measured there: what is
 * timed is the runtime's same-thread hot path, as `erl +S 1` times Erlang's.
 *
 * Completion is signalled through `finish` callbacks held in this module: the benchmark actors and
 * the driver share a thread, and the driver waits on a promise while its actors run.
 */
type Done = () => void;
const callbacks = new Map<number, Done>();
let nextRun = 0;

function onFinish(): { id: number; done: Promise<void> } {
  const id = ++nextRun;
  const done = new Promise<void>((resolve) => callbacks.set(id, () => { callbacks.delete(id); resolve(); }));
  return { id, done };
}
function finish(id: number): void {
  callbacks.get(id)?.();
}

// ------------------------------------------------------------------ PingPong

export const Pong = defineActor({
  name: 'Pong', module: import.meta.url,
  init: () => 0,
  receive: (_n: number, _msg: number, ctx) => { ctx.tell(ctx.sender!, 1); },
});

export const Ping = defineActor({
  name: 'Ping', module: import.meta.url,
  init: (a: { left: number; pong: ActorRef<number>; run: number }) => a,
  receive: (s: { left: number; pong: ActorRef<number>; run: number }, _msg: number, ctx) => {
    if (--s.left <= 0) finish(s.run);
    else ctx.tell(s.pong, 1);
  },
});

// ------------------------------------------------------------------ Counting

const COUNTING_CHUNK = 1024;

export const CountingCounter = defineActor({
  name: 'CountingCounter', module: import.meta.url,
  init: (a: { expect: number; run: number }) => ({ n: 0, ...a }),
  receive: (s: { n: number; expect: number; run: number }, _msg: number) => {
    if (++s.n === s.expect) finish(s.run);
  },
});

/**
 * Sends in chunks (a message to itself between chunks), as a non-preemptive runtime must: the
 * chunk equals the counter's throughput, so producer and consumer alternate as Erlang's reduction
 * counting makes them do, and the counter's mailbox stays short.
 */
export const CountingProducer = defineActor({
  name: 'CountingProducer', module: import.meta.url,
  init: (a: { left: number; counter: ActorRef<number> }) => a,
  receive: (s: { left: number; counter: ActorRef<number> }, _msg: 'go', ctx) => {
    const chunk = Math.min(s.left, COUNTING_CHUNK);
    const c = s.counter;
    for (let i = 0; i < chunk; i++) ctx.tell(c, 1);
    s.left -= chunk;
    if (s.left > 0) ctx.tell(ctx.self, 'go');
  },
});

// ------------------------------------------------------------------ ThreadRing

export const RingNode = defineActor({
  name: 'RingNode', module: import.meta.url,
  init: (run: number) => ({ next: undefined as ActorRef<number> | undefined, run }),
  receive: (s: { next: ActorRef<number> | undefined; run: number }, msg: number | { next: ActorRef<number> }, ctx) => {
    if (typeof msg === 'number') {
      if (msg === 0) finish(s.run);
      else ctx.tell(s.next!, msg - 1);
    } else {
      s.next = msg.next;
    }
  },
});

// ------------------------------------------------------------------ Fork-Join

export const ForkJoinWorker = defineActor({
  name: 'ForkJoinWorker', module: import.meta.url,
  init: (a: { expect: number; run: number; group: { left: number } }) => ({ n: 0, ...a }),
  receive: (s: { n: number; expect: number; run: number; group: { left: number } }, _msg: number) => {
    if (++s.n === s.expect && --s.group.left === 0) finish(s.run);
  },
});

export const ForkJoinFeeder = defineActor({
  name: 'ForkJoinFeeder', module: import.meta.url,
  init: (a: { workers: ActorRef<number>[]; left: number }) => a,
  receive: (s: { workers: ActorRef<number>[]; left: number }, _msg: 'go', ctx) => {
    const chunk = Math.min(s.left, 128);
    const ws = s.workers;
    for (let i = 0; i < chunk; i++) for (let w = 0; w < ws.length; w++) ctx.tell(ws[w]!, 1);
    s.left -= chunk;
    if (s.left > 0) ctx.tell(ctx.self, 'go');
  },
});

// ------------------------------------------------------------------ Big

export const BigActor = defineActor({
  name: 'BigActor', module: import.meta.url,
  init: (a: { pings: number; run: number; group: { left: number }; peers: ActorRef<number>[] }) => ({ ...a, sent: 0, seed: a.pings * 7919 + 17 }),
  receive: (s: { pings: number; sent: number; seed: number; run: number; group: { left: number }; peers: ActorRef<number>[] }, msg: number, ctx) => {
    if (msg === 0) { ctx.tell(ctx.sender!, 1); return; } // ping -> pong
    // pong (or the kick-off): send the next ping to a pseudo-random peer
    if (s.sent === s.pings) { if (--s.group.left === 0) finish(s.run); return; }
    s.sent++;
    s.seed = (s.seed * 1103515245 + 12345) & 0x7fffffff;
    ctx.tell(s.peers[s.seed % s.peers.length]!, 0);
  },
});

// ------------------------------------------------------------------ Chameneos

const enum Colour { Blue = 0, Red = 1, Yellow = 2 }
function complement(a: Colour, b: Colour): Colour {
  return a === b ? a : (3 - a - b) as Colour;
}

export const Mall = defineActor({
  name: 'Mall', module: import.meta.url,
  init: (a: { meetings: number; run: number; creatures: number }) => ({ ...a, waiting: undefined as ActorRef | undefined, waitingColour: 0, done: 0 }),
  receive: (s: { meetings: number; run: number; creatures: number; waiting: ActorRef | undefined; waitingColour: number; done: number }, msg: number, ctx) => {
    if (s.meetings === 0) {
      // No more meetings: tell the creature to stop; finish when all have stopped.
      ctx.tell(ctx.sender!, -1);
      if (++s.done === s.creatures) finish(s.run);
      return;
    }
    if (s.waiting === undefined) {
      s.waiting = ctx.sender;
      s.waitingColour = msg;
    } else {
      s.meetings--;
      const c = complement(s.waitingColour, msg);
      ctx.tell(s.waiting, c);
      ctx.tell(ctx.sender!, c);
      s.waiting = undefined;
    }
  },
});

export const Chameneo = defineActor({
  name: 'Chameneo', module: import.meta.url,
  init: (a: { mall: ActorRef<number>; colour: number }) => ({ ...a, meetings: 0 }),
  receive: (s: { mall: ActorRef<number>; colour: number; meetings: number }, msg: number, ctx) => {
    if (msg === -1) return; // the mall is closed
    if (msg !== -2) { s.colour = msg; s.meetings++; }
    ctx.tell(s.mall, s.colour);
  },
});

// ------------------------------------------------------------------ Spawn / idle memory

export const Idle = defineActor({
  name: 'Idle', module: import.meta.url,
  init: () => 0,
  receive: () => undefined,
});

export const ForkJoinCreate = defineActor({
  name: 'ForkJoinCreate', module: import.meta.url,
  init: (a: { run: number; group: { left: number } }) => a,
  receive: (s: { run: number; group: { left: number } }) => { if (--s.group.left === 0) finish(s.run); },
});

// ------------------------------------------------------------------ Driver

export type SavinaRequest =
  | { bench: 'pingpong'; n: number }
  | { bench: 'counting'; n: number }
  | { bench: 'threadring'; actors: number; hops: number }
  | { bench: 'forkjoin'; actors: number; messages: number }
  | { bench: 'forkjoin-create'; actors: number }
  | { bench: 'big'; actors: number; pings: number }
  | { bench: 'chameneos'; creatures: number; meetings: number }
  | { bench: 'spawn'; actors: number }
  | { bench: 'cleanup' };

export interface SavinaResult { ms: number; messages: number; heapPerActor?: number }

// Options are written out as literals: V8 builds `{ ...obj, k }` objects some 40x slower.

/** Actors of the last 'spawn' step, alive until 'cleanup'. */
const spawned: ActorRef[] = [];

/** Runs one benchmark on its own worker and answers `{ ms, messages }`. */
export const SavinaDriver = defineActor({
  name: 'SavinaDriver', module: import.meta.url,
  init: () => null,
  receive: async (_s: null, req: SavinaRequest, ctx) => {
    const { id: run, done } = onFinish();
    const kids: ActorRef[] = [];
    const spawn = <M, A>(b: Parameters<typeof ctx.spawn<M, A>>[0], args: A): ActorRef<M> => {
      const r = ctx.spawn(b, { placement: 'local', args });
      kids.push(r as ActorRef);
      return r;
    };
    let t0 = 0;
    let messages = 0;
    let heapPerActor: number | undefined;
    switch (req.bench) {
      case 'pingpong': {
        const pong = spawn(Pong, undefined);
        // The kick-off counts as one arrival, so `left` is one more than the round trips.
        const ping = spawn(Ping, { left: req.n + 1, pong, run });
        t0 = performance.now();
        ctx.tell(ping, 1);
        messages = req.n * 2;
        break;
      }
      case 'counting': {
        const counter = ctx.spawn(CountingCounter, { placement: 'local', args: { expect: req.n, run }, throughput: COUNTING_CHUNK });
        kids.push(counter as ActorRef);
        // Throughput 1: each 'go' it sends itself starts a new turn, so the counter gets its turn
        // between two chunks (a turn counts messages handled, not messages sent).
        const producer = ctx.spawn(CountingProducer, { placement: 'local', args: { left: req.n, counter }, throughput: 1 });
        kids.push(producer as ActorRef);
        t0 = performance.now();
        ctx.tell(producer, 'go');
        messages = req.n;
        break;
      }
      case 'threadring': {
        const nodes: ActorRef<number | { next: ActorRef<number> }>[] = [];
        for (let i = 0; i < req.actors; i++) nodes.push(spawn(RingNode, run));
        for (let i = 0; i < req.actors; i++) ctx.tell(nodes[i]!, { next: nodes[(i + 1) % req.actors] as ActorRef<number> });
        t0 = performance.now();
        ctx.tell(nodes[0]!, req.hops);
        messages = req.hops;
        break;
      }
      case 'forkjoin': {
        const group = { left: req.actors };
        const workers: ActorRef<number>[] = [];
        for (let i = 0; i < req.actors; i++) workers.push(spawn(ForkJoinWorker, { expect: req.messages, run, group }));
        const feeder = ctx.spawn(ForkJoinFeeder, { placement: 'local', args: { workers, left: req.messages }, throughput: 1 });
        kids.push(feeder as ActorRef);
        t0 = performance.now();
        ctx.tell(feeder, 'go');
        messages = req.actors * req.messages;
        break;
      }
      case 'forkjoin-create': {
        const group = { left: req.actors };
        t0 = performance.now();
        for (let i = 0; i < req.actors; i++) ctx.tell(spawn(ForkJoinCreate, { run, group }), 1);
        messages = req.actors;
        break;
      }
      case 'big': {
        const group = { left: req.actors };
        const peers: ActorRef<number>[] = [];
        for (let i = 0; i < req.actors; i++) peers.push(spawn(BigActor, { pings: req.pings, run, group, peers }));
        t0 = performance.now();
        for (const p of peers) ctx.tell(p, 1);
        messages = req.actors * req.pings * 2;
        break;
      }
      case 'chameneos': {
        const mall = spawn(Mall, { meetings: req.meetings, run, creatures: req.creatures });
        t0 = performance.now();
        for (let i = 0; i < req.creatures; i++) ctx.tell(spawn(Chameneo, { mall, colour: i % 3 }), -2);
        messages = req.meetings * 4;
        break;
      }
      case 'spawn': {
        globalThis.gc?.();
        const before = process.memoryUsage().heapUsed;
        t0 = performance.now();
        for (let i = 0; i < req.actors; i++) spawn(Idle, undefined);
        const ms = performance.now() - t0;
        globalThis.gc?.();
        heapPerActor = (process.memoryUsage().heapUsed - before) / req.actors;
        // The actors stay up until 'cleanup': the caller measures the main thread's side meanwhile.
        for (const k of kids) spawned.push(k);
        return void ctx.reply({ ms, messages: req.actors, heapPerActor } satisfies SavinaResult);
      }
      case 'cleanup': {
        await stopAll(spawned.splice(0), ctx);
        return void ctx.reply({ ms: 0, messages: 0 } satisfies SavinaResult);
      }
    }
    await done;
    const ms = performance.now() - t0;
    await stopAll(kids, ctx);
    ctx.reply({ ms, messages } satisfies SavinaResult);
  },
});

/**
 * Stop a benchmark's actors in slices, yielding to the event loop between them: a million stops in
 * one go would hold the worker past the watchdog's unresponsive limit.
 */
async function stopAll(kids: ActorRef[], ctx: { stop(ref: ActorRef): void }): Promise<void> {
  for (let i = 0; i < kids.length; i += 20_000) {
    const end = Math.min(kids.length, i + 20_000);
    for (let j = i; j < end; j++) ctx.stop(kids[j]!);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
