import { ActorRef } from './ActorRef.js';
import type { SpawnSpec } from './LocalNode.js';
import { ChildRuns } from './ChildRuns.js';
import { childId, childNumberAt } from './ChildId.js';

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
 *
 * Numbered children (`parent/n`, reported by number) are kept apart, as runs per parent
 * (ChildRuns): no id string and no map entry each. An id is looked up in `entries` first.
 */
export class Registry {
  private readonly entries = new Map<string, RegistryEntry>();
  private readonly sharedEntries = new Map<string, RegistryEntry>();
  /** Numbered children by parent id. */
  private readonly numbered = new Map<string, ChildRuns<RegistryEntry>>();
  private numberedSize = 0;
  /** Actors per worker (index 0: the main thread's pools). */
  readonly perWorker: number[];

  constructor(threads: number) {
    this.perWorker = new Array<number>(threads).fill(0);
  }

  get size(): number {
    return this.entries.size + this.numberedSize;
  }

  get(id: string): RegistryEntry | undefined {
    const e = this.entries.get(id);
    if (e !== undefined || this.numberedSize === 0) return e;
    const slash = numberedSlash(id);
    return slash === 0 ? undefined : this.numbered.get(id.slice(0, slash))?.get(childNumberAt(id, slash + 1));
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Every actor; a numbered child's id is written out here, as it is listed. */
  *[Symbol.iterator](): IterableIterator<[string, RegistryEntry]> {
    yield* this.entries;
    for (const [parent, runs] of this.numbered) for (const [n, e] of runs) yield [childId(parent, n), e];
  }

  /** The specs of actors spawned from the main thread (numbered children never have one). */
  *specs(): IterableIterator<SpawnSpec> {
    for (const e of this.entries.values()) if (e.spec !== undefined) yield e.spec;
  }

  /**
   * A worker is gone: forget its actors, except (with `keepSpecs`) those spawned from the main
   * thread, whose specs are returned for re-hosting.
   */
  dropWorker(worker: number, keepSpecs: boolean): SpawnSpec[] {
    const rehost: SpawnSpec[] = [];
    for (const [id, e] of this.entries) {
      if (e.worker !== worker) continue;
      if (keepSpecs && e.spec !== undefined) rehost.push(e.spec);
      else this.delete(id);
    }
    for (const [parent, runs] of this.numbered) {
      const dropped = new Set<RegistryEntry>();
      const gone = runs.deleteWhere((e) => {
        if (e.worker !== worker) return false;
        dropped.add(e);
        return true;
      });
      if (gone === 0) continue;
      this.numberedSize -= gone;
      this.perWorker[worker]! -= gone;
      for (const e of dropped) {
        e.users = 0;
        this.sharedEntries.delete(sharedKey(e.worker, e.behaviour, e.parent));
      }
      if (runs.size === 0) this.numbered.delete(parent);
    }
    return rehost;
  }

  /**
   * `count` numbered children of `parent` from number `from` on, reported as one run. A number
   * already held (a repeated report) stays as it is.
   */
  reportedChildren(parent: string, from: number, count: number, worker: number, behaviour: string): void {
    const e = this.sharedEntry(worker, behaviour, parent);
    let runs = this.numbered.get(parent);
    if (runs === undefined) this.numbered.set(parent, (runs = new ChildRuns()));
    let added = count;
    if (!runs.add(from, count, e)) {
      added = 0;
      for (let n = from; n < from + count; n++) if (runs.get(n) === undefined && runs.add(n, 1, e)) added++;
    }
    this.numberedSize += added;
    this.perWorker[worker]! += added;
    e.users += added;
  }

  /** A report that the numbered child `parent/n` is gone. */
  goneChild(parent: string, n: number): void {
    if (this.deleteChild(parent, n) === undefined) this.gone(childId(parent, n), n);
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
    const e = this.entries.get(id);
    if (e !== undefined && slot <= (this.slots.get(id) ?? 0)) return;
    // Another actor holds the id (one spawned from the main thread with an id that looks like a
    // child's): the thread the child was sent to refuses it, and the holder keeps its entry.
    if (e !== undefined && e.parent !== parent) return;
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
    if (e === undefined) return this.numberedSize === 0 ? undefined : this.deleteNumbered(id);
    this.entries.delete(id);
    if (this.slots.size > 0) this.slots.delete(id);
    this.release(e);
    return e;
  }

  private deleteNumbered(id: string): RegistryEntry | undefined {
    const slash = numberedSlash(id);
    return slash === 0 ? undefined : this.deleteChild(id.slice(0, slash), childNumberAt(id, slash + 1));
  }

  /** Take `parent/n` out of the parent's runs; its record, or undefined when it is not there. */
  private deleteChild(parent: string, n: number): RegistryEntry | undefined {
    const runs = this.numbered.get(parent);
    const e = runs?.delete(n);
    if (e === undefined) return undefined;
    if (runs!.size === 0) this.numbered.delete(parent);
    this.numberedSize--;
    this.release(e);
    return e;
  }

  /** One actor fewer on the record's worker and, for a shared record, among its users. */
  private release(e: RegistryEntry): void {
    this.perWorker[e.worker]!--;
    if (e.shared && --e.users === 0) this.sharedEntries.delete(sharedKey(e.worker, e.behaviour, e.parent));
  }

  /** The actor now lives on `worker` (migrated). */
  move(id: string, worker: number): void {
    const e = this.get(id);
    if (e === undefined || e.worker === worker) return;
    // The ref handed out by spawn (and by lookup) goes straight to the new thread from now on: the
    // old one's forwarder would be lost with it if that worker died.
    if (e.spawnedRef !== undefined) e.spawnedRef.node = worker;
    this.delete(id);
    if (e.shared) this.set(id, this.sharedEntry(worker, e.behaviour, e.parent));
    else this.set(id, new RegistryEntry(worker, e.behaviour, e.parent, e.spec === undefined ? undefined : { ...e.spec }, e.spawnedRef));
  }

  clear(): void {
    this.entries.clear();
    this.sharedEntries.clear();
    this.numbered.clear();
    this.numberedSize = 0;
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

/** Where the parent ends in an id that names a numbered child (`parent/n`), else 0. */
function numberedSlash(id: string): number {
  const slash = id.lastIndexOf('/');
  return slash > 0 && childNumberAt(id, slash + 1) !== 0 ? slash : 0;
}

function sharedKey(worker: number, behaviour: string, parent: string | undefined): string {
  return `${worker}\x1f${behaviour}\x1f${parent ?? ''}`;
}
