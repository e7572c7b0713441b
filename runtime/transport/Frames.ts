import { Packr, Unpackr } from 'msgpackr';

/**
 * Frame layout, in 32-bit words:
 *   [0] length in words (header + payload)   [1] kind | payloadTag << 8
 *   [2] target ref index                     [3] sender ref index (-1: none)
 *   [4] correlation id (asks, replies, control requests)
 *   [5..] payload
 *
 * Ref indexes point into a table the two ends of one ring build together (see RingLink): an actor's
 * id string crosses a ring once, after that it costs one word.
 */
export const HEADER = 5;

export const enum Kind {
  Tell = 1,
  Ask = 2,
  Reply = 3,
  ReplyError = 4,
  DefineRef = 5,
  Control = 6,
  ResetRefs = 7,
}

export const enum Tag {
  Undefined = 0,
  Null = 1,
  True = 2,
  False = 3,
  Int = 4,
  Float = 5,
  Ascii = 6,
  Utf8 = 7,
  Packed = 8,
}

// msgpackr is the fallback for structured payloads: measured faster than structured clone for small
// objects and it writes straight into our buffer-backed frames. copyBuffers: binary payloads must not
// alias the shared ring, which the producer will overwrite.
export const packr = new Packr({ useRecords: false, moreTypes: true });
export const unpackr = new Unpackr({ useRecords: false, moreTypes: true, copyBuffers: true });

const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);

/** Words needed for a payload, computed before reserving ring space. Strings use a worst case. */
export function payloadWords(tag: Tag, value: unknown, packed: Uint8Array | undefined): number {
  switch (tag) {
    case Tag.Int: return 1;
    case Tag.Float: return 2;
    case Tag.Ascii: return 1 + (((value as string).length + 3) >> 2);
    case Tag.Utf8: return 1 + (((value as string).length * 3 + 3) >> 2);
    case Tag.Packed: return 1 + ((packed!.length + 3) >> 2);
    default: return 0;
  }
}

const MAX_SCAN = 64;

/** Pick the payload encoding. Short ASCII strings get a JS copy loop, which beats a native call. */
export function tagOf(value: unknown): Tag {
  switch (typeof value) {
    case 'number':
      return (value | 0) === value && !Object.is(value, -0) ? Tag.Int : Tag.Float;
    case 'string': {
      const s = value as string;
      if (s.length > MAX_SCAN) return Tag.Utf8;
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Tag.Utf8;
      return Tag.Ascii;
    }
    case 'undefined': return Tag.Undefined;
    case 'boolean': return value ? Tag.True : Tag.False;
    default: return value === null ? Tag.Null : Tag.Packed;
  }
}

/** Write a payload at word `at`; returns the number of words written. */
export function writePayload(
  words: Int32Array, bytes: Uint8Array, buf: Buffer, at: number, tag: Tag, value: unknown, packed: Uint8Array | undefined,
): number {
  switch (tag) {
    case Tag.Int:
      words[at] = value as number;
      return 1;
    case Tag.Float:
      f64[0] = value as number;
      words[at] = f64w[0]!;
      words[at + 1] = f64w[1]!;
      return 2;
    case Tag.Ascii: {
      const s = value as string;
      const n = s.length;
      words[at] = n;
      let b = (at + 1) << 2;
      for (let i = 0; i < n; i++) bytes[b++] = s.charCodeAt(i);
      return 1 + ((n + 3) >> 2);
    }
    case Tag.Utf8: {
      const n = buf.write(value as string, (at + 1) << 2, 'utf8');
      words[at] = n;
      return 1 + ((n + 3) >> 2);
    }
    case Tag.Packed: {
      const p = packed!;
      words[at] = p.length;
      bytes.set(p, (at + 1) << 2);
      return 1 + ((p.length + 3) >> 2);
    }
    default:
      return 0;
  }
}

export function readPayload(words: Int32Array, bytes: Uint8Array, buf: Buffer, at: number, tag: Tag): unknown {
  switch (tag) {
    case Tag.Int: return words[at];
    case Tag.Float:
      f64w[0] = words[at]!;
      f64w[1] = words[at + 1]!;
      return f64[0];
    case Tag.Ascii: {
      const n = words[at]!;
      const b = (at + 1) << 2;
      if (n > 16) return buf.latin1Slice(b, b + n);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[b + i]!);
      return s;
    }
    case Tag.Utf8: {
      const n = words[at]!;
      const b = (at + 1) << 2;
      return buf.utf8Slice(b, b + n);
    }
    case Tag.Packed: {
      const n = words[at]!;
      const b = (at + 1) << 2;
      // msgpackr's string decoder refuses shared memory, so unpack from a private copy.
      return unpackr.unpack(Buffer.from(buf.subarray(b, b + n)));
    }
    case Tag.Undefined: return undefined;
    case Tag.Null: return null;
    case Tag.True: return true;
    case Tag.False: return false;
  }
}

declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
  }
}
