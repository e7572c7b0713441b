import { ActorRef } from './ActorRef.js';
import type { SpawnSpec } from './LocalNode.js';

/**
 * One registry record. Actors spawned from the main thread own theirs (it keeps the spec for
 * re-hosting after a worker dies, and the ref handed out). Children spawned on workers share one
 * immutable record per (worker, behaviour, parent): a million children of one parent cost the
 * registry their ids and one map slot each, nothing more.
 */
export class RegistryEntry {
  /** How many ids use this record (shared records only). */
  users = 0;

  constructor(
    readonly worker: number,
    readonly behaviour: string,
    readonly parent: string | undefined,
    readonly spec?: SpawnSpec,
    readonly spawnedRef?: ActorRef,
  ) {}

  get shared(): boolean {
    return this.spec === undefined && this.spawnedRef === undefined;
  }

  ref(id: string): ActorRef {
    return this.spawnedRef ?? new ActorRef(id, this.worker, this.behaviour);
  }
}

/**
 * The main thread's view of every actor in the system: unique ids, where each lives, its behaviour
 * and parent. Workers report their children in batches (runtime/node/RegistryReporter.ts); the counts
 * per worker drive least-loaded placement.
 */
export class Registry {
  private readonly entries = new Map<string, RegistryEntry>();
  private readonly sharedEntries = new Map<string, RegistryEntry>();
  /** Actors per worker (index 0: the main thread's pools). */
  readonly perWorker: number[];

  constructor(threads: number) {
    this.perWorker = new Array<number>(threads).fill(0);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): RegistryEntry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  [Symbol.iterator](): IterableIterator<[string, RegistryEntry]> {
    return this.entries[Symbol.iterator]();
  }

  /** An actor spawned from the main thread: its own record, with its spec and ref. */
  addSpawned(id: string, worker: number, behaviour: string, spec: SpawnSpec | undefined, ref: ActorRef): void {
    this.set(id, new RegistryEntry(worker, behaviour, undefined, spec, ref));
  }

  /** An actor a worker reported. */
  addReported(id: string, worker: number, behaviour: string, parent: string | undefined): void {
    this.set(id, this.sharedEntry(worker, behaviour, parent));
  }

  /**
   * Slots of named children on another thread than their parent's (see ActorCell.slot): the one
   * place where two actors of one id can overlap (a child respawned after its parent restarted,
   * its predecessor still stopping), reported from two threads in either order.
   */
  private readonly slots = new Map<string, number>();

  /**
   * A report that `id` registered, with its slot (0: none). An id already known stays unless the
   * report has a newer slot (numbers only grow): a repeated or late report changes nothing.
   */
  reported(id: string, worker: number, behaviour: string, parent: string | undefined, slot: number): void {
    if (this.entries.has(id) && slot <= (this.slots.get(id) ?? 0)) return;
    this.addReported(id, worker, behaviour, parent);
    if (slot !== 0) this.slots.set(id, slot);
  }

  /** A report that `id` is gone; ignored when it is about an earlier actor of that id (its slot). */
  gone(id: string, slot: number): void {
    const current = this.slots.get(id);
    if (current !== undefined && slot !== 0 && current !== slot) return;
    this.delete(id);
  }

  delete(id: string): RegistryEntry | undefined {
    const e = this.entries.get(id);
    if (e === undefined) return undefined;
    this.entries.delete(id);
    if (this.slots.size > 0) this.slots.delete(id);
    this.perWorker[e.worker]!--;
    if (e.shared && --e.users === 0) this.sharedEntries.delete(sharedKey(e.worker, e.behaviour, e.parent));
    return e;
  }

  /** The actor now lives on `worker` (migrated). */
  move(id: string, worker: number): void {
    const e = this.entries.get(id);
    if (e === undefined || e.worker === worker) return;
    this.delete(id);
    if (e.shared) this.set(id, this.sharedEntry(worker, e.behaviour, e.parent));
    else this.set(id, new RegistryEntry(worker, e.behaviour, e.parent, e.spec === undefined ? undefined : { ...e.spec }, e.spawnedRef));
  }

  clear(): void {
    this.entries.clear();
    this.sharedEntries.clear();
    this.perWorker.fill(0);
  }

  private set(id: string, e: RegistryEntry): void {
    const old = this.entries.get(id);
    if (old !== undefined) this.delete(id);
    this.entries.set(id, e);
    this.perWorker[e.worker]!++;
    if (e.shared) e.users++;
  }

  private sharedEntry(worker: number, behaviour: string, parent: string | undefined): RegistryEntry {
    const key = sharedKey(worker, behaviour, parent);
    let e = this.sharedEntries.get(key);
    if (e === undefined) this.sharedEntries.set(key, e = new RegistryEntry(worker, behaviour, parent));
    return e;
  }
}

function sharedKey(worker: number, behaviour: string, parent: string | undefined): string {
  return `${worker}\x1f${behaviour}\x1f${parent ?? ''}`;
}
