import type { Key } from 'lmdb';
import { InvalidOptionError } from '../runtime/errors.js';

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** The smallest double above `x`: the exclusive end that makes a time bound inclusive. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  scratch[0] = x;
  scratchBits[0] += x > 0 ? 1n : -1n;
  return scratch[0];
}

export interface KeyRange {
  start: Key;
  end: Key;
  reverse: boolean;
  exclusiveStart: boolean;
}

/**
 * Range over keys shaped `[...prefix, time, id]` with `from <= time <= to`, optionally resuming
 * strictly after `after` (a [time, id] position) in the direction of travel.
 *
 * Array keys sort element by element and a prefix sorts before its extensions, so `[...prefix, t]`
 * lies just before every `[...prefix, t, id]`.
 */
export function timeRange(
  prefix: readonly Key[],
  from: number | undefined,
  to: number | undefined,
  descending: boolean,
  after?: readonly [number, string],
): KeyRange {
  const low: Key = [...prefix, from ?? -Infinity];
  const high: Key = [...prefix, to === undefined ? Infinity : nextUp(to)];
  if (!descending) {
    return after ? { start: [...prefix, ...after], end: high, reverse: false, exclusiveStart: true } : { start: low, end: high, reverse: false, exclusiveStart: false };
  }
  return after ? { start: [...prefix, ...after], end: low, reverse: true, exclusiveStart: true } : { start: high, end: low, reverse: true, exclusiveStart: false };
}

/** Key parts are strings joined by NUL bytes inside an array key, so a NUL would corrupt the order. */
export function isKeyPart(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !value.includes('\u0000');
}

export const KEY_PART_RULE = 'must be a non-empty string without NUL characters';

/** For arguments of store methods (actor ids, query filters). */
export function assertKeyPart(value: unknown, field: string): asserts value is string {
  if (!isKeyPart(value)) throw new InvalidOptionError(`"${field}" ${KEY_PART_RULE}`, { option: field });
}
