import { Packr, Unpackr } from 'msgpackr';

/**
 * A single-producer/single-consumer byte ring over a SharedArrayBuffer, carrying a compact binary
 * encoding of messages. It is the candidate cross-thread transport that the transport suite weighs
 * against postMessage: written to be measured and to show the protocol, not tuned as a library.
 *
 * Layout: four Int32 control words, each on its own 64-byte line so the producer's and the
 * consumer's writes do not false-share, then the data area. HEAD and TAIL are byte counters that
 * wrap at 2^32; the capacity is a power of two, so `counter & mask` stays correct across the wrap.
 */
const HEAD = 0; // written by the producer only
const TAIL = 16; // written by the consumer only
const CONSUMER_WAITING = 32;
const PRODUCER_WAITING = 48;
const HEADER_BYTES = 256;

// Record tags. Numbers and short strings bypass msgpackr: they are most messages and the cheapest
// to frame by hand.
const TAG_WRAP = 0; // the rest of the data area up to its end is padding
const TAG_F64 = 1; // 8-byte little-endian double
const TAG_STR = 2; // u16 byte length, then UTF-8
const TAG_PACK = 3; // u32 byte length, then msgpack
const TAG_BATCH = 4; // u32 byte length, then a msgpack array of messages

// Atomics.waitAsync is in Node 20 but only in TypeScript's ES2024 lib; a local type rather than a
// global augmentation, so it cannot clash with one elsewhere in the project.
type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult;
}).waitAsync;

const MAX_SHORT_STRING = 0x3fff; // its worst-case UTF-8 length (x3) still fits the u16 length field

export function createRing(capacityBytes = 1 << 18): SharedArrayBuffer {
  if (capacityBytes < 1024 || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError('ring capacity must be a power of two >= 1024');
  }
  return new SharedArrayBuffer(HEADER_BYTES + capacityBytes);
}

export interface RingOptions {
  /**
   * msgpackr's sequential records: a repeated object shape is sent once, then referenced by a
   * one-byte id. Sound only because one ring is one ordered stream with one reader.
   */
  readonly records?: boolean;
}

function packrOptions(options: RingOptions): { useRecords: boolean; sequential: boolean; copyBuffers: boolean } {
  // copyBuffers: a decoded binary value would otherwise be a view of memory that is reused.
  return { useRecords: options.records === true, sequential: options.records === true, copyBuffers: true };
}

class RingBase {
  protected readonly ctl: Int32Array;
  protected readonly data: Buffer;
  protected readonly view: DataView;
  protected readonly capacity: number;
  protected readonly mask: number;

  constructor(sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.mask = this.capacity - 1;
    // A Buffer view for its native utf8 write/slice, which accept shared memory.
    this.data = Buffer.from(sab, HEADER_BYTES, this.capacity);
    this.view = new DataView(sab, HEADER_BYTES, this.capacity);
  }
}

export class RingWriter extends RingBase {
  private head: number;
  private tail: number;
  private pending: Uint8Array | undefined;
  private pendingTag = TAG_PACK;
  private readonly packr: Packr;

  constructor(sab: SharedArrayBuffer, options: RingOptions = {}) {
    super(sab);
    this.head = Atomics.load(this.ctl, HEAD) >>> 0;
    this.tail = Atomics.load(this.ctl, TAIL) >>> 0;
    this.packr = new Packr(packrOptions(options));
  }

