import { MessageChannel, Worker } from 'node:worker_threads';
import { connectInspection, type InspectionApi } from './WorkerInspector.js';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { AskOptions } from '../actors/ActorContext.js';
import { isBehaviour, type Behaviour } from '../actors/Behaviour.js';
import { ActorRef } from './ActorRef.js';
import { LocalNode, type NodeStats, type RegistryBatch, type SpawnSpec } from './LocalNode.js';
import { SystemMonitor } from './SystemMonitor.js';
import { Registry } from './Registry.js';
import { childId } from './ChildId.js';
import type { Alert } from '../supervisor/Alert.js';
import type { AlertThresholdsInput } from '../supervisor/AlertThresholds.js';
import { resolveSystemOptions, type ResolvedSystemOptions, type SystemOptions } from './SystemOptions.js';
import { SpawnOptionsSchema, type SpawnOptions } from './SpawnOptions.js';
import {
  ActorNotFoundError, AskTimeoutError, DuplicateNameError, InvalidOptionError, SystemStoppedError, WorkerDiedError, type WireError, errorFromWire,
} from './errors.js';
import { createLogger } from './logger.js';
import { loadBehaviour } from './BehaviourLoader.js';
import { hashId } from './Placement.js';
import { isTask, type Task } from '../actors/defineTask.js';
import { PoolCell, resolvePoolOptions, type PoolOptions } from './pool/PoolActor.js';
import { availableParallelism } from 'node:os';
import type { Store } from '../store/Store.js';
import { DeadLetterStream, EventStream, type DeadLetter, type SystemEvent } from './Streams.js';

export interface ActorInfo {
  id: string;
  worker: number;
  behaviour: string;
  parent?: string;
}

export type WorkerStats = NodeStats;

/**
 * The main-thread face of a running system: starts the worker pool, places actors, keeps the
 * registry, and turns the workers' reports into the dead-letter and event streams.
 */
export class ActorSystem {
  readonly options: ResolvedSystemOptions;
  readonly log: Logger;
  readonly deadLetters = new DeadLetterStream();
  readonly events = new EventStream();
  /** @internal */
  readonly node: LocalNode;
  private readonly workers: Worker[] = [];
  private readonly registry: Registry;
  private idCounter = 0;
  private state: 'running' | 'stopping' | 'stopped' = 'running';
  private stopPromise: Promise<void> | undefined;

  /** Start a system: validates options, starts the worker threads and waits until they serve. */
  static async start(options: SystemOptions = {}): Promise<ActorSystem> {
    const resolved = resolveSystemOptions(options);
    const system = new ActorSystem(resolved);
    await system.boot();
    return system;
  }

  private constructor(options: ResolvedSystemOptions) {
    this.options = options;
    this.log = options.logger ?? createLogger(options.logLevel !== undefined ? { level: options.logLevel } : {});
    const n = options.workers + 1;
    const rings: (SharedArrayBuffer | null)[][] = [];
    for (let from = 0; from < n; from++) {
      rings.push([]);
      for (let to = 0; to < n; to++) rings[from]!.push(from === to ? null : new SharedArrayBuffer(16 + options.ringBytes));
    }
    const doorbells = Array.from({ length: n }, () => new SharedArrayBuffer(8));
    this.topology = { rings, doorbells };
    this.registry = new Registry(n);
    this.node = new LocalNode(
      { id: 0, workers: options.workers, rings, doorbells },
      { throughput: options.throughput, askTimeoutMs: options.askTimeoutMs, sliceMs: options.sliceMs, idleSpinMicros: 0, askSpinMicros: options.askSpinMicros, persistence: options.persistence },
      this.log,
    );
    this.node.controlHook = (origin, msg, corr) => this.onControl(origin, msg, corr);
    if (options.monitoring !== false) {
      this.monitor = new SystemMonitor(options.monitoring as AlertThresholdsInput, {
        restartActor: async (id) => {
          const info = this.registry.get(id);
          if (info !== undefined) await this.node.control(info.worker, { t: 'restart-actor', id }, true);
        },
        drainWorker: (w, on) => {
          if (!on) { this.draining.delete(w); return; }
          this.draining.add(w);
          void this.migrateBusiest(w);
        },
        setBackpressure: (on) => this.setBackpressure(on),
        recycleWorker: (w) => { void this.workers[w - 1]?.terminate(); },
        publishAlert: (alert, actions) => {
          this.events.push({ type: 'alert', alert, actions: actions.map((a) => a.kind), at: Date.now() });
          if (this.state === 'running') this.node.publish('troupe.alerts', alert, undefined);
        },
        actorExists: (id) => this.registry.has(id),
      }, this.log);
    }
    this.node.lookupHook = (id) => this.registry.get(id)?.ref(id);
  }

