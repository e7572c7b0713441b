import type { ActorRef } from './ActorRef.js';
import { ActorCell } from './ActorCell.js';
import { childNumberAt } from './ChildId.js';
import { hashId } from './Placement.js';

/**
 * A child: its cell when it lives on the parent's thread, its ref when it lives elsewhere. A cell is
 * a ref too (ActorCell extends ActorRef): tell them apart with `instanceof ActorCell`.
 */
export type Child = ActorCell | ActorRef;

/**
 * Slots per chunk of the list (see Children.chunks). A power of two: a slot is found with a shift
 * and a mask.
 */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/**
 * An actor's children, in the order they were spawned. Every child takes the parent's next number;
 * a child spawned without a name is `parent/n` by that number, and is found by it. That is what
 * lets a numbered child on the parent's own thread exist without an id string and without an
 * entry in any string-keyed map: it sits at its number here (see CellIndex), and its id is
 * written out only when something asks for it. Spawning a million children then costs one
 * object each (the cell, which is also the ref) and a slot in a chunk of the list.
 *
 * Numbers are never reused, not even across the parent's restarts: a child of the previous
 * incarnation may still be stopping under the same number.
 */
export class Children {
  /**
   * Slot i (child number base + i) is chunks[i >> CHUNK_BITS][i & MASK]; undefined once the child
   * has gone. Chunks, not one flat array: a flat array of a million children lives in the old
   * generation and grows by copying, and every young cell stored into it is a slot the scavenger
   * must visit; a chunk is small and young, like the cells it holds, and is promoted with them.
   */
  private chunks: (Child | undefined)[][] = [];
  /** Slots in use: slots [0, count) hold children or gaps. */
  private count = 0;
  private base = 1;
  /** Slots [0, head) are all gone. */
  private head = 0;
  private live = 0;
  /** The last number handed out. */
  private last = 0;
  /** Children spawned with a name: id -> number. */
  private named: Map<string, number> | undefined;
  private ownHash = -1;

  constructor(private readonly owner: ActorCell) {}

  /** Children alive. */
  get size(): number {
    return this.live;
  }

  /** Whether any child was spawned with a name (a numbered id could then be taken by a name). */
  get hasNamed(): boolean {
    return this.named !== undefined && this.named.size > 0;
  }

  /** The owner's id hashed (hashId), kept for placing numbered children by hash. */
  get parentHash(): number {
    if (this.ownHash < 0) this.ownHash = hashId(this.owner.id);
    return this.ownHash;
  }

  nextNumber(): number {
    return ++this.last;
  }

  /** Add the child that took number n (the latest from nextNumber). `id` only for a named child. */
  add(n: number, child: Child, id?: string): void {
    // An empty list may have moved its base past n (every child taken since n was handed out).
    if (this.live === 0 && this.count === 0) this.base = n;
    const i = n - this.base;
    // Numbers taken by a spawn that then failed leave a gap.
    while (this.count < i) this.append(undefined);
    this.append(child);
    this.live++;
    if (id !== undefined) (this.named ??= new Map()).set(id, n);
  }

  private append(child: Child | undefined): void {
    const i = this.count++;
    if ((i & MASK) === 0) this.chunks.push([child]);
    else this.chunks[i >> CHUNK_BITS]!.push(child);
  }

  /** Slot i, which must be below count. */
  private slot(i: number): Child | undefined {
    return this.chunks[i >> CHUNK_BITS]![i & MASK];
  }

  /** Child number n, if it is still here. */
  at(n: number): Child | undefined {
    const i = n - this.base;
    return i >= this.head && i < this.count ? this.slot(i) : undefined;
  }

  /** The number of the child with this id, 0 when it is not (or no longer) a child. */
  numberOf(id: string): number {
    const named = this.named?.get(id);
    if (named !== undefined) return named;
    const own = this.owner.id;
    if (id.length <= own.length + 1 || id.charCodeAt(own.length) !== 47 /* '/' */ || !id.startsWith(own)) return 0;
    const n = childNumberAt(id, own.length + 1);
    if (n === 0) return 0;
    const c = this.at(n);
    if (c === undefined) return 0;
    // Child n may be a named one (its id is its name): compare ids, without building a numbered
    // cell's (it is `own/n` by construction).
    if (!(c instanceof ActorCell)) return c.id === id ? n : 0;
    return c.childNumber === n || c.id === id ? n : 0;
  }

