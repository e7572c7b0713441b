import { describe, expect, it } from 'vitest';
import { openTempStore, reopen } from './helpers.js';
import { txnCounter } from './txnCounter.js';

describe('DurableMailboxLog', () => {
  it('numbers each actor\'s messages 1, 2, 3... and returns them pending in order', async () => {
    const { store } = openTempStore({ noSync: true });
    const a = await Promise.all([1, 2, 3].map((n) => store.mailboxes.append('a', { n })));
    const b = await store.mailboxes.append('b', { n: 9 });
    expect(a.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(b.seq).toBe(1);
    expect(store.mailboxes.pending('a')).toEqual([
      { seq: 1, envelope: { n: 1 } },
      { seq: 2, envelope: { n: 2 } },
      { seq: 3, envelope: { n: 3 } },
    ]);
    expect(store.mailboxes.pending('a', 2).map((p) => p.seq)).toEqual([1, 2]);
    expect(store.mailboxes.pendingCount('a')).toBe(3);
    expect(store.mailboxes.pending('nobody')).toEqual([]);
  });

  it('group-commits every append of one event turn into a single transaction', async () => {
    const { store, path } = openTempStore({ noSync: true });
    await store.mailboxes.append('warm-up', {});
    const txns = txnCounter(path, true);
    try {
      const before = txns.read();
      const appends = Array.from({ length: 1000 }, (_, i) => store.mailboxes.append(`actor-${i % 20}`, { i }));
      // Not visible before the commit, all visible after it.
      expect(store.mailboxes.pendingActors()).toEqual(['warm-up']);
      const results = await Promise.all(appends);
      expect(txns.read() - before).toBe(1);
      expect(results.filter((r) => r.seq === 50)).toHaveLength(20);
      expect(store.mailboxes.pendingCount('actor-7')).toBe(50);

      const beforeAcks = txns.read();
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.mailboxes.ack('actor-7', i + 1)));
      expect(txns.read() - beforeAcks).toBe(1);
      expect(store.mailboxes.pendingCount('actor-7')).toBe(0);
    } finally {
      await txns.close();
    }
  });

  it('ack removes only the processed message', async () => {
    const { store } = openTempStore({ noSync: true });
    for (let i = 0; i < 5; i++) await store.mailboxes.append('a', i);
    await store.mailboxes.ack('a', 2);
    await store.mailboxes.ack('a', 4);
    await store.mailboxes.ack('a', 99);
    expect(store.mailboxes.pending('a').map((p) => p.seq)).toEqual([1, 3, 5]);
  });

  it('lists actors with pending messages, and drop forgets an actor', async () => {
    const { store } = openTempStore({ noSync: true });
    for (const actor of ['zed', 'amy', 'bo', 'amy', 'zed', 'zed']) await store.mailboxes.append(actor, actor);
    await store.mailboxes.append('done', 1);
    await store.mailboxes.ack('done', 1);
    expect(store.mailboxes.pendingActors()).toEqual(['amy', 'bo', 'zed']);

    const all = store.mailboxes.pendingAll<string>();
    expect([...all.keys()]).toEqual(['amy', 'bo', 'zed']);
    expect(all.get('zed')!.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(all.get('amy')!.map((p) => p.envelope)).toEqual(['amy', 'amy']);

    await store.mailboxes.drop('zed');
    expect(store.mailboxes.pendingActors()).toEqual(['amy', 'bo']);
    expect(store.mailboxes.pending('zed')).toEqual([]);
    expect((await store.mailboxes.append('zed', 'again')).seq).toBe(1);
  });

  it('drop also removes messages appended earlier in the same turn', async () => {
    const { store } = openTempStore({ noSync: true });
    const appended = store.mailboxes.append('a', 1);
    const dropped = store.mailboxes.drop('a');
    await Promise.all([appended, dropped]);
    expect(store.mailboxes.pending('a')).toEqual([]);
  });

  it('keeps pending messages and continues numbering after reopen, even when all were acked', async () => {
    const { store, path } = openTempStore();
    for (let i = 1; i <= 3; i++) await store.mailboxes.append('kept', { i });
    for (let i = 1; i <= 4; i++) await store.mailboxes.append('drained', { i });
    for (let i = 1; i <= 4; i++) await store.mailboxes.ack('drained', i);
    await store.close();

    const again = reopen(path);
    expect(again.mailboxes.pendingActors()).toEqual(['kept']);
    expect(again.mailboxes.pending('kept').map((p) => p.envelope)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(again.mailboxes.lastSeq('drained')).toBe(4);
    expect((await again.mailboxes.append('drained', {})).seq).toBe(5);
    expect((await again.mailboxes.append('kept', {})).seq).toBe(4);
  });

  it('persists the counter of appends issued right before close', async () => {
    const { store, path } = openTempStore();
    const last = Array.from({ length: 10 }, (_, i) => store.mailboxes.append('a', i));
    await store.close();
    expect((await Promise.all(last)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const again = reopen(path);
    await again.mailboxes.drop('nobody');
    for (let i = 1; i <= 10; i++) await again.mailboxes.ack('a', i);
    expect((await again.mailboxes.append('a', 'next')).seq).toBe(11);
  });

  it('rejects a bad actor id without writing', async () => {
    const { store } = openTempStore({ noSync: true });
    await expect(store.mailboxes.append('', {})).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', context: { option: 'actorId' } });
    expect(store.mailboxes.pendingActors()).toEqual([]);
  });
});
