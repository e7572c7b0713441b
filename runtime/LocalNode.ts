import type { Logger } from 'pino';
import type { AskOptions, Signal } from '../actors/ActorContext.js';
import type { Behaviour } from '../actors/Behaviour.js';
import { ActorRef, setRefHost, type RefHost } from './ActorRef.js';
import { ActorCell, SIGNAL, Status, validationError } from './ActorCell.js';
import {
  ActorFailedError, ActorNotFoundError, AskTimeoutError, SystemStoppedError,
  errorFromWire, errorToWire, type WireError,
} from './errors.js';
import { Kind } from './transport/Frames.js';
import { InboundLink, OutboundLink } from './transport/RingLink.js';
import { assertTransferable, messageTypeOf } from './Transferable.js';
import type { SpawnOptions } from './SpawnOptions.js';
import { Store } from '../store/Store.js';
import { HistoryPolicy } from '../store/HistoryPolicy.js';
import { AskDeadlines } from './AskDeadlines.js';
import { ActorShutdown } from './node/ActorShutdown.js';
import { answerControl, onControl, sendControl, type ControlHook } from './node/ControlPlane.js';
import { sendDeadLetter, sendEvent } from './node/DeadLettersAndEvents.js';
import { LinksAndWatches } from './node/LinksAndWatches.js';
import { Migrations } from './node/Migrations.js';
import type { NodeSettings, NodeTopology } from './node/NodeSettings.js';
import { NodeStatsCollector, type NodeStats } from './node/NodeStats.js';
import { RegistryReporter } from './node/RegistryReporter.js';
import { RemoteReply, askType, type PendingAsk } from './node/Replies.js';
import { PendingAsks } from './node/PendingAsks.js';
import { spawnChildOf, spawnFromSpec, type SpawnSpec } from './node/Spawning.js';
import { Topics, type TopicListener } from './node/Topics.js';
import { relinkWorker, workerDied, workerDown } from './node/WorkerDeath.js';
import { CellIndex } from './node/CellIndex.js';
import { IdleSpin } from './node/IdleSpin.js';
import type { Child } from './Children.js';

// The node's parts that live in runtime/node/ (see each file's header), re-exported for the
// modules that have always imported them from here.
export type { ControlHook } from './node/ControlPlane.js';
export type { NodeSettings, NodeTopology, PersistenceSettings } from './node/NodeSettings.js';
export type { AgentCounters, BehaviourTimings, NodeStats } from './node/NodeStats.js';
export type { RegistryBatch } from './node/RegistryReporter.js';
export type { SpawnSpec } from './node/Spawning.js';
export type { TopicListener } from './node/Topics.js';

const SEQ = 0;
/** How much longer an asker spins when its ask had to wake the target's thread. */
const WOKEN_READER_SPIN_FACTOR = 6;
const SLEEPING = 1;
/** Set in a frame's flag bits when the sender already validated the message against its schema. */
const VALIDATED = 1 << 16;
/** Frames taken from one ring before the scheduler lets actors run: bounds latency under load. */
const DRAIN_BATCH = 4096;
/** Flag on a frame re-delivered after being held for an unknown target. */
const HELD = 1 << 8;
/** Actor turns between two polls of the rings (and two flushes of outgoing frames). */
const TURNS_PER_BATCH = 256;

export type SupervisionHook = (cell: ActorCell, err: unknown, messageType: string) => boolean;

/** Messages between two timed ones (see LocalNode.sampleCountdown). */
const MIN_SAMPLE_EVERY = 64;
const MAX_SAMPLE_EVERY = 4096;

/**
 * The next sampling interval, from the current one and the milliseconds since the last sample:
 * doubled while samples come less than 1 ms apart, halved back toward 64 otherwise.
 * @internal
 */
export function nextSampleInterval(every: number, sinceLastMs: number): number {
  if (sinceLastMs < 1) return Math.min(MAX_SAMPLE_EVERY, every * 2);
  return every > MIN_SAMPLE_EVERY ? every >> 1 : MIN_SAMPLE_EVERY;
}

/** How long a thread relays an ask for an actor that migrated away (see forward). */
const RELAY_TIMEOUT_MS = 3_600_000;

/**
 * Everything one thread knows: its actors, its run queue, its ends of the rings to every other
 * thread, and the asks it is waiting on. The main thread and every worker run one. The hot path
 * (tell to a local actor, run a turn) touches only this object and the cell: no locks, no
 * allocation per message, no hop through the main thread.
 */

/**
 * The least time a control request (spawn, stop, watch, migrate, stats, ...) is given. These are
 * the runtime's own requests: an `askTimeoutMs` chosen short for an application's asks must not
 * make a migration fail on a loaded machine. A worker that dies fails them at once, and the
 * watchdog bounds one that hangs.
 */
const CONTROL_TIMEOUT_FLOOR_MS = 10_000;

export class LocalNode implements RefHost {
  readonly id: number;
  readonly workers: number;
  readonly cells = new CellIndex();
  current: ActorCell | undefined = undefined;
  controlHook: ControlHook | undefined;
  supervisionHook: SupervisionHook | undefined;
  stopping = false;

  // This thread's ends of the rings. Not private: the control plane, topics, the registry reporter,
  // migration and worker-death handling (runtime/node/) send on them too.
  /** @internal */ readonly out: (OutboundLink | undefined)[] = [];
  /** @internal */ readonly inbound: InboundLink[] = [];
  private readonly doorbells: Int32Array[];
  private readonly myBell: Int32Array;
  /** @internal */ readonly dirty: OutboundLink[] = [];
  /** @internal */ readonly deadNodes = new Set<number>();
  /** @internal Frames for a worker that is being replaced: delivered to its successor once relinked. */
  readonly held = new Map<number, { kind: number; target: ActorRef | undefined; sender: ActorRef | undefined; corr: number; value: unknown }[]>();