  /**
   * Append one message without publishing it. Returns false when the ring has no room: the caller
   * publishes what it has, waits for space and retries the same message. A packed message that did
   * not fit may also be held back and still count as written, so a producer that is finishing
   * calls `flushPending` until it succeeds before its last `publish`. Publishing is separate so a
   * burst costs one atomic store and at most one notify, which is the whole point of batching.
   */
  write(msg: unknown): boolean {
    if (this.pending !== undefined && !this.flushPending()) return false;
    if (typeof msg === 'number') {
      const off = this.reserve(9);
      if (off < 0) return false;
      this.data[off] = TAG_F64;
      this.view.setFloat64(off + 1, msg, true);
      this.head = (this.head + 9) >>> 0;
      return true;
    }
    // A string whose worst case could never fit is left to the packed path, which rejects it,
    // rather than waiting forever for room that cannot appear.
    if (typeof msg === 'string' && msg.length <= MAX_SHORT_STRING && 3 + msg.length * 3 <= this.capacity >>> 1) {
      const off = this.reserve(3 + msg.length * 3);
      if (off < 0) return false;
      const written = this.data.write(msg, off + 3, msg.length * 3, 'utf8');
      this.data[off] = TAG_STR;
      this.view.setUint16(off + 1, written, true);
      this.head = (this.head + 3 + written) >>> 0;
      return true;
    }
    const packed = this.packr.pack(msg);
    if (packed.length + 5 > this.capacity >>> 1) {
      throw new RangeError(`message of ${packed.length} bytes does not fit the ring`);
    }
    if (!this.writePacked(packed, TAG_PACK)) {
      // A sequential Packr has already recorded any new structure in `packed`: packing the message
      // again would reference a definition the reader never got. So it is kept (copied, since the
      // Packr reuses its buffer) and counts as accepted; the next write or flush goes first with it.
      this.pending = new Uint8Array(packed);
      this.pendingTag = TAG_PACK;
    }
    return true;
  }

  /**
   * Append several messages as one msgpack array frame: one pack call per batch instead of one per
   * message, the same work as a packed postMessage batch but with no buffer to allocate or transfer.
   * Same contract as `write`: false means nothing was written, retry after waiting for space.
   */
  writeBatch(msgs: readonly unknown[]): boolean {
    if (this.pending !== undefined && !this.flushPending()) return false;
    const packed = this.packr.pack(msgs);
    if (packed.length + 5 > this.capacity >>> 1) {
      throw new RangeError(`batch of ${packed.length} bytes does not fit the ring`);
    }
    if (!this.writePacked(packed, TAG_BATCH)) {
      this.pending = new Uint8Array(packed);
      this.pendingTag = TAG_BATCH;
    }
    return true;
  }

  /** Write a message that `write` accepted while the ring was full; false while still no room. */
  flushPending(): boolean {
    const packed = this.pending;
    if (packed === undefined) return true;
    if (!this.writePacked(packed, this.pendingTag)) return false;
    this.pending = undefined;
    return true;
  }

  private writePacked(packed: Uint8Array, tag: number): boolean {
    const off = this.reserve(5 + packed.length);
    if (off < 0) return false;
    this.data[off] = tag;
    this.view.setUint32(off + 1, packed.length, true);
    this.data.set(packed, off + 5);
    this.head = (this.head + 5 + packed.length) >>> 0;
    return true;
  }

  /** Make written messages visible to the consumer, and wake it only if it is asleep. */
  publish(): void {
    Atomics.store(this.ctl, HEAD, this.head | 0);
    if (Atomics.load(this.ctl, CONSUMER_WAITING) !== 0) Atomics.notify(this.ctl, HEAD);
  }

  /** Resolve once the consumer has freed some space (or after `timeoutMs`, to re-check). */
  async waitForSpace(timeoutMs = 50): Promise<void> {
    Atomics.store(this.ctl, PRODUCER_WAITING, 1);
    const seen = Atomics.load(this.ctl, TAIL);
    try {
      if ((seen >>> 0) !== this.tail) return;
      const r = waitAsync(this.ctl, TAIL, seen, timeoutMs);
      if (r.async) await r.value;
    } finally {
      Atomics.store(this.ctl, PRODUCER_WAITING, 0);
      this.tail = Atomics.load(this.ctl, TAIL) >>> 0;
    }
  }

