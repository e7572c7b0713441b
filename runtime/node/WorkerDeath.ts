import type { ActorCell } from '../ActorCell.js';
import { WorkerDiedError } from '../errors.js';
import type { LocalNode } from '../LocalNode.js';
import { OutboundLink } from '../transport/RingLink.js';
import { askType } from './Replies.js';

/*
 * What a thread does when another thread's worker dies: while a successor starts, asks it owed fail
 * and new frames for it are held; once the successor is up, the rings are swapped and the held
 * frames released; if the worker is gone for good, it is marked dead. Rare, so apart from the
 * node's message path, which only checks (when they are not empty) the held and dead sets.
 */

/**
 * Another worker died and a successor is being started: asks it owed fail now (their message may
 * have been lost with it), new sends are held for the successor, and whoever watched or parented
 * an actor there hears that it terminated.
 */
export function workerDown(node: LocalNode, dead: number): void {
  if (!node.held.has(dead)) node.held.set(dead, []);
  failAsksTo(node, dead);
  forgetActorsOn(node, dead);
}

/**
 * The actors of a dead worker are gone: whoever watched one hears that it terminated, parents
 * forget the children that lived there, and children whose parent lived there stop.
 */
function forgetActorsOn(node: LocalNode, dead: number): void {
  node.linksAndWatches.workerDown(dead);
  // Parents forget children that died with the worker; those they watch (supervisors watch all
  // theirs) got a `terminated` signal above and decide what to do. Children whose parent died
  // there go with it, as an OTP process's children do when their supervisor dies.
  const orphans: ActorCell[] = [];
  for (const cell of node.cells.values()) {
    if (cell.parent !== undefined && cell.parent.node === dead) orphans.push(cell);
    cell.children?.forgetNode(dead);
  }
  for (const cell of orphans) node.stopCell(cell, 'parent-died');
}

/** The successor of a dead worker is up: swap in the new rings and release what was held. */
export function relinkWorker(node: LocalNode, worker: number, outSab: SharedArrayBuffer, inSab: SharedArrayBuffer): void {
  const link = new OutboundLink(outSab);
  node.bellOf.clear();
  node.out[worker] = link;
  const idx = node.inbound.findIndex((l) => l.origin === worker);
  const inbound = node.inboundLink(inSab, worker);
  if (idx >= 0) node.inbound[idx] = inbound;
  else node.inbound.push(inbound);
  for (let i = node.dirty.length - 1; i >= 0; i--) {
    if (node.out.indexOf(node.dirty[i]!) < 0) node.dirty.splice(i, 1)[0]!.dirty = false;
  }
  const held = node.held.get(worker) ?? [];
  node.held.delete(worker);
  for (const h of held) link.send(h.kind, h.target, h.sender, h.corr, h.value);
  node.markDirty(link);
}

/** Another node died for good: its pending asks fail now, sends to it become dead letters. */
export function workerDied(node: LocalNode, dead: number): void {
  node.deadNodes.add(dead);
  failAsksTo(node, dead);
  // Already done if a successor was being started (workerDown): then this finds nothing left to do.
  forgetActorsOn(node, dead);
}

function failAsksTo(node: LocalNode, dead: number): void {
  for (const [corr, p] of node.asks) {
    if (p.node !== dead) continue;
    node.asks.delete(corr);
    if (p.timer) clearTimeout(p.timer);
    p.reject(new WorkerDiedError(`worker ${dead} died before actor '${p.target}' answered '${askType(p)}'`, { worker: dead, actor: p.target, messageType: askType(p) }));
  }
}
