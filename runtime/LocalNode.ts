import type { Logger } from 'pino';
import v8 from 'node:v8';
import type { AskOptions, Signal } from '../actors/ActorContext.js';
import { isBehaviour, type Behaviour } from '../actors/Behaviour.js';
import { ActorRef, setRefHost, type RefHost } from './ActorRef.js';
import { ActorCell, SIGNAL, Status, validationError } from './ActorCell.js';
import {
  ActorFailedError, ActorNotFoundError, AskTimeoutError, BehaviourLoadError, InvalidOptionError, SystemStoppedError,
  WorkerDiedError, errorFromWire, errorToWire, type WireError,
} from './errors.js';
import { Kind } from './transport/Frames.js';
import { InboundLink, OutboundLink } from './transport/RingLink.js';
import { assertTransferable, messageTypeOf } from './Transferable.js';
import { SpawnOptionsSchema, type SpawnOptions, type OverflowPolicy } from './SpawnOptions.js';
import { workerForId } from './Placement.js';
import { loadBehaviour } from './BehaviourLoader.js';
import { Store } from '../store/Store.js';
import { HistoryPolicy, type HistoryPolicyConfig } from '../store/HistoryPolicy.js';
import { ActorPersistence, Durable, type PersistenceSpec } from './persistence/ActorPersistence.js';
import { LatencyHistogram } from '../supervisor/LatencyHistogram.js';
import { AskDeadlines } from './AskDeadlines.js';

const SEQ = 0;
const SLEEPING = 1;
/** Set in a frame's flag bits when the sender already validated the message against its schema. */
const VALIDATED = 1 << 16;
/** Frames taken from one ring before the scheduler lets actors run: bounds latency under load. */
const DRAIN_BATCH = 4096;
/** Flag on a frame re-delivered after being held for an unknown target. */
const HELD = 1 << 8;
/** Largest mailbox that migrates with its actor (the packet must fit well inside one ring). */
const MIGRATE_MAX_QUEUED = 4000;
/** Registry updates per control frame. */
const REGISTRY_BATCH = 2048;
/** Actor turns between two polls of the rings (and two flushes of outgoing frames). */
const TURNS_PER_BATCH = 256;

export interface AgentCounters { id: string; handled: number; failed: number; restarts: number }

/** Sampled latencies of one behaviour on one worker over the last stats window. */
export interface BehaviourTimings {
  behaviour: string;
  samples: number;
  waitP50Ms: number;
  waitP99Ms: number;
  handleP50Ms: number;
  handleP99Ms: number;
}

export interface NodeStats {
  worker: number;
  actors: number;
  runQueue: number;
  mailboxes: number;
  handled: number;
  failures: number;
  eventLoopUtilization: number;
  heapUsed: number;
  heapLimit: number;
  deepest: { id: string; depth: number }[];
  agents: AgentCounters[];
  /** Mailbox wait and handling time per behaviour (1 turn in 64 is timed), since the last heartbeat. */
  timings: BehaviourTimings[];
  at: number;
}

export interface NodeTopology {
  id: number;
  workers: number;
  /** rings[from][to]: the SharedArrayBuffer of the ring from node `from` to node `to`. */
  rings: (SharedArrayBuffer | null)[][];
  doorbells: SharedArrayBuffer[];
}

export interface PersistenceSettings {
  path: string;
  history: HistoryPolicyConfig;
  noSync: boolean;
}

export interface NodeSettings {
  persistence?: PersistenceSettings;
  throughput: number;
  askTimeoutMs: number;
  sliceMs: number;
  idleSpinMicros: number;
  /** How long a thread that just sent an ask polls for the reply before it sleeps. */
  askSpinMicros?: number;
}

/** A remote asker's address, kept in the mailbox where a local ask keeps its numeric id. */
class RemoteReply {
  constructor(readonly origin: number, readonly corr: number) {}
}

interface PendingAsk {
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

/**
 * Registry updates from a worker to the main thread, one record per index i: `ops[i]` is '+'
 * (registered), '-' (gone) or '>' (moved), `ids[i]` the actor (for '+', a number n stands for the
 * parent's numbered child `parent/n`). `info[i]` is the new worker for '>'
 * and, for '+', worker + 256 * behaviour index + 2^20 * (parent index + 1, 0 for none) into
 * `behaviours` and `parents`. Flat arrays of short strings decode on the main thread into separate
 * flat strings, which is what the registry keeps as keys (slices of one big string would pin it).
 */
export interface RegistryBatch {
  t: 'registry';
  ops: string;
  ids: (string | number)[];
  info: number[];
  behaviours: string[];
  parents: string[];
}

export interface SpawnSpec {
  behaviour: string;
  id: string;
  args?: unknown;
  parent?: [string, number, string];
  capacity?: number;
  overflow?: OverflowPolicy;
  groups?: string[];
  throughput?: number;
  supervised?: boolean;
  persistent?: PersistenceSpec;
  /** @internal the parent's ref itself, for a spawn on the parent's own thread */
  parentRef?: ActorRef;
}

/** An actor in transit between threads (see LocalNode.migrateOut). */
interface MigrationPacket {
  t: 'migrate-in';
  id: string;
  behaviour: string;
  state: unknown;
  args: unknown;
  parent?: [string, number, string];
  throughput: number;
  capacity?: number;
  overflow: OverflowPolicy;
  supervised: boolean;
  topics: string[];
  watchers: ActorRef[];
  links: ActorRef[];
  mailbox: unknown[];
  handled: number;
  failures: number;
  restarts: number;
}

export type ControlHook = (origin: number, msg: Record<string, unknown>, corr: number) => boolean;
export type TopicListener = (message: unknown, sender: ActorRef | undefined) => void;
export type SupervisionHook = (cell: ActorCell, err: unknown, messageType: string) => boolean;

/**
 * Everything one thread knows: its actors, its run queue, its ends of the rings to every other
 * thread, and the asks it is waiting on. The main thread and every worker run one. The hot path
 * (tell to a local actor, run a turn) touches only this object and the cell: no locks, no
 * allocation per message, no hop through the main thread.
 */
export class LocalNode implements RefHost {
  readonly id: number;
  readonly workers: number;
  readonly cells = new Map<string, ActorCell>();
  current: ActorCell | undefined = undefined;
  controlHook: ControlHook | undefined;
  supervisionHook: SupervisionHook | undefined;
  stopping = false;

  private readonly out: (OutboundLink | undefined)[] = [];
  private readonly inbound: InboundLink[] = [];
  private readonly doorbells: Int32Array[];
  private readonly myBell: Int32Array;
  private readonly dirty: OutboundLink[] = [];
  private readonly deadNodes = new Set<number>();
  /** Frames for a worker that is being replaced: delivered to its successor once relinked. */
  private readonly held = new Map<number, { kind: number; target: ActorRef | undefined; sender: ActorRef | undefined; corr: number; value: unknown }[]>();
  /** Watches this node placed on actors of other nodes: if that node dies, the watchers hear of it. */
  private readonly remoteWatches = new Map<string, { target: ActorRef; watchers: ActorRef[] }>();

  // Run queue: a growable ring of cells.
  private rq: (ActorCell | undefined)[] = Array.from({ length: 1024 }, () => undefined);
  private rqHead = 0;
  private rqSize = 0;

  private loopState: 0 | 1 | 2 = 0;
  private pass = 0; // 0 idle (waiting), 1 loop scheduled, 2 in loop
  private flushQueued = false;
  private readonly asks = new Map<number, PendingAsk>();
  private nextCorr = 1;
  private readonly topics = new Map<string, Set<ActorCell | TopicListener>>();
  private readonly behaviours = new Map<string, Behaviour>();
  private generation = 0;
  private closed = false;
  private storeCache: Store | undefined;
  /** What the message history records (undefined: nothing, or no store configured). */
  history: HistoryPolicy | undefined;

