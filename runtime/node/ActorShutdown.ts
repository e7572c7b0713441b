import type { ActorRef } from '../ActorRef.js';
import { SIGNAL, Status, type ActorCell } from '../ActorCell.js';
import { ActorNotFoundError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { Durable } from '../persistence/ActorPersistence.js';

/*
 * Taking an actor down. A stop removes it: children first, `postStop`, a final snapshot, then what
 * was left in its mailbox becomes dead letters and watchers, links, its parent and the registry
 * hear of it. A pause (a supervisor's restart) keeps the cell and its mailbox, and a resume starts
 * it again. Apart from the node because none of it is on the message path.
 */

export class ActorShutdown {
  /** Callbacks waiting for a stop to finish, per cell. */
  private readonly stopWaiters = new Map<ActorCell, (() => void)[]>();

  constructor(private readonly node: LocalNode) {}

  /**
   * Stop a cell: its children first (newest first), then `postStop`, then watchers hear about it.
   * A stop requested while the actor is mid-message waits for the end of that message.
   */
  stop(cell: ActorCell, reason: string, done?: () => void): void {
    if (cell.status === Status.Stopped) { done?.(); return; }
    // A stop asked for again while the first is under way (an async postStop) is done when that one is.
    if (done) (this.stopWaiters.get(cell) ?? this.stopWaiters.set(cell, []).get(cell)!).push(done);
    if (cell.status === Status.Stopping) return;
    cell.status = Status.Stopping;
    if (this.node.current === cell || cell.suspended) {
      cell.pendingStopReason = reason;
      return;
    }
    this.finish(cell, reason);
  }

  finish(cell: ActorCell, reason: string): void {
    const node = this.node;
    if (cell.status === Status.Stopped || this.awaitingChildren.has(cell)) return;
    cell.status = Status.Stopping;
    if (cell.hasTimers) cell.ctx.timers.cancelAll();
    // Children first: the parent's postStop runs once every child has stopped, wherever it lives.
    const children = cell.children?.takeAll();
    if (children !== undefined && children.length > 0) {
      this.awaitingChildren.add(cell);
      node.stopChildren(children, 'parent-stopped', () => { this.awaitingChildren.delete(cell); this.afterChildren(cell, reason); });
    } else {
      this.afterChildren(cell, reason);
    }
  }

  /** Parents whose stop waits for their children (a second finish meanwhile is not a second stop). */
  private readonly awaitingChildren = new Set<ActorCell>();

  /** The rest of a stop, once the children have stopped: postStop, a final snapshot, the notices. */
  private afterChildren(cell: ActorCell, reason: string): void {
    const node = this.node;
    const finish = (): void => {
      cell.status = Status.Stopped;
      node.cells.delete(cell);
      node.suspendedCells.delete(cell);
      node.pausedCells.delete(cell);
      node.failedCells.delete(cell);
      node.topics.forget(cell);
      const left = cell.queued > 0 ? cell.mailbox.drain() : [];
      for (let i = 0; i < left.length; i += 3) {
        if (left[i + 2] === SIGNAL) continue;
        // A durable message stays in the log: the next incarnation with this id replays it.
        const m = left[i] instanceof Durable ? (left[i] as Durable).message : left[i];
        node.deadLetter(cell.id, m, left[i] instanceof Durable ? 'stopped:kept-in-durable-log' : 'stopped', left[i + 1] as ActorRef | undefined, left[i + 2]);
      }
      if (cell.parked) {
        const parked = cell.parked;
        cell.parked = undefined;
        for (const o of parked) {
          o.rejected(new ActorNotFoundError(`actor '${cell.id}' stopped (${reason}) before it had room for an offered message`, { actor: cell.id, reason, worker: node.id }));
          // A parked ask's asker hears of it through the dead letter, as for a message left queued.
          node.deadLetter(cell.id, o.message, 'stopped', o.sender, o.reply);
        }
      }
      if (cell.stashed) {
        const s = cell.stashed;
        cell.stashed = undefined;
        for (let i = 0; i < s.length; i += 3) node.deadLetter(cell.id, s[i], 'stopped', s[i + 1] as ActorRef | undefined, s[i + 2]);
      }
      const ref = cell.ref;
      for (const w of cell.watchers ?? []) {
        // A parent that stops its own children is not told about each of them.
        if ((reason === 'parent-stopped' || reason === 'parent-died') && w.id === cell.parent?.id) continue;
        node.sendSignal(w, { type: 'terminated', ref, reason });
      }
      cell.watchers = undefined;
      if (cell.parent !== undefined && reason !== 'parent-died') {
        if (cell.parent.node === node.id) node.cells.get(cell.parent.id)?.children?.remove(cell);
        else void node.control(cell.parent.node, { t: 'child-stopped', parent: cell.parent.id, id: cell.id, slot: cell.slot }).catch(() => undefined);
      }
      // A numbered child is reported by number: stopping a million of them builds no ids.
      if (cell.childNumber !== 0) node.registryReporter.unregisteredChild(cell.parent!.id, cell.childNumber, reason);
      else node.registryReporter.unregistered(cell.id, reason, cell.slot);
      node.propagateExit(cell, reason);
      if (reason !== 'normal' && reason !== 'parent-stopped' && reason !== 'system-stopped') {
        node.emitEvent({ type: 'stopped', actor: cell.id, worker: node.id, reason });
      }
      // A stopped cell can outlive its actor (a ref to it held by the application, or by a link's
      // table of refs on this thread): it keeps none of the actor's data.
      cell.releaseState();
      // Whoever waits for the stop hears once its links and watches are down everywhere.
      node.linksAndWatches.forget(cell, () => {
        const waiters = this.stopWaiters.get(cell);
        if (waiters) { this.stopWaiters.delete(cell); for (const w of waiters) w(); }
      });
    };
    const persisted = cell.persistence;
    const finishAfterSnapshot = (): void => {
      if (persisted !== undefined && persisted.snapshots && cell.status !== Status.Stopped && reason !== 'behaviour-load-failed' && !reason.startsWith('init-failed')) {
        persisted.snapshot(cell.state).then(finish, (err: unknown) => { node.log.warn({ err, actor: cell.id }, 'final snapshot failed'); finish(); });
      } else {
        finish();
      }
    };
    const post = cell.def.postStop;
    // A paused cell already ran postStop (or crashed, and a crashed actor gets none).
    if (post === undefined || cell.paused || cell.state === undefined && reason === 'behaviour-load-failed') { finishAfterSnapshot(); return; }
    let r: unknown;
    try {
      r = post(cell.state, cell.ctx);
    } catch (err) {
      node.log.warn({ err, actor: cell.id, worker: node.id }, 'postStop failed');
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(finishAfterSnapshot, (err) => { node.log.warn({ err, actor: cell.id, worker: node.id }, 'postStop failed'); finishAfterSnapshot(); });
    } else {
      finishAfterSnapshot();
    }
  }

  /**
   * Take a cell down without removing it: children stopped, timers cancelled, \`postStop\` run (only
   * on an orderly pause, not after a crash), no messages taken until \`resume\`.
   */
  pause(cell: ActorCell, reason: string, done: () => void): void {
    if (cell.status !== Status.Ready && cell.status !== Status.Starting) { done(); return; }
    const wasReady = cell.status === Status.Ready;
    cell.status = Status.Starting;
    if (cell.hasTimers) cell.ctx.timers.cancelAll();
    cell.beginIncarnation(`taken down by its supervisor (${reason})`);
    cell.suspended = false;
    cell.paused = true;
    // Its children stop first; resume (the supervisor's next step) then finds their names free.
    this.node.stopChildren(cell.children?.takeAll() ?? [], 'parent-stopped', () => this.pauseAfterChildren(cell, reason, wasReady, done));
  }

  private pauseAfterChildren(cell: ActorCell, reason: string, wasReady: boolean, done: () => void): void {
    const post = cell.def.postStop;
    if (!wasReady || reason === 'failed' || post === undefined) { done(); return; }
    let r: unknown;
    try { r = post(cell.state, cell.ctx); } catch (err) { this.node.log.warn({ err, actor: cell.id, worker: this.node.id }, 'postStop failed'); }
    if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(done, done);
    else done();
  }

  /** Start a paused cell again: fresh state from \`init\`, mailbox as it was. */
  resume(cell: ActorCell, done: (err?: unknown) => void): void {
    if (cell.status !== Status.Starting) { done(); return; }
    cell.paused = false;
    cell.restarts++;
    cell.start(done);
  }
}
