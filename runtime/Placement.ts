/** FNV-1a: fast, stable across threads and runs, good enough spread for placing actors by id. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Workers are nodes 1..workers (node 0 is the main thread). */
export function workerForId(id: string, workers: number): number {
  return (hashId(id) % workers) + 1;
}