  constructor(topology: NodeTopology, readonly settings: NodeSettings, readonly log: Logger) {
    this.id = topology.id;
    this.workers = topology.workers;
    this.doorbells = topology.doorbells.map((sab) => new Int32Array(sab));
    this.myBell = this.doorbells[this.id]!;
    const n = topology.doorbells.length;
    const makeRef = (id: string, node: number, behaviour: string): ActorRef => this.resolveRef(id, node, behaviour);
    for (let other = 0; other < n; other++) {
      if (other === this.id) { this.out.push(undefined); continue; }
      const o = topology.rings[this.id]![other];
      this.out.push(o ? new OutboundLink(o) : undefined);
      const i = topology.rings[other]![this.id];
      if (i) this.inbound.push(new InboundLink(i, other, makeRef, (err, origin, kind) => {
        this.log.error({ err, worker: this.id, origin, kind }, 'frame could not be handled');
      }, () => this.ringBell(this.doorbells[other]!)));
    }
    setRefHost(this);
    const p = settings.persistence;
    if (p !== undefined && !(p.history.record === 'none' && !p.history.actors?.length && !p.history.types?.length)) {
      this.history = HistoryPolicy.fromConfig(p.history);
    }
  }

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
    this.store!.history.append(draft).catch((err: unknown) => this.log.warn({ err, actor: recipient, messageType: type }, 'history append failed'));
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
      cell.enqueue(cell.behaviour.messages === undefined ? message : cell.validate(message), sender, undefined);
      return;
    }
    this.route(Kind.Tell, target, message, sender, 0, undefined);
  }

  ask(target: ActorRef, message: unknown, options: AskOptions | undefined, sender?: ActorRef): Promise<unknown> {
    const timeoutMs = options?.timeoutMs ?? this.settings.askTimeoutMs;
    return new Promise((resolve, reject) => {
      const corr = this.nextCorr++;
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
    this.asks.delete(corr);
    const elapsed = Math.round(performance.now() - p.started);
    const type = p.type || messageTypeOf(p.message);
    p.reject(new AskTimeoutError(
      `ask to actor '${p.target}' with message '${type}' timed out after ${elapsed} ms (limit ${p.timeoutMs} ms)`,
      { actor: p.target, messageType: type, elapsedMs: elapsed, timeoutMs: p.timeoutMs, worker: p.node },
    ));
  });

  offer(target: ActorRef, message: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      const corr = this.nextCorr++;
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
        const moved = this.forwards.get(target.id);
        if (moved !== undefined) {
          this.route(kind, new ActorRef(target.id, moved, target.behaviour), message, sender, corr, reply);
          return;
        }
        this.deadLetter(target.id, message, 'unknown-actor', sender, reply);
        return;
      }
      const m = cell.behaviour.messages === undefined ? message : cell.validate(message);
      if (kind === Kind.Tell && corr !== 0) cell.offer(m, sender, () => this.settle(corr, undefined, true), (err) => this.settle(corr, err, false));
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

  /** Deliver to a cell of this thread from outside a turn (timers, promise callbacks). */
  deliverLocal(cell: ActorCell, message: unknown, sender: ActorRef | undefined, reply: unknown): void {
    if (cell.status > Status.Ready) {
      this.deadLetter(cell.id, message, 'stopped', sender, reply);
      return;
    }
    cell.enqueue(message, sender, reply);
  }

  private markDirty(link: OutboundLink): void {
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
    const spin = this.settings.askSpinMicros ?? 0;
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
    if (this.registryIds.length > 0) this.sendRegistryBatch();
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

  private readonly bellOf = new Map<OutboundLink, Int32Array>();

  private ring(link: OutboundLink): void {
    let bell = this.bellOf.get(link);
    if (bell === undefined) {
      bell = this.doorbells[this.out.indexOf(link)]!;
      this.bellOf.set(link, bell);
    }
    this.ringBell(bell);
  }

  private ringBell(bell: Int32Array): void {
    if (Atomics.load(bell, SLEEPING) === 1) {
      Atomics.store(bell, SLEEPING, 0);
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
    this.eluMark = performance.eventLoopUtilization();
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

  /** Counts enqueued messages; one in 64 is timed from its enqueue to the end of its handling. */
  sampleTick = 0;
  /** Sampled timings per behaviour: mailbox wait and handling time per message, in ms. */
  private readonly timings = new Map<string, { wait: LatencyHistogram; handle: LatencyHistogram }>();

  recordTiming(behaviour: string, waitMs: number, handleMs: number): void {
    let t = this.timings.get(behaviour);
    if (t === undefined) this.timings.set(behaviour, (t = { wait: new LatencyHistogram(), handle: new LatencyHistogram() }));
    t.wait.record(waitMs);
    t.handle.record(handleMs);
  }

  /** Windowed timing percentiles per behaviour since the last call (then reset). */
  private takeTimings(): BehaviourTimings[] {
    const out: BehaviourTimings[] = [];
    for (const [behaviour, t] of this.timings) {
      if (t.wait.count === 0) continue;
      out.push({
        behaviour, samples: t.wait.count,
        waitP50Ms: t.wait.p50() ?? 0, waitP99Ms: t.wait.p99() ?? 0,
        handleP50Ms: t.handle.p50() ?? 0, handleP99Ms: t.handle.p99() ?? 0,
      });
      t.wait.reset();
      t.handle.reset();
    }
    return out;
  }

  private pollInbound(): void {
    this.deliveringFrames = true;
    let complete = true;
    for (let i = 0; i < this.inbound.length; i++) {
      const link = this.inbound[i]!;
      if (link.hasFrames()) {
        link.drain(this.onFrame, DRAIN_BATCH);
        if (link.hasFrames()) complete = false;
      }
    }
    this.deliveringFrames = false;
    if (this.unknownHeld.length > 0) this.retryUnknown(complete);
  }

  /** True while frames from other threads are being delivered (no sender stack to throw to). */
  deliveringFrames = false;

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
      const p = ask ? this.ask(t, value, { timeoutMs: this.settings.askTimeoutMs }, sender) : this.offer(t, value);
      p.then((v) => { this.out[origin]!.send(Kind.Reply, undefined, undefined, corr, ask ? v : null); this.markDirty(this.out[origin]!); },
        (err) => this.sendReplyError(origin, corr, err));
      return;
    }
    const link = this.out[to]!;
    link.send(kind | (flags << 16), new ActorRef(target.id, to, target.behaviour), sender, 0, value);
    this.markDirty(link);
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

  private anyInbound(): boolean {
    for (let i = 0; i < this.inbound.length; i++) if (this.inbound[i]!.hasFrames()) return true;
    return false;
  }

  private idle(): void {
    const spin = this.settings.idleSpinMicros;
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
    const w = Atomics.waitAsync(bell, SEQ, seq);
    const resume = (): void => {
      if (this.loopState !== 0 || gen !== this.generation || this.closed) return;
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
          const moved = this.forwards.get(t.id);
          if (moved !== undefined) {
            // The actor migrated: pass the frame on, its ask address still pointing at the asker.
            this.forward(moved, kind, t, sender, corr, value, flags, origin);
            return;
          }
          if ((flags & HELD) === 0) this.unknownHeld.push({ origin, kind, target: t, sender, corr, value, flags });
          else this.forwardOrDeadLetter(t, value, sender, kind === Kind.Ask ? new RemoteReply(origin, corr) : undefined, kind, corr, origin);
          return;
        }
        const reply = kind === Kind.Ask ? new RemoteReply(origin, corr) : undefined;
        let m = value;
        if (cell.behaviour.messages !== undefined && (flags & (VALIDATED >>> 16)) === 0) {
          try {
            m = cell.validate(value);
          } catch (err) {
            if (reply !== undefined) this.replyError(reply, err);
            else this.deadLetter(t.id, value, 'invalid-message', sender, undefined);
            return;
          }
        }
        if (kind === Kind.Tell && corr !== 0) {
          const link = this.out[origin]!;
          cell.offer(m, sender, () => {
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
        this.onControl(origin, value as Record<string, unknown>, corr);
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

  private settle(corr: number, value: unknown, ok: boolean): void {
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

  private sendReplyError(origin: number, corr: number, err: unknown): void {
    const link = this.out[origin];
    if (link === undefined) return;
    link.send(Kind.ReplyError, undefined, undefined, corr, errorToWire(err));
    this.markDirty(link);
  }

  // ---------------------------------------------------------------- control plane

  /** Send a control message to another node; with `expectReply`, resolves with its answer. */
  control(node: number, msg: Record<string, unknown>, expectReply = false, timeoutMs = this.settings.askTimeoutMs): Promise<unknown> {
    if (node === this.id) {
      if (!expectReply) {
        this.onControl(this.id, msg, 0);
        return Promise.resolve(undefined);
      }
      return new Promise((resolve, reject) => {
        const corr = this.nextCorr++;
        this.asks.set(corr, { resolve, reject, timer: undefined, target: `worker-${node}`, node, type: String(msg.t), started: 0 });
        this.onControl(this.id, msg, corr);
      });
    }
    const link = this.out[node];
    if (link === undefined || this.deadNodes.has(node)) return Promise.reject(new WorkerDiedError(`worker ${node} is not running`, { worker: node }));
    const held = this.held.get(node);
    if (!expectReply) {
      if (held !== undefined) held.push({ kind: Kind.Control, target: undefined, sender: undefined, corr: 0, value: msg });
      else {
        link.send(Kind.Control, undefined, undefined, 0, msg);
        this.markDirty(link);
      }
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      const corr = this.nextCorr++;
      const type = String(msg.t);
      const p: PendingAsk = { resolve, reject, timer: undefined, target: `worker-${node}`, node, type, started: performance.now() };
      p.timer = setTimeout(() => {
        if (!this.asks.delete(corr)) return;
        reject(new AskTimeoutError(`control '${type}' to worker ${node} timed out after ${timeoutMs} ms`, { worker: node, messageType: type, timeoutMs }));
      }, timeoutMs);
      this.asks.set(corr, p);
      if (held !== undefined) held.push({ kind: Kind.Control, target: undefined, sender: undefined, corr, value: msg });
      else {
        link.send(Kind.Control, undefined, undefined, corr, msg);
        this.markDirty(link);
      }
    });
  }

  private answerControl(origin: number, corr: number, value: unknown, err?: unknown): void {
    if (corr === 0) return;
    if (origin === this.id) { this.settle(corr, err ?? value, err === undefined); return; }
    if (err !== undefined) this.sendReplyError(origin, corr, err);
    else {
      const link = this.out[origin]!;
      link.send(Kind.Reply, undefined, undefined, corr, value);
      this.markDirty(link);
    }
  }

  private onControl(origin: number, msg: Record<string, unknown>, corr: number): void {
    switch (msg.t) {
      case 'spawn':
        this.spawnLocal(msg.spec as SpawnSpec, (err) => this.answerControl(origin, corr, null, err));
        return;
      case 'stop': {
        const cell = this.cells.get(msg.id as string);
        if (cell === undefined) { this.answerControl(origin, corr, false); return; }
        this.stopCell(cell, (msg.reason as string) ?? 'normal', () => this.answerControl(origin, corr, true));
        return;
      }
      case 'link': {
        const cell = this.cells.get(msg.id as string);
        const other = msg.other as ActorRef;
        if (cell === undefined || cell.status > Status.Ready) this.exitSignal(other, msg.id as string, 'noproc');
        else (cell.links ??= new Map()).set(other.id, other);
        this.answerControl(origin, corr, true);
        return;
      }
      case 'unlink': {
        this.cells.get(msg.id as string)?.links?.delete(msg.other as string);
        this.answerControl(origin, corr, true);
        return;
      }
      case 'exit': {
        const cell = this.cells.get(msg.id as string);
        if (cell !== undefined) this.linkedExit(cell, msg.from as string, msg.reason as string);
        return;
      }
      case 'watch': {
        const watcher = msg.watcher as ActorRef;
        const cell = this.cells.get(msg.id as string);
        if (cell === undefined || cell.status > Status.Ready) {
          this.sendSignal(watcher, { type: 'terminated', ref: this.resolveRef(msg.id as string, this.id, ''), reason: 'unknown-actor' });
        } else {
          (cell.watchers ??= []).push(watcher);
        }
        this.answerControl(origin, corr, true);
        return;
      }
      case 'unwatch': {
        const cell = this.cells.get(msg.id as string);
        if (cell?.watchers) cell.watchers = cell.watchers.filter((w) => w.id !== (msg.watcher as string));
        this.answerControl(origin, corr, true);
        return;
      }
      case 'signal': {
        const to = this.cells.get(msg.to as string);
        if (to !== undefined) this.deliverLocal(to, msg.signal, undefined, SIGNAL);
        return;
      }
      case 'migrate-out':
        this.migrateOut(msg.id as string, msg.to as number, (err) => this.answerControl(origin, corr, err === undefined, err));
        return;
      case 'migrate-in':
        this.migrateIn(msg as unknown as MigrationPacket, (err) => this.answerControl(origin, corr, true, err));
        return;
      case 'pause': {
        const cell = this.cells.get(msg.id as string);
        if (cell === undefined) { this.answerControl(origin, corr, false); return; }
        this.pauseCell(cell, (msg.reason as string) ?? 'restart', () => this.answerControl(origin, corr, true));
        return;
      }
      case 'resume': {
        const cell = this.cells.get(msg.id as string);
        if (cell === undefined) { this.answerControl(origin, corr, null, new ActorNotFoundError(`actor '${msg.id}' is not on worker ${this.id}`, { actor: msg.id, worker: this.id })); return; }
        this.resumeCell(cell, (err) => this.answerControl(origin, corr, true, err));
        return;
      }
      case 'child-stopped': {
        const parent = this.cells.get(msg.parent as string);
        parent?.children?.delete(msg.id as string);
        return;
      }
      case 'pub':
        this.deliverTopic(msg.topic as string, msg.message, msg.sender as ActorRef | undefined);
        return;
      case 'bcast':
        this.deliverBroadcast(msg.message, msg.group as string | undefined, msg.sender as ActorRef | undefined, msg.except as string | undefined);
        return;
      case 'drain':
        this.drain(msg.deadline as number).then(() => this.answerControl(origin, corr, true), (err) => this.answerControl(origin, corr, null, err));
        return;
      case 'stats':
        this.answerControl(origin, corr, this.stats());
        return;
      case 'restart-actor': {
        const cell = this.cells.get(msg.id as string);
        if (cell === undefined) { this.answerControl(origin, corr, false); return; }
        this.pauseCell(cell, 'restart', () => this.resumeCell(cell, (err) => this.answerControl(origin, corr, true, err)));
        return;
      }
      case 'snapshot-all': {
        const saves: Promise<void>[] = [];
        for (const c of this.cells.values()) if (c.persistence?.snapshots && c.status === Status.Ready) saves.push(c.persistence.snapshot(c.state));
        Promise.all(saves).then(() => this.answerControl(origin, corr, saves.length), (err) => this.answerControl(origin, corr, null, err));
        return;
      }
      default:
        if (this.controlHook?.(origin, msg, corr)) return;
        this.log.warn({ control: msg.t, origin, worker: this.id }, 'unknown control message');
        this.answerControl(origin, corr, null);
    }
  }

  /** Reply to a control request that a hook handled. */
  answer(origin: number, corr: number, value: unknown, err?: unknown): void {
    this.answerControl(origin, corr, value, err);
  }

  // ---------------------------------------------------------------- lifecycle of actors

  /** Create an actor on this node. The behaviour may need loading first (async, once per module). */
  spawnLocal(spec: SpawnSpec, done?: (err?: unknown) => void): ActorCell | undefined {
    if (this.cells.has(spec.id)) {
      const err = new InvalidOptionError(`an actor with id '${spec.id}' already runs on worker ${this.id}`, { actor: spec.id, worker: this.id });
      done?.(err);
      return undefined;
    }
    const known = this.behaviours.get(spec.behaviour);
    const parent = spec.parentRef ?? (spec.parent ? this.resolveRef(spec.parent[0], spec.parent[1], spec.parent[2]) : undefined);
    const placeholder = known ?? pendingBehaviour(spec.behaviour);
    const cell = new ActorCell(
      this, spec.id, placeholder, spec.args, parent,
      spec.throughput ?? this.settings.throughput, spec.capacity ?? Number.POSITIVE_INFINITY,
    );
    if (spec.overflow !== undefined) cell.overflow = spec.overflow;
    cell.supervised = spec.supervised === true;
    if (spec.persistent !== undefined) {
      const store = this.store;
      if (store === undefined) {
        const err = new InvalidOptionError(`actor '${spec.id}' is persistent but the system has no persistence configured (ActorSystem.start({ persistence: { path } }))`, { actor: spec.id, option: 'persistent' });
        done?.(err);
        return undefined;
      }
      cell.persistence = new ActorPersistence(store, spec.id, spec.behaviour, spec.persistent);
      for (const r of cell.persistence.recover((id, n, b) => this.resolveRef(id, n, b))) cell.mailbox.push(r.message, r.sender, undefined);
    }
    this.cells.set(spec.id, cell);
    if (spec.groups) for (const g of spec.groups) this.subscribe(`group:${g}`, cell);
    if (known !== undefined) {
      cell.start(done);
      return cell;
    }
    loadBehaviour(spec.behaviour).then(
      (b) => {
        this.behaviours.set(spec.behaviour, b);
        cell.behaviour = b;
        if (cell.status === Status.Starting) cell.start(done);
        else done?.();
      },
      (err) => {
        this.log.error({ err, actor: spec.id, behaviour: spec.behaviour, worker: this.id }, 'behaviour failed to load');
        done?.(err);
        this.finishStop(cell, 'behaviour-load-failed');
      },
    );
    return cell;
  }

  /**
   * Migration, step 1 (on the actor's current thread): once the actor is between messages, pack its
   * state, its mailbox (in order; a local asker's reply handle becomes an address back here) and its
   * watchers and links, send them to the target thread on the ring, and leave a forwarder behind:
   * frames that still arrive here follow on the same ring, behind the packet, so nothing is lost or
   * reordered. Timers are not carried over (they are cancelled).
   */
  private migrateOut(id: string, to: number, done: (err?: unknown) => void): void {
    const cell = this.cells.get(id);
    if (cell === undefined || cell.status !== Status.Ready || to === this.id || this.out[to] === undefined) {
      done(new ActorNotFoundError(`actor '${id}' cannot migrate from worker ${this.id} to worker ${to}`, { actor: id, worker: this.id, to }));
      return;
    }
    if (cell.persistence !== undefined) {
      // Its durable log, snapshot cadence and sequence numbers belong to this thread's cell: a moved
      // cell would accept offers without logging them (lost at the next restart). Refuse instead.
      done(new InvalidOptionError(`actor '${id}' is persistent; persistent actors do not migrate`, { actor: id, worker: this.id }));
      return;
    }
    if (cell.queued > MIGRATE_MAX_QUEUED) {
      // The packet crosses one ring in one frame: refuse before anything is taken apart.
      done(new InvalidOptionError(`actor '${id}' has ${cell.queued} queued messages; at most ${MIGRATE_MAX_QUEUED} migrate with it`, { actor: id, queued: cell.queued }));
      return;
    }
    if (cell.suspended || this.current === cell || cell.children !== undefined && cell.children.size > 0) {
      if (cell.children !== undefined && cell.children.size > 0) {
        done(new InvalidOptionError(`actor '${id}' has children; only actors without children migrate`, { actor: id }));
        return;
      }
      setImmediate(() => this.migrateOut(id, to, done)); // mid-message: wait for the turn to end
      return;
    }
    try {
      assertTransferable(cell.state, { actor: id, messageType: 'state (migration)' });
    } catch (err) {
      done(err);
      return;
    }
    if (cell.hasTimers) cell.ctx.timers.cancelAll();
    const left = cell.queued > 0 ? cell.mailbox.drain() : [];
    const mailbox: unknown[] = [];
    for (let i = 0; i < left.length; i += 3) {
      const reply = left[i + 2];
      mailbox.push(
        left[i] instanceof Durable ? (left[i] as Durable).message : left[i],
        left[i + 1],
        reply === SIGNAL ? 'signal' : typeof reply === 'number' ? [this.id, reply] : reply instanceof RemoteReply ? [reply.origin, reply.corr] : null,
      );
    }
    const packet: MigrationPacket = {
      t: 'migrate-in', id, behaviour: cell.behaviour.key, state: cell.state, args: cell.args,
      parent: cell.parent ? [cell.parent.id, cell.parent.node, cell.parent.behaviour] : undefined,
      throughput: cell.throughput, capacity: Number.isFinite(cell.capacity) ? cell.capacity : undefined, overflow: cell.overflow,
      supervised: cell.supervised, topics: cell.topics ?? [], watchers: cell.watchers ?? [], links: [...(cell.links?.values() ?? [])],
      mailbox, handled: cell.handled, failures: cell.failures, restarts: cell.restarts,
    };
    // From now on this id is a forwarder: the cell leaves, frames for it follow the packet.
    cell.status = Status.Stopped;
    this.cells.delete(id);
    if (cell.topics) for (const t of cell.topics) this.topics.get(t)?.delete(cell);
    this.forwards.set(id, to);
    this.control(to, packet as unknown as Record<string, unknown>, true).then(() => done(), done);
  }

  /** Where actors that moved away went: frames for them are passed on, in arrival order. */
  private readonly forwards = new Map<string, number>();

  /** Migration, step 2 (on the target thread): the actor resumes with its state and mailbox. */
  private migrateIn(p: MigrationPacket, done: (err?: unknown) => void): void {
    // The cell exists from this frame on (frames forwarded behind the packet find it), even if its
    // behaviour still has to be imported on this thread: it takes messages, runs once loaded.
    const known = this.behaviours.get(p.behaviour);
    const parent = p.parent ? this.resolveRef(p.parent[0], p.parent[1], p.parent[2]) : undefined;
    const cell = new ActorCell(this, p.id, known ?? pendingBehaviour(p.behaviour), p.args, parent, p.throughput, p.capacity ?? Number.POSITIVE_INFINITY);
    cell.overflow = p.overflow;
    cell.supervised = p.supervised;
    cell.state = p.state;
    cell.handled = p.handled;
    cell.failures = p.failures;
    cell.restarts = p.restarts;
    if (p.watchers.length > 0) cell.watchers = p.watchers;
    if (p.links.length > 0) cell.links = new Map(p.links.map((l) => [l.id, l]));
    for (const t of p.topics) this.subscribe(t, cell);
    this.forwards.delete(p.id);
    this.cells.set(p.id, cell);
    for (let i = 0; i < p.mailbox.length; i += 3) {
      const r = p.mailbox[i + 2] as 'signal' | [number, number] | null;
      const reply = r === 'signal' ? SIGNAL : r === null ? undefined : r[0] === this.id ? r[1] : new RemoteReply(r[0], r[1]);
      cell.mailbox.push(p.mailbox[i], p.mailbox[i + 1] as ActorRef | undefined, reply);
    }
    const ready = (b: Behaviour): void => {
      this.behaviours.set(p.behaviour, b);
      cell.behaviour = b;
      if (cell.status === Status.Starting) cell.status = Status.Ready;
      cell.afterTurn();
      this.moved(p.id, this.id);
      done();
    };
    if (known !== undefined) ready(known);
    else loadBehaviour(p.behaviour).then(ready, (err) => { this.finishStop(cell, 'behaviour-load-failed'); done(err); });
  }

  /** Remember a behaviour this thread already has in memory (skips the dynamic import). */
  knowBehaviour(b: Behaviour): void {
    if (!this.behaviours.has(b.key)) this.behaviours.set(b.key, b);
  }

  spawnChild(parent: ActorCell, behaviour: Behaviour, options: SpawnOptions<unknown> | undefined): ActorRef {
    if (!isBehaviour(behaviour)) {
      throw new InvalidOptionError(`spawn: the first argument of ctx.spawn in actor '${parent.id}' is not a behaviour made by defineActor`, { actor: parent.id });
    }
    if (options !== undefined && !plainSpawnOptions(options)) {
      const parsed = SpawnOptionsSchema.safeParse(options);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new InvalidOptionError(`invalid spawn option '${i.path.join('.')}': ${i.message}`, { option: i.path.join('.'), actor: parent.id });
      }
    }
    this.knowBehaviour(behaviour);
    let id: string;
    let numbered = 0;
    if (options?.id !== undefined) {
      id = `${parent.id}/${options.id}`;
      if (parent.children?.has(id) === true) {
        throw new InvalidOptionError(`actor '${parent.id}' already has a child named '${options.id}'`, { actor: parent.id, child: id });
      }
    } else {
      // A named child may already hold the next number ('parent/3'): numbered ids skip it.
      do id = parent.nextChildId(); while (parent.children?.has(id) === true);
      numbered = parent.childCounter;
    }
    const placement = options?.placement ?? 'hash';
    const node = placement === 'local' || this.workers === 0 ? this.id
      : typeof placement === 'object' ? placement.worker
      : workerForId(id, this.workers);
    let childRef: ActorRef;
    if (node === this.id && options?.persistent === undefined && options?.groups === undefined) {
      // The common case, a plain child on this thread, is built straight from the options: a
      // million spawns must not cost a million spec objects.
      if (this.cells.has(id)) throw new InvalidOptionError(`an actor with id '${id}' already runs on worker ${this.id}`, { actor: id, worker: this.id });
      const cell = new ActorCell(this, id, behaviour, options?.args, parent.ref, options?.throughput ?? this.settings.throughput, options?.mailbox?.capacity ?? Number.POSITIVE_INFINITY);
      if (options?.mailbox?.overflow !== undefined) cell.overflow = options.mailbox.overflow;
      if (options?.supervised === true) cell.supervised = true;
      this.cells.set(id, cell);
      cell.start();
      childRef = cell.ref;
    } else {
      const spec: SpawnSpec = {
        behaviour: behaviour.key, id, args: options?.args, parent: [parent.id, this.id, parent.behaviour.key],
        capacity: options?.mailbox?.capacity, overflow: options?.mailbox?.overflow, groups: options?.groups, throughput: options?.throughput,
        supervised: options?.supervised,
        persistent: options?.persistent === undefined || options.persistent === false ? undefined : options.persistent === true ? {} : options.persistent,
      };
      if (node === this.id) spec.parentRef = parent.ref;
      const ref = node === this.id ? this.spawnLocal(spec)?.ref : undefined;
      childRef = ref ?? this.resolveRef(id, node, behaviour.key);
      if (node !== this.id) {
        if (spec.args !== undefined) assertTransferable(spec.args, { actor: id, messageType: 'spawn args' });
        void this.control(node, { t: 'spawn', spec }).catch(() => undefined);
      }
    }
    (parent.children ??= new Map()).set(id, childRef);
    this.registered(id, node, behaviour.key, parent.id, numbered);
    return childRef;
  }

  /** Stop an actor anywhere. */
  stopRef(ref: ActorRef, reason: string): void {
    if (ref.node === this.id) {
      const cell = this.cells.get(ref.id);
      if (cell !== undefined) this.stopCell(cell, reason);
    } else {
      void this.control(ref.node, { t: 'stop', id: ref.id, reason }).catch(() => undefined);
    }
  }

  /**
   * Stop a cell: its children first (newest first), then `postStop`, then watchers hear about it.
   * A stop requested while the actor is mid-message waits for the end of that message.
   */
  stopCell(cell: ActorCell, reason: string, done?: () => void): void {
    if (cell.status >= Status.Stopping) { done?.(); return; }
    cell.status = Status.Stopping;
    if (done) (this.stopWaiters.get(cell) ?? this.stopWaiters.set(cell, []).get(cell)!).push(done);
    if (this.current === cell || cell.suspended) {
      cell.pendingStopReason = reason;
      return;
    }
    this.finishStop(cell, reason);
  }

  private readonly stopWaiters = new Map<ActorCell, (() => void)[]>();

  finishStop(cell: ActorCell, reason: string): void {
    if (cell.status === Status.Stopped) return;
    cell.status = Status.Stopping;
    const children = cell.children ? [...cell.children.values()].reverse() : [];
    cell.children = undefined;
    for (const child of children) this.stopRef(child, 'parent-stopped');
    if (cell.hasTimers) cell.ctx.timers.cancelAll();
    const finish = (): void => {
      cell.status = Status.Stopped;
      if (this.cells.get(cell.id) === cell) this.cells.delete(cell.id);
      this.suspendedCells.delete(cell);
      this.pausedCells.delete(cell);
      this.failedCells.delete(cell);
      if (cell.topics) for (const t of cell.topics) this.topics.get(t)?.delete(cell);
      const left = cell.queued > 0 ? cell.mailbox.drain() : [];
      for (let i = 0; i < left.length; i += 3) {
        if (left[i + 2] === SIGNAL) continue;
        // A durable message stays in the log: the next incarnation with this id replays it.
        const m = left[i] instanceof Durable ? (left[i] as Durable).message : left[i];
        this.deadLetter(cell.id, m, left[i] instanceof Durable ? 'stopped:kept-in-durable-log' : 'stopped', left[i + 1] as ActorRef | undefined, left[i + 2]);
      }
      if (cell.parked) {
        const parked = cell.parked;
        cell.parked = undefined;
        for (const o of parked) {
          o.rejected(new ActorNotFoundError(`actor '${cell.id}' stopped (${reason}) before it had room for an offered message`, { actor: cell.id, reason, worker: this.id }));
          this.deadLetter(cell.id, o.message, 'stopped', o.sender, undefined);
        }
      }
      if (cell.stashed) {
        const s = cell.stashed;
        cell.stashed = undefined;
        for (let i = 0; i < s.length; i += 3) this.deadLetter(cell.id, s[i], 'stopped', s[i + 1] as ActorRef | undefined, s[i + 2]);
      }
      const ref = cell.ref;
      for (const w of cell.watchers ?? []) {
        // A parent that stops its own children is not told about each of them.
        if ((reason === 'parent-stopped' || reason === 'parent-died') && w.id === cell.parent?.id) continue;
        this.sendSignal(w, { type: 'terminated', ref, reason });
      }
      cell.watchers = undefined;
      if (cell.parent !== undefined && reason !== 'parent-died') {
        if (cell.parent.node === this.id) this.cells.get(cell.parent.id)?.children?.delete(cell.id);
        else void this.control(cell.parent.node, { t: 'child-stopped', parent: cell.parent.id, id: cell.id }).catch(() => undefined);
      }
      this.unregistered(cell.id, reason);
      this.propagateExit(cell, reason);
      if (reason !== 'normal' && reason !== 'parent-stopped' && reason !== 'system-stopped') {
        this.emitEvent({ type: 'stopped', actor: cell.id, worker: this.id, reason });
      }
      const waiters = this.stopWaiters.get(cell);
      if (waiters) { this.stopWaiters.delete(cell); for (const w of waiters) w(); }
    };
    const persisted = cell.persistence;
    const finishAfterSnapshot = (): void => {
      if (persisted !== undefined && persisted.snapshots && cell.status !== Status.Stopped && reason !== 'behaviour-load-failed' && !reason.startsWith('init-failed')) {
        persisted.snapshot(cell.state).then(finish, (err: unknown) => { this.log.warn({ err, actor: cell.id }, 'final snapshot failed'); finish(); });
      } else {
        finish();
      }
    };
    const post = cell.behaviour.postStop;
    // A paused cell already ran postStop (or crashed, and a crashed actor gets none).
    if (post === undefined || cell.paused || cell.state === undefined && reason === 'behaviour-load-failed') { finishAfterSnapshot(); return; }
    let r: unknown;
    try {
      r = post(cell.state, cell.ctx);
    } catch (err) {
      this.log.warn({ err, actor: cell.id, worker: this.id }, 'postStop failed');
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(finishAfterSnapshot, (err) => { this.log.warn({ err, actor: cell.id, worker: this.id }, 'postStop failed'); finishAfterSnapshot(); });
    } else {
      finishAfterSnapshot();
    }
  }

  watch(target: ActorRef, watcher: ActorRef): Promise<void> {
    if (target.node === this.id) {
      const cell = this.cells.get(target.id);
      if (cell === undefined || cell.status > Status.Ready) this.sendSignal(watcher, { type: 'terminated', ref: target, reason: 'unknown-actor' });
      else (cell.watchers ??= []).push(watcher);
      return Promise.resolve();
    }
    let w = this.remoteWatches.get(target.id);
    if (w === undefined) this.remoteWatches.set(target.id, (w = { target, watchers: [] }));
    w.watchers.push(watcher);
    return this.control(target.node, { t: 'watch', id: target.id, watcher }, true).then(() => undefined, () => undefined);
  }

  unwatch(target: ActorRef, watcher: ActorRef): Promise<void> {
    if (target.node === this.id) {
      const cell = this.cells.get(target.id);
      if (cell?.watchers) cell.watchers = cell.watchers.filter((w) => w.id !== watcher.id);
      return Promise.resolve();
    }
    const w = this.remoteWatches.get(target.id);
    if (w !== undefined) {
      w.watchers = w.watchers.filter((x) => x.id !== watcher.id);
      if (w.watchers.length === 0) this.remoteWatches.delete(target.id);
    }
    return this.control(target.node, { t: 'unwatch', id: target.id, watcher: watcher.id }, true).then(() => undefined, () => undefined);
  }

  /**
   * Links, as in OTP: both ends learn when the other exits abnormally (a crash, or a stop for any
   * reason but 'normal'/'system-stopped'), and by default exit too. An actor whose behaviour has
   * `onSignal` traps exits instead: it gets a `linked-exit` signal and carries on.
   */
  link(a: ActorCell, b: ActorRef): Promise<void> {
    (a.links ??= new Map()).set(b.id, b);
    if (b.node === this.id) {
      const other = this.cells.get(b.id);
      if (other === undefined || other.status > Status.Ready) { this.linkedExit(a, b.id, 'noproc'); return Promise.resolve(); }
      (other.links ??= new Map()).set(a.id, a.ref);
      return Promise.resolve();
    }
    return this.control(b.node, { t: 'link', id: b.id, other: a.ref }, true).then(() => undefined, () => undefined);
  }

  unlink(a: ActorCell, b: ActorRef): Promise<void> {
    a.links?.delete(b.id);
    if (b.node === this.id) { this.cells.get(b.id)?.links?.delete(a.id); return Promise.resolve(); }
    return this.control(b.node, { t: 'unlink', id: b.id, other: a.id }, true).then(() => undefined, () => undefined);
  }

  /** Tell every linked actor that `cell` exited with `reason` (abnormal exits only). */
  propagateExit(cell: ActorCell, reason: string): void {
    const links = cell.links;
    if (links === undefined || reason === 'normal' || reason === 'system-stopped') return;
    cell.links = undefined;
    for (const other of links.values()) this.exitSignal(other, cell.id, reason);
  }

  private exitSignal(to: ActorRef, from: string, reason: string): void {
    if (to.node === this.id) {
      const cell = this.cells.get(to.id);
      if (cell !== undefined) this.linkedExit(cell, from, reason);
    } else {
      void this.control(to.node, { t: 'exit', id: to.id, from, reason }).catch(() => undefined);
    }
  }

  private linkedExit(cell: ActorCell, from: string, reason: string): void {
    cell.links?.delete(from);
    if (cell.status > Status.Ready) return;
    if (cell.behaviour.onSignal !== undefined) {
      this.deliverLocal(cell, { type: 'linked-exit', from, reason }, undefined, SIGNAL);
      return;
    }
    // Not trapping exits: the failure crosses the link. A supervised actor fails (its supervisor
    // decides); any other actor stops with the reason.
    const err = new Error(`linked actor '${from}' exited: ${reason}`);
    err.name = 'LinkedExit';
    if (cell.supervised && this.supervise(cell, err, 'linked-exit')) return;
    this.stopCell(cell, `linked:${from}:${reason}`);
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
      // A root supervisor gave up: report and stop it (its children are already stopped).
      this.emitEvent({ type: 'root-escalation', actor: cell.id, worker: this.id, cause: errorToWire(err) });
      this.stopCell(cell, 'escalated');
      return true;
    }
    return false;
  }

  /**
   * Take a cell down without removing it: children stopped, timers cancelled, \`postStop\` run (only
   * on an orderly pause, not after a crash), no messages taken until \`resumeCell\`.
   */
  pauseCell(cell: ActorCell, reason: string, done: () => void): void {
    if (cell.status !== Status.Ready && cell.status !== Status.Starting) { done(); return; }
    const wasReady = cell.status === Status.Ready;
    cell.status = Status.Starting;
    cell.incarnation++;
    cell.suspended = false;
    cell.paused = true;
    const children = cell.children ? [...cell.children.values()].reverse() : [];
    cell.children = undefined;
    for (const child of children) this.stopRef(child, 'parent-stopped');
    if (cell.hasTimers) cell.ctx.timers.cancelAll();
    const post = cell.behaviour.postStop;
    if (!wasReady || reason === 'failed' || post === undefined) { done(); return; }
    let r: unknown;
    try { r = post(cell.state, cell.ctx); } catch (err) { this.log.warn({ err, actor: cell.id, worker: this.id }, 'postStop failed'); }
    if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(done, done);
    else done();
  }

  /** Start a paused cell again: fresh state from \`init\`, mailbox as it was. */
  resumeCell(cell: ActorCell, done: (err?: unknown) => void): void {
    if (cell.status !== Status.Starting) { done(); return; }
    cell.paused = false;
    cell.restarts++;
    cell.start(done);
  }

  // ---------------------------------------------------------------- topics and broadcast

  subscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    let set = this.topics.get(topic);
    if (set === undefined) this.topics.set(topic, (set = new Set()));
    set.add(subscriber);
    if (subscriber instanceof ActorCell) (subscriber.topics ??= []).push(topic);
  }

  unsubscribe(topic: string, subscriber: ActorCell | TopicListener): void {
    this.topics.get(topic)?.delete(subscriber);
    if (subscriber instanceof ActorCell && subscriber.topics) subscriber.topics = subscriber.topics.filter((t) => t !== topic);
  }

  publish(topic: string, message: unknown, sender: ActorRef | undefined): void {
    if (typeof message === 'object' && message !== null) assertTransferable(message, { actor: `topic:${topic}`, messageType: messageTypeOf(message) });
    this.toAllNodes({ t: 'pub', topic, message, sender });
    this.deliverTopic(topic, message, sender);
  }

  /** Deliver to every actor (or every member of `group`) except `except` (default: the sender). */
  broadcast(message: unknown, group: string | undefined, sender: ActorRef | undefined, except: string | undefined = sender?.id): void {
    if (typeof message === 'object' && message !== null || typeof message === 'function' || typeof message === 'symbol') assertTransferable(message, { actor: group ? `group:${group}` : 'broadcast', messageType: messageTypeOf(message) });
    this.toAllNodes({ t: 'bcast', message, group, sender, except });
    this.deliverBroadcast(message, group, sender, except);
  }

  private toAllNodes(msg: Record<string, unknown>): void {
    for (let n = 0; n < this.out.length; n++) {
      const link = this.out[n];
      if (link === undefined || this.deadNodes.has(n)) continue;
      link.send(Kind.Control, undefined, undefined, 0, msg);
      this.markDirty(link);
    }
  }

  private deliverTopic(topic: string, message: unknown, sender: ActorRef | undefined): void {
    const subs = this.topics.get(topic);
    if (subs === undefined) return;
    for (const s of subs) {
      if (s instanceof ActorCell) {
        if (sender === undefined || s.id !== sender.id) this.deliverChecked(s, message, sender);
      } else {
        try { s(message, sender); } catch (err) { this.log.warn({ err, topic }, 'topic listener failed'); }
      }
    }
  }

  private deliverBroadcast(message: unknown, group: string | undefined, sender: ActorRef | undefined, except: string | undefined): void {
    if (group !== undefined) {
      const subs = this.topics.get(`group:${group}`);
      if (subs) for (const s of subs) if (s instanceof ActorCell && s.id !== except) this.deliverChecked(s, message, sender);
      return;
    }
    for (const cell of this.cells.values()) {
      if (cell.id !== except && cell.broadcastable) this.deliverChecked(cell, message, sender);
    }
  }

  /** Fan-out delivery still honours each receiver's message schema: a misfit is a dead letter. */
  private deliverChecked(cell: ActorCell, message: unknown, sender: ActorRef | undefined): void {
    if (cell.behaviour.messages !== undefined) {
      const r = cell.behaviour.messages.safeParse(message);
      if (!r.success) {
        this.deadLetter(cell.id, message, `invalid-message: ${r.error.issues[0]?.message ?? 'schema'}`, sender, undefined);
        return;
      }
      message = r.data;
    }
    this.deliverLocal(cell, message, sender, undefined);
  }

  // ---------------------------------------------------------------- registry, dead letters, events

  lookup(id: string): Promise<ActorRef | undefined> {
    const local = this.cells.get(id);
    if (local !== undefined && local.status <= Status.Ready) return Promise.resolve(local.ref);
    if (this.id === 0) return Promise.resolve(this.lookupHook?.(id));
    return this.control(0, { t: 'lookup', id }, true) as Promise<ActorRef | undefined>;
  }

  lookupHook: ((id: string) => ActorRef | undefined) | undefined;

  /**
   * Registry updates for the main thread, sent in batches at the end of the turn: spawning a million
   * children must not cost a million frames. See RegistryBatch for the layout.
   */
  private registryOps = '';
  private registryIds: (string | number)[] = [];
  private registryInfo: number[] = [];
  private registryBehaviours: string[] = [];
  private registryParents = new Map<string, number>();

  /** `numbered`: n when the id is the parent's n-th numbered child (`parent/n`), else 0. */
  private registered(id: string, node: number, behaviour: string, parent: string | undefined, numbered = 0): void {
    if (this.id === 0) { this.controlHook?.(0, { t: 'registered', id, node, behaviour, parent }, 0); return; }
    if (this.closed) return;
    let b = this.registryBehaviours.indexOf(behaviour);
    if (b < 0) b = this.registryBehaviours.push(behaviour) - 1;
    let p = 0;
    if (parent !== undefined) {
      p = this.registryParents.get(parent) ?? 0;
      if (p === 0) this.registryParents.set(parent, p = this.registryParents.size + 1);
    }
    // Multiplied, not shifted: the parent index may pass bit 31. A numbered child travels as its
    // number: the main thread rebuilds `parent/n`, and a number packs far cheaper than a string.
    this.batchRegistry('+', numbered !== 0 && p !== 0 ? numbered : id, node + b * 0x100 + p * 0x100000);
  }

  private unregistered(id: string, reason: string): void {
    if (this.id === 0) { this.controlHook?.(0, { t: 'unregistered', id, reason }, 0); return; }
    if (!this.closed) this.batchRegistry('-', id, 0);
  }

  private moved(id: string, node: number): void {
    if (this.id === 0) { this.controlHook?.(0, { t: 'moved', id, node }, 0); return; }
    if (!this.closed) this.batchRegistry('>', id, node);
  }

  private batchRegistry(op: string, id: string | number, info: number): void {
    this.registryOps += op;
    this.registryIds.push(id);
    this.registryInfo.push(info);
    if (this.registryIds.length === 1) this.markDirty(this.out[0]!);
    if (this.registryIds.length >= REGISTRY_BATCH) this.sendRegistryBatch();
  }

  private sendRegistryBatch(): void {
    if (this.registryIds.length === 0) return;
    const batch: RegistryBatch = {
      t: 'registry', ops: this.registryOps, ids: this.registryIds, info: this.registryInfo,
      behaviours: this.registryBehaviours, parents: [...this.registryParents.keys()],
    };
    this.registryOps = '';
    this.registryIds = [];
    this.registryInfo = [];
    this.registryBehaviours = [];
    this.registryParents = new Map();
    const link = this.out[0]!;
    link.send(Kind.Control, undefined, undefined, 0, batch as unknown as Record<string, unknown>);
    this.markDirty(link);
  }

  /** Nothing is silently lost: undeliverable messages go to the dead-letter stream, asks fail now. */
  deadLetter(target: string, message: unknown, reason: string, sender: ActorRef | undefined, reply: unknown): void {
    if (reply !== undefined && reply !== SIGNAL) {
      this.replyError(reply, new ActorNotFoundError(
        `actor '${target}' cannot take message '${messageTypeOf(message)}': ${reason}`,
        { actor: target, messageType: messageTypeOf(message), reason, worker: this.id },
      ));
    }
    const letter = { t: 'dead', target, type: messageTypeOf(message), reason, sender: sender?.id, message: safeForWire(message), worker: this.id, at: Date.now() };
    if (this.id === 0) this.controlHook?.(0, letter, 0);
    else if (!this.closed) void this.control(0, letter).catch(() => undefined);
  }

  emitEvent(event: Record<string, unknown>): void {
    const msg = { t: 'event', event: { ...event, at: Date.now() } };
    if (this.id === 0) this.controlHook?.(0, msg, 0);
    else if (!this.closed) void this.control(0, msg).catch(() => undefined);
  }

  // ---------------------------------------------------------------- node lifecycle

  /**
   * Another worker died and a successor is being started: asks it owed fail now (their message may
   * have been lost with it), new sends are held for the successor, and whoever watched or parented
   * an actor there hears that it terminated.
   */
  nodeDown(node: number): void {
    if (!this.held.has(node)) this.held.set(node, []);
    this.failAsksTo(node);
    for (const [id, w] of this.remoteWatches) {
      if (w.target.node !== node) continue;
      this.remoteWatches.delete(id);
      for (const watcher of w.watchers) this.sendSignal(watcher, { type: 'terminated', ref: w.target, reason: 'worker-died' });
    }
    // Parents forget children that died with the worker; those they watch (supervisors watch all
    // theirs) got a `terminated` signal above and decide what to do. Children whose parent died
    // there go with it, as an OTP process's children do when their supervisor dies.
    const orphans: ActorCell[] = [];
    for (const cell of this.cells.values()) {
      if (cell.parent !== undefined && cell.parent.node === node) orphans.push(cell);
      if (cell.children === undefined) continue;
      for (const [id, child] of cell.children) if (child.node === node) cell.children.delete(id);
    }
    for (const cell of orphans) this.stopCell(cell, 'parent-died');
  }

  /** The successor of a dead worker is up: swap in the new rings and release what was held. */
  relink(node: number, outSab: SharedArrayBuffer, inSab: SharedArrayBuffer): void {
    const link = new OutboundLink(outSab);
    this.bellOf.clear();
    this.out[node] = link;
    const idx = this.inbound.findIndex((l) => l.origin === node);
    const inbound = new InboundLink(inSab, node, (id, n, b) => this.resolveRef(id, n, b), (err, origin, kind) => {
      this.log.error({ err, worker: this.id, origin, kind }, 'frame could not be handled');
    }, () => this.ringBell(this.doorbells[node]!));
    if (idx >= 0) this.inbound[idx] = inbound;
    else this.inbound.push(inbound);
    for (let i = this.dirty.length - 1; i >= 0; i--) {
      if (this.out.indexOf(this.dirty[i]!) < 0) this.dirty.splice(i, 1)[0]!.dirty = false;
    }
    const held = this.held.get(node) ?? [];
    this.held.delete(node);
    for (const h of held) link.send(h.kind, h.target, h.sender, h.corr, h.value);
    this.markDirty(link);
  }

  private failAsksTo(node: number): void {
    for (const [corr, p] of this.asks) {
      if (p.node !== node) continue;
      this.asks.delete(corr);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new WorkerDiedError(`worker ${node} died before actor '${p.target}' answered '${askType(p)}'`, { worker: node, actor: p.target, messageType: askType(p) }));
    }
  }

  /** Another node died for good: its pending asks fail now, sends to it become dead letters. */
  nodeDied(node: number): void {
    this.deadNodes.add(node);
    for (const [corr, p] of this.asks) {
      if (p.node !== node) continue;
      this.asks.delete(corr);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new WorkerDiedError(`worker ${node} died before actor '${p.target}' answered '${askType(p)}'`, { worker: node, actor: p.target, messageType: askType(p) }));
    }
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

  private timingsCache: BehaviourTimings[] = [];
  private timingsAt = 0;

  /** Timings over whole seconds, whoever asks and however often (as for the load figure). */
  private lastTimings(): BehaviourTimings[] {
    const now = performance.now();
    if (now - this.timingsAt >= 1000) {
      this.timingsCache = this.takeTimings();
      this.timingsAt = now;
    }
    return this.timingsCache;
  }

  private eluMark = performance.eventLoopUtilization();
  private eluAt = performance.now();
  private eluLast = 0;

  /**
   * This thread's figures: actor counts and mailbox depths, event-loop utilisation since the last
   * call, heap against its limit, the deepest mailboxes, and per-agent counters of actors that have
   * failed at least once (the only ones whose health is not 1).
   */
  /** Messages handled by this node's actors since it started (stopped actors included). */
  handledTotal = 0;
  /** Handler failures on this node since it started. */
  failuresTotal = 0;
  /** Cells awaiting an async handler, paused by a supervisor, or that ever failed (see stats). */
  readonly suspendedCells = new Set<ActorCell>();
  readonly pausedCells = new Set<ActorCell>();
  readonly failedCells = new Set<ActorCell>();

  /**
   * Counters and the deepest mailboxes. Cost is bounded by the busy actors, not by all of them: a
   * backlog can only sit in a cell that is scheduled, running, suspended or paused (an idle ready
   * cell has an empty mailbox), so those are the only cells looked at.
   */
  stats(): NodeStats {
    let mailboxes = 0;
    const agents: AgentCounters[] = [];
    const deepest: { id: string; depth: number }[] = [];
    const look = (c: ActorCell): void => {
      const depth = c.queued;
      if (depth === 0) return;
      mailboxes += depth;
      deepest.push({ id: c.id, depth });
      if (deepest.length > 20) { deepest.sort((a, b) => b.depth - a.depth); deepest.length = 10; }
    };
    for (let i = 0; i < this.rqSize; i++) look(this.rq[(this.rqHead + i) & (this.rq.length - 1)]!);
    if (this.current !== undefined && !this.current.scheduled) look(this.current);
    for (const c of this.suspendedCells) if (!c.scheduled) look(c);
    for (const c of this.pausedCells) if (!c.scheduled && !c.suspended) look(c);
    for (const c of this.failedCells) {
      agents.push({ id: c.id, handled: c.handled + c.failures, failed: c.failures, restarts: c.restarts });
      if (agents.length === 1000) break;
    }
    const handled = this.handledTotal;
    const failures = this.failuresTotal;
    deepest.sort((a, b) => b.depth - a.depth);
    // Utilisation over the last full second, whoever asks and however often.
    const now = performance.now();
    if (now - this.eluAt >= 1000) {
      this.eluLast = performance.eventLoopUtilization(this.eluMark).utilization;
      this.eluMark = performance.eventLoopUtilization();
      this.eluAt = now;
    }
    const elu = { utilization: this.eluLast };
    const heap = v8.getHeapStatistics();
    return {
      worker: this.id, actors: this.cells.size, runQueue: this.rqSize, mailboxes, handled, failures,
      eventLoopUtilization: elu.utilization, heapUsed: heap.used_heap_size, heapLimit: heap.heap_size_limit,
      deepest: deepest.slice(0, 10), agents, timings: this.lastTimings(), at: Date.now(),
    };
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

/**
 * The common shapes of spawn options, checked by hand: zod costs microseconds, and an actor that
 * spawns a million children should not pay them a million times. Inside an actor the option keys
 * are trusted to the types (system.spawn, the edge, validates them strictly); values are checked.
 */
function plainSpawnOptions(o: SpawnOptions<unknown>): boolean {
  if (o.mailbox !== undefined || o.groups !== undefined || o.persistent !== undefined) return false;
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > 512)) return false;
  const p = o.placement;
  if (p !== undefined && p !== 'local' && p !== 'hash' && p !== 'least-loaded') return false;
  if (o.throughput !== undefined && !(Number.isInteger(o.throughput) && o.throughput > 0)) return false;
  return o.supervised === undefined || typeof o.supervised === 'boolean';
}

/** The message type of a pending ask or control request, for its error. */
function askType(p: PendingAsk): string {
  return p.type || messageTypeOf(p.message);
}

function pendingBehaviour(key: string): Behaviour {
  return { key, name: key.slice(key.lastIndexOf('#') + 1), module: key.slice(0, key.lastIndexOf('#')), $troupe: 'behaviour', init: () => undefined, receive: () => undefined };
}

function safeForWire(m: unknown): unknown {
  if (typeof m === 'function' || typeof m === 'symbol') return String(m);
  return m;
}
