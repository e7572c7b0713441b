import type { ActorRef } from '../ActorRef.js';
import { SIGNAL, Status } from '../ActorCell.js';
import { ActorNotFoundError, AskTimeoutError, SystemStoppedError, WorkerDiedError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { Kind } from '../transport/Frames.js';
import type { MigrationPacket } from './Migrations.js';
import type { PendingAsk } from './Replies.js';
import type { SpawnSpec } from './Spawning.js';

/*
 * The control plane: requests between threads that are not actor messages (spawn, stop, link,
 * watch, migrate, pause, stats, drain, ...). They travel as Control frames on the same rings as the
 * messages, so they stay ordered with them; a request that expects an answer is kept with the
 * node's pending asks. This module sends them, answers them, and dispatches what arrives; messages
 * it does not know go to the node's controlHook (the main thread's system).
 */

export type ControlHook = (origin: number, msg: Record<string, unknown>, corr: number) => boolean;

/** Send a control message to another node; with `expectReply`, resolves with its answer. */
export function sendControl(node: LocalNode, to: number, msg: Record<string, unknown>, expectReply: boolean, timeoutMs: number): Promise<unknown> {
  // A closed node has no rings to answer on: a request would wait out its timeout, and its timer
  // would keep the process alive that long.
  if (node.closed) return Promise.reject(new SystemStoppedError(`cannot send control '${String(msg.t)}' to worker ${to}: the system is stopped`, { worker: to, messageType: String(msg.t) }));
  if (to === node.id) {
    if (!expectReply) {
      onControl(node, node.id, msg, 0);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      const corr = node.takeCorr();
      node.asks.set(corr, { resolve, reject, timer: undefined, target: `worker-${to}`, node: to, type: String(msg.t), started: 0 });
      onControl(node, node.id, msg, corr);
    });
  }
  const link = node.out[to];
  if (link === undefined || node.deadNodes.has(to)) return Promise.reject(new WorkerDiedError(`worker ${to} is not running`, { worker: to }));
  const held = node.held.get(to);
  if (!expectReply) {
    if (held !== undefined) held.push({ kind: Kind.Control, target: undefined, sender: undefined, corr: 0, value: msg });
    else {
      link.send(Kind.Control, undefined, undefined, 0, msg);
      node.markDirty(link);
    }
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const corr = node.takeCorr();
    const type = String(msg.t);
    const p: PendingAsk = { resolve, reject, timer: undefined, target: `worker-${to}`, node: to, type, started: performance.now() };
    p.timer = setTimeout(() => {
      if (!node.asks.delete(corr)) return;
      reject(new AskTimeoutError(`control '${type}' to worker ${to} timed out after ${timeoutMs} ms`, { worker: to, messageType: type, timeoutMs }));
    }, timeoutMs);
    node.asks.set(corr, p);
    if (held !== undefined) held.push({ kind: Kind.Control, target: undefined, sender: undefined, corr, value: msg });
    else {
      link.send(Kind.Control, undefined, undefined, corr, msg);
      node.markDirty(link);
    }
  });
}

/** Answer control request `corr` from `origin` (nothing to do for a request that expects none). */
export function answerControl(node: LocalNode, origin: number, corr: number, value: unknown, err?: unknown): void {
  if (corr === 0) return;
  if (origin === node.id) { node.settle(corr, err ?? value, err === undefined); return; }
  if (err !== undefined) node.sendReplyError(origin, corr, err);
  else {
    const link = node.out[origin]!;
    link.send(Kind.Reply, undefined, undefined, corr, value);
    node.markDirty(link);
  }
}

