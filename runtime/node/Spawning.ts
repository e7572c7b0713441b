import { isBehaviour, type Behaviour } from '../../actors/Behaviour.js';
import { ActorRef } from '../ActorRef.js';
import { ActorCell, SIGNAL, Status } from '../ActorCell.js';
import { loadBehaviour } from '../BehaviourLoader.js';
import { InvalidOptionError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { ActorPersistence, type PersistenceSpec } from '../persistence/ActorPersistence.js';
import { hashChildId, workerForHash, workerForId } from '../Placement.js';
import { SpawnOptionsSchema, type OverflowPolicy, type SpawnOptions } from '../SpawnOptions.js';
import { assertTransferable } from '../Transferable.js';
import { childId } from '../ChildId.js';
import { Children } from '../Children.js';

/*
 * Creating actors: a child spawned by an actor (on its own thread, or sent to another as a spawn
 * request), and a cell built from a spawn request (SpawnSpec: sent by another thread or by the
 * system, or re-hosted by a replacement worker). Apart from the node, which only hosts the cells;
 * the spawn path is kept lean (no spec object, no zod) for actors that spawn a million children.
 */

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
  /** Its number among its parent's children (see ActorCell.slot). */
  slot?: number;
  /** The worker it was pinned to (`placement: { worker }`), for restoring a session where it was. */
  pinned?: number;
}

/**
 * The common shapes of spawn options, checked by hand: zod costs microseconds, and an actor that
 * spawns a million children should not pay them a million times. Inside an actor the option keys
 * are trusted to the types (system.spawn, the edge, validates them strictly); values are checked.
 */
export function plainSpawnOptions(o: SpawnOptions<unknown>): boolean {
  if (o.mailbox !== undefined || o.groups !== undefined || o.persistent !== undefined) return false;
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > 512)) return false;
  const p = o.placement;
  if (p !== undefined && p !== 'local' && p !== 'hash' && p !== 'least-loaded') return false;
  if (o.throughput !== undefined && !(Number.isInteger(o.throughput) && o.throughput > 0)) return false;
  return o.supervised === undefined || typeof o.supervised === 'boolean';
}

/** A placeholder behaviour for a cell whose module this thread has not imported yet. */
export function pendingBehaviour(key: string): Behaviour {
  return { key, name: key.slice(key.lastIndexOf('#') + 1), module: key.slice(0, key.lastIndexOf('#')), $troupe: 'behaviour', init: () => undefined, receive: () => undefined };
}

/** A cell as both spawn paths build it: neither registered in the node nor started yet. */
function newCell(
  node: LocalNode, id: string | number, behaviour: Behaviour, args: unknown, parent: ActorRef | undefined,
  throughput: number | undefined, capacity: number | undefined, overflow: OverflowPolicy | undefined, supervised: boolean | undefined,
): ActorCell {
  const cell = new ActorCell(node, id, behaviour, args, parent, throughput, capacity);
  if (overflow !== undefined) cell.overflow = overflow;
  if (supervised === true) cell.supervised = true;
  return cell;
}

/**
 * What stands in the way of `id` on this node: undefined when it is free, 'taken' when an actor
 * holds it, or the cell to displace. An actor of that id that is still stopping (in an async
 * postStop: a named child whose parent restarted and spawned it again) gives the id up: it
 * finishes stopping on its own, and its end, keyed by its cell and its slot, leaves the new one
 * alone; messages to the id reach the new actor. Not a persistent one: its final snapshot would
 * land after the new actor had recovered from the store.
 */
function idHolder(node: LocalNode, id: string): ActorCell | 'taken' | undefined {
  const old = node.cells.get(id);
  if (old === undefined) return undefined;
  return old.status === Status.Stopping && old.persistence === undefined ? old : 'taken';
}

