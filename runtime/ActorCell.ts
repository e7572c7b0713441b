import type { Logger } from 'pino';
import type { Behaviour } from '../actors/Behaviour.js';
import type { Signal } from '../actors/ActorContext.js';
import { ActorRef } from './ActorRef.js';
import { Mailbox } from './Mailbox.js';
import type { Children } from './Children.js';
import { childId } from './ChildId.js';
import { CellContext } from './CellContext.js';
import { ActorFailedError, MailboxFullError, MessageValidationError, errorToWire } from './errors.js';
import { messageTypeOf } from './Transferable.js';
import type { LocalNode } from './LocalNode.js';
import type { OverflowPolicy } from './SpawnOptions.js';
import { Durable, type ActorPersistence } from './persistence/ActorPersistence.js';

/**
 * A message waiting for room in a full mailbox: an offer, or (with drop-oldest) a tell or ask that
 * came behind offers and must not overtake them. `reply`: the ask's reply handle.
 */
interface ParkedOffer { message: unknown; sender: ActorRef | undefined; accepted: () => void; rejected: (err: unknown) => void; reply?: unknown }

const noop = (): void => undefined;

/** The rarely used parts of a cell (see ActorCell.x). */
interface CellExtras {
  watchers?: ActorRef[] | undefined;
  watching?: ActorRef[] | undefined;
  links?: Map<string, ActorRef> | undefined;
  stashed?: unknown[] | undefined;
  topics?: string[] | undefined;
  pendingStopReason?: string | undefined;
  parked?: ParkedOffer[] | undefined;
  afterInitHook?: ((s: unknown) => unknown) | undefined;
  restartTimes?: number[];
  paused?: boolean;
  supervised?: boolean;
  notBroadcastable?: boolean;
  failures?: number;
  restarts?: number;
  incarnation?: number;
  persistence?: ActorPersistence | undefined;
  currentSeq?: number;
  overflow?: OverflowPolicy;
  throughput?: number;
  capacity?: number;
  children?: Children | undefined;
  slot?: number;
  /** A numbered child's id once something has read it (see ActorCell.id). */
  builtId?: string;
}

export const enum Status { Starting = 0, Ready = 1, Stopping = 2, Stopped = 3 }
const STATUS_BITS = 3;
const SCHEDULED = 4;
const SUSPENDED = 8;

/** What admit() answers for a message that is not to be queued. */
const REFUSED = Symbol('troupe.refused');

/** Marks a mailbox triple whose message is a lifecycle signal, not a user message. */
export const SIGNAL = Symbol('troupe.signal');

/** Restarts allowed in a row before the default supervision gives up on an actor. */
const DEFAULT_MAX_RESTARTS = 10;
const DEFAULT_RESTART_WINDOW_MS = 10_000;

/**
 * One actor on one thread: behaviour, private state, mailbox, and the bookkeeping the scheduler needs.
 * An actor never handles two messages at once: while an async handler is pending the cell is
 * `suspended` and is not scheduled, however many messages arrive.
 */
