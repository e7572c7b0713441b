import type { ActorRef } from '../ActorRef.js';
import { SIGNAL, Status, type ActorCell } from '../ActorCell.js';
import type { LocalNode } from '../LocalNode.js';

/*
 * Who hears when an actor exits: watchers (one way, a `terminated` signal) and links (both ways,
 * OTP exits). Across threads a watch or link is a control request to the target's thread; the
 * watches this thread placed elsewhere are remembered so that their watchers still hear if that
 * thread dies. Apart from the node because none of it is on the message path.
 */

export class LinksAndWatches {
  /** Watches this node placed on actors of other nodes: if that node dies, the watchers hear of it. */
  private readonly remoteWatches = new Map<string, { target: ActorRef; watchers: ActorRef[] }>();

  constructor(private readonly node: LocalNode) {}

  watch(target: ActorRef, watcher: ActorRef): Promise<void> {
    const node = this.node;
    const own = this.localCell(watcher);
    if (own !== undefined) (own.watching ??= []).push(target);
    if (target.node === node.id) {
      const cell = node.cells.get(target.id);
      if (cell === undefined || cell.status > Status.Ready) node.sendSignal(watcher, { type: 'terminated', ref: target, reason: 'unknown-actor' });
      else (cell.watchers ??= []).push(watcher);
      return Promise.resolve();
    }
    let w = this.remoteWatches.get(target.id);
    if (w === undefined) this.remoteWatches.set(target.id, (w = { target, watchers: [] }));
    w.watchers.push(watcher);
    return node.control(target.node, { t: 'watch', id: target.id, watcher }, true).then(() => undefined, () => undefined);
  }

  unwatch(target: ActorRef, watcher: ActorRef): Promise<void> {
    const node = this.node;
    const own = this.localCell(watcher);
    if (own?.watching !== undefined) own.watching = own.watching.filter((t) => t.id !== target.id);
    if (target.node === node.id) {
      const cell = node.cells.get(target.id);
      if (cell?.watchers) cell.watchers = cell.watchers.filter((w) => w.id !== watcher.id);
      return Promise.resolve();
    }
    const w = this.remoteWatches.get(target.id);
    if (w !== undefined) {
      w.watchers = w.watchers.filter((x) => x.id !== watcher.id);
      if (w.watchers.length === 0) this.remoteWatches.delete(target.id);
    }
    return node.control(target.node, { t: 'unwatch', id: target.id, watcher: watcher.id }, true).then(() => undefined, () => undefined);
  }

  /** The live cell of this thread behind a ref, if it is one. */
  private localCell(ref: ActorRef): ActorCell | undefined {
    if (ref.node !== this.node.id) return undefined;
    const own = ref._cell as ActorCell | undefined;
    return own !== undefined && own.status <= Status.Stopping ? own : this.node.cells.get(ref.id);
  }

  /**
   * An actor is gone: the links left after its exit (see propagateExit) and the watches it placed
   * go with it, so that an actor that takes its id later is linked to, and hears of, nothing it did
   * not ask for. `done` runs once the other threads have confirmed: rings from different threads
   * are not ordered with each other, so a stop that resolved before the other end had taken the
   * link down could let the next actor with this id inherit it.
   */
  forget(cell: ActorCell, done: () => void): void {
    const node = this.node;
    let pending: Promise<unknown>[] | undefined;
    const links = cell.links;
    if (links !== undefined) {
      cell.links = undefined;
      for (const other of links.values()) {
        const p = this.unlink(cell, other);
        if (other.node !== node.id) (pending ??= []).push(p);
      }
    }
    const watching = cell.watching;
    if (watching !== undefined) {
      cell.watching = undefined;
      for (const target of watching) {
        const p = this.unwatch(target, cell.ref);
        if (target.node !== node.id) (pending ??= []).push(p);
      }
    }
    if (pending === undefined) done();
    else Promise.all(pending).then(done, done);
  }

  /** A watched actor on another thread terminated: the watch placed there is over. */
  heardTerminated(target: string, watcher: string): void {
    const w = this.remoteWatches.get(target);
    if (w === undefined) return;
    w.watchers = w.watchers.filter((x) => x.id !== watcher);
    if (w.watchers.length === 0) this.remoteWatches.delete(target);
  }

  /** Worker `dead` is gone: whoever here watched an actor there hears that it terminated. */
  workerDown(dead: number): void {
    for (const [id, w] of this.remoteWatches) {
      if (w.target.node !== dead) continue;
      this.remoteWatches.delete(id);
      for (const watcher of w.watchers) this.node.sendSignal(watcher, { type: 'terminated', ref: w.target, reason: 'worker-died' });
    }
  }

  /**
   * Links, as in OTP: both ends learn when the other exits abnormally (a crash, or a stop for any
   * reason but 'normal'/'system-stopped'), and by default exit too. An actor whose behaviour has
   * `onSignal` traps exits instead: it gets a `linked-exit` signal and carries on.
   */
  link(a: ActorCell, b: ActorRef): Promise<void> {
    const node = this.node;
    (a.links ??= new Map()).set(b.id, b);
    if (b.node === node.id) {
      const other = node.cells.get(b.id);
      if (other === undefined || other.status > Status.Ready) { this.linkedExit(a, b.id, 'noproc'); return Promise.resolve(); }
      (other.links ??= new Map()).set(a.id, a.ref);
      return Promise.resolve();
    }
    return node.control(b.node, { t: 'link', id: b.id, other: a.ref }, true).then(() => undefined, () => undefined);
  }

  unlink(a: ActorCell, b: ActorRef): Promise<void> {
    const node = this.node;
    a.links?.delete(b.id);
    if (b.node === node.id) { node.cells.get(b.id)?.links?.delete(a.id); return Promise.resolve(); }
    return node.control(b.node, { t: 'unlink', id: b.id, other: a.id }, true).then(() => undefined, () => undefined);
  }

  /**
   * Tell every linked actor that `cell` exited with `reason` (abnormal exits only: after a normal
   * one the links are taken down at both ends, see forget).
   */
  propagateExit(cell: ActorCell, reason: string): void {
    const links = cell.links;
    if (links === undefined || reason === 'normal' || reason === 'system-stopped') return;
    cell.links = undefined;
    for (const other of links.values()) this.exitSignal(other, cell.id, reason);
  }

  exitSignal(to: ActorRef, from: string, reason: string): void {
    const node = this.node;
    if (to.node === node.id) {
      const cell = node.cells.get(to.id);
      if (cell !== undefined) this.linkedExit(cell, from, reason);
    } else {
      void node.control(to.node, { t: 'exit', id: to.id, from, reason }).catch(() => undefined);
    }
  }

  linkedExit(cell: ActorCell, from: string, reason: string): void {
    const node = this.node;
    cell.links?.delete(from);
    if (cell.status > Status.Ready) return;
    if (cell.def.onSignal !== undefined) {
      node.deliverLocal(cell, { type: 'linked-exit', from, reason }, undefined, SIGNAL);
      return;
    }
    // Not trapping exits: the failure crosses the link. A supervised actor fails (its supervisor
    // decides); any other actor stops with the reason.
    const err = new Error(`linked actor '${from}' exited: ${reason}`);
    err.name = 'LinkedExit';
    if (cell.supervised && node.supervise(cell, err, 'linked-exit')) return;
    node.stopCell(cell, `linked:${from}:${reason}`);
  }
}