  /** Whether the ref is one of these children; a numbered child's id is not built for it. */
  hasRef(ref: ActorRef): boolean {
    const c = ref._cell as ActorCell | undefined;
    if (c !== undefined && c.childNumber !== 0 && c.parent === this.owner.ref && this.at(c.childNumber) === c) return true;
    // Anything else by id: a child that migrated is held as a ref, and the ref's cell is its old one.
    return this.has(ref.id);
  }

  has(id: string): boolean {
    return this.numberOf(id) !== 0;
  }

  /**
   * Forget a child that stopped: by its cell, or by id (a child on another thread), with its number
   * when known: a name can be taken again after a restart, a number never is.
   */
  remove(child: ActorCell | string, slot?: number): void {
    if (typeof child === 'string' && slot !== undefined) {
      const c = this.at(slot);
      if (c !== undefined && c.id === child) this.removeNumber(slot);
      if (this.named?.get(child) === slot) this.named.delete(child);
      return;
    }
    if (typeof child !== 'string') {
      const n = child.childNumber;
      // A numbered cell is its slot; anything else is looked up by id.
      if (n !== 0) {
        if (this.at(n) === child) this.removeNumber(n);
        return;
      }
      // A named child with its number: the name may belong to a successor by now.
      const slot = child.slot;
      if (slot !== 0) { this.remove(child.id, slot); return; }
      child = child.id;
    }
    const n = this.numberOf(child);
    if (n !== 0) this.removeNumber(n);
    this.named?.delete(child);
  }

  /** Child n moved to another thread: from now on it is reached by its ref. */
  replace(n: number, ref: ActorRef): void {
    const i = n - this.base;
    if (i >= this.head && i < this.count && this.slot(i) !== undefined) this.chunks[i >> CHUNK_BITS]![i & MASK] = ref;
  }

  /** Forget every child that lived on a node that died. */
  forgetNode(node: number): void {
    // Numbers first, removals after: a removal may compact the list under the loop.
    const gone: ActorRef[] = [];
    const numbers: number[] = [];
    for (let i = this.head; i < this.count; i++) {
      const c = this.slot(i);
      if (c !== undefined && !(c instanceof ActorCell) && c.node === node) { gone.push(c); numbers.push(this.base + i); }
    }
    for (let k = 0; k < gone.length; k++) {
      this.removeNumber(numbers[k]!);
      this.forgetName(gone[k]!.id);
    }
  }

  /**
   * Take every child out, newest first (children are stopped in reverse start order, as in OTP).
   * A numbered cell is found only through this list, so the caller gets cells, not refs to look up.
   */
  takeAll(): Child[] {
    const out: Child[] = [];
    for (let i = this.count - 1; i >= this.head; i--) {
      const c = this.slot(i);
      if (c !== undefined) out.push(c);
    }
    this.clear();
    this.named = undefined;
    return out;
  }

  /** The children living on this thread as cells, oldest first. */
  *cells(): IterableIterator<ActorCell> {
    // The list as it is now: a child that stops while the caller iterates may drop a chunk
    // (removeNumber makes a new array then), and the others must still be visited.
    const chunks = this.chunks;
    const count = this.count;
    for (let i = this.head; i < count; i++) {
      const c = chunks[i >> CHUNK_BITS]![i & MASK];
      if (c instanceof ActorCell) yield c;
    }
  }

  private forgetName(id: string): void {
    this.named?.delete(id);
  }

  private removeNumber(n: number): void {
    const i = n - this.base;
    if (i < this.head || i >= this.count || this.slot(i) === undefined) return;
    this.chunks[i >> CHUNK_BITS]![i & MASK] = undefined;
    this.live--;
    if (this.live === 0) {
      this.clear();
      return;
    }
    while (this.slot(this.head) === undefined) this.head++;
    // A long-lived parent that spawns and stops children keeps only the chunks still in use.
    const emptyChunks = this.head >> CHUNK_BITS;
    if (emptyChunks > 0) {
      // A new array, not splice: cells() may be iterating over the old one.
      this.chunks = this.chunks.slice(emptyChunks);
      const slots = emptyChunks * CHUNK;
      this.base += slots;
      this.head -= slots;
      this.count -= slots;
    }
  }

  /** No children left: the next number starts a new list. */
  private clear(): void {
    this.chunks = [];
    this.count = 0;
    this.base = this.last + 1;
    this.head = 0;
    this.live = 0;
  }
}