export class ActorCell extends ActorRef {
  /**
   * Status (two bits), SCHEDULED and SUSPENDED in one small integer: an idle actor pays one field
   * for the three, and `enqueue` tests "ready, not scheduled, not suspended" in one comparison.
   */
  private f: number = Status.Starting;
  get status(): Status { return this.f & STATUS_BITS; }
  set status(v: Status) { this.f = (this.f & ~STATUS_BITS) | v; }
  get scheduled(): boolean { return (this.f & SCHEDULED) !== 0; }
  set scheduled(v: boolean) { this.f = v ? this.f | SCHEDULED : this.f & ~SCHEDULED; }
  /** An async handler (or init) is in flight: the cell is not scheduled until it settles. */
  get suspended(): boolean { return (this.f & SUSPENDED) !== 0; }
  set suspended(v: boolean) {
    if (v === this.suspended) return;
    this.f = v ? this.f | SUSPENDED : this.f & ~SUSPENDED;
    // The node keeps suspended cells in a set: its stats look at them and the run queue only, never
    // at every actor (a worker may hold a million idle ones).
    if (v) this.host.suspendedCells.add(this);
    else this.host.suspendedCells.delete(this);
  }
  /**
   * The scheduler pass this cell last ran in (a batch runs each cell at most once). Kept by the
   * mailbox: only a cell that has one is ever scheduled.
   */
  get lastPass(): number { return this.mb === undefined ? 0 : this.mb.lastPass; }
  set lastPass(v: number) { this.mailbox.lastPass = v; }
  state: unknown = undefined;
  private mb: Mailbox | undefined;
  /** The queue, made on first use: an actor that is never sent anything costs no queue. */
  get mailbox(): Mailbox {
    return (this.mb ??= new Mailbox());
  }
  /** Messages waiting, without making a queue. */
  get queued(): number {
    return this.mb === undefined ? 0 : this.mb.size;
  }
  /** Messages handled so far (kept by the mailbox: an actor never sent anything has handled none). */
  get handled(): number { return this.mb === undefined ? 0 : this.mb.handled; }
  set handled(v: number) { this.mailbox.handled = v; }

  /**
   * What most actors never use lives in one side object made on first use: an idle actor then
   * costs one slot for all of it (the accessors below sit on the prototype, not in every actor).
   */
  private x: CellExtras | undefined;

