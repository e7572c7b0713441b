import { describe, expect, it } from 'vitest';
import { openTempStore, reopen } from './helpers.js';

describe('EventJournal', () => {
  it('appends events with increasing seq and reads them in order from a seq', async () => {
    const { store } = openTempStore({ noSync: true });
    const seqs = await Promise.all(['a', 'b', 'c', 'd'].map((e) => store.journal.append('acc', { e })));
    await store.journal.append('other', { e: 'x' });
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(store.journal.read('acc').map((j) => j.event)).toEqual([{ e: 'a' }, { e: 'b' }, { e: 'c' }, { e: 'd' }]);
    expect(store.journal.read('acc', 3)).toEqual([
      { seq: 3, event: { e: 'c' } },
      { seq: 4, event: { e: 'd' } },
    ]);
    expect(store.journal.read('acc', 2, 1).map((j) => j.seq)).toEqual([2]);
    expect(store.journal.read('other').map((j) => j.seq)).toEqual([1]);
  });

  it('truncates before a seq and keeps numbering after truncation and reopen', async () => {
    const { store, path } = openTempStore();
    for (let i = 1; i <= 6; i++) await store.journal.append('acc', i);
    expect(await store.journal.truncateBefore('acc', 5)).toBe(4);
    expect(store.journal.read('acc').map((j) => j.seq)).toEqual([5, 6]);
    expect(await store.journal.truncateBefore('acc', 100)).toBe(2);
    expect(store.journal.read('acc')).toEqual([]);
    await store.close();

    const again = reopen(path);
    expect(again.journal.lastSeq('acc')).toBe(6);
    expect(await again.journal.append('acc', 7)).toBe(7);
    expect(await again.journal.drop('acc')).toBe(1);
    expect(await again.journal.append('acc', 'fresh')).toBe(1);
  });
});