  // Run queue: a growable ring of cells.
  private rq: (ActorCell | undefined)[] = Array.from({ length: 1024 }, () => undefined);
  private rqHead = 0;
  private rqSize = 0;

  private loopState: 0 | 1 | 2 = 0; // 0 idle (waiting), 1 loop scheduled, 2 in loop
  private pass = 0;
  private flushQueued = false;
  /** @internal Asks and control requests waiting for an answer, by correlation id. */
  readonly asks = new PendingAsks();
  /** @internal The next correlation id (see takeCorr). */ nextCorr = 1;
  /** @internal Behaviours this thread has loaded, by key. */
  readonly behaviours = new Map<string, Behaviour>();
  /** The behaviour knowBehaviour saw last (already in `behaviours`). */
  private lastKnown: Behaviour | undefined = undefined;
  private generation = 0;
  /** @internal */ closed = false;
  private storeCache: Store | undefined;
  /** What the message history records (undefined: nothing, or no store configured). */
  history: HistoryPolicy | undefined;

  /** Topics, groups and broadcast on this thread. */
  readonly topics = new Topics(this);
  /** Actors that moved away, and moving them. */
  readonly migrations = new Migrations(this);
  /** Who hears when an actor exits. */
  readonly linksAndWatches = new LinksAndWatches(this);
  /** Stopping, pausing and resuming cells. */
  readonly actorShutdown = new ActorShutdown(this);
  /** Spawns, stops and moves reported to the main thread's registry. */
  readonly registryReporter = new RegistryReporter(this);
  private readonly statsCollector = new NodeStatsCollector();

  constructor(topology: NodeTopology, readonly settings: NodeSettings, readonly log: Logger) {
    this.id = topology.id;
    this.workers = topology.workers;
    this.doorbells = topology.doorbells.map((sab) => new Int32Array(sab));
    this.myBell = this.doorbells[this.id]!;
    this.idleSpin = new IdleSpin(this.settings.idleSpinMicros);
    const n = topology.doorbells.length;
    for (let other = 0; other < n; other++) {
      if (other === this.id) { this.out.push(undefined); continue; }
      const o = topology.rings[this.id]![other];
      this.out.push(o ? new OutboundLink(o) : undefined);
      const i = topology.rings[other]![this.id];
      if (i) this.inbound.push(this.inboundLink(i, other));
    }
    setRefHost(this);
    const p = settings.persistence;
    if (p !== undefined && !(p.history.record === 'none' && !p.history.actors?.length && !p.history.types?.length)) {
      this.history = HistoryPolicy.fromConfig(p.history);
    }
  }

  /** @internal This thread's end of the ring from `other` (at boot, and for a replaced worker). */
  inboundLink(sab: SharedArrayBuffer, other: number): InboundLink {
    return new InboundLink(sab, other, this.makeRef, (err, origin, kind) => {
      this.log.error({ err, worker: this.id, origin, kind }, 'frame could not be handled');
    }, () => this.ringBell(this.doorbells[other]!));
  }

  private readonly makeRef = (id: string, node: number, behaviour: string): ActorRef => this.resolveRef(id, node, behaviour);

  /** The system's LMDB store, opened by this thread on first use (one environment per path). */
  get store(): Store | undefined {
    const p = this.settings.persistence;
    if (p === undefined) return undefined;
    return (this.storeCache ??= Store.open({ path: p.path, noSync: p.noSync, logger: this.log }));
  }

  /** Append a message to the history when the policy wants it. */
  record(recipient: string, message: unknown, sender: ActorRef | undefined): void {
    const type = messageTypeOf(message);
    const senderId = sender?.id;
    if (!this.history!({ sender: senderId, recipient, type })) return;
    const o = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : undefined;
    const draft = {
      sender: senderId, recipient, type, payload: message,
      sessionId: typeof o?.sessionId === 'string' ? o.sessionId : undefined,
      threadId: typeof o?.threadId === 'string' ? o.threadId : undefined,
      tenantId: typeof o?.tenantId === 'string' ? o.tenantId : undefined,
    };
    const written = this.store!.history.append(draft).then(
      () => undefined,
      (err: unknown) => this.log.warn({ err, actor: recipient, messageType: type }, 'history append failed'),
    );
    // Chained, not replaced: an append the store skips or refuses settles at once, ahead of
    // earlier ones still being committed.
    const before = this.historyWrites;
    this.historyWrites = before === undefined ? written : Promise.all([before, written]).then(() => undefined);
  }

  /** Every history append of this thread so far, settled. */
  private historyWrites: Promise<void> | undefined;

  /** Resolves once every history entry this thread recorded so far is committed (or failed). */
  historyWritten(): Promise<void> {
    return this.historyWrites ?? Promise.resolve();
  }

  // ---------------------------------------------------------------- RefHost

  currentSender(): ActorRef | undefined {
    return this.current?.ref;
  }

  resolveRef(id: string, node: number, behaviour: string): ActorRef {
    const ref = new ActorRef(id, node, behaviour);
    if (node === this.id) ref._cell = this.cells.get(id);
    return ref;
  }

  tell(target: ActorRef, message: unknown, sender: ActorRef | undefined): void {
    const cell = target._cell as ActorCell | undefined;
    if (cell !== undefined && cell.status <= Status.Ready) {
      const t = typeof message;
      if (t === 'object' ? message !== null : t === 'function' || t === 'symbol' || t === 'bigint') assertTransferable(message, { actor: target.id, messageType: messageTypeOf(message) });
      cell.enqueue(cell.def.messages === undefined ? message : cell.validate(message), sender, undefined);
      return;
    }
    this.route(Kind.Tell, target, message, sender, 0, undefined);
  }