  get watchers(): ActorRef[] | undefined { return this.x?.watchers; }
  set watchers(v: ActorRef[] | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).watchers = v; }
  /** The actors this one watches: its watches go when it does (see LinksAndWatches.forget). */
  get watching(): ActorRef[] | undefined { return this.x?.watching; }
  set watching(v: ActorRef[] | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).watching = v; }
  /** Linked actors (OTP links): an abnormal exit crosses to them. */
  get links(): Map<string, ActorRef> | undefined { return this.x?.links; }
  set links(v: Map<string, ActorRef> | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).links = v; }
  get stashed(): unknown[] | undefined { return this.x?.stashed; }
  set stashed(v: unknown[] | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).stashed = v; }
  get topics(): string[] | undefined { return this.x?.topics; }
  set topics(v: string[] | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).topics = v; }
  get pendingStopReason(): string | undefined { return this.x?.pendingStopReason; }
  set pendingStopReason(v: string | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).pendingStopReason = v; }
  /** Taken down by its supervisor (postStop already ran, or was skipped after a crash). */
  get paused(): boolean { return this.x?.paused === true; }
  set paused(v: boolean) {
    if (v || this.x !== undefined) (this.x ??= {}).paused = v;
    if (v) this.host.pausedCells.add(this);
    else this.host.pausedCells.delete(this);
  }
  /** Started by a supervisor: failures go to the parent instead of the default restart. */
  get supervised(): boolean { return this.x?.supervised === true; }
  set supervised(v: boolean) { if (v || this.x !== undefined) (this.x ??= {}).supervised = v; }
  /** Pool actors take task inputs only, never broadcasts. */
  get broadcastable(): boolean { return this.x?.notBroadcastable !== true; }
  set broadcastable(v: boolean) { if (!v || this.x !== undefined) (this.x ??= {}).notBroadcastable = !v; }
  get failures(): number { return this.x?.failures ?? 0; }
  set failures(v: number) {
    (this.x ??= {}).failures = v;
    if (v > 0) this.host.failedCells.add(this);
  }

  /** A message failed here: counted on the actor and in its node's total. */
  countFailure(): void {
    this.failures++;
    this.host.failuresTotal++;
  }
  get restarts(): number { return this.x?.restarts ?? 0; }
  set restarts(v: number) { (this.x ??= {}).restarts = v; }
  /** Bumped on every pause and restart: a continuation of an older incarnation is dropped. */
  get incarnation(): number { return this.x?.incarnation ?? 0; }
  set incarnation(v: number) { (this.x ??= {}).incarnation = v; }
  /** Durable mailbox and snapshots, for actors spawned with `persistent`. */
  get persistence(): ActorPersistence | undefined { return this.x?.persistence; }
  set persistence(v: ActorPersistence | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).persistence = v; }
  /** Seq of the durable message being handled (0: none). */
  private get currentSeq(): number { return this.x?.currentSeq ?? 0; }
  private set currentSeq(v: number) { if (v !== 0 || this.x !== undefined) (this.x ??= {}).currentSeq = v; }
  /** What a bounded mailbox does when full. */
  get overflow(): OverflowPolicy { return this.x?.overflow ?? 'reject'; }
  set overflow(v: OverflowPolicy) { if (v !== 'reject' || this.x !== undefined) (this.x ??= {}).overflow = v; }
  /**
   * Its number among its parent's children, for a named child: a stop reported back across threads
   * then names the very child, even after the parent has restarted and spawned another with the
   * same name. 0 when unknown (a numbered child's number is in its id).
   */
  get slot(): number { return this.childNumber || (this.x?.slot ?? 0); }
  set slot(v: number) { (this.x ??= {}).slot = v; }
  /** Its children, made on the first spawn (an actor that never spawns pays one slot in x). */
  get children(): Children | undefined { return this.x?.children; }
  set children(v: Children | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).children = v; }
  get parked(): ParkedOffer[] | undefined { return this.x?.parked; }
  set parked(v: ParkedOffer[] | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).parked = v; }

  constructor(
    /** The thread's node this actor lives on (the ref's `node` is that node's number). */
    readonly host: LocalNode,
    /** The id, or for a numbered child spawned on its parent's thread, its number (see Children). */
    private readonly key: string | number,
    /** The behaviour it runs (the ref's `behaviour` is its key). */
    public def: Behaviour,
    readonly args: unknown,
    readonly parent: ActorRef | undefined,
    throughput?: number,
    capacity?: number,
  ) {
    // The cell is its actor's ref on this thread: one object per actor, not two (see
    // ARCHITECTURE.md, "What an idle actor costs").
    super('', 0, ''); // a cell keeps no copy of the ref's data: see the accessors below
    // Most actors take the node's throughput and an unbounded mailbox: those cost no field.
    if (throughput !== undefined && throughput !== host.settings.throughput) (this.x ??= {}).throughput = throughput;
    if (capacity !== undefined && capacity !== Number.POSITIVE_INFINITY) (this.x ??= {}).capacity = capacity;
  }

  /** Messages handled per turn before the scheduler moves on. */
  get throughput(): number {
    return this.x?.throughput ?? this.host.settings.throughput;
  }

  /** The mailbox's bound (Infinity: unbounded). */
  get capacity(): number {
    return this.x?.capacity ?? Number.POSITIVE_INFINITY;
  }

  /** n for the parent's numbered child `parent/n` that has no id string of its own, else 0. */
  get childNumber(): number {
    const k = this.key;
    return typeof k === 'number' ? k : 0;
  }

  /** The id; a numbered child's is written out on first read and kept. */
  override get id(): string {
    const k = this.key;
    if (typeof k === 'string') return k;
    const x = (this.x ??= {});
    return (x.builtId ??= childId(this.parent!.id, k));
  }

  // The ref's data, answered from the cell's own fields (ActorRef keeps copies only for plain refs).
  override get node(): number {
    return this.host.id;
  }

  // A cell stays on its thread: a migrated actor leaves its old cell stopped, and the refs it
  // handed out find it by id through the forwarder, as plain refs do.
  override set node(_worker: number) {}

  override get behaviour(): string {
    return this.def.key;
  }

  /** The cell itself, even once stopped: the node then finds a successor by id (see LocalNode.route). */
  override get _cell(): unknown {
    return this;
  }

  override set _cell(_cell: unknown) {}

  /** The actor's ref: the cell itself. */
  get ref(): ActorRef {
    return this;
  }

  /** The context, made on first use and kept by the mailbox (see Mailbox.ctx). */
  get ctx(): CellContext {
    const mb = this.mailbox;
    return (mb.ctx ??= new CellContext(this));
  }

  /** Timers pending, without making a context for an actor that never had one. */
  get hasTimers(): boolean {
    const ctx = this.mb?.ctx;
    return ctx !== undefined && ctx.hasTimers;
  }

  get log(): Logger {
    return this.ctx.log;
  }

  /** Run `init`; messages that arrive meanwhile wait in the mailbox. */
  start(onStarted?: (err?: unknown) => void): void {
    const p = this.persistence;
    if (p !== undefined && this.restore(p, onStarted)) return;
    let r: unknown;
    try {
      // The context is made on first use: an init that does not take it (and an actor that never
      // gets a message) costs no context object.
      const def = this.def;
      const init = def.init;
      r = (def.initArity ?? init.length) >= 2 ? init(this.args, this.ctx) : (init as (a: unknown) => unknown)(this.args);
    } catch (err) {
      this.startFailed(err, onStarted);
      return;
    }
    if (isThenable(r)) {
      this.suspended = true;
      const inc = this.incarnation;
      r.then(
        (s) => { if (inc !== this.incarnation) return; this.suspended = false; this.state = this.afterInit(s); this.becomeReady(onStarted); },
        (err) => { if (inc !== this.incarnation) return; this.suspended = false; this.startFailed(err, onStarted); },
      );
    } else {
      this.state = this.afterInit(r);
      this.becomeReady(onStarted);
    }
  }

  /**
   * A persistent actor's start: true when a snapshot from a previous incarnation replaced `init`
   * (once: a later restart re-inits) and the actor is ready; else init is still to run, with the
   * journal's events to apply after it.
   */
  private restore(p: ActorPersistence, onStarted?: (err?: unknown) => void): boolean {
    const apply = this.def.applyEvent;
    if (apply !== undefined) p.eventSourced = true;
    const restored = p.restored;
    if (restored !== undefined) {
      p.restored = undefined;
      p.replayed = true;
      this.state = apply !== undefined ? p.replayEvents(restored.state, apply) : restored.state;
      this.becomeReady(onStarted);
      return true;
    }
    if (apply !== undefined && !p.replayed) {
      // No snapshot: init, then every event in the journal (once per incarnation of the id).
      p.replayed = true;
      this.afterInitHook = (s) => p.replayEvents(s, apply);
    } else if (apply !== undefined) {
      // A restart: the journal still holds the truth (see ActorPersistence.rebuild).
      this.afterInitHook = (s) => p.rebuild(s, apply);
    }
    return false;
  }

  private get afterInitHook(): ((s: unknown) => unknown) | undefined { return this.x?.afterInitHook; }
  private set afterInitHook(v: ((s: unknown) => unknown) | undefined) { if (v !== undefined || this.x !== undefined) (this.x ??= {}).afterInitHook = v; }

  private afterInit(s: unknown): unknown {
    const h = this.afterInitHook;
    if (h === undefined) return s;
    this.afterInitHook = undefined;
    return h(s);
  }

  private becomeReady(onStarted?: (err?: unknown) => void): void {
    if (this.status === Status.Starting) this.status = Status.Ready;
    onStarted?.();
    this.afterTurn();
  }

  private startFailed(err: unknown, onStarted?: (err?: unknown) => void): void {
    this.host.log.error({ err, actor: this.id, behaviour: this.def.name, worker: this.host.id }, 'actor init failed');
    onStarted?.(err);
    this.host.stopCell(this, `init-failed: ${(err as Error)?.message ?? String(err)}`);
    // A stop asked for during an async init was left pending (stopCell does not start a second
    // one): the stop finishes now, and whoever awaits it is released.
    this.afterTurn();
  }

  /**
   * The actor has stopped for good: drop its state and its context (see ActorShutdown). The
   * context is cut off first, as after a restart: code of the actor still running unawaited can
   * no longer act in its name (persist would put state back, a timer would never be cancelled).
   */
  releaseState(): void {
    this.state = undefined;
    this.cutOffContext('stopped');
  }

  /** Cut the context off (see CellContext.detach) and forget it: a next one is made on use. */
  private cutOffContext(why: 'restarted' | 'stopped'): void {
    const mb = this.mb;
    if (mb === undefined || mb.ctx === undefined) return;
    mb.ctx.detach(why);
    mb.ctx = undefined;
  }

  /** Accept a message. Returns false when a bounded mailbox refused it. */
  enqueue(message: unknown, sender: ActorRef | undefined, reply: unknown, committed?: (p: Promise<void>) => void): void {
    const mb = this.mb ?? (this.mb = new Mailbox());
    // A bound, the history and a durable log are rare, and handled out of line (as is starting a
    // sample): the common path stays small enough for V8 to inline into a sender's loop.
    const x = this.x;
    if ((x !== undefined && (x.capacity !== undefined || x.persistence !== undefined)) || this.host.history !== undefined) {
      const admitted = this.admit(message, sender, reply, committed, mb);
      if (admitted === REFUSED) return;
      message = admitted;
    }
    mb.push(message, sender, reply);
    if (mb.sampleLeft === 0 && --this.host.sampleCountdown === 0) this.startSample(mb);
    // Ready, not scheduled, not suspended.
    if (this.f === Status.Ready) {
      this.f = Status.Ready | SCHEDULED;
      this.host.schedule(this);
    }
  }

  /**
   * The checks of a bounded, recorded or durable mailbox: REFUSED when the message is not to be
   * queued (the overflow policy took it), else the message to queue (a durable one wrapped).
   */
  private admit(message: unknown, sender: ActorRef | undefined, reply: unknown, committed: ((p: Promise<void>) => void) | undefined, mb: Mailbox): unknown {
    const x = this.x;
    // A lifecycle signal (terminated, linked-exit) is never refused or dropped by the bound: losing
    // one would break the supervision built on it. Signals are few, and bounded by the links and
    // watches that make them.
    if (reply === SIGNAL) return message;
    if (x !== undefined && x.capacity !== undefined && mb.size >= x.capacity) {
      // Offers wait for room in the order they came. With drop-oldest a tell or ask would make room
      // at once and overtake them (breaking per-sender order): it waits behind them instead.
      if (x.parked !== undefined && x.overflow === 'drop-oldest') {
        x.parked.push({ message, sender, accepted: noop, rejected: noop, reply });
        return REFUSED;
      }
      if (!this.overflowed(message, sender, reply)) return REFUSED;
    }
    if (this.host.history !== undefined) this.host.record(this.id, message, sender);
    const p = x?.persistence;
    if (p !== undefined && p.mailbox) {
      const j = p.journal(message, sender);
      committed?.(j.committed);
      return j.entry;
    }
    return message;
  }

  /** The message just queued is timed (see LocalNode.sampleCountdown). */
  private startSample(mb: Mailbox): void {
    mb.sampleLeft = mb.size;
    mb.sampleAt = this.host.takeSample();
  }

  /** Apply the overflow policy; true when the new message should still be queued. */
  private overflowed(message: unknown, sender: ActorRef | undefined, reply: unknown): boolean {
    const type = messageTypeOf(message);
    switch (this.overflow) {
      case 'drop-newest':
        this.dropped(message, sender, reply, 'dropped-newest');
        return false;
      case 'drop-oldest': {
        const mb = this.mailbox;
        // A queued signal is not the policy's to drop (see admit): it goes to the back.
        for (let k = mb.size; k > 0; k--) {
          mb.shift();
          if (mb.reply !== SIGNAL) {
            this.dropped(mb.message, mb.sender as ActorRef | undefined, mb.reply, 'dropped-oldest');
            return true;
          }
          mb.push(mb.message, mb.sender, mb.reply);
        }
        this.dropped(message, sender, reply, 'dropped-newest');
        return false;
      }
      default: {
        const err = new MailboxFullError(
          `mailbox of actor '${this.id}' is full (capacity ${this.capacity}); message '${type}' rejected`,
          { actor: this.id, messageType: type, capacity: this.capacity, worker: this.host.id },
        );
        if (reply !== undefined) {
          this.host.replyError(reply, err);
          return false;
        }
        // A sender on this thread's stack gets the error; a message that came in a frame from
        // another thread, or from a timer, has no one to throw to: a dead letter with the reason.
        if (!this.host.senderless) throw err;
        this.host.deadLetter(this.id, message, 'mailbox-full', sender, undefined);
        return false;
      }
    }
  }

  /** A message the overflow policy dropped: its asker, if any, learns why; the message is a dead letter. */
  private dropped(message: unknown, sender: ActorRef | undefined, reply: unknown, how: 'dropped-newest' | 'dropped-oldest'): void {
    if (reply !== undefined && reply !== SIGNAL) {
      const type = messageTypeOf(message);
      this.host.replyError(reply, new MailboxFullError(
        `mailbox of actor '${this.id}' is full (capacity ${this.capacity}); message '${type}' ${how === 'dropped-newest' ? 'dropped (drop-newest)' : 'dropped to make room (drop-oldest)'}`,
        { actor: this.id, messageType: type, capacity: this.capacity, worker: this.host.id, policy: how === 'dropped-newest' ? 'drop-newest' : 'drop-oldest' },
      ));
    }
    this.host.deadLetter(this.id, message, `mailbox-full:${how}`, sender, undefined);
  }

  /**
   * Accept a message when the mailbox has room, else park it until it has: `accepted` runs at that
   * moment. This is the backpressure `offer` gives producers outside the system.
   */
  admitOffer(message: unknown, sender: ActorRef | undefined, accepted: () => void, rejected: (err: unknown) => void): void {
    if (this.queued < this.capacity && this.parked === undefined) {
      // A durable actor accepts once the message is committed to its log.
      let durable: Promise<void> | undefined;
      this.enqueue(message, sender, undefined, (p) => { durable = p; });
      if (durable !== undefined) durable.then(accepted, rejected);
      else accepted();
      return;
    }
    (this.parked ??= []).push({ message, sender, accepted, rejected });
  }


  private admitParked(): void {
    const p = this.parked!;
    while (p.length > 0 && this.queued < this.capacity) {
      const o = p.shift()!;
      let durable: Promise<void> | undefined;
      this.enqueue(o.message, o.sender, o.reply, (d) => { durable = d; });
      if (durable !== undefined) durable.then(o.accepted, o.rejected);
      else o.accepted();
    }
    if (p.length === 0) this.parked = undefined;
  }

  validate(message: unknown): unknown {
    const schema = this.def.messages;
    if (schema === undefined) return message;
    const r = schema.safeParse(message);
    if (r.success) return r.data;
    throw validationError(this.id, this.def.name, message, r.error.issues);
  }

  /** Handle up to `throughput` messages; called by the scheduler only. */
  run(): void {
    this.scheduled = false;
    const node = this.host;
    const mb = this.mailbox;
    const receive = this.def.receive;
    // A receive declared with (state) or (state, message) cannot see a context: none is made for
    // it (an actor that handles one message then idles saves the object). Others, rest parameters
    // included, get it. A context made already (by init, kept in the state) is kept up to date.
    const arity = this.def.receiveArity ?? receive.length;
    let ctx = this.handlerContext(arity);
    let budget = this.throughput;
    let handled = 0;
    const durable = this.persistence;
    node.current = this;
    while (budget-- > 0 && mb.size > 0) {
      mb.shift();
      let m = mb.message;
      let timedAt = 0;
      if (mb.sampleLeft !== 0 && --mb.sampleLeft === 0) timedAt = performance.now();
      if (durable !== undefined && m instanceof Durable) {
        this.currentSeq = m.seq;
        m = m.message;
      }
      const sender = mb.sender as ActorRef | undefined;
      const reply = mb.reply;
      // A signal's handler always gets the context.
      const c = reply === SIGNAL ? this.ctx : ctx;
      if (c !== undefined) {
        c.sender = sender;
        c.replyTo = reply;
        c.message = m;
      }
      let r: unknown;
      try {
        r = reply === SIGNAL ? this.signal(m as Signal) : receive(this.state, m, ctx!);
      } catch (err) {
        // The answer still owed, if any (the handler may have replied before it threw).
        this.fail(err, m, c === undefined ? reply : c.replyTo, sender);
        if (durable !== undefined && this.currentSeq !== 0) this.durableDone();
        if (this.status !== Status.Ready) break;
        // Restarted in place: the next message belongs to the new incarnation and its context.
        ctx = this.handlerContext(arity);
        continue;
      }
      if (r !== undefined) {
        if (typeof r === 'object' && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') {
          this.await(r as PromiseLike<unknown>, m, c === undefined ? reply : c.replyTo, sender);
          break;
        }
        this.state = r;
      }
      handled++;
      if (durable !== undefined) {
        if (this.currentSeq !== 0) this.durableDone();
        else if (reply !== SIGNAL) durable.handledUnlogged(this.state);
      }
      if (timedAt !== 0) node.recordTiming(this.def.name, timedAt - mb.sampleAt, performance.now() - timedAt);
      if (this.status !== Status.Ready) break;
    }
    node.current = undefined;
    mb.handled += handled;
    node.handledTotal += handled;
    if (this.parked !== undefined) this.admitParked();
    this.afterTurn();
  }

  /** The context a `receive` of this arity is called with (see run); undefined when it takes none. */
  private handlerContext(arity: number): CellContext | undefined {
    return arity === 1 || arity === 2 ? this.mb?.ctx : this.ctx;
  }

  /** The durable message in hand is finished (handled or failed): the log may let it go. */
  private durableDone(): void {
    const seq = this.currentSeq;
    this.currentSeq = 0;
    this.persistence!.processed(seq, this.state);
  }

  private signal(sig: Signal): unknown {
    const h = this.def.onSignal;
    if (h === undefined) return undefined;
    return h(this.state, sig, this.ctx);
  }

  private await(p: PromiseLike<unknown>, m: unknown, reply: unknown, sender: ActorRef | undefined): void {
    this.suspended = true;
    const inc = this.incarnation;
    p.then(
      (next) => {
        // Restarted meanwhile: this result belongs to a state that no longer exists.
        if (inc !== this.incarnation) return;
        this.suspended = false;
        if (next !== undefined) this.state = next;
        this.handled++;
        this.host.handledTotal++;
        if (this.currentSeq !== 0) this.durableDone();
        else this.persistence?.handledUnlogged(this.state);
        this.afterTurn();
      },
      (err) => {
        if (inc !== this.incarnation) return;
        this.suspended = false;
        this.fail(err, m, reply, sender);
        if (this.currentSeq !== 0) this.durableDone();
        this.afterTurn();
      },
    );
  }

  /** Reschedule if work is left, or finish a stop that was requested mid-turn. */
  afterTurn(): void {
    if (this.suspended) return;
    if (this.status === Status.Ready) {
      if (this.queued > 0 && !this.scheduled) {
        this.scheduled = true;
        this.host.schedule(this);
      }
    } else if (this.status === Status.Stopping && this.pendingStopReason !== undefined) {
      const reason = this.pendingStopReason;
      this.pendingStopReason = undefined;
      this.host.finishStop(this, reason);
    }
  }

  /**
   * A handler threw or its promise rejected. The asker (if any) gets an ActorFailedError at once;
   * the supervisor decides about the actor. Until a supervisor is attached, the default restarts
   * the actor in place (fresh state from `init`, mailbox kept) within a restart intensity.
   */
  fail(err: unknown, message: unknown, reply: unknown, sender: ActorRef | undefined): void {
    this.countFailure();
    const type = messageTypeOf(message);
    const error = new ActorFailedError(
      `actor '${this.id}' failed handling '${type}' on worker ${this.host.id}: ${(err as Error)?.message ?? String(err)}`,
      { actor: this.id, messageType: type, worker: this.host.id, behaviour: this.def.name },
      err,
    );
    if (reply !== undefined && reply !== SIGNAL) this.host.replyError(reply, error);
    this.host.log.warn({ err, actor: this.id, messageType: type, worker: this.host.id, sender: sender?.id }, 'actor handler failed');
    this.host.deadLetter(this.id, message, 'handler-failed', sender, undefined);
    // A stop was asked for while this message was in hand: the actor stops as asked (the caller's
    // afterTurn finishes it), and its links hear the stop's reason then. Restarting it here would
    // lose the stop, and whoever awaits it.
    if (this.status === Status.Stopping) return;
    // A crash is an exit: linked actors hear of it whatever the supervisor then does.
    this.host.propagateExit(this, `crashed: ${(err as Error)?.message ?? String(err)}`);
    if (this.host.supervise(this, err, type)) return;
    this.restartInPlace(err, type);
  }

  /**
   * A new incarnation begins (a restart, or the pause before one); timers are cancelled already. A
   * handler still in flight belongs to the old one: its asker gets an error now rather than a
   * timeout, and its context is cut loose, so that a reply it makes later cannot answer the asker
   * of the new incarnation's message. The new incarnation gets a context of its own.
   */
  beginIncarnation(reason: string): void {
    this.incarnation++;
    const ctx = this.mb?.ctx;
    if (ctx === undefined) return;
    const reply = ctx.replyTo;
    if (this.suspended && reply !== undefined && reply !== SIGNAL) {
      const type = messageTypeOf(ctx.message);
      this.host.replyError(reply, new ActorFailedError(
        `actor '${this.id}' was ${reason} while handling '${type}' on worker ${this.host.id}`,
        { actor: this.id, messageType: type, worker: this.host.id, behaviour: this.def.name },
      ));
    }
    this.cutOffContext('restarted');
  }

  /** Default supervision: restart with fresh state, give up past the intensity. */
  restartInPlace(cause: unknown, messageType: string): void {
    const now = Date.now();
    const times = ((this.x ??= {}).restartTimes ??= []);
    times.push(now);
    while (times.length > 0 && times[0]! < now - DEFAULT_RESTART_WINDOW_MS) times.shift();
    if (times.length > DEFAULT_MAX_RESTARTS) {
      this.host.emitEvent({ type: 'gave-up', actor: this.id, worker: this.host.id, cause: errorToWire(cause), messageType });
      this.host.stopCell(this, 'restart-intensity');
      return;
    }
    this.restarts++;
    this.host.emitEvent({ type: 'restart', actor: this.id, worker: this.host.id, cause: errorToWire(cause), messageType });
    if (this.hasTimers) this.ctx.timers.cancelAll();
    // A new incarnation: the old one's children go with it (as an OTP process's linked children do).
    this.beginIncarnation('restarted');
    this.suspended = false;
    if (this.children !== undefined) this.host.stopChildren(this.children.takeAll(), 'parent-stopped');
    this.status = Status.Starting;
    this.start();
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

export function validationError(
  actor: string, behaviour: string, message: unknown, issues: readonly { path: PropertyKey[]; message: string }[],
): MessageValidationError {
  const first = issues[0]!;
  const field = first.path.map(String).join('.') || '(message)';
  const type = messageTypeOf(message);
  return new MessageValidationError(
    `message '${type}' to actor '${actor}' is invalid at '${field}': ${first.message}`,
    { actor, behaviour, messageType: type, field, issues: issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
  );
}
