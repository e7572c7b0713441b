import { SharedRing, PAD, PRODUCER_WAITING } from './SharedRing.js';
import { HEADER, Kind, Tag, packr, payloadWords, readPayload, tagOf, writePayload } from './Frames.js';
import type { ActorRef } from '../ActorRef.js';

/** Past this many interned refs, both ends of a link start a fresh table (bounds its memory). */
const MAX_REFS = 1 << 20;

interface Spilled {
  kind: number;
  target: ActorRef | undefined;
  sender: ActorRef | undefined;
  corr: number;
  value: unknown;
}

/**
 * The producer end of one ring (this thread → one other thread). Frames are written straight into
 * shared memory as messages are sent and published in one batch per scheduler turn. When the ring is
 * full, messages spill into an ordered overflow queue that is retried on the next flush, so a slow
 * consumer never blocks the producer's thread and order is kept.
 */
export class OutboundLink {
  readonly ring: SharedRing;
  private readonly buf: Buffer;
  /**
   * The refs interned on this link, by object. Weak: a ref that only this table still holds (an
   * actor that sent one message across and stopped) must not be kept alive by it, and with it the
   * actor's state, until a million others have crossed; the index it had is simply not used again.
   */
  private refIds = new WeakMap<ActorRef, number>();
  private nextRef = 0;
  private overflow: Spilled[] | undefined = undefined;
  private published: number;
  /** Listed in its node's dirty set (cheaper than searching the set per message). */
  dirty = false;
  // The last two refs interned: a stream of messages between two actors hits these, not the map.
  private lastA: ActorRef | undefined;
  private lastAIdx = -1;
  private lastB: ActorRef | undefined;
  private lastBIdx = -1;

  constructor(sab: SharedArrayBuffer, private readonly maxRefs = MAX_REFS) {
    this.ring = new SharedRing(sab);
    this.buf = Buffer.from(sab, 16, this.ring.capacity * 4);
    this.published = this.ring.writePos;
  }

  send(kind: number, target: ActorRef | undefined, sender: ActorRef | undefined, corr: number, value: unknown): void {
    if (this.overflow !== undefined) {
      // Behind a spill the frame is written later, by flush, where no sender could hear that it
      // can never fit: it is measured now, and refused as it would be with room in the ring.
      const tag = tagOf(value);
      this.frameWords(tag, value, tag === Tag.Packed ? packr.pack(value) : undefined);
      this.overflow.push({ kind, target, sender, corr, value });
      return;
    }
    if (!this.write(kind, target, sender, corr, value)) {
      if (this.overflow === undefined) Atomics.store(this.ring.header, PRODUCER_WAITING, 1);
      (this.overflow ??= []).push({ kind, target, sender, corr, value });
    }
  }

  /** Publish what was written; retry spilled frames first. Returns true if anything was published. */
  flush(): boolean {
    const spilled = this.overflow;
    if (spilled !== undefined) {
      let i = 0;
      for (; i < spilled.length; i++) {
        const s = spilled[i]!;
        if (!this.write(s.kind, s.target, s.sender, s.corr, s.value)) break;
      }
      if (i === spilled.length) this.overflow = undefined;
      else {
        this.overflow = spilled.slice(i);
        Atomics.store(this.ring.header, PRODUCER_WAITING, 1);
      }
    }
    if (this.ring.writePos === this.published) return false;
    this.published = this.ring.writePos;
    this.ring.publish();
    return true;
  }

  get backlog(): number {
    return this.overflow?.length ?? 0;
  }

  private refIndex(ref: ActorRef): number {
    if (ref === this.lastA) return this.lastAIdx;
    if (ref === this.lastB) return this.lastBIdx;
    const known = this.refIds.get(ref);
    if (known !== undefined) {
      this.lastB = this.lastA; this.lastBIdx = this.lastAIdx;
      this.lastA = ref; this.lastAIdx = known;
      return known;
    }
    const idx = this.nextRef;
    const def = `${ref.id}\u0001${ref.node}\u0001${ref.behaviour}`;
    const n = HEADER + payloadWords(Tag.Utf8, def, undefined);
    const at = this.ring.reserve(n);
    if (at < 0) return -1;
    this.header(at, 0, Kind.DefineRef | (Tag.Utf8 << 8), idx, -1, 0);
    const used = writePayload(this.ring.words, this.ring.bytes, this.buf, at + HEADER, Tag.Utf8, def, undefined);
    this.ring.words[at] = HEADER + used;
    this.ring.unreserve(n - (HEADER + used));
    this.refIds.set(ref, idx);
    this.nextRef++;
    return idx;
  }

  /** Start a fresh table of refs (both ends drop theirs at the ResetRefs frame); false when the ring is full. */
  private resetRefs(): boolean {
    const at = this.ring.reserve(HEADER);
    if (at < 0) return false;
    this.header(at, HEADER, Kind.ResetRefs, 0, 0, 0);
    this.refIds = new WeakMap();
    this.nextRef = 0;
    this.lastA = this.lastB = undefined;
    return true;
  }