  /**
   * @internal A correlation id for an ask, an offer or a control request. It crosses threads in an
   * int32 word of a ring frame, so it wraps back to 1 before 2^31: a thread that keeps asking
   * (a million asks a second reach 2^31 in 36 minutes) would otherwise send ids that come back
   * negative, and every cross-thread answer from then on would miss its ask.
   */
  takeCorr(): number {
    let corr = this.nextCorr;
    // Once wrapped, an id may still belong to an ask made 2^31 ids ago (one with a very long
    // timeout): it is skipped.
    if (this.corrWrapped) while (this.asks.has(corr)) corr = corr >= 0x7fffffff ? 1 : corr + 1;
    if (corr >= 0x7fffffff) {
      this.nextCorr = 1;
      this.corrWrapped = true;
    } else {
      this.nextCorr = corr + 1;
    }
    return corr;
  }

  private corrWrapped = false;

  ask(target: ActorRef, message: unknown, options: AskOptions | undefined, sender?: ActorRef): Promise<unknown> {
    const timeoutMs = options?.timeoutMs ?? this.settings.askTimeoutMs;
    return new Promise((resolve, reject) => {
      const corr = this.takeCorr();
      const started = performance.now();
      const pending: PendingAsk = { resolve, reject, timer: undefined, target: target.id, node: target.node, type: '', started, timeoutMs, message };
      this.asks.set(corr, pending);
      this.deadlines.add(corr, started + timeoutMs);
      try {
        this.route(Kind.Ask, target, message, sender ?? this.current?.ref, corr, corr);
      } catch (err) {
        this.settle(corr, err, false);
      }
    });
  }

  private readonly deadlines = new AskDeadlines((corr) => {
    const p = this.asks.get(corr);
    if (p === undefined || p.timeoutMs === undefined) return;
    // An answered ask leaves its id in its deadline's bucket: once ids have wrapped (takeCorr), the
    // id may belong to a newer ask by then, whose own deadline is still to come.
    const now = performance.now();
    if (now < p.started + p.timeoutMs) return;
    this.asks.delete(corr);
    const elapsed = Math.round(now - p.started);
    const type = p.type || messageTypeOf(p.message);
    p.reject(new AskTimeoutError(
      `ask to actor '${p.target}' with message '${type}' timed out after ${elapsed} ms (limit ${p.timeoutMs} ms)`,
      { actor: p.target, messageType: type, elapsedMs: elapsed, timeoutMs: p.timeoutMs, worker: p.node },
    ));
  });

