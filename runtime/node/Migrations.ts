import type { Behaviour } from '../../actors/Behaviour.js';
import { ActorRef } from '../ActorRef.js';
import { ActorCell, SIGNAL, Status } from '../ActorCell.js';
import { loadBehaviour } from '../BehaviourLoader.js';
import { ActorNotFoundError, InvalidOptionError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { Durable } from '../persistence/ActorPersistence.js';
import type { OverflowPolicy } from '../SpawnOptions.js';
import { assertTransferable } from '../Transferable.js';
import { RemoteReply } from './Replies.js';
import { pendingBehaviour, validateQueued } from './Spawning.js';

/*
 * Moving a live actor from one thread to another (system.migrate, and the monitor's rebalancing).
 * Rare and cold, so it lives apart from the node's message path; the node consults `forwards` only
 * when a frame's target is not one of its cells.
 */

/** Largest mailbox that migrates with its actor (the packet must fit well inside one ring). */
const MIGRATE_MAX_QUEUED = 4000;

/** An actor in transit between threads (see Migrations.migrateOut). */
export interface MigrationPacket {
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
  watching: ActorRef[];
  mailbox: unknown[];
  /** Stashed messages, encoded as the mailbox is. */
  stashed: unknown[];
  handled: number;
  failures: number;
  restarts: number;
  slot: number;
}

export class Migrations {
  /** Where actors that moved away went: frames for them are passed on, in arrival order. */
  readonly forwards = new Map<string, number>();

  constructor(private readonly node: LocalNode) {}

  /**
   * Migration, step 1 (on the actor's current thread): once the actor is between messages, pack its
   * state, its mailbox (in order; a local asker's reply handle becomes an address back here) and its
   * watchers and links, send them to the target thread on the ring, and leave a forwarder behind:
   * frames that still arrive here follow on the same ring, behind the packet, so nothing is lost or
   * reordered. Timers are not carried over (they are cancelled).
   */
  migrateOut(id: string, to: number, done: (err?: unknown) => void): void {
    const node = this.node;
    const cell = node.cells.get(id);
    if (cell === undefined || cell.status !== Status.Ready || to === node.id || node.out[to] === undefined) {
      done(new ActorNotFoundError(`actor '${id}' cannot migrate from worker ${node.id} to worker ${to}`, { actor: id, worker: node.id, to }));
      return;
    }
    if (cell.persistence !== undefined) {
      // Its durable log, snapshot cadence and sequence numbers belong to this thread's cell: a moved
      // cell would accept offers without logging them (lost at the next restart). Refuse instead.
      done(new InvalidOptionError(`actor '${id}' is persistent; persistent actors do not migrate`, { actor: id, worker: node.id }));
      return;
    }
    if (cell.parked !== undefined && cell.parked.length > 0) {
      // Producers waiting for room hold callbacks on this thread: they cannot move with the actor.
      done(new InvalidOptionError(`actor '${id}' has ${cell.parked.length} offers waiting for room in its mailbox; it migrates once they are accepted`, { actor: id, parked: cell.parked.length }));
      return;
    }
    const queued = cell.queued + (cell.stashed?.length ?? 0) / 3;
    if (queued > MIGRATE_MAX_QUEUED) {
      // The packet crosses one ring in one frame: refuse before anything is taken apart.
      done(new InvalidOptionError(`actor '${id}' has ${queued} queued and stashed messages; at most ${MIGRATE_MAX_QUEUED} migrate with it`, { actor: id, queued }));
      return;
    }
    if (cell.suspended || node.current === cell || cell.children !== undefined && cell.children.size > 0) {
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
    // Each reply handle becomes an address: a local asker's is an ask id of this thread.
    const encode = (triples: unknown[]): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < triples.length; i += 3) {
        const reply = triples[i + 2];
        out.push(
          triples[i] instanceof Durable ? (triples[i] as Durable).message : triples[i],
          triples[i + 1],
          reply === SIGNAL ? 'signal' : typeof reply === 'number' ? [node.id, reply] : reply instanceof RemoteReply ? [reply.origin, reply.corr] : null,
        );
      }
      return out;
    };
    const mailbox = encode(cell.queued > 0 ? cell.mailbox.drain() : []);
    const stashed = encode(cell.stashed ?? []);
    cell.stashed = undefined;
    const packet: MigrationPacket = {
      t: 'migrate-in', id, behaviour: cell.def.key, state: cell.state, args: cell.args,
      parent: cell.parent ? [cell.parent.id, cell.parent.node, cell.parent.behaviour] : undefined,
      throughput: cell.throughput, capacity: Number.isFinite(cell.capacity) ? cell.capacity : undefined, overflow: cell.overflow,
      supervised: cell.supervised, topics: cell.topics ?? [], watchers: cell.watchers ?? [], links: [...(cell.links?.values() ?? [])],
      watching: cell.watching ?? [], mailbox, stashed, handled: cell.handled, failures: cell.failures, restarts: cell.restarts, slot: cell.slot,
    };
    // From now on this id is a forwarder: the cell leaves, frames for it follow the packet.
    cell.status = Status.Stopped;
    // The packet holds the state now; the old cell, which refs may outlive, keeps none of it.
    cell.releaseState();
    node.cells.delete(cell);
    // A numbered child on its parent's thread was reached through the parent: now it is remote.
    if (cell.childNumber !== 0) node.cells.get(cell.parent!.id)?.children?.replace(cell.childNumber, new ActorRef(id, to, cell.def.key));
    node.topics.forget(cell);
    this.forwards.set(id, to);
    node.control(to, packet as unknown as Record<string, unknown>, true).then(() => done(), done);
  }

  /** Migration, step 2 (on the target thread): the actor resumes with its state and mailbox. */
  migrateIn(p: MigrationPacket, done: (err?: unknown) => void): void {
    const node = this.node;
    // The cell exists from this frame on (frames forwarded behind the packet find it), even if its
    // behaviour still has to be imported on this thread: it takes messages, runs once loaded.
    const known = node.behaviours.get(p.behaviour);
    const parent = p.parent ? node.resolveRef(p.parent[0], p.parent[1], p.parent[2]) : undefined;
    const cell = new ActorCell(node, p.id, known ?? pendingBehaviour(p.behaviour), p.args, parent, p.throughput, p.capacity);
    cell.overflow = p.overflow;
    cell.supervised = p.supervised;
    cell.state = p.state;
    cell.handled = p.handled;
    cell.failures = p.failures;
    cell.restarts = p.restarts;
    if (p.slot !== 0) cell.slot = p.slot;
    if (p.watchers.length > 0) cell.watchers = p.watchers;
    if (p.links.length > 0) cell.links = new Map(p.links.map((l) => [l.id, l]));
    for (const t of p.topics) node.subscribe(t, cell);
    this.forwards.delete(p.id);
    node.cells.add(cell);
    if (p.watching.length > 0) cell.watching = p.watching;
    const decode = (r: 'signal' | [number, number] | null): unknown => r === 'signal' ? SIGNAL : r === null ? undefined : r[0] === node.id ? r[1] : new RemoteReply(r[0], r[1]);
    for (let i = 0; i < p.mailbox.length; i += 3) {
      cell.mailbox.push(p.mailbox[i], p.mailbox[i + 1] as ActorRef | undefined, decode(p.mailbox[i + 2] as 'signal' | [number, number] | null));
    }
    if (p.stashed.length > 0) {
      const s: unknown[] = [];
      for (let i = 0; i < p.stashed.length; i += 3) s.push(p.stashed[i], p.stashed[i + 1], decode(p.stashed[i + 2] as 'signal' | [number, number] | null));
      cell.stashed = s;
    }
    // Messages that arrive while the behaviour is still loading here cannot be checked against its
    // schema yet: they are checked once it has loaded (see validateQueued).
    const carried = cell.queued;
    const ready = (b: Behaviour): void => {
      node.behaviours.set(p.behaviour, b);
      cell.def = b;
      if (known === undefined) validateQueued(node, cell, carried);
      if (cell.status === Status.Starting) cell.status = Status.Ready;
      cell.afterTurn();
      node.registryReporter.moved(p.id, node.id);
      done();
    };
    if (known !== undefined) ready(known);
    else loadBehaviour(p.behaviour).then(ready, (err) => { node.finishStop(cell, 'behaviour-load-failed'); done(err); });
  }
}
