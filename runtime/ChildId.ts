/**
 * The id of a parent's n-th numbered child: `parent/n`.
 *
 * Built as one flat string. V8 keeps a concatenation as a tree of its parts (a cons string, some
 * 64 bytes more than the text) until something flattens it; `trim()` returns the flat copy. An id
 * is held for the actor's whole life, by the worker and by the main thread's registry, so a million
 * actors would otherwise carry 64 MB of cons cells.
 */
export function childId(parent: string, n: number): string {
  return `${parent}/${n}`.trim();
}
