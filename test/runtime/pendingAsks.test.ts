import { describe, expect, it } from 'vitest';
import { PendingAsks } from '../../runtime/node/PendingAsks.js';
import type { PendingAsk } from '../../runtime/node/Replies.js';

const ask = (n: number): PendingAsk => ({ resolve: () => undefined, reject: () => undefined, timer: undefined, target: `a${n}`, node: 1, type: 't', started: n });

describe('PendingAsks', () => {
  it('keeps asks by id across chunk edges, answers in any order, and counts them', () => {
    const asks = new PendingAsks();
    const ids = [1, 255, 256, 257, 511, 512, 100_000, 0x7fffffff];
    for (const id of ids) asks.set(id, ask(id));
    expect(asks.size).toBe(ids.length);
    for (const id of ids) expect(asks.get(id)?.started).toBe(id);
    expect(asks.get(2)).toBeUndefined();
    expect(asks.has(258)).toBe(false);
    // Setting an id again replaces its ask without counting it twice.
    asks.set(256, ask(9));
    expect(asks.size).toBe(ids.length);
    expect(asks.get(256)?.started).toBe(9);
    expect(asks.delete(257)).toBe(true);
    expect(asks.delete(257)).toBe(false);
    expect(asks.delete(3)).toBe(false);
    expect(asks.get(257)).toBeUndefined();
    expect(asks.size).toBe(ids.length - 1);
  });

  it('lists every ask once, and deleting while listing (a dead worker fails its asks) is safe', () => {
    const asks = new PendingAsks();
    for (let id = 1; id <= 2000; id++) if (id % 7 !== 0) asks.set(id, ask(id));
    const seen: number[] = [];
    for (const [corr, p] of asks) {
      expect(p.started).toBe(corr);
      seen.push(corr);
      asks.delete(corr);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1).filter((id) => id % 7 !== 0));
    expect(asks.size).toBe(0);
    // Emptied chunks are gone, and the table works as new.
    asks.set(1500, ask(1500));
    expect([...asks].map(([c]) => c)).toEqual([1500]);
  });
});
