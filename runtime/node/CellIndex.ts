import { ActorCell, Status } from '../ActorCell.js';
import { childNumberAt } from '../ChildId.js';

/**
 * The actors on one thread, by id. Most are in a map; a numbered child spawned on its parent's
 * thread is not: it is found through its parent (`parent/n` is child n of `parent`, see Children).
 * Its id string is then never built unless something asks for it, and a spawn costs no string
 * hashing and no map entry: with fresh string keys, `Map.set` alone runs at about 1M per second
 * on the machines Troupe is measured on, half the spawn rate it is built for.
 */
export class CellIndex {
  private readonly byId = new Map<string, ActorCell>();
  /** Numbered cells, reachable through their parents only. */
  private nested = 0;
  /** Ids in the map that end in '/<number>', as a numbered child's would (see hasNumberLikeIds). */
  private numberLike = 0;

  /**
   * Whether the map may hold an id that a numbered child would also have: an actor spawned with
   * an explicit id such as 'a/1'. Spawning checks the id then (it is free otherwise).
   */
  get hasNumberLikeIds(): boolean {
    return this.numberLike > 0;
  }

  get size(): number {
    return this.byId.size + this.nested;
  }

  get(id: string): ActorCell | undefined {
    return this.byId.get(id) ?? (this.nested === 0 ? undefined : this.numbered(id));
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** A new cell on this thread (a numbered one must be in its parent's Children already). */
  add(cell: ActorCell): void {
    if (cell.childNumber !== 0) this.nested++;
    else {
      const id = cell.id;
      if (!this.byId.has(id) && mayShadowNumbered(cell, id)) this.numberLike++;
      this.byId.set(id, cell);
    }
  }

  /** A cell left this thread (stopped or migrated). Called once per cell. */
  delete(cell: ActorCell): void {
    if (cell.childNumber !== 0) {
      if (this.nested > 0) this.nested--;
      return;
    }
    const id = cell.id;
    if (this.byId.get(id) !== cell) return;
    this.byId.delete(id);
    if (mayShadowNumbered(cell, id)) this.numberLike--;
  }

  /**
   * Every cell, parents before their numbered children. Cold paths only (stats, broadcast,
   * shutdown); a caller that stops or moves cells as it goes should copy the list first.
   */
  *values(): IterableIterator<ActorCell> {
    for (const cell of this.byId.values()) {
      yield cell;
      if (this.nested > 0 && cell.children !== undefined) yield* numberedBelow(cell);
    }
  }

  private numbered(id: string): ActorCell | undefined {
    const slash = id.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const n = childNumberAt(id, slash + 1);
    if (n === 0) return undefined;
    const child = this.get(id.slice(0, slash))?.children?.at(n);
    // A cell that has stopped is gone, even before its parent has forgotten it.
    return !(child instanceof ActorCell) || child.childNumber !== n || child.status === Status.Stopped ? undefined : child;
  }
}

/**
 * Whether a cell kept by id could hold the id of some parent's numbered child on this thread: its
 * id ends in '/<number>' and it is not itself `parent/<number>` of its own parent (a child of P
 * numbered by P, placed here by hash, or named with digits: P's own Children keeps those apart).
 */
function mayShadowNumbered(cell: ActorCell, id: string): boolean {
  const slash = id.lastIndexOf('/');
  if (slash <= 0 || childNumberAt(id, slash + 1) === 0) return false;
  const parent = cell.parent;
  return parent === undefined || parent.id.length !== slash || !id.startsWith(parent.id);
}

/** The numbered cells under a cell, depth first (named ones are in the map already). */
function* numberedBelow(cell: ActorCell): IterableIterator<ActorCell> {
  for (const c of cell.children!.cells()) {
    if (c.childNumber === 0) continue;
    yield c;
    if (c.children !== undefined) yield* numberedBelow(c);
  }
}