  private readonly topology: { rings: (SharedArrayBuffer | null)[][]; doorbells: SharedArrayBuffer[] };

  /** The dashboard, when `dashboard` was given: its URL and how to close it. */
  dashboard: { url: string; close(): Promise<void> } | undefined;

  private async boot(): Promise<void> {
    // Open the store here first: an unwritable path fails `start`, naming the path.
    if (this.options.persistence !== undefined) void this.node.store;
    const ready: Promise<unknown>[] = [];
    for (let id = 1; id <= this.options.workers; id++) ready.push(this.startWorker(id, []));
    await Promise.all(ready);
    this.node.start();
    if (this.options.dashboard !== undefined) {
      // Loaded only when asked for: a system without a dashboard never loads its HTTP code.
      const { startDashboard } = (await import('../dashboard/server.js')) as { startDashboard: (s: ActorSystem, o: unknown) => Promise<{ url: string; close(): Promise<void> }> };
      this.dashboard = await startDashboard(this, this.options.dashboard);
    }
    const wd = this.options.watchdog;
    if (wd !== false || this.monitor !== undefined) {
      const interval = wd !== false ? wd.intervalMs : 1000;
      this.watchdogTimer = setInterval(() => this.heartbeat(wd !== false ? wd.unresponsiveMs : Number.POSITIVE_INFINITY), interval);
      this.watchdogTimer.unref();
    }
  }

  private watchdogTimer: NodeJS.Timeout | undefined;
  /** @internal */
  readonly monitor: SystemMonitor | undefined;
  /** Workers that take no new actors while their load alert is raised. */
  private readonly draining = new Set<number>();
  private backpressure = false;
  private readonly heldOffers: (() => void)[] = [];

  private setBackpressure(on: boolean): void {
    this.backpressure = on;
    if (!on) for (const release of this.heldOffers.splice(0)) release();
  }

  /** Alerts raised now, and the most recent episodes. */
  get alerts(): { current: () => Alert[]; recent: (limit?: number) => Alert[] } {
    const h = this.monitor?.health;
    return { current: () => h?.current() ?? [], recent: (limit?: number) => h?.recent(limit) ?? [] };
  }
  private readonly pinging = new Set<number>();
  private readonly inspectors: InspectionApi[] = [];

  /**
   * Ask a worker about its actors (ids, behaviours, mailbox depths, counters) or one actor's state.
   * Off the hot path, over a comlink channel; calls reject if the worker dies meanwhile.
   */
  inspect(worker: number): InspectionApi {
    const api = this.inspectors[worker - 1];
    if (api === undefined) throw new InvalidOptionError(`worker ${worker} does not exist (workers: 1..${this.options.workers})`, { option: 'worker' });
    return api;
  }
  private readonly restarting = new Set<number>();
  /** @internal last figures each worker reported (heartbeat). */
  readonly lastStats = new Map<number, WorkerStats>();

