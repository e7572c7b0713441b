const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a: fast, stable across threads and runs, good enough spread for placing actors by id. */
export function hashId(id: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * `hashId(childId(parent, n))` from `hashId(parent)`, without building the child's id: FNV-1a
 * runs left to right, so the parent's hash is the state after its part of the string.
 */
export function hashChildId(parentHash: number, n: number): number {
  let h = Math.imul(parentHash ^ 47 /* '/' */, FNV_PRIME);
  let p = 1;
  while (p * 10 <= n) p *= 10;
  for (; p >= 1; p /= 10) {
    const d = Math.floor(n / p) % 10;
    h = Math.imul(h ^ (48 + d), FNV_PRIME);
  }
  return h >>> 0;
}

/** Workers are nodes 1..workers (node 0 is the main thread). */
export function workerForId(id: string, workers: number): number {
  return workerForHash(hashId(id), workers);
}

/** The worker `workerForId` picks for a hash from hashId or hashChildId. */
export function workerForHash(hash: number, workers: number): number {
  return (hash % workers) + 1;
}
