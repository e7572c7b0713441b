import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../orchestration/InMemoryKeyValueStore.js';

describe('InMemoryKeyValueStore', () => {
  it('stores, reads, removes', async () => {
    const store = new InMemoryKeyValueStore();
    await store.put('a', { n: 1 });
    expect(store.get('a')).toEqual({ n: 1 });
    await store.remove('a');
    await store.remove('a');
    expect(store.get('a')).toBeUndefined();
  });

  it('lists a prefix in ascending key order', async () => {
    const store = new InMemoryKeyValueStore();
    for (const k of ['p/3', 'q/1', 'p/1', 'p/2']) await store.put(k, k);
    expect([...store.range('p/')].map((e) => e.key)).toEqual(['p/1', 'p/2', 'p/3']);
  });

  it('isolates stored values from later mutation, like a serialising store', async () => {
    const store = new InMemoryKeyValueStore();
    const value = { list: [1] };
    await store.put('k', value);
    value.list.push(2);
    (store.get('k') as { list: number[] }).list.push(3);
    expect(store.get('k')).toEqual({ list: [1] });
  });

  it('refuses values a real store could not serialise', async () => {
    const store = new InMemoryKeyValueStore();
    await expect(store.put('k', { f: () => 1 })).rejects.toThrow();
  });
});
