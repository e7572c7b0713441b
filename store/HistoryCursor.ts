import { InvalidOptionError } from '../runtime/errors.js';

/**
 * A cursor is the [time, id] of the last entry a page returned. Every index key ends in
 * [time, id], so the same position resumes a scan of any index: the next page starts strictly
 * after it, and entries appended meanwhile never shift what the next page contains.
 */
export type CursorPosition = readonly [time: number, id: string];

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // reported below
  }
  throw new InvalidOptionError('"cursor" is not a cursor returned by history.query', { option: 'cursor' });
}
