import type { PendingAsk } from './Replies.js';

const CHUNK_BITS = 8;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

interface Chunk {
  slots: (PendingAsk | undefined)[];
  live: number;
}

/**
 * The asks and control requests a thread is waiting on, by correlation id. Ids are handed out in
 * sequence (LocalNode.takeCorr, positive int32s) and mostly answered in about that order, so they
 * are kept in chunks of 256 consecutive ids, found through a small map and a cache of the last
 * chunk used. A Map keyed by id did the same job at 3-5x the cost once 100,000 asks were in
 * flight (a pool actor fed from the main thread): its table no longer fits the cache, and it
 * rehashes as it grows and shrinks. A chunk goes when its last ask is answered.
 */
export class PendingAsks {
  private readonly chunks = new Map<number, Chunk>();
  private lastKey = -1;
  private lastChunk: Chunk | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private find(key: number): Chunk | undefined {
    if (key === this.lastKey) return this.lastChunk;
    const c = this.chunks.get(key);
    if (c !== undefined) {
      this.lastKey = key;
      this.lastChunk = c;
    }
    return c;
  }

  set(corr: number, p: PendingAsk): void {
    const key = corr >>> CHUNK_BITS;
    let c = this.find(key);
    if (c === undefined) {
      c = { slots: new Array<PendingAsk | undefined>(CHUNK).fill(undefined), live: 0 };
      this.chunks.set(key, c);
      this.lastKey = key;
      this.lastChunk = c;
    }
    const i = corr & MASK;
    if (c.slots[i] === undefined) {
      c.live++;
      this.count++;
    }
    c.slots[i] = p;
  }

  get(corr: number): PendingAsk | undefined {
    const c = this.find(corr >>> CHUNK_BITS);
    return c === undefined ? undefined : c.slots[corr & MASK];
  }

  has(corr: number): boolean {
    return this.get(corr) !== undefined;
  }

  /** Forget an ask; false when it was not pending. */
  delete(corr: number): boolean {
    const key = corr >>> CHUNK_BITS;
    const c = this.find(key);
    if (c === undefined) return false;
    const i = corr & MASK;
    if (c.slots[i] === undefined) return false;
    c.slots[i] = undefined;
    c.live--;
    this.count--;
    if (c.live === 0) {
      this.chunks.delete(key);
      if (this.lastKey === key) {
        this.lastKey = -1;
        this.lastChunk = undefined;
      }
    }
    return true;
  }

  /** Every pending ask as [corr, ask]; deleting as you go is safe (the chunks are listed first). */
  *[Symbol.iterator](): IterableIterator<[number, PendingAsk]> {
    for (const [key, c] of [...this.chunks]) {
      for (let i = 0; i < CHUNK; i++) {
        const p = c.slots[i];
        if (p !== undefined) yield [key * CHUNK + i, p];
      }
    }
  }
}