  private write(kind: number, target: ActorRef | undefined, sender: ActorRef | undefined, corr: number, value: unknown): boolean {
    // A full table is replaced before either ref is looked up: a frame's target and sender must be
    // indexes of one table (a reset between the two sent messages to the wrong actor). A frame
    // interns two refs at most, so the table never passes maxRefs.
    if (this.nextRef > this.maxRefs - 2 && !this.resetRefs()) return false;
    const t = target === undefined ? -1 : this.refIndex(target);
    if (t === -1 && target !== undefined) return false;
    const s = sender === undefined ? -1 : this.refIndex(sender);
    if (s === -1 && sender !== undefined) return false;
    const tag = tagOf(value);
    const packed = tag === Tag.Packed ? packr.pack(value) : undefined;
    const n = this.frameWords(tag, value, packed);
    const at = this.ring.reserve(n);
    if (at < 0) return false;
    const words = this.ring.words;
    words[at + 1] = kind | (tag << 8);
    words[at + 2] = t;
    words[at + 3] = s;
    words[at + 4] = corr;
    const used = writePayload(words, this.ring.bytes, this.buf, at + HEADER, tag, value, packed);
    // Strings reserve their worst case; record the exact length and give the rest back.
    const exact = HEADER + used;
    words[at] = exact;
    this.ring.unreserve(n - exact);
    return true;
  }

  /**
   * The words to reserve for a frame. A frame must fit half the ring, so that it can always be
   * written once the ring drains: a RangeError says so otherwise.
   */
  private frameWords(tag: Tag, value: unknown, packed: Uint8Array | undefined): number {
    let n = HEADER + payloadWords(tag, value, packed);
    // A string's worst case is 3 bytes a character: a long ASCII one would be refused at a third
    // of the size that fits. Past the limit, it is measured.
    if (n > this.ring.capacity >> 1 && tag === Tag.Utf8) n = HEADER + 1 + ((Buffer.byteLength(value as string, 'utf8') + 3) >> 2);
    if (n > this.ring.capacity >> 1) {
      throw new RangeError(`a ${n * 4}-byte message does not fit the ${this.ring.capacity * 4}-byte ring (ringBytes); send it in parts or raise ringBytes`);
    }
    return n;
  }

  private header(at: number, len: number, kindTag: number, t: number, s: number, corr: number): void {
    const w = this.ring.words;
    w[at] = len;
    w[at + 1] = kindTag;
    w[at + 2] = t;
    w[at + 3] = s;
    w[at + 4] = corr;
  }
}

export type FrameHandler = (
  origin: number, kind: number, target: ActorRef | undefined, sender: ActorRef | undefined,
  corr: number, value: unknown, flags: number,
) => void;

/** The consumer end of one ring (another thread → this thread). */
export class InboundLink {
  readonly ring: SharedRing;
  private readonly buf: Buffer;
  private refs: (ActorRef | undefined)[] = [];

  constructor(
    sab: SharedArrayBuffer,
    readonly origin: number,
    private readonly makeRef: (id: string, node: number, behaviour: string) => ActorRef,
    private readonly onError: (err: unknown, origin: number, kind: number) => void,
    /** Wakes the producer thread (rings its doorbell). */
    private readonly wakeProducer: () => void,
  ) {
    this.ring = new SharedRing(sab);
    this.buf = Buffer.from(sab, 16, this.ring.capacity * 4);
  }

  hasFrames(): boolean {
    return this.ring.available() > 0;
  }

  /** Hand up to `max` frames to `handler`; returns how many were handled. */
  drain(handler: FrameHandler, max: number): number {
    const ring = this.ring;
    const words = ring.words;
    const mask = ring.capacity - 1;
    const tail = Atomics.load(ring.header, 1);
    let pos = ring.readPos;
    let handled = 0;
    // Positions wrap at 32 bits (see SharedRing): compared by difference.
    while (((tail - pos) | 0) > 0 && handled < max) {
      let at = pos & mask;
      let len = words[at]!;
      if (len === PAD) {
        pos = (pos + ring.capacity - at) | 0;
        continue;
      }
      if (len < HEADER) throw new Error(`corrupt frame in ring from thread ${this.origin}: length ${len} at word ${at}`);
      const kindTag = words[at + 1]!;
      const kind = kindTag & 0xff;
      const tag = (kindTag >> 8) & 0xff;
      if (kind === Kind.DefineRef) {
        const def = readPayload(words, ring.bytes, this.buf, at + HEADER, tag) as string;
        const [id, node, behaviour] = def.split('\u0001') as [string, string, string];
        this.refs[words[at + 2]!] = this.makeRef(id, Number(node), behaviour);
      } else if (kind === Kind.ResetRefs) {
        this.refs = [];
      } else {
        const t = words[at + 2]!;
        const s = words[at + 3]!;
        // One bad frame (a payload that fails to decode, a handler bug) must not take the
        // thread and every actor on it down: report it and go on with the next frame.
        try {
          const value = readPayload(words, ring.bytes, this.buf, at + HEADER, tag);
          handler(this.origin, kind, t < 0 ? undefined : this.refs[t], s < 0 ? undefined : this.refs[s], words[at + 4]!, value, kindTag >>> 16);
        } catch (err) {
          this.onError(err, this.origin, kind);
        }
        handled++;
      }
      pos = (pos + len) | 0;
      at = 0;
      len = 0;
    }
    ring.readPos = pos;
    ring.release();
    if (Atomics.load(ring.header, PRODUCER_WAITING) === 1) {
      Atomics.store(ring.header, PRODUCER_WAITING, 0);
      this.wakeProducer();
    }
    return handled;
  }
}
