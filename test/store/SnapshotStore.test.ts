import { describe, expect, it } from 'vitest';
import { openTempStore, reopen } from './helpers.js';

describe('SnapshotStore', () => {
  it('saves, replaces, loads, lists and deletes snapshots per actor', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.snapshots.save('b', { state: { count: 1 }, seq: 3, behaviour: 'counter', meta: { v: 1 } });
    await store.snapshots.save('a', { state: [1, 2], seq: 1 });
    await store.snapshots.save('b', { state: { count: 2 }, seq: 7, behaviour: 'counter' });

    const b = store.snapshots.load<{ count: number }>('b')!;
    expect(b).toMatchObject({ state: { count: 2 }, seq: 7, behaviour: 'counter' });
    expect(b.meta).toBeUndefined();
    expect(b.savedAt).toBeTypeOf('number');
    expect(store.snapshots.load('nobody')).toBeUndefined();
    expect(store.snapshots.list()).toEqual(['a', 'b']);
    expect([...store.snapshots.entries()].map(([id, s]) => [id, s.seq])).toEqual([
      ['a', 1],
      ['b', 7],
    ]);

    expect(await store.snapshots.delete('a')).toBe(true);
    expect(await store.snapshots.delete('a')).toBe(false);
    expect(store.snapshots.list()).toEqual(['b']);
  });

  it('survives reopen', async () => {
    const { store, path } = openTempStore();
    await store.snapshots.save('x', { state: { deep: { list: [1, { two: 2 }] } }, seq: 42 });
    await store.close();
    expect(reopen(path).snapshots.load('x')).toMatchObject({ state: { deep: { list: [1, { two: 2 }] } }, seq: 42 });
  });
});
