import { describe, expect, it } from 'vitest';
import { openTempStore, reopen } from './helpers.js';

describe('SessionStore', () => {
  it('creates sessions with unique ids, saves, loads, lists and deletes them', async () => {
    const { store } = openTempStore({ noSync: true });
    const a = await store.sessions.create({ user: 'ann' });
    const b = await store.sessions.create();
    expect(a).not.toBe(b);
    expect(store.sessions.load(a)).toEqual({ user: 'ann' });
    expect(store.sessions.load(b)).toEqual({});

    const created = store.sessions.list().find((s) => s.id === a)!;
    await new Promise((r) => setTimeout(r, 5));
    await store.sessions.save(a, { user: 'ann', turns: 3 });
    expect(store.sessions.load(a)).toEqual({ user: 'ann', turns: 3 });
    const updated = store.sessions.list().find((s) => s.id === a)!;
    expect(updated.createdAt).toBe(created.createdAt);
    expect(updated.updatedAt).toBeGreaterThan(created.updatedAt);

    await store.sessions.save('chosen-id', 'plain');
    expect(store.sessions.list().map((s) => s.id).sort()).toEqual([a, b, 'chosen-id'].sort());
    expect(await store.sessions.delete(b)).toBe(true);
    expect(store.sessions.load(b)).toBeUndefined();
    expect(await store.sessions.delete(b)).toBe(false);
  });

  it('survives reopen', async () => {
    const { store, path } = openTempStore();
    const id = await store.sessions.create({ history: ['hi'] });
    await store.close();
    expect(reopen(path).sessions.load(id)).toEqual({ history: ['hi'] });
  });
});