/** A control message arrived (or was sent to this node itself): carry it out, answer if asked. */
export function onControl(node: LocalNode, origin: number, msg: Record<string, unknown>, corr: number): void {
  switch (msg.t) {
    case 'spawn': {
      const spec = msg.spec as SpawnSpec;
      node.spawnLocal(spec, (err) => {
        answerControl(node, origin, corr, null, err);
        // A child refused here (its id is taken) was already counted by its parent, which spawned
        // it without waiting: the parent forgets it, so that its stop does not reach the holder.
        const refused = (err as { context?: { refused?: string } } | undefined)?.context?.refused;
        if (refused !== undefined && spec.parent !== undefined) {
          void node.control(spec.parent[1], { t: 'child-refused', parent: spec.parent[0], id: spec.id, slot: spec.slot, reason: (err as Error).message }).catch(() => undefined);
        }
      });
      return;
    }
    case 'child-refused': {
      const parent = node.cells.get(msg.parent as string);
      const kids = parent?.children;
      const id = msg.id as string;
      node.log.error({ actor: msg.parent, child: id, worker: origin, reason: msg.reason }, 'child not spawned: its id is taken on its worker');
      if (parent === undefined || kids === undefined) return;
      const slot = msg.slot as number | undefined;
      const n = slot ?? kids.numberOf(id);
      if (n === 0) return;
      kids.remove(id, n);
      // A numbered child was reported in its parent's run: it leaves the run (a named one's report
      // never displaced the holder's entry, see Registry.reported).
      if (slot === undefined) node.registryReporter.unregisteredChild(parent.id, n, 'spawn-refused');
      return;
    }
    case 'stop': {
      const cell = node.cells.get(msg.id as string);
      if (cell === undefined) {
        // Moved on from here: the stop follows it, as its messages do.
        const moved = node.migrations.forwards.get(msg.id as string);
        if (moved === undefined) { answerControl(node, origin, corr, false); return; }
        node.control(moved, msg, true).then((r) => answerControl(node, origin, corr, r), (err: unknown) => answerControl(node, origin, corr, null, err));
        return;
      }
      node.stopCell(cell, (msg.reason as string) ?? 'normal', () => answerControl(node, origin, corr, true));
      return;
    }
    case 'link': {
      const cell = node.cells.get(msg.id as string);
      const other = msg.other as ActorRef;
      if (cell === undefined || cell.status > Status.Ready) node.linksAndWatches.exitSignal(other, msg.id as string, 'noproc');
      else (cell.links ??= new Map()).set(other.id, other);
      answerControl(node, origin, corr, true);
      return;
    }
    case 'unlink': {
      node.cells.get(msg.id as string)?.links?.delete(msg.other as string);
      answerControl(node, origin, corr, true);
      return;
    }
    case 'exit': {
      const cell = node.cells.get(msg.id as string);
      if (cell !== undefined) node.linksAndWatches.linkedExit(cell, msg.from as string, msg.reason as string);
      return;
    }
    case 'watch': {
      const watcher = msg.watcher as ActorRef;
      const cell = node.cells.get(msg.id as string);
      if (cell === undefined || cell.status > Status.Ready) {
        node.sendSignal(watcher, { type: 'terminated', ref: node.resolveRef(msg.id as string, node.id, ''), reason: 'unknown-actor' });
      } else {
        (cell.watchers ??= []).push(watcher);
      }
      answerControl(node, origin, corr, true);
      return;
    }
    case 'unwatch': {
      const cell = node.cells.get(msg.id as string);
      if (cell?.watchers) cell.watchers = cell.watchers.filter((w) => w.id !== (msg.watcher as string));
      answerControl(node, origin, corr, true);
      return;
    }
    case 'signal': {
      const to = node.cells.get(msg.to as string);
      const signal = msg.signal as { type: string; ref?: ActorRef };
      // A watch placed on another thread ends with its 'terminated' (a later worker death must not
      // tell the watcher a second time).
      if (signal.type === 'terminated' && signal.ref !== undefined) node.linksAndWatches.heardTerminated(signal.ref.id, msg.to as string);
      if (to !== undefined) { node.deliverLocal(to, msg.signal, undefined, SIGNAL); return; }
      // The watcher moved on from here: its signals follow it, as its messages do.
      const moved = node.migrations.forwards.get(msg.to as string);
      if (moved !== undefined) void node.control(moved, msg).catch(() => undefined);
      return;
    }
    case 'migrate-out':
      node.migrations.migrateOut(msg.id as string, msg.to as number, (err) => answerControl(node, origin, corr, err === undefined, err));
      return;
    case 'migrate-in':
      node.migrations.migrateIn(msg as unknown as MigrationPacket, (err) => answerControl(node, origin, corr, true, err));
      return;
    case 'pause': {
      const cell = node.cells.get(msg.id as string);
      if (cell === undefined) { answerControl(node, origin, corr, false); return; }
      node.pauseCell(cell, (msg.reason as string) ?? 'restart', () => answerControl(node, origin, corr, true));
      return;
    }
    case 'resume': {
      const cell = node.cells.get(msg.id as string);
      if (cell === undefined) { answerControl(node, origin, corr, null, new ActorNotFoundError(`actor '${msg.id}' is not on worker ${node.id}`, { actor: msg.id, worker: node.id })); return; }
      node.resumeCell(cell, (err) => answerControl(node, origin, corr, true, err));
      return;
    }
    case 'child-stopped': {
      const parent = node.cells.get(msg.parent as string);
      parent?.children?.remove(msg.id as string, (msg.slot as number | undefined) || undefined);
      return;
    }
    case 'pub':
      node.topics.deliverTopic(msg.topic as string, msg.message, msg.sender as ActorRef | undefined);
      return;
    case 'bcast':
      node.topics.deliverBroadcast(msg.message, msg.group as string | undefined, msg.sender as ActorRef | undefined, msg.except as string | undefined);
      return;
    case 'drain':
      node.drain(msg.deadline as number).then(() => answerControl(node, origin, corr, true), (err) => answerControl(node, origin, corr, null, err));
      return;
    case 'stats':
      answerControl(node, origin, corr, node.stats());
      return;
    case 'history-written':
      void node.historyWritten().then(() => answerControl(node, origin, corr, true));
      return;
    case 'restart-actor': {
      const cell = node.cells.get(msg.id as string);
      if (cell === undefined) { answerControl(node, origin, corr, false); return; }
      node.pauseCell(cell, 'restart', () => node.resumeCell(cell, (err) => answerControl(node, origin, corr, true, err)));
      return;
    }
    case 'snapshot-all': {
      const saves: Promise<void>[] = [];
      for (const c of node.cells.values()) if (c.persistence?.snapshots && c.status === Status.Ready) saves.push(c.persistence.snapshot(c.state));
      Promise.all(saves).then(() => answerControl(node, origin, corr, saves.length), (err) => answerControl(node, origin, corr, null, err));
      return;
    }
    default:
      if (node.controlHook?.(origin, msg, corr)) return;
      node.log.warn({ control: msg.t, origin, worker: node.id }, 'unknown control message');
      answerControl(node, origin, corr, null);
  }
}
