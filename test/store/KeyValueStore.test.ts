import { describe, expect, it } from 'vitest';
import { openTempStore, reopen } from './helpers.js';

describe('KeyValueStore', () => {
  it('sets, gets, deletes and lists by prefix', async () => {
    const { store } = openTempStore({ noSync: true });
    await Promise.all([
      store.kv.set('workflow:1', { step: 2 }),
      store.kv.set('workflow:2', { step: 5 }),
      store.kv.set('workflow:1😀', 'emoji sorts after the BMP'),
      store.kv.set('workflox', 'not in the prefix'),
      store.kv.set('handoff:a', 'pending'),
    ]);
    expect(store.kv.get('workflow:1')).toEqual({ step: 2 });
    expect(store.kv.get('missing')).toBeUndefined();
    expect(store.kv.list('workflow:').map(([k]) => k)).toEqual(['workflow:1', 'workflow:1😀', 'workflow:2']);
    expect(store.kv.list().length).toBe(5);
    expect(await store.kv.delete('workflow:1')).toBe(true);
    expect(await store.kv.delete('workflow:1')).toBe(false);
    expect(store.kv.list('workflow:').map(([k]) => k)).toEqual(['workflow:1😀', 'workflow:2']);
  });

  it('survives reopen', async () => {
    const { store, path } = openTempStore();
    await store.kv.set('handoff:x', { state: 'accepted' });
    await store.close();
    expect(reopen(path).kv.get('handoff:x')).toEqual({ state: 'accepted' });
  });
});