  /** Start worker `id` (first boot or as a successor); resolves when it serves. */
  private startWorker(id: number, rehost: SpawnSpec[]): Promise<unknown> {
    const o = this.options;
    const channel = new MessageChannel();
    const w = new Worker(new URL('./worker/entry.js', import.meta.url), {
      transferList: [channel.port2],
      workerData: {
        inspection: channel.port2,
        topology: { id, workers: o.workers, rings: this.topology.rings, doorbells: this.topology.doorbells },
        settings: { throughput: o.throughput, askTimeoutMs: o.askTimeoutMs, sliceMs: o.sliceMs, idleSpinMicros: o.idleSpinMicros, persistence: o.persistence },
        logLevel: o.logLevel ?? this.log.level,
        rehost,
      },
      resourceLimits: o.resourceLimits,
      name: `troupe-worker-${id}`,
    });
    this.workers[id - 1] = w;
    this.inspectors[id - 1] = connectInspection(w, channel.port1, id);
    // The inspection port must not keep the process alive on its own.
    channel.port1.unref();
    const ready = new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    // Events from a worker that has been replaced are ignored.
    w.on('error', (err) => { if (this.workers[id - 1] === w) this.workerFailed(id, err); });
    w.on('exit', (code) => {
      this.exited.add(w);
      if (this.workers[id - 1] === w) this.workerFailed(id, new Error(`worker exited with code ${code}`));
    });
    return ready;
  }

  /** The watchdog: a worker that does not answer within `unresponsiveMs` is replaced. */
  private heartbeat(unresponsiveMs: number): void {
    for (let id = 1; id <= this.options.workers; id++) {
      if (this.pinging.has(id) || this.restarting.has(id) || this.state !== 'running') continue;
      this.pinging.add(id);
      const w = this.workers[id - 1];
      this.node.control(id, { t: 'stats' }, true, Number.isFinite(unresponsiveMs) ? unresponsiveMs : 60_000).then(
        (s) => {
          this.lastStats.set(id, s as WorkerStats);
          this.monitor?.sample(s as NodeStats);
        },
        (err) => {
          if (err instanceof AskTimeoutError && Number.isFinite(unresponsiveMs) && this.workers[id - 1] === w && this.state === 'running') {
            this.log.error({ worker: id, unresponsiveMs }, 'worker unresponsive; replacing it');
            this.events.push({ type: 'worker-unresponsive', worker: id, unresponsiveMs, at: Date.now() });
            void w?.terminate();
          }
        },
      ).finally(() => this.pinging.delete(id));
    }
  }

  /**
   * A worker died (an uncaught error, process.exit in a handler, out of memory, or the watchdog).
   * Its successor gets fresh rings; every other thread holds what it sends there until it is
   * relinked; actors started from the main thread are re-hosted on it with their spawn specs, and
   * supervisors restart children that lived there (they hear `terminated` with 'worker-died').
   */
  private workerFailed(id: number, err: Error): void {
    if (this.state !== 'running' || this.restarting.has(id)) return;
    this.log.error({ err, worker: id }, 'worker died');
    this.events.push({ type: 'worker-died', worker: id, cause: { name: err.name, message: err.message }, at: Date.now() });
    if (!this.options.restartWorkers) {
      this.workerGone(id);
      this.registry.dropWorker(id, false);
      return;
    }
    this.restarting.add(id);
    this.monitor?.forgetWorker(id);
    const t0 = performance.now();
    this.node.nodeDown(id);
    this.workers.forEach((w, i) => { if (i + 1 !== id) w.postMessage({ t: 'node-down', node: id }); });
    const n = this.options.workers + 1;
    const rings = this.topology.rings;
    for (let j = 0; j < n; j++) {
      if (j === id) continue;
      rings[j]![id] = new SharedArrayBuffer(16 + this.options.ringBytes);
      rings[id]![j] = new SharedArrayBuffer(16 + this.options.ringBytes);
    }
    const bell = new Int32Array(this.topology.doorbells[id]!);
    Atomics.store(bell, 0, 0);
    Atomics.store(bell, 1, 0);
    const rehost = this.registry.dropWorker(id, true);
    const ready = this.startWorker(id, rehost);
    this.node.relink(id, rings[0]![id]!, rings[id]![0]!);
    this.workers.forEach((w, i) => { if (i + 1 !== id) w.postMessage({ t: 'relink', node: id, out: rings[i + 1]![id], in: rings[id]![i + 1] }); });
    ready.then(
      () => {
        this.restarting.delete(id);
        const ms = performance.now() - t0;
        this.log.warn({ worker: id, rehosted: rehost.length, ms: Math.round(ms) }, 'worker replaced');
        this.events.push({ type: 'worker-restarted', worker: id, rehosted: rehost.length, ms, at: Date.now() });
      },
      (e: unknown) => {
        this.restarting.delete(id);
        this.log.error({ err: e, worker: id }, 'replacement worker failed to start');
        this.workerGone(id);
      },
    );
  }

