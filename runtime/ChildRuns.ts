/**
 * One parent's numbered children (`parent/n`, see Children) as the main thread's registry keeps
 * them: runs of consecutive numbers that share one record, instead of an id string and a map entry
 * per child. A parent that spawns a million children in a loop costs the registry a few runs.
 *
 * A child removed from inside a run leaves a hole; a run is split into its live parts once it is
 * more than half holes, so a long-lived run cannot grow a hole per child ever stopped. Removing the
 * first or last number of a run (children stopped oldest or newest first) just shortens it.
 */
export class ChildRuns<E> {
  /** Run i holds the numbers [starts[i], ends[i]), sorted, not overlapping, minus the holes. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly entries: E[] = [];
  /** Live numbers per run. */
  private readonly live: number[] = [];
  /** Numbers inside some run that are gone. */
  private holes: Set<number> | undefined;
  /** Live numbers in all runs. */
  size = 0;

  get runs(): number {
    return this.starts.length;
  }

  get(n: number): E | undefined {
    const i = this.runOf(n);
    return i < 0 || this.holes?.has(n) === true ? undefined : this.entries[i];
  }

  /**
   * Add [from, from + count) with one record. Runs are reported in ascending order, so this is
   * almost always an append (or an extension of the last run). False, and nothing added, when
   * some of the numbers fall inside a run already held.
   */
  add(from: number, count: number, entry: E): boolean {
    const last = this.starts.length - 1;
    if (last < 0 || from >= this.ends[last]!) {
      if (last >= 0 && from === this.ends[last] && this.entries[last] === entry) {
        this.ends[last] = this.ends[last]! + count;
        this.live[last] = this.live[last]! + count;
      } else {
        this.insert(last + 1, from, from + count, entry, count);
      }
      this.size += count;
      return true;
    }
    // Out of order: between two runs, if it fits.
    const before = this.runBefore(from);
    if (before >= 0 && this.ends[before]! > from) return false;
    const next = before + 1;
    if (next < this.starts.length && this.starts[next]! < from + count) return false;
    this.insert(next, from, from + count, entry, count);
    this.size += count;
    return true;
  }

  /** Remove n; its record, or undefined when it is not held. */
  delete(n: number): E | undefined {
    const i = this.runOf(n);
    if (i < 0) return undefined;
    const holes = this.holes;
    if (holes !== undefined && holes.has(n)) return undefined;
    const entry = this.entries[i]!;
    this.size--;
    if ((this.live[i] = this.live[i]! - 1) === 0) {
      if (holes !== undefined) for (let k = this.starts[i]!; k < this.ends[i]!; k++) holes.delete(k);
      this.removeRun(i);
    } else if (n === this.starts[i]) {
      let s = n + 1;
      if (holes !== undefined) while (holes.delete(s)) s++;
      this.starts[i] = s;
    } else if (n === this.ends[i]! - 1) {
      let e = n;
      if (holes !== undefined) while (holes.delete(e - 1)) e--;
      this.ends[i] = e;
    } else {
      (this.holes ??= new Set()).add(n);
      if (this.ends[i]! - this.starts[i]! > 2 * this.live[i]! + 64) this.split(i);
    }
    return entry;
  }

  /** Remove every run whose record `drop` picks; the live numbers removed. */
  deleteWhere(drop: (entry: E) => boolean): number {
    let removed = 0;
    for (let i = this.starts.length - 1; i >= 0; i--) {
      if (!drop(this.entries[i]!)) continue;
      removed += this.live[i]!;
      if (this.holes !== undefined) for (let k = this.starts[i]!; k < this.ends[i]!; k++) this.holes.delete(k);
      this.removeRun(i);
    }
    this.size -= removed;
    return removed;
  }

  /** Live numbers with their records, in ascending order. */
  *[Symbol.iterator](): IterableIterator<[number, E]> {
    for (let i = 0; i < this.starts.length; i++) {
      const e = this.entries[i]!;
      for (let n = this.starts[i]!; n < this.ends[i]!; n++) if (this.holes?.has(n) !== true) yield [n, e];
    }
  }

  /** Index of the run whose range holds n (holes included), or -1. */
  private runOf(n: number): number {
    const i = this.runBefore(n);
    return i >= 0 && n < this.ends[i]! ? i : -1;
  }

  /** Index of the last run starting at or before n, or -1. */
  private runBefore(n: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    // Lookups are mostly of recent children: check the last run first.
    if (hi >= 0 && starts[hi]! <= n) return hi;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= n) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  private insert(i: number, start: number, end: number, entry: E, live: number): void {
    if (i === this.starts.length) {
      this.starts.push(start);
      this.ends.push(end);
      this.entries.push(entry);
      this.live.push(live);
    } else {
      this.starts.splice(i, 0, start);
      this.ends.splice(i, 0, end);
      this.entries.splice(i, 0, entry);
      this.live.splice(i, 0, live);
    }
  }

  private removeRun(i: number): void {
    if (i === this.starts.length - 1) {
      this.starts.pop();
      this.ends.pop();
      this.entries.pop();
      this.live.pop();
    } else {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
      this.entries.splice(i, 1);
      this.live.splice(i, 1);
    }
    if (this.holes !== undefined && this.holes.size === 0) this.holes = undefined;
  }

  /** Replace run i by its live parts, taking its holes out of the set. */
  private split(i: number): void {
    const holes = this.holes!;
    const entry = this.entries[i]!;
    const parts: number[] = [];
    let from = -1;
    for (let k = this.starts[i]!; k < this.ends[i]!; k++) {
      if (holes.delete(k)) {
        if (from >= 0) { parts.push(from, k); from = -1; }
      } else if (from < 0) {
        from = k;
      }
    }
    if (from >= 0) parts.push(from, this.ends[i]!);
    this.removeRun(i);
    for (let p = parts.length - 2; p >= 0; p -= 2) this.insert(i, parts[p]!, parts[p + 1]!, entry, parts[p + 1]! - parts[p]!);
  }
}
