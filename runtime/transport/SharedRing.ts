/**
 * A single-producer / single-consumer ring of 32-bit words in a SharedArrayBuffer.
 *
 * Why words and not bytes: every frame field is an int32, so the producer writes with plain
 * Int32Array stores (no DataView, no per-field bounds logic) and only string / msgpack payloads
 * touch the byte view. Frames never wrap: when a frame does not fit before the end, the producer
 * writes a PAD marker and starts again at word 0, so a reader always sees a contiguous frame.
 *
 * Head and tail are word counters that wrap at 32 bits: they live in an Int32Array, and 2^31 words
 * go through a busy ring in well under a minute (about 50M words/s in the cross-worker benchmark).
 * So every position is kept as an int32 (`| 0` after each step) and compared only by difference,
 * `(a - b) | 0`, which is right across the wrap because the two are never a ring apart; an index is
 * `pos & (capacity - 1)`, right for negative positions too. The producer publishes its tail with
 * one Atomics.store per flush rather than per frame: that is the batching that makes cross-thread
 * delivery cheap.
 */
export const HEAD = 0;
export const TAIL = 1;
/** Set by a producer that spilled frames because the ring was full: wake me when you free space. */
export const PRODUCER_WAITING = 2;
const HEADER_WORDS = 4;

/** A frame length word of -1 tells the reader to skip to the start of the ring. */
export const PAD = -1;

export class SharedRing {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number; // in words, a power of two
  readonly header: Int32Array;
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  /** Producer-side cursor (not yet published), an int32 that wraps. */
  writePos: number;
  /** Consumer-side cursor (not yet published), an int32 that wraps. */
  readPos: number;

  constructor(sabOrCapacityWords: SharedArrayBuffer | number) {
    if (typeof sabOrCapacityWords === 'number') {
      const cap = sabOrCapacityWords;
      if ((cap & (cap - 1)) !== 0) throw new RangeError(`ring capacity ${cap} is not a power of two`);
      this.sab = new SharedArrayBuffer((HEADER_WORDS + cap) * 4);
    } else {
      this.sab = sabOrCapacityWords;
    }
    this.header = new Int32Array(this.sab, 0, HEADER_WORDS);
    this.capacity = this.sab.byteLength / 4 - HEADER_WORDS;
    this.words = new Int32Array(this.sab, HEADER_WORDS * 4, this.capacity);
    this.bytes = new Uint8Array(this.sab, HEADER_WORDS * 4, this.capacity * 4);
    this.writePos = Atomics.load(this.header, TAIL);
    this.readPos = Atomics.load(this.header, HEAD);
    this.headSeen = this.readPos;
  }

  /** The reader's position as last read by the producer (it only moves forward). */
  private headSeen: number;

  /**
   * Reserve `n` contiguous words for a frame. Returns the word index to write at, or -1 when the
   * ring is full (the caller spills to its overflow queue and retries after the reader catches up).
   */
  reserve(n: number): number {
    const cap = this.capacity;
    let pos = this.writePos;
    let idx = pos & (cap - 1);
    const tillEnd = cap - idx;
    const need = n > tillEnd ? tillEnd + n : n;
    // The reader's position is re-read (an atomic load of a line the reader keeps writing) only
    // when the last one seen does not leave room: most frames cost no cross-core traffic.
    if (((pos - this.headSeen) | 0) + need > cap) {
      this.headSeen = Atomics.load(this.header, HEAD);
      if (((pos - this.headSeen) | 0) + need > cap) return -1;
    }
    if (n > tillEnd) {
      // Not enough room before the end: pad the rest and wrap.
      this.words[idx] = PAD;
      pos = (pos + tillEnd) | 0;
      idx = 0;
    }
    this.writePos = (pos + n) | 0;
    return idx;
  }

  /** Give back the last `n` words reserved (a frame that turned out shorter than its worst case). */
  unreserve(n: number): void {
    this.writePos = (this.writePos - n) | 0;
  }

  /** Make everything reserved so far visible to the consumer. */
  publish(): void {
    Atomics.store(this.header, TAIL, this.writePos);
  }

  /** Words published and not yet consumed. */
  available(): number {
    return (Atomics.load(this.header, TAIL) - this.readPos) | 0;
  }

  /** Release consumed words back to the producer. */
  release(): void {
    Atomics.store(this.header, HEAD, this.readPos);
  }

  get unpublished(): boolean {
    return this.writePos !== Atomics.load(this.header, TAIL);
  }
}
