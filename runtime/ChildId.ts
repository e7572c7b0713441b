/**
 * The id of a parent's n-th numbered child: `parent/n`.
 *
 * Built as one flat string. V8 keeps a concatenation as a tree of its parts (a cons string, some
 * 64 bytes more than the text) until something flattens it; `trim()` returns the flat copy. An id
 * is held for the actor's whole life, by the main thread's registry and by whoever reads it, so a
 * million actors would otherwise carry 64 MB of cons cells.
 */
export function childId(parent: string, n: number): string {
  return `${parent}/${n}`.trim();
}

/**
 * The n of an id's last segment when that segment is a child number (decimal digits, no leading
 * zero, not 0), read from `from` to the end; 0 when it is not.
 */
export function childNumberAt(id: string, from: number): number {
  const len = id.length - from;
  if (len <= 0 || len > 15 || id.charCodeAt(from) === 48 /* '0' */) return 0;
  let n = 0;
  for (let i = from; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}