  /** Worker `id` is gone for good: every thread fails what it owed and forgets its actors. */
  private workerGone(id: number): void {
    this.node.nodeDied(id);
    this.workers.forEach((w, i) => { if (i + 1 !== id) w.postMessage({ t: 'node-died', node: id }); });
  }

  // ---------------------------------------------------------------- actors

  /**
   * Start an actor and resolve with its ref once `init` has run. Rejects with BehaviourLoadError
   * (module or export wrong), DuplicateNameError (id taken) or InvalidOptionError.
   */
  async spawn<S, M, A>(behaviour: Behaviour<S, M, A>, options: SpawnOptions<A> = {}): Promise<ActorRef<M>> {
    this.assertRunning('spawn');
    if (!isBehaviour(behaviour)) {
      throw new InvalidOptionError('spawn: the first argument is not a behaviour made by defineActor', {});
    }
    const parsed = SpawnOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const option = i.path.join('.') || (i as { keys?: string[] }).keys?.join(', ') || '(options)';
      throw new InvalidOptionError(`invalid spawn option '${option}': ${i.message}`, { option, behaviour: behaviour.name });
    }
    // Load it here first: a wrong module or export fails on the caller's stack, naming both.
    await loadBehaviour(behaviour.key);
    this.node.knowBehaviour(behaviour);
    const id = options.id ?? `${behaviour.name.toLowerCase()}-${++this.idCounter}`;
    if (this.registry.has(id)) throw new DuplicateNameError(`an actor named '${id}' is already registered`, { actor: id });
    const node = this.place(id, options.placement);
    const ref = new ActorRef<M>(id, node, behaviour.key);
    const spec: SpawnSpec = {
      behaviour: behaviour.key, id, args: options.args,
      capacity: options.mailbox?.capacity, overflow: options.mailbox?.overflow, groups: options.groups, throughput: options.throughput,
      persistent: options.persistent === undefined || options.persistent === false ? undefined : options.persistent === true ? {} : options.persistent,
    };
    if (typeof options.placement === 'object') spec.pinned = options.placement.worker;
    if (spec.persistent !== undefined && this.options.persistence === undefined) {
      throw new InvalidOptionError(`actor '${id}' is persistent but the system has no persistence configured (ActorSystem.start({ persistence: { path } }))`, { actor: id, option: 'persistent' });
    }
    this.registry.addSpawned(id, node, behaviour.key, spec, ref as ActorRef);
    return this.startSpec(spec, node, ref as ActorRef) as Promise<ActorRef<M>>;
  }

  private async startSpec(spec: SpawnSpec, node: number, ref: ActorRef): Promise<ActorRef> {
    try {
      await this.node.control(node, { t: 'spawn', spec }, true, Math.max(this.options.askTimeoutMs, 30_000));
    } catch (err) {
      if (this.registry.get(spec.id)?.spawnedRef === ref) this.registry.delete(spec.id);
      throw err;
    }
    return ref;
  }

  // ---------------------------------------------------------------- persistence

  /** The system's LMDB store (history queries, sessions); undefined without `persistence`. */
  get store(): Store | undefined {
    return this.node.store;
  }

  /**
   * Save a session: the actors started from this thread (behaviour, id, args, options), after every
   * persistent actor has written a fresh snapshot. Their pending durable messages and the history are
   * in the store already. Returns the session id.
   */
  async saveSession(sessionId?: string): Promise<string> {
    const store = this.requireStore('saveSession');
    for (let w = 1; w <= this.options.workers; w++) await this.node.control(w, { t: 'snapshot-all' }, true);
    const actors = [...this.registry.specs()];
    const data = { actors, savedAt: Date.now(), workers: this.options.workers };
    if (sessionId === undefined) return store.sessions.create(data);
    await store.sessions.save(sessionId, data);
    return sessionId;
  }

  /**
   * Restore a saved session into this system: every actor it lists is started again with its id,
   * behaviour and options; persistent ones come back from their snapshot and replay their log.
   */
  async restoreSession(sessionId: string, onProgress?: (done: number, total: number) => void): Promise<ActorRef[]> {
    const store = this.requireStore('restoreSession');
    const data = store.sessions.load<{ actors: SpawnSpec[] }>(sessionId);
    if (data === undefined) throw new ActorNotFoundError(`no session '${sessionId}' in the store at ${this.options.persistence!.path}`, { session: sessionId });
    const refs: ActorRef[] = [];
    let done = 0;
    // Spawn all in parallel, by batches: one control round trip per actor, thousands in flight.
    for (let i = 0; i < data.actors.length; i += 1000) {
      const batch = data.actors.slice(i, i + 1000);
      refs.push(...(await Promise.all(batch.map(async (spec) => {
        const b = await loadBehaviour(spec.behaviour);
        this.node.knowBehaviour(b);
        if (this.registry.has(spec.id)) return this.registry.get(spec.id)!.ref(spec.id);
        // A pinned actor goes back to its worker when this system has it; the rest are placed anew.
        const node = this.place(spec.id, spec.pinned !== undefined && spec.pinned <= this.options.workers ? { worker: spec.pinned } : undefined);
        const ref = new ActorRef(spec.id, node, spec.behaviour);
        this.registry.addSpawned(spec.id, node, spec.behaviour, spec, ref);
        return this.startSpec(spec, node, ref);
      }))));
      done += batch.length;
      onProgress?.(done, data.actors.length);
    }
    return refs;
  }

  private requireStore(op: string): Store {
    const store = this.node.store;
    if (store === undefined) throw new InvalidOptionError(`${op} needs persistence: start the system with { persistence: { path } }`, { option: 'persistence', operation: op });
    return store;
  }

  /**
   * Start a stateless pool actor: `ask(input)` runs `task.run(input)` on a piscina thread and
   * answers with its result. Inputs are batched per tick; `offer` waits while the queue is full.
   */
  async spawnPool<I, O>(task: Task<I, O>, options: PoolOptions = {}): Promise<ActorRef<I>> {
    this.assertRunning('spawnPool');
    if (!isTask(task)) throw new InvalidOptionError('spawnPool: the first argument is not a task made by defineTask', {});
    const o = resolvePoolOptions(options);
    const id = o.id ?? `pool-${task.name.toLowerCase()}-${++this.idCounter}`;
    if (this.registry.has(id)) throw new DuplicateNameError(`an actor named '${id}' is already registered`, { actor: id });
    // Import here too, so a wrong module or export fails on the caller's stack.
    const mod = (await import(task.module)) as Record<string, unknown>;
    if (!isTask(mod[task.name])) {
      throw new InvalidOptionError(`task module '${task.module}' has no task export '${task.name}'`, { module: task.module, export: task.name });
    }
    const cell = new PoolCell(this.node, id, task, o, o.threads ?? availableParallelism());
    this.node.cells.add(cell);
    this.pools.push(cell);
    const ref = cell.ref as ActorRef<I>;
    this.registry.addSpawned(id, 0, task.key, undefined, ref as ActorRef);
    return ref;
  }

  private readonly pools: PoolCell[] = [];

  private place(id: string, placement: SpawnOptions['placement']): number {
    const p = placement ?? this.options.placement;
    const n = this.options.workers;
    if (p === 'local') {
      throw new InvalidOptionError(`placement 'local' means "the spawning actor's worker" and only applies to ctx.spawn; use 'hash', 'least-loaded' or { worker } here`, { option: 'placement' });
    }
    if (typeof p === 'object') {
      if (p.worker > n) throw new InvalidOptionError(`placement worker ${p.worker} does not exist (workers: 1..${n})`, { option: 'placement.worker' });
      return p.worker;
    }
    if (p === 'least-loaded') {
      let best = 0;
      for (let w = 1; w <= n; w++) {
        if (this.draining.has(w) && this.draining.size < n) continue;
        if (best === 0 || this.registry.perWorker[w]! < this.registry.perWorker[best]!) best = w;
      }
      return best;
    }
    let w = (hashId(id) % n) + 1;
    // An overloaded worker takes no new actors while its alert is raised: the next calm one does.
    for (let k = 0; k < n && this.draining.has(w); k++) w = (w % n) + 1;
    return w;
  }

  /**
   * Move an actor to another worker with its state and mailbox, losing and reordering nothing:
   * messages that reach its old worker meanwhile follow it. Refs held anywhere keep working (frames
   * sent to the old worker are forwarded). Actors with children do not migrate; timers are cancelled.
   */
  async migrate(target: ActorRef | string, toWorker: number): Promise<void> {
    this.assertRunning('migrate');
    const ref = this.refOf(target);
    if (!Number.isInteger(toWorker) || toWorker < 1 || toWorker > this.options.workers) {
      throw new InvalidOptionError(`migrate: worker ${toWorker} does not exist (workers: 1..${this.options.workers})`, { option: 'toWorker' });
    }
    const info = this.registry.get(ref.id);
    const from = info?.worker ?? ref.node;
    if (from === 0) {
      // Pool actors live on the main thread, over their own piscina threads: there is nothing to move.
      throw new InvalidOptionError(`migrate: actor '${ref.id}' runs on the main thread (a pool actor) and cannot move to a worker`, { actor: ref.id, option: 'target' });
    }
    if (from === toWorker) return;
    await this.node.control(from, { t: 'migrate-out', id: ref.id, to: toWorker }, true);
    this.registry.move(ref.id, toWorker);
  }

  /** Drain policy: move the actor with the deepest mailbox off an overloaded worker to the calmest one. */
  private async migrateBusiest(from: number): Promise<void> {
    const deepest = this.lastStats.get(from)?.deepest ?? [];
    let to = 0;
    for (let w = 1; w <= this.options.workers; w++) {
      if (w === from || this.draining.has(w)) continue;
      if (to === 0 || (this.lastStats.get(w)?.eventLoopUtilization ?? 0) < (this.lastStats.get(to)?.eventLoopUtilization ?? 0)) to = w;
    }
    if (to === 0) return;
    for (const d of deepest) {
      if (!this.registry.has(d.id)) continue;
      try {
        await this.migrate(d.id, to);
        this.events.push({ type: 'actor-migrated', actor: d.id, from, to, mailbox: d.depth, at: Date.now() });
        return;
      } catch (err) {
        this.log.debug({ err, actor: d.id, from, to }, 'migration not possible; trying the next busiest');
      }
    }
  }

  /** Stop one actor (and its children); resolves when it has stopped. */
  async stopActor(target: ActorRef | string): Promise<void> {
    this.assertRunning('stopActor');
    const ref = this.refOf(target);
    await this.node.control(ref.node, { t: 'stop', id: ref.id, reason: 'normal' }, true);
  }

  tell<M>(target: ActorRef<M> | string, message: M): void {
    this.assertRunning('tell');
    this.node.tell(this.refOf(target) as ActorRef, message, undefined);
  }

  ask<R = unknown, M = unknown>(target: ActorRef<M> | string, message: M, options?: AskOptions): Promise<R> {
    if (this.state !== 'running') return Promise.reject(this.stoppedError('ask'));
    try {
      return this.node.ask(this.refOf(target) as ActorRef, message, options) as Promise<R>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send and resolve once the target's mailbox has accepted the message (backpressure). */
  offer<M>(target: ActorRef<M> | string, message: M): Promise<void> {
    if (this.state !== 'running') return Promise.reject(this.stoppedError('offer'));
    const ref = this.refOf(target) as ActorRef;
    // While the pool is overloaded (a systemLoad alert), producers outside the system wait here.
    if (this.backpressure) return new Promise<void>((resolve) => this.heldOffers.push(resolve)).then(() => this.offer(ref, message));
    return this.node.offer(ref, message);
  }

  lookup<M = unknown>(id: string): ActorRef<M> | undefined {
    return this.registry.get(id)?.ref(id) as ActorRef<M> | undefined;
  }

  exists(id: string): boolean {
    return this.registry.has(id);
  }

  list(filter: { behaviour?: string; worker?: number } = {}): ActorInfo[] {
    const out: ActorInfo[] = [];
    for (const [id, { worker, behaviour, parent }] of this.registry) {
      if (filter.worker !== undefined && worker !== filter.worker) continue;
      if (filter.behaviour !== undefined && !behaviour.endsWith(`#${filter.behaviour}`) && behaviour !== filter.behaviour) continue;
      out.push(parent === undefined ? { id, worker, behaviour } : { id, worker, behaviour, parent });
    }
    return out;
  }

  private refOf(target: ActorRef | string): ActorRef {
    if (target instanceof ActorRef) return target;
    if (typeof target !== 'string') {
      throw new InvalidOptionError(`the target must be an ActorRef or an actor id, got ${target === null ? 'null' : typeof target}`, { option: 'target' });
    }
    const ref = this.registry.get(target)?.ref(target);
    if (ref === undefined) throw new ActorNotFoundError(`no actor named '${target}' is registered`, { actor: target });
    return ref;
  }

  // ---------------------------------------------------------------- topics, broadcast

  /** Send to every actor (or every member of `group`) except `options.except`. */
  broadcast(message: unknown, options: { group?: string; except?: ActorRef | string } = {}): void {
    this.assertRunning('broadcast');
    const except = options.except === undefined ? undefined : typeof options.except === 'string' ? options.except : options.except.id;
    this.node.broadcast(message, options.group, undefined, except);
  }

  publish(topic: string, message: unknown): void {
    this.assertRunning('publish');
    this.node.publish(topic, message, undefined);
  }

  /** Listen on a topic from the main thread; returns the unsubscribe function. */
  subscribe(topic: string, listener: (message: unknown, sender: ActorRef | undefined) => void): () => void {
    this.node.subscribe(topic, listener);
    return () => this.node.unsubscribe(topic, listener);
  }

  // ---------------------------------------------------------------- control from workers

  private onControl(origin: number, msg: Record<string, unknown>, corr: number): boolean {
    switch (msg.t) {
      case 'registry': {
        // See RegistryBatch (runtime/node/RegistryReporter.ts) for the layout.
        const { behaviours, parents, ops, ids, info, counts } = msg as unknown as RegistryBatch;
        let c = 0;
        for (let i = 0; i < ids.length; i++) {
          const op = ops.charCodeAt(i);
          if (op === 43 /* + */) {
            const v = info[i]!;
            const p = v >>> 20;
            const parent = p === 0 ? undefined : parents[p - 1]!;
            const raw = ids[i]!;
            const id = typeof raw === 'number' ? childId(parent!, raw) : raw;
            // A '=' record right after carries its slot.
            const slot = ops.charCodeAt(i + 1) === 61 /* = */ ? info[++i]! : 0;
            this.registry.reported(id, v & 0xff, behaviours[(v >>> 8) & 0xfff]!, parent, slot);
          } else if (op === 35 /* # */) {
            const v = info[i]!;
            this.registry.reportedChildren(parents[(v >>> 20) - 1]!, ids[i] as number, counts[c++]!, v & 0xff, behaviours[(v >>> 8) & 0xfff]!);
          } else if (op === 95 /* _ */) {
            const parent = parents[info[i]! - 1]!;
            const n = ids[i] as number;
            const k = counts[c++]!;
            const step = k < 0 ? -1 : 1;
            for (let j = 0; j < k * step; j++) this.registry.goneChild(parent, n + j * step);
          } else if (op === 62 /* > */) {
            this.registry.move(ids[i] as string, info[i]!);
          } else if (op === 45 /* - */) {
            this.registry.gone(ids[i] as string, info[i]!);
          }
        }
        return true;
      }
      case 'registered': {
        this.registry.reported(msg.id as string, msg.node as number, msg.behaviour as string, msg.parent as string | undefined, (msg.slot as number | undefined) ?? 0);
        return true;
      }
      case 'unregistered': {
        this.registry.gone(msg.id as string, (msg.slot as number | undefined) ?? 0);
        return true;
      }
      case 'dead': {
        const { t: _t, ...letter } = msg;
        this.deadLetters.push(letter as unknown as DeadLetter);
        return true;
      }
      case 'event': {
        const event = msg.event as SystemEvent;
        this.events.push(event);
        if (event.type === 'root-escalation') {
          // OTP: when the top supervisor gives up, the application stops.
          this.log.error({ actor: event.actor, cause: (event.cause as WireError | undefined)?.message }, 'root supervisor escalated; stopping the system');
          void this.stop();
        }
        if (event.type === 'restart' || event.type === 'gave-up') {
          this.log.warn({ actor: event.actor, worker: event.worker, cause: (event.cause as WireError | undefined)?.message }, `actor ${event.type}`);
        }
        return true;
      }
      case 'lookup':
        this.node.answer(origin, corr, this.registry.get(msg.id as string)?.ref(msg.id as string));
        return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- introspection

  /**
   * Resolves once every message-history entry recorded so far, on every thread, is committed.
   * History is written asynchronously by the thread that took the message: an ask's reply can
   * arrive before the entry of the message it answered is in the store. Query (or clear) after this.
   */
  async flushHistory(): Promise<void> {
    this.assertRunning('flushHistory');
    const waits: Promise<unknown>[] = [this.node.historyWritten()];
    for (let w = 1; w <= this.options.workers; w++) {
      waits.push(this.node.control(w, { t: 'history-written' }, true).catch((err: unknown) => {
        if (!(err instanceof WorkerDiedError)) throw err;
      }));
    }
    await Promise.all(waits);
  }

  /** Per-worker figures, asked of each worker through its ring. */
  async stats(): Promise<WorkerStats[]> {
    this.assertRunning('stats');
    const out: WorkerStats[] = [];
    for (let w = 1; w <= this.options.workers; w++) {
      try {
        out.push((await this.node.control(w, { t: 'stats' }, true)) as WorkerStats);
      } catch (err) {
        if (!(err instanceof WorkerDiedError)) throw err;
      }
    }
    return out;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Graceful stop: every worker lets its mailboxes drain until `deadlineMs`, stops its actors
   * (children before parents, postStop hooks run), then the threads end. After this resolves the
   * process has nothing of Troupe's left keeping it alive.
   */
  stop(options: { deadlineMs?: number } = {}): Promise<void> {
    this.stopPromise ??= this.shutdown(options.deadlineMs ?? this.options.stopDeadlineMs);
    return this.stopPromise;
  }

  /** Worker threads that have exited (a dead one stays in `workers` when it is not replaced). */
  private readonly exited = new WeakSet<Worker>();

  private async shutdown(deadlineMs: number): Promise<void> {
    this.state = 'stopping';
    await this.dashboard?.close().catch((err: unknown) => this.log.warn({ err }, 'dashboard close failed'));
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.setBackpressure(false);
    const deadline = Date.now() + deadlineMs;
    await Promise.allSettled(
      this.workers.map((_, i) => this.node.control(i + 1, { t: 'drain', deadline }, true, deadlineMs + 5000)),
    );
    this.state = 'stopped';
    await Promise.all(this.pools.map((p) => p.close()));
    const closing = this.node.close();
    await Promise.all(this.workers.map(async (w) => {
      // A worker that died for good (restartWorkers: false) emitted its exit long ago.
      if (this.exited.has(w)) return;
      const exited = once(w, 'exit');
      w.postMessage({ t: 'close' });
      const timer = setTimeout(() => void w.terminate(), 1000);
      await exited.catch(() => undefined);
      clearTimeout(timer);
    }));
    this.registry.clear();
    await closing;
  }

  private assertRunning(op: string): void {
    if (this.state !== 'running') throw this.stoppedError(op);
  }

  private stoppedError(op: string): SystemStoppedError {
    return new SystemStoppedError(`cannot ${op}: the actor system is ${this.state}`, { operation: op });
  }
}

export { errorFromWire };