  /** Offset of `n` contiguous free bytes, padding to the start of the area if needed; -1 if full. */
  private reserve(n: number): number {
    let off = this.head & this.mask;
    const contiguous = this.capacity - off;
    const need = contiguous < n ? contiguous + n : n;
    if (this.capacity - ((this.head - this.tail) >>> 0) < need) {
      this.tail = Atomics.load(this.ctl, TAIL) >>> 0;
      if (this.capacity - ((this.head - this.tail) >>> 0) < need) return -1;
    }
    if (contiguous < n) {
      this.data[off] = TAG_WRAP;
      this.head = (this.head + contiguous) >>> 0;
      off = 0;
    }
    return off;
  }
}

export class RingReader extends RingBase {
  private tail: number;
  private readonly unpackr: Unpackr;
  private scratch = Buffer.allocUnsafeSlow(4096);

  constructor(sab: SharedArrayBuffer, options: RingOptions = {}) {
    super(sab);
    this.tail = Atomics.load(this.ctl, TAIL) >>> 0;
    this.unpackr = new Unpackr(packrOptions(options));
  }

  /**
   * Hand every published message to `handler`, then release the space in one store. Returns how
   * many messages were read.
   */
  drain(handler: (msg: unknown) => void): number {
    const head = Atomics.load(this.ctl, HEAD) >>> 0;
    let tail = this.tail;
    let count = 0;
    const data = this.data;
    while (tail !== head) {
      const off = tail & this.mask;
      const tag = data[off];
      if (tag === TAG_F64) {
        handler(this.view.getFloat64(off + 1, true));
        tail = (tail + 9) >>> 0;
      } else if (tag === TAG_STR) {
        const len = this.view.getUint16(off + 1, true);
        handler(this.decodeString(off + 3, len));
        tail = (tail + 3 + len) >>> 0;
      } else if (tag === TAG_PACK) {
        const len = this.view.getUint32(off + 1, true);
        handler(this.unpackPacked(off + 5, len));
        tail = (tail + 5 + len) >>> 0;
      } else if (tag === TAG_BATCH) {
        const len = this.view.getUint32(off + 1, true);
        const msgs = this.unpackPacked(off + 5, len) as unknown[];
        for (const m of msgs) handler(m);
        count += msgs.length - 1;
        tail = (tail + 5 + len) >>> 0;
      } else if (tag === TAG_WRAP) {
        tail = (tail + (this.capacity - off)) >>> 0;
        continue;
      } else {
        throw new Error(`corrupt ring record tag ${tag} at ${off}`);
      }
      count++;
    }
    if (count > 0 || tail !== this.tail) {
      this.tail = tail;
      Atomics.store(this.ctl, TAIL, tail | 0);
      if (Atomics.load(this.ctl, PRODUCER_WAITING) !== 0) Atomics.notify(this.ctl, TAIL);
    }
    return count;
  }

  /**
   * Resolve when the producer has published past what was drained. The flag store comes before the
   * value check inside waitAsync, and the producer stores HEAD before reading the flag, so with
   * sequentially consistent atomics one of the two always sees the other: no lost wake-up.
   */
  async waitForData(timeoutMs = 1000): Promise<void> {
    Atomics.store(this.ctl, CONSUMER_WAITING, 1);
    try {
      const r = waitAsync(this.ctl, HEAD, this.tail | 0, timeoutMs);
      if (r.async) await r.value;
    } finally {
      Atomics.store(this.ctl, CONSUMER_WAITING, 0);
    }
  }

  /**
   * msgpackr cannot decode in place from shared memory: its native string extractor rejects a
   * SharedArrayBuffer, and it only takes its fast JS path for short strings when the source itself
   * is short. So each record is copied into a private scratch buffer first; for messages of tens
   * of bytes the copy is noise next to the decode.
   */
  private unpackPacked(start: number, len: number): unknown {
    if (len > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(Math.max(len, this.scratch.length * 2));
    this.scratch.set(this.data.subarray(start, start + len));
    return this.unpackr.unpack(this.scratch, len);
  }

  private decodeString(start: number, len: number): string {
    return this.data.toString('utf8', start, start + len);
  }

}