  offer(target: ActorRef, message: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      const corr = this.takeCorr();
      this.asks.set(corr, { resolve: () => resolve(), reject, timer: undefined, target: target.id, node: target.node, type: messageTypeOf(message), started: 0 });
      try {
        this.route(Kind.Tell, target, message, this.current?.ref, corr, corr);
      } catch (err) {
        this.settle(corr, err, false);
      }
    });
  }

  // ---------------------------------------------------------------- routing

  /**
   * Send to wherever the target lives. `corr` travels with remote frames (asks, offers); `reply` is
   * what a local mailbox stores to answer (the numeric ask id).
   */
  private route(kind: Kind, target: ActorRef, message: unknown, sender: ActorRef | undefined, corr: number, reply: unknown): void {
    if (this.closed) {
      throw new SystemStoppedError(`cannot send '${messageTypeOf(message)}' to actor '${target.id}': the system is stopped`, { actor: target.id });
    }
    const t = typeof message;
    if (t === 'object' ? message !== null : t === 'function' || t === 'symbol' || t === 'bigint') assertTransferable(message, { actor: target.id, messageType: messageTypeOf(message) });
    if (target.node === this.id) {
      let cell = target._cell as ActorCell | undefined;
      if (cell === undefined || cell.status > Status.Ready) {
        cell = this.cells.get(target.id);
        target._cell = cell;
      }
      if (cell === undefined) {
        const moved = this.migrations.forwards.get(target.id);
        if (moved !== undefined) {
          this.route(kind, new ActorRef(target.id, moved, target.behaviour), message, sender, corr, reply);
          return;
        }
        this.deadLetter(target.id, message, 'unknown-actor', sender, reply);
        return;
      }
      const m = cell.def.messages === undefined ? message : cell.validate(message);
      if (kind === Kind.Tell && corr !== 0) cell.admitOffer(m, sender, () => this.settle(corr, undefined, true), (err) => this.settle(corr, err, false));
      else cell.enqueue(m, sender, reply);
      return;
    }
    const held = this.held.size === 0 ? undefined : this.held.get(target.node);
    if (held !== undefined) {
      held.push({ kind, target, sender, corr, value: message });
      return;
    }
    const link = this.out[target.node];
    if (link === undefined || (this.deadNodes.size !== 0 && this.deadNodes.has(target.node))) {
      this.deadLetter(target.id, message, this.deadNodes.has(target.node) ? 'worker-died' : 'unknown-worker', sender, reply);
      return;
    }
    let flags = 0;
    const known = this.behaviours.get(target.behaviour);
    if (known?.messages !== undefined) {
      const r = known.messages.safeParse(message);
      if (!r.success) throw validationError(target.id, known.name, message, r.error.issues);
      message = r.data;
      flags = VALIDATED;
    }
    link.send(kind | flags, target, sender, corr, message);
    this.markDirty(link);
  }

  /**
   * Deliver to a cell of this thread what no sender's code is waiting on (timers, signals, a
   * topic's fan-out, promise callbacks): a full mailbox makes it a dead letter, never an exception
   * (a timer's would be uncaught and take the worker down; a publish would stop half way).
   */
  deliverLocal(cell: ActorCell, message: unknown, sender: ActorRef | undefined, reply: unknown): void {
    if (cell.status > Status.Ready) {
      this.deadLetter(cell.id, message, 'stopped', sender, reply);
      return;
    }
    const outer = this.senderless;
    this.senderless = true;
    try {
      cell.enqueue(message, sender, reply);
    } finally {
      this.senderless = outer;
    }
  }

  /** @internal */
  markDirty(link: OutboundLink): void {
    if (!link.dirty) {
      link.dirty = true;
      this.dirty.push(link);
    }
    if (this.loopState !== 2 && !this.flushQueued) {
      // Outside a scheduler turn (user code on the main thread, a timer): publish at the end of
      // this tick, so a burst of sends still leaves as one batch.
      this.flushQueued = true;
      queueMicrotask(this.flushFromMicrotask);
    }
  }

  private readonly flushFromMicrotask = (): void => {
    this.flushQueued = false;
    this.flush();
    // An ask just left and this thread has nothing else to do: poll for the reply for a few
    // microseconds before sleeping. A reply that lands within the window costs no wake-up, which
    // is most of a cross-thread round trip.
    // If the ask had to wake its reader, the reply also carries the reader's wake-up (around
    // 100 us here): spin through it. Otherwise this thread sleeps too, replies arrive after the
    // reader has stopped spinning, and every round trip then pays two wake-ups; once in that
    // state (after any hiccup) a steady stream of asks stays there.
    const spin = (this.settings.askSpinMicros ?? 0) * (this.wokeReader ? WOKEN_READER_SPIN_FACTOR : 1);
    this.wokeReader = false;
    if (spin > 0 && this.loopState === 0 && this.asks.size > 0) {
      const until = performance.now() + spin / 1000;
      while (performance.now() < until) {
        if (this.anyInbound()) {
          this.generation++;
          this.loop();
          return;
        }
      }
    }
  };

  private flush(): void {
    if (this.registryReporter.ids.length > 0) this.registryReporter.send();
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    for (let i = 0; i < dirty.length; i++) {
      const link = dirty[i]!;
      if (link.flush()) this.ring(link);
    }
    let keep = 0;
    for (let i = 0; i < dirty.length; i++) {
      const link = dirty[i]!;
      if (link.backlog > 0) dirty[keep++] = link;
      else link.dirty = false;
    }
    // Links still holding spilled frames stay dirty; their reader wakes us when it frees space.
    dirty.length = keep;
  }

  /** Flush links with spilled frames; true if any frame got through. */
  private retrySpilled(): boolean {
    let before = 0;
    for (const l of this.dirty) before += l.backlog;
    this.flush();
    let after = 0;
    for (const l of this.dirty) after += l.backlog;
    return after < before;
  }

  /** @internal */
  readonly bellOf = new Map<OutboundLink, Int32Array>();

  private ring(link: OutboundLink): void {
    let bell = this.bellOf.get(link);
    if (bell === undefined) {
      bell = this.doorbells[this.out.indexOf(link)]!;
      this.bellOf.set(link, bell);
    }
    this.ringBell(bell);
  }

  /** A bell rang since the last flush woke a sleeping reader (see flushFromMicrotask). */
  private wokeReader = false;

  private ringBell(bell: Int32Array): void {
    if (Atomics.load(bell, SLEEPING) === 1) {
      Atomics.store(bell, SLEEPING, 0);
      this.wokeReader = true;
      Atomics.add(bell, SEQ, 1);
      Atomics.notify(bell, SEQ);
    }
  }

  // ---------------------------------------------------------------- scheduler

  schedule(cell: ActorCell): void {
    if (this.rqSize === this.rq.length) this.growRunQueue();
    this.rq[(this.rqHead + this.rqSize) & (this.rq.length - 1)] = cell;
    this.rqSize++;
    if (this.loopState === 0) this.wakeSoon();
  }

  private growRunQueue(): void {
    const old = this.rq;
    const next: (ActorCell | undefined)[] = [];
    for (let i = 0; i < this.rqSize; i++) next.push(old[(this.rqHead + i) & (old.length - 1)]);
    for (let i = next.length; i < old.length * 2; i++) next.push(undefined);
    this.rq = next;
    this.rqHead = 0;
  }

  /** Start the loop soon if it is waiting; a waiting loop is woken through its own doorbell. */
  private wakeSoon(): void {
    if (this.loopState !== 0 || this.closed) return;
    this.loopState = 1;
    this.generation++;
    setImmediate(this.loop);
  }

  /** Begin serving: the node polls its rings until `close()`. */
  start(): void {
    this.statsCollector.loopStarted();
    this.loopState = 1;
    setImmediate(this.loop);
  }

  private readonly loop = (): void => {
    if (this.closed) return;
    this.loopState = 2;
    const deadline = performance.now() + this.settings.sliceMs;
    let passes = 0;
    for (;;) {
      this.pollInbound();
      // A batch of turns between polls and flushes: one Atomics.load per ring and one clock read
      // per batch, not per message. Cells scheduled during the batch run in it, in FIFO order.
      // A batch ends when a cell comes round a second time: an actor that re-queues itself waits
      // for the next batch, after the rings have been polled, so a flooded actor cannot hold the
      // thread, while a ring of distinct actors (ping-pong, thread ring) runs many turns per poll.
      const pass = ++this.pass;
      let turns = TURNS_PER_BATCH;
      while (this.rqSize > 0 && turns-- > 0) {
        const cell = this.rq[this.rqHead]!;
        if (cell.lastPass === pass) break;
        cell.lastPass = pass;
        this.rq[this.rqHead] = undefined;
        this.rqHead = (this.rqHead + 1) & (this.rq.length - 1);
        this.rqSize--;
        if (cell.status === Status.Ready && !cell.suspended) cell.run();
        else cell.scheduled = false;
      }
      if (this.dirty.length > 0) this.flush();
      if (this.rqSize === 0 && !this.anyInbound()) break;
      if ((++passes & 63) === 0 && performance.now() > deadline) {
        // Yield so I/O, timers and promise continuations (async handlers) get their turn.
        this.loopState = 1;
        setImmediate(this.loop);
        return;
      }
    }
    this.idle();
  };

  /**
   * Enqueued messages until the next one is timed, from its enqueue to the end of its handling
   * (the per-behaviour wait and handling percentiles). One in 64 on a quiet thread; a busy one
   * stretches the interval (up to one in 4,096) so as to time about one message per millisecond.
   * Each sample reads the clock three times (~77 ns a read here); paired A/B runs (bench/ab.ts)
   * showed no measurable cost either way, so this bounds the overhead rather than removing one.
   */
  sampleCountdown = MIN_SAMPLE_EVERY;
  private sampleEvery = MIN_SAMPLE_EVERY;
  private sampledAt = 0;

  /** The message being enqueued is to be timed: the time now, and the next interval set. */
  takeSample(): number {
    const now = performance.now();
    this.sampleEvery = nextSampleInterval(this.sampleEvery, now - this.sampledAt);
    this.sampledAt = now;
    this.sampleCountdown = this.sampleEvery;
    return now;
  }

  recordTiming(behaviour: string, waitMs: number, handleMs: number): void {
    this.statsCollector.recordTiming(behaviour, waitMs, handleMs);
  }

  private pollInbound(): void {
    this.senderless = true;
    let complete = true;
    for (let i = 0; i < this.inbound.length; i++) {
      const link = this.inbound[i]!;
      if (link.hasFrames()) {
        link.drain(this.onFrame, DRAIN_BATCH);
        if (link.hasFrames()) complete = false;
      }
    }
    this.senderless = false;
    if (this.unknownHeld.length > 0) this.retryUnknown(complete);
  }

  /**
   * True while delivering what has no sender's code on this stack to throw to (frames from other
   * threads, and see deliverLocal): a full mailbox then dead-letters the message.
   */
  senderless = false;

  /**
   * Frames for an actor this thread does not know (yet). Each ring is ordered, but two rings are not
   * ordered with each other: a message can arrive on one before the spawn that created its target
   * arrives on another. Such frames wait until every ring has been drained once more.
   */
  private unknownHeld: { origin: number; kind: number; target: ActorRef; sender: ActorRef | undefined; corr: number; value: unknown; flags: number }[] = [];

  private forward(to: number, kind: number, target: ActorRef, sender: ActorRef | undefined, corr: number, value: unknown, flags: number, origin: number): void {
    if (kind === Kind.Ask || (kind === Kind.Tell && corr !== 0)) {
      // Replies must reach the original asker: re-ask on its behalf and relay the answer.
      const ask = kind === Kind.Ask;
      const t = new ActorRef(target.id, to, target.behaviour);
      // The asker's own deadline is the one that counts (it is not in the frame): the relay only
      // needs a bound so that it cannot be kept forever.
      const p = ask ? this.ask(t, value, { timeoutMs: RELAY_TIMEOUT_MS }, sender) : this.offer(t, value);
      p.then((v) => { this.out[origin]!.send(Kind.Reply, undefined, undefined, corr, ask ? v : null); this.markDirty(this.out[origin]!); },
        (err) => this.sendReplyError(origin, corr, err));
      return;
    }
    const link = this.out[to]!;
    link.send(kind | (flags << 16), new ActorRef(target.id, to, target.behaviour), sender, 0, value);
    this.markDirty(link);
  }

  /** Whether frames from ring `origin` for actor `id` are held (see unknownHeld). */
  private holds(origin: number, id: string): boolean {
    for (const h of this.unknownHeld) if (h.origin === origin && h.target.id === id) return true;
    return false;
  }

  private retryUnknown(complete: boolean): void {
    const held = this.unknownHeld;
    this.unknownHeld = [];
    for (const h of held) {
      if (this.cells.has(h.target.id) || !complete) {
        if (!this.cells.has(h.target.id)) { this.unknownHeld.push(h); continue; }
        h.target._cell = undefined;
        this.onFrame(h.origin, h.kind, h.target, h.sender, h.corr, h.value, h.flags | HELD);
      } else {
        const reply = h.kind === Kind.Ask ? new RemoteReply(h.origin, h.corr) : undefined;
        this.forwardOrDeadLetter(h.target, h.value, h.sender, reply, h.kind, h.corr, h.origin);
      }
    }
  }

  /** How long this thread polls before it sleeps (adapts to the traffic). */
  private readonly idleSpin: IdleSpin;

  private anyInbound(): boolean {
    for (let i = 0; i < this.inbound.length; i++) if (this.inbound[i]!.hasFrames()) return true;
    return false;
  }

  private idle(): void {
    const spin = this.idleSpin.micros;
    if (spin > 0) {
      // A short poll before sleeping: a reply that lands within it is served without a wake-up.
      const until = performance.now() + spin / 1000;
      while (performance.now() < until) {
        if (this.anyInbound()) { this.loopState = 1; setImmediate(this.loop); return; }
      }
    }
    this.loopState = 0;
    const bell = this.myBell;
    // Read the sequence before announcing sleep: a producer that publishes after our last check
    // bumps it, and waitAsync on the old value then returns at once instead of missing the wake.
    const seq = Atomics.load(bell, SEQ);
    Atomics.store(bell, SLEEPING, 1);
    // Spilled frames: retry now; if the ring is still full its reader has our WAITING flag and
    // will ring us once it has made room.
    const progressed = this.dirty.length > 0 && this.retrySpilled();
    if (progressed || this.anyInbound() || this.rqSize > 0) {
      Atomics.store(bell, SLEEPING, 0);
      this.wakeSoon();
      return;
    }
    const gen = this.generation;
    this.idleSpin.sleeping(performance.now());
    const w = Atomics.waitAsync(bell, SEQ, seq);
    const resume = (): void => {
      if (this.loopState !== 0 || gen !== this.generation || this.closed) return;
      this.idleSpin.woke(performance.now());
      Atomics.store(bell, SLEEPING, 0);
      this.loopState = 1;
      this.loop();
    };
    if (w.async) void w.value.then(resume);
    else resume();
  }

  // ---------------------------------------------------------------- frames

  private readonly onFrame = (origin: number, kind: number, target: ActorRef | undefined, sender: ActorRef | undefined, corr: number, value: unknown, flags: number): void => {
    switch (kind) {
      case Kind.Tell:
      case Kind.Ask: {
        const t = target!;
        let cell = t._cell as ActorCell | undefined;
        if (cell === undefined || cell.status > Status.Ready) {
          cell = this.cells.get(t.id);
          t._cell = cell;
        }
        if (cell === undefined) {
          const moved = this.migrations.forwards.get(t.id);
          if (moved !== undefined) {
            // The actor migrated: pass the frame on, its ask address still pointing at the asker.
            this.forward(moved, kind, t, sender, corr, value, flags, origin);
            return;
          }
          if ((flags & HELD) === 0) this.unknownHeld.push({ origin, kind, target: t, sender, corr, value, flags });
          else this.forwardOrDeadLetter(t, value, sender, kind === Kind.Ask ? new RemoteReply(origin, corr) : undefined, kind, corr, origin);
          return;
        }
        // Earlier frames from this ring are held for the actor (they came before its spawn did):
        // this one waits behind them, or it would overtake them.
        if (this.unknownHeld.length !== 0 && (flags & HELD) === 0 && this.holds(origin, t.id)) {
          this.unknownHeld.push({ origin, kind, target: t, sender, corr, value, flags });
          return;
        }
        const reply = kind === Kind.Ask ? new RemoteReply(origin, corr) : undefined;
        let m = value;
        if (cell.def.messages !== undefined && (flags & (VALIDATED >>> 16)) === 0) {
          try {
            m = cell.validate(value);
          } catch (err) {
            if (reply !== undefined) this.replyError(reply, err);
            else {
              // An offer (a tell that waits for room) is released with the reason.
              if (kind === Kind.Tell && corr !== 0) this.sendReplyError(origin, corr, err);
              this.deadLetter(t.id, value, 'invalid-message', sender, undefined);
            }
            return;
          }
        }
        if (kind === Kind.Tell && corr !== 0) {
          const link = this.out[origin]!;
          cell.admitOffer(m, sender, () => {
            link.send(Kind.Reply, undefined, undefined, corr, null);
            this.markDirty(link);
          }, (err) => this.sendReplyError(origin, corr, err));
        } else {
          cell.enqueue(m, sender, reply);
        }
        return;
      }
      case Kind.Reply:
        this.settle(corr, value, true);
        return;
      case Kind.ReplyError:
        this.settle(corr, errorFromWire(value as WireError), false);
        return;
      case Kind.Control:
        onControl(this, origin, value as Record<string, unknown>, corr);
        return;
    }
  };

  private forwardOrDeadLetter(t: ActorRef, value: unknown, sender: ActorRef | undefined, reply: RemoteReply | undefined, kind: number, corr: number, origin: number): void {
    if (kind === Kind.Tell && corr !== 0) {
      // An offer to an actor that is gone: release the producer with the error.
      this.sendReplyError(origin, corr, new ActorNotFoundError(`actor '${t.id}' is not running`, { actor: t.id, worker: this.id }));
      this.deadLetter(t.id, value, 'unknown-actor', sender, undefined);
      return;
    }
    this.deadLetter(t.id, value, 'unknown-actor', sender, reply);
  }

  /** @internal */
  settle(corr: number, value: unknown, ok: boolean): void {
    const p = this.asks.get(corr);
    if (p === undefined) return; // timed out already
    this.asks.delete(corr);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (ok) p.resolve(value);
    else p.reject(value);
  }

  /** Answer a message taken from a mailbox (`reply` is a local ask id or a RemoteReply). */
  reply(reply: unknown, value: unknown): void {
    if (typeof reply === 'number') {
      this.settle(reply, value, true);
    } else if (reply instanceof RemoteReply) {
      const link = this.out[reply.origin];
      if (link === undefined) return;
      try {
        const t = typeof value;
        if (t === 'object' ? value !== null : t === 'function' || t === 'symbol' || t === 'bigint') assertTransferable(value, { actor: this.current?.id ?? 'reply', messageType: messageTypeOf(value) });
        link.send(Kind.Reply, undefined, undefined, reply.corr, value);
      } catch (err) {
        // A reply that cannot travel still answers the asker, with the reason, rather than a timeout.
        const actor = this.current?.id ?? 'unknown';
        const failed = new ActorFailedError(`actor '${actor}' could not send its reply on worker ${this.id}: ${(err as Error).message}`, { actor, worker: this.id, messageType: messageTypeOf(value) }, err);
        link.send(Kind.ReplyError, undefined, undefined, reply.corr, errorToWire(failed));
      }
      this.markDirty(link);
    }
  }

  replyError(reply: unknown, err: unknown): void {
    if (typeof reply === 'number') this.settle(reply, err, false);
    else if (reply instanceof RemoteReply) this.sendReplyError(reply.origin, reply.corr, err);
  }

  /** @internal */
  sendReplyError(origin: number, corr: number, err: unknown): void {
    const link = this.out[origin];
    if (link === undefined) return;
    link.send(Kind.ReplyError, undefined, undefined, corr, errorToWire(err));
    this.markDirty(link);
  }

  // ---------------------------------------------------------------- control plane

  /** Send a control message to another node; with `expectReply`, resolves with its answer. */
  control(node: number, msg: Record<string, unknown>, expectReply = false, timeoutMs = Math.max(this.settings.askTimeoutMs, CONTROL_TIMEOUT_FLOOR_MS)): Promise<unknown> {
    return sendControl(this, node, msg, expectReply, timeoutMs);
  }

  /** Reply to a control request that a hook handled. */
  answer(origin: number, corr: number, value: unknown, err?: unknown): void {
    answerControl(this, origin, corr, value, err);
  }

  // ---------------------------------------------------------------- lifecycle of actors

  // Spawning: see node/Spawning.ts.

  /** Create an actor on this node. The behaviour may need loading first (async, once per module). */
  spawnLocal(spec: SpawnSpec, done?: (err?: unknown) => void): ActorCell | undefined {
    return spawnFromSpec(this, spec, done);
  }

  /** Remember a behaviour this thread already has in memory (skips the dynamic import). */
  knowBehaviour(b: Behaviour): void {
    // A loop that spawns children spawns one behaviour again and again: no map lookup for it.
    if (b === this.lastKnown) return;
    if (!this.behaviours.has(b.key)) this.behaviours.set(b.key, b);
    this.lastKnown = b;
  }

  spawnChild(parent: ActorCell, behaviour: Behaviour, options: SpawnOptions<unknown> | undefined): ActorRef {
    return spawnChildOf(this, parent, behaviour, options);
  }

  /**
   * Stop an actor anywhere; with `done`, it runs once the actor has stopped (or cannot be reached:
   * on another thread the stop is then a request that is answered).
   */
  stopRef(ref: ActorRef, reason: string, done?: () => void): void {
    let node = ref.node;
    if (node === this.id) {
      // The ref's own cell when it is live (as tell does): a numbered child's id is not built.
      const own = ref._cell as ActorCell | undefined;
      const cell = own !== undefined && own.status <= Status.Stopping ? own : this.cells.get(ref.id);
      if (cell !== undefined) { this.stopCell(cell, reason, done); return; }
      // It may have migrated away: the stop follows it as its messages do.
      const moved = this.migrations.forwards.get(ref.id);
      if (moved === undefined) { done?.(); return; }
      node = moved;
    }
    if (done === undefined) void this.control(node, { t: 'stop', id: ref.id, reason }).catch(() => undefined);
    else this.control(node, { t: 'stop', id: ref.id, reason }, true).then(done, done);
  }

  /**
   * Stop children taken out of their parent (Children.takeAll): cells here directly, others by ref.
   * With `done`, it runs once every one of them has stopped (children on other threads answer
   * their stop request), so that a parent's postStop comes after its children's, as in OTP.
   */
  stopChildren(children: Child[], reason: string, done?: () => void): void {
    let pending = 1;
    const one = done === undefined ? undefined : (): void => { if (--pending === 0) done(); };
    for (const c of children) {
      if (!(c instanceof ActorCell)) {
        if (one !== undefined) pending++;
        this.stopRef(c, reason, one);
      } else {
        // Most children stop at once: only one still stopping (an async postStop, a handler in
        // flight) is waited for, so a parent of a million children keeps no million callbacks.
        this.stopCell(c, reason);
        if (one !== undefined && c.status !== Status.Stopped) { pending++; this.stopCell(c, reason, one); }
      }
    }
    one?.();
  }

  // Stopping, pausing and resuming: see node/ActorShutdown.ts.

  /** Stop a cell: children first, then `postStop`, then watchers hear (mid-message: after it). */
  stopCell(cell: ActorCell, reason: string, done?: () => void): void {
    this.actorShutdown.stop(cell, reason, done);
  }

  /** Carry out a stop now: the cell is between messages (or never got to run). */
  finishStop(cell: ActorCell, reason: string): void {
    this.actorShutdown.finish(cell, reason);
  }

  // Links and watches: see node/LinksAndWatches.ts.

  watch(target: ActorRef, watcher: ActorRef): Promise<void> {
    return this.linksAndWatches.watch(target, watcher);
  }

  unwatch(target: ActorRef, watcher: ActorRef): Promise<void> {
    return this.linksAndWatches.unwatch(target, watcher);
  }

  link(a: ActorCell, b: ActorRef): Promise<void> {
    return this.linksAndWatches.link(a, b);
  }

  unlink(a: ActorCell, b: ActorRef): Promise<void> {
    return this.linksAndWatches.unlink(a, b);
  }

  /** Tell every linked actor that `cell` exited with `reason` (abnormal exits only). */
  propagateExit(cell: ActorCell, reason: string): void {
    this.linksAndWatches.propagateExit(cell, reason);
  }

  sendSignal(to: ActorRef, signal: Signal): void {
    if (to.node === this.id) {
      const cell = this.cells.get(to.id);
      if (cell !== undefined) this.deliverLocal(cell, signal, undefined, SIGNAL);
    } else {
      void this.control(to.node, { t: 'signal', to: to.id, signal }).catch(() => undefined);
    }
  }

  /** Supervision decides about a failed actor; false means "use the default" (restart in place). */
  supervise(cell: ActorCell, err: unknown, messageType: string): boolean {
    if (this.supervisionHook?.(cell, err, messageType) === true) return true;
    if (cell.supervised && cell.parent !== undefined) {
      // OTP: the child is down; its supervisor decides. Down here means paused: no messages are
      // taken until the supervisor restarts it, and the mailbox keeps what is queued.
      this.pauseCell(cell, 'failed', () => undefined);
      this.sendSignal(cell.parent, { type: 'child-failed', ref: cell.ref, error: errorToWire(err) as never });
      return true;
    }
    if (err instanceof Error && err.name === 'SupervisorEscalation') {
      // A supervisor gave up (its children are already stopped). A root one is the top of its tree:
      // reported as such. One started as an ordinary child of a plain actor is not: it stops, and
      // its parent (which may watch it) decides; the rest of the system goes on.
      if (cell.parent === undefined) this.emitEvent({ type: 'root-escalation', actor: cell.id, worker: this.id, cause: errorToWire(err) });
      this.stopCell(cell, 'escalated');
      return true;
    }
    return false;
  }

  /** Take a cell down without removing it (a supervisor's restart): no messages until `resumeCell`. */
  pauseCell(cell: ActorCell, reason: string, done: () => void): void {
    this.actorShutdown.pause(cell, reason, done);
  }

  /** Start a paused cell again: fresh state from `init`, mailbox as it was. */
  resumeCell(cell: ActorCell, done: (err?: unknown) => void): void {
    this.actorShutdown.resume(cell, done);
  }

  // ---------------------------------------------------------------- topics and broadcast (node/Topics.ts)

  subscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    this.topics.subscribe(topic, subscriber);
  }

  unsubscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    this.topics.unsubscribe(topic, subscriber);
  }

  publish(topic: string, message: unknown, sender: ActorRef | undefined): void {
    this.topics.publish(topic, message, sender);
  }

  /** Deliver to every actor (or every member of `group`) except `except` (default: the sender). */
  broadcast(message: unknown, group: string | undefined, sender: ActorRef | undefined, except: string | undefined = sender?.id): void {
    this.topics.broadcast(message, group, sender, except);
  }

  // ---------------------------------------------------------------- registry, dead letters, events

  lookup(id: string): Promise<ActorRef | undefined> {
    const local = this.cells.get(id);
    if (local !== undefined && local.status <= Status.Ready) return Promise.resolve(local.ref);
    if (this.id === 0) return Promise.resolve(this.lookupHook?.(id));
    return this.control(0, { t: 'lookup', id }, true) as Promise<ActorRef | undefined>;
  }

  lookupHook: ((id: string) => ActorRef | undefined) | undefined;

  /** Nothing is silently lost: undeliverable messages go to the dead-letter stream, asks fail now. */
  deadLetter(target: string, message: unknown, reason: string, sender: ActorRef | undefined, reply: unknown): void {
    sendDeadLetter(this, target, message, reason, sender, reply);
  }

  emitEvent(event: Record<string, unknown>): void {
    sendEvent(this, event);
  }

  // ---------------------------------------------------------------- node lifecycle

  // Another worker died: see node/WorkerDeath.ts.

  /** A worker died and a successor is being started: fail what it owed, hold what goes to it. */
  nodeDown(node: number): void {
    workerDown(this, node);
  }

  /** The successor of a dead worker is up: swap in the new rings and release what was held. */
  relink(node: number, outSab: SharedArrayBuffer, inSab: SharedArrayBuffer): void {
    relinkWorker(this, node, outSab, inSab);
  }

  /** Another node died for good: its pending asks fail now, sends to it become dead letters. */
  nodeDied(node: number): void {
    workerDied(this, node);
  }

  /** Let mailboxes empty (until the deadline), then stop every actor, children before parents. */
  async drain(deadline: number): Promise<void> {
    this.stopping = true;
    while (Date.now() < deadline) {
      let busy = this.rqSize > 0 || this.anyInbound();
      if (!busy) for (const c of this.cells.values()) if (c.queued > 0 || c.suspended) { busy = true; break; }
      if (!busy) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const roots = [...this.cells.values()].filter((c) => c.parent === undefined || !this.cells.has(c.parent.id)).reverse();
    await Promise.all(roots.map((c) => new Promise<void>((resolve) => this.stopCell(c, 'system-stopped', resolve))));
  }

  /** Messages handled by this node's actors since it started (stopped actors included). */
  handledTotal = 0;
  /** Handler failures on this node since it started. */
  failuresTotal = 0;
  /** Cells awaiting an async handler, paused by a supervisor, or that ever failed (see stats). */
  readonly suspendedCells = new Set<ActorCell>();
  readonly pausedCells = new Set<ActorCell>();
  readonly failedCells = new Set<ActorCell>();

  /** This thread's figures, for the main thread's monitor (see node/NodeStats.ts). */
  stats(): NodeStats {
    return this.statsCollector.collect(this);
  }

  /** @internal The cells in the run queue, in order. */
  forEachScheduled(visit: (cell: ActorCell) => void): void {
    for (let i = 0; i < this.rqSize; i++) visit(this.rq[(this.rqHead + i) & (this.rq.length - 1)]!);
  }

  /** @internal */
  get runQueueLength(): number {
    return this.rqSize;
  }

  /** Stop polling and cancel what is pending; the thread can exit afterwards. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    this.generation++;
    Atomics.add(this.myBell, SEQ, 1);
    Atomics.notify(this.myBell, SEQ);
    for (const [corr, p] of this.asks) {
      this.asks.delete(corr);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new SystemStoppedError(`the system stopped before actor '${p.target}' answered '${askType(p)}'`, { actor: p.target, messageType: askType(p) }));
    }
    this.deadlines.clear();
    const store = this.storeCache;
    this.storeCache = undefined;
    return store ? store.close() : Promise.resolve();
  }
}