/** Create an actor on this node. The behaviour may need loading first (async, once per module). */
export function spawnFromSpec(node: LocalNode, spec: SpawnSpec, done?: (err?: unknown) => void): ActorCell | undefined {
  const holder = idHolder(node, spec.id);
  if (holder === 'taken') {
    const err = new InvalidOptionError(`an actor with id '${spec.id}' already runs on worker ${node.id}`, { actor: spec.id, worker: node.id, refused: 'id-taken' });
    done?.(err);
    return undefined;
  }
  const known = node.behaviours.get(spec.behaviour);
  const parent = spec.parentRef ?? (spec.parent ? node.resolveRef(spec.parent[0], spec.parent[1], spec.parent[2]) : undefined);
  const placeholder = known ?? pendingBehaviour(spec.behaviour);
  const cell = newCell(node, spec.id, placeholder, spec.args, parent, spec.throughput, spec.capacity, spec.overflow, spec.supervised);
  if (spec.slot !== undefined) cell.slot = spec.slot;
  if (spec.persistent !== undefined) {
    const store = node.store;
    if (store === undefined) {
      const err = new InvalidOptionError(`actor '${spec.id}' is persistent but the system has no persistence configured (ActorSystem.start({ persistence: { path } }))`, { actor: spec.id, option: 'persistent' });
      done?.(err);
      return undefined;
    }
    cell.persistence = new ActorPersistence(store, spec.id, spec.behaviour, spec.persistent);
    for (const r of cell.persistence.recover((id, n, b) => node.resolveRef(id, n, b))) cell.mailbox.push(r.message, r.sender, undefined);
  }
  if (holder !== undefined) node.cells.delete(holder);
  node.cells.add(cell);
  if (spec.groups) for (const g of spec.groups) node.subscribe(`group:${g}`, cell);
  if (known !== undefined) {
    cell.start(done);
    return cell;
  }
  // What arrives before the behaviour has loaded is checked against its schema once it has.
  const carried = cell.queued;
  loadBehaviour(spec.behaviour).then(
    (b) => {
      node.behaviours.set(spec.behaviour, b);
      cell.def = b;
      if (cell.persistence === undefined) validateQueued(node, cell, carried);
      if (cell.status === Status.Starting) cell.start(done);
      else done?.();
    },
    (err) => {
      node.log.error({ err, actor: spec.id, behaviour: spec.behaviour, worker: node.id }, 'behaviour failed to load');
      done?.(err);
      node.finishStop(cell, 'behaviour-load-failed');
    },
  );
  return cell;
}

