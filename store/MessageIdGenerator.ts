import type { RootDatabase } from 'lmdb';

/** Ids per millisecond before an id borrows the next millisecond (keeps ids monotonic under bursts). */
const PER_MS = 4096n;
const SEQUENCE_WIDTH = 11; // base36 digits of ms*4096 until about the year 3000
const ORIGIN_WIDTH = 5;

/**
 * Message ids: `<base36(ms * 4096 + counter), 11 chars><base36(pid), 5 chars>`.
 *
 * The counter lives in memory lmdb-js shares between every thread that opened the same
 * environment, and advances with compare-and-swap, so ids are unique and strictly increasing across
 * all worker threads of a process; string order equals numeric order because the width is fixed.
 * The pid suffix keeps two processes writing the same file in the same millisecond apart.
 */
export class MessageIdGenerator {
  private readonly last: BigInt64Array;
  private readonly origin: string;

  constructor(root: RootDatabase) {
    const shared = (root as unknown as {
      getUserSharedBuffer?: (key: string, fallback: ArrayBuffer, options?: { envKey?: boolean }) => ArrayBuffer;
    }).getUserSharedBuffer;
    const fallback = new BigInt64Array(1).buffer;
    // Without the shared buffer (an lmdb-js that lacks it) ids stay unique per thread only.
    this.last = new BigInt64Array(
      typeof shared === 'function' ? shared.call(root, 'troupe:message-id', fallback, { envKey: true }) : fallback,
    );
    this.origin = (process.pid % 36 ** ORIGIN_WIDTH).toString(36).padStart(ORIGIN_WIDTH, '0');
  }

  private floorMs = -1;
  private floor = 0n;

  next(now: number): string {
    const ms = Math.floor(now);
    // BigInt conversion is the costly part; appends in the same millisecond reuse it.
    if (ms !== this.floorMs) {
      this.floorMs = ms;
      this.floor = BigInt(ms) * PER_MS;
    }
    const floor = this.floor;
    for (;;) {
      const previous = Atomics.load(this.last, 0);
      const candidate = previous >= floor ? previous + 1n : floor;
      if (Atomics.compareExchange(this.last, 0, previous, candidate) === previous) {
        return Number(candidate).toString(36).padStart(SEQUENCE_WIDTH, '0') + this.origin;
      }
    }
  }
}