/** An actor spawns a child: here, or on the worker its placement picks (as a spawn request). */
export function spawnChildOf(node: LocalNode, parent: ActorCell, behaviour: Behaviour, options: SpawnOptions<unknown> | undefined): ActorRef {
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
  node.knowBehaviour(behaviour);
  const kids = (parent.children ??= new Children(parent));
  // A numbered child keeps no id string (see Children): `id` stays undefined on the fast path.
  let id: string | undefined;
  let n: number;
  if (options?.id !== undefined) {
    id = `${parent.id}/${options.id}`;
    if (kids.has(id)) {
      throw new InvalidOptionError(`actor '${parent.id}' already has a child named '${options.id}'`, { actor: parent.id, child: id });
    }
    n = kids.nextNumber();
  } else {
    n = kids.nextNumber();
    // A named child, or an actor spawned with an explicit id, may already hold the next number's
    // id ('parent/3'): numbered ids skip it. Rare, so the id is only built when it is possible.
    if (kids.hasNamed || node.cells.hasNumberLikeIds) {
      for (let c = childId(parent.id, n); kids.has(c) || node.cells.has(c); c = childId(parent.id, n)) n = kids.nextNumber();
    }
  }
  const placement = options?.placement ?? 'hash';
  const worker = placement === 'local' || node.workers === 0 ? node.id
    : typeof placement === 'object' ? placement.worker
    : id !== undefined ? workerForId(id, node.workers)
    : workerForHash(hashChildId(kids.parentHash, n), node.workers);
  let child: ActorCell | ActorRef;
  if (worker === node.id && options?.persistent === undefined && options?.groups === undefined) {
    // The common case, a plain child on this thread, is built straight from the options: a
    // million spawns must not cost a million spec objects, id strings or map entries.
    const holder = id === undefined ? undefined : idHolder(node, id);
    if (holder === 'taken') throw new InvalidOptionError(`an actor with id '${id}' already runs on worker ${node.id}`, { actor: id, worker: node.id });
    if (holder !== undefined) node.cells.delete(holder);
    const cell = newCell(node, id ?? n, behaviour, options?.args, parent.ref, options?.throughput, options?.mailbox?.capacity, options?.mailbox?.overflow, options?.supervised);
    // A named child keeps its number: its stop, however late, then removes this very child.
    if (id !== undefined) cell.slot = n;
    kids.add(n, cell, options?.id === undefined ? undefined : id);
    node.cells.add(cell);
    // Reported before init runs: an init that fails at once reports the child's stop after this.
    report(node, id, worker, behaviour, parent, options, n);
    cell.start();
    child = cell;
  } else {
    id ??= childId(parent.id, n);
    const spec: SpawnSpec = {
      behaviour: behaviour.key, id, args: options?.args, parent: [parent.id, node.id, parent.def.key],
      capacity: options?.mailbox?.capacity, overflow: options?.mailbox?.overflow, groups: options?.groups, throughput: options?.throughput,
      // A named child carries its number (see ActorCell.slot); a numbered one's is in its id.
      supervised: options?.supervised, slot: options?.id === undefined ? undefined : n,
      persistent: options?.persistent === undefined || options.persistent === false ? undefined : options.persistent === true ? {} : options.persistent,
    };
    if (worker === node.id) {
      spec.parentRef = parent.ref;
      // Refused (the id is taken, or persistence is asked of a system without a store): the
      // parent's spawn fails with the reason, as on the fast path, rather than returning a ref
      // to something else.
      let refused: unknown;
      const cell = spawnFromSpec(node, spec, (err) => { refused ??= err; });
      if (cell === undefined) throw refused;
      child = cell;
      // A child whose init failed at once has stopped already: there is nothing to add or report.
      if (cell.status === Status.Stopped) return cell.ref;
    } else {
      if (spec.args !== undefined) assertTransferable(spec.args, { actor: id, messageType: 'spawn args' });
      child = node.resolveRef(id, worker, behaviour.key);
      void node.control(worker, { t: 'spawn', spec }).catch(() => undefined);
    }
    kids.add(n, child, options?.id === undefined ? undefined : id);
    report(node, id, worker, behaviour, parent, options, n);
  }
  return child;
}

/**
 * Tell the registry about a new child, from here and at once, even for a child on another thread:
 * whoever gets an id from the parent can look it up. A named child on another thread is reported
 * with its slot: its predecessor of the same name (a parent restarted) may still be stopping
 * there, and its removal, reported by that thread, must not take the new entry with it.
 */
function report(node: LocalNode, id: string | undefined, worker: number, behaviour: Behaviour, parent: ActorCell, options: SpawnOptions<unknown> | undefined, n: number): void {
  node.registryReporter.registered(id, worker, behaviour.key, parent.id, options?.id === undefined ? n : 0, options?.id === undefined ? 0 : n);
}

/**
 * Check against the behaviour's schema the messages a cell took while its behaviour was still
 * loading on this thread (the first `from` in its queue were checked before): an invalid one is
 * refused as it would have been on arrival (its asker gets the error, else it is a dead letter).
 */
export function validateQueued(node: LocalNode, cell: ActorCell, from: number): void {
  if (cell.def.messages === undefined || cell.queued <= from) return;
  const all = cell.mailbox.drain();
  for (let i = 0; i < all.length; i += 3) {
    let m = all[i];
    const sender = all[i + 1] as ActorRef | undefined;
    const reply = all[i + 2];
    if (i / 3 >= from && reply !== SIGNAL) {
      try {
        m = cell.validate(m);
      } catch (err) {
        if (reply !== undefined) node.replyError(reply, err);
        node.deadLetter(cell.id, m, 'invalid-message', sender, undefined);
        continue;
      }
    }
    cell.mailbox.push(m, sender, reply);
  }
}
