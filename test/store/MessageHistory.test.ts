import { describe, expect, it } from 'vitest';
import { HistoryPolicy, type HistoryDraft, type HistoryRecord } from '../../store/index.js';
import { openTempStore, reopen } from './helpers.js';

const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const TYPES = ['ask', 'tell', 'reply'];

/** 200 messages with deterministic fields and strictly increasing times. */
function corpus(n = 200, start = 1_000_000): HistoryDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    time: start + i * 10,
    sender: AGENTS[i % 4],
    recipient: AGENTS[(i + 1) % 4]!,
    type: TYPES[i % 3]!,
    sessionId: `s${i % 5}`,
    threadId: `t${i % 7}`,
    tenantId: i % 2 === 0 ? 'even' : 'odd',
    payload: { i },
  }));
}

const indexOf = (r: HistoryRecord): number => (r.payload as { i: number }).i;

describe('MessageHistory', () => {
  it('assigns ids that sort in append order, and returns entries in time order', async () => {
    const { store } = openTempStore({ noSync: true });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await store.history.append({ recipient: 'a', type: 't', payload: i }))!);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);

    const asc = store.history.query({ limit: Infinity }).entries;
    expect(asc.map((e) => e.payload)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(asc.map((e) => e.id)).toEqual(ids);
    const desc = store.history.query({ order: 'desc', limit: Infinity }).entries;
    expect(desc.map((e) => e.id)).toEqual([...ids].reverse());
  });

  it('keeps the id a caller supplies and orders by time, not by id', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.append({ id: 'zzz', time: 1, recipient: 'a', type: 't', payload: null });
    await store.history.append({ id: 'aaa', time: 2, recipient: 'a', type: 't', payload: null });
    expect(store.history.query().entries.map((e) => e.id)).toEqual(['zzz', 'aaa']);
  });

  it('round-trips every field and omits the absent ones', async () => {
    const { store } = openTempStore({ noSync: true });
    const id = await store.history.append({
      time: 5,
      sender: 's',
      recipient: 'r',
      type: 'ty',
      sessionId: 'se',
      threadId: 'th',
      tenantId: 'te',
      payload: { nested: [1, 'two', { three: true }] },
    });
    const bare = await store.history.append({ time: 6, recipient: 'r', type: 'ty', payload: 'p' });
    expect(store.history.query().entries).toEqual([
      { id, time: 5, sender: 's', recipient: 'r', type: 'ty', sessionId: 'se', threadId: 'th', tenantId: 'te', payload: { nested: [1, 'two', { three: true }] } },
      { id: bare, time: 6, recipient: 'r', type: 'ty', payload: 'p' },
    ]);
  });

  it('matches agent as sender or recipient, and combines filters exactly like a linear scan', async () => {
    const { store } = openTempStore({ noSync: true });
    const drafts = corpus();
    await store.history.appendMany(drafts);

    const cases = [
      { agent: 'bob' },
      { type: 'ask' },
      { sessionId: 's3' },
      { threadId: 't2' },
      { tenantId: 'odd' },
      { agent: 'alice', type: 'reply' },
      { agent: 'carol', sessionId: 's1', tenantId: 'even' },
      { type: 'tell', threadId: 't4', from: 1_000_300, to: 1_001_500 },
      { agent: 'dave', from: 1_000_100, to: 1_000_100 },
      { agent: 'nobody' },
    ] as const;
    for (const filter of cases) {
      const expected = drafts
        .map((d, i) => ({ d, i }))
        .filter(({ d }) => {
          const f = filter as Record<string, unknown>;
          if (f.agent !== undefined && d.sender !== f.agent && d.recipient !== f.agent) return false;
          for (const k of ['type', 'sessionId', 'threadId', 'tenantId'] as const) if (f[k] !== undefined && d[k] !== f[k]) return false;
          if (f.from !== undefined && d.time! < (f.from as number)) return false;
          if (f.to !== undefined && d.time! > (f.to as number)) return false;
          return true;
        })
        .map(({ i }) => i);
      const got = store.history.query({ ...filter, limit: Infinity }).entries.map(indexOf);
      expect(got, JSON.stringify(filter)).toEqual(expected);
      expect(store.history.count(filter), JSON.stringify(filter)).toBe(expected.length);
      const desc = store.history.query({ ...filter, order: 'desc', limit: Infinity }).entries.map(indexOf);
      expect(desc).toEqual([...expected].reverse());
    }
    expect(store.history.count()).toBe(200);
  });

  it('treats from/to as inclusive bounds', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.appendMany([10, 20, 20, 30].map((time, i) => ({ time, recipient: 'a', type: 't', payload: i })));
    expect(store.history.query({ from: 20, to: 20 }).entries.map((e) => e.payload)).toEqual([1, 2]);
    expect(store.history.query({ agent: 'a', from: 11, to: 30 }).entries.map((e) => e.payload)).toEqual([1, 2, 3]);
    expect(store.history.count({ to: 19.5 })).toBe(1);
    expect(store.history.query({ from: 30, to: 10 }).entries).toEqual([]);
    expect(store.history.query({ from: 30, to: 10, order: 'desc' }).entries).toEqual([]);
    expect(store.history.query({ agent: 'a', from: 30, to: 10, order: 'desc' }).entries).toEqual([]);
  });

  it('paginates through every matching entry exactly once, in both orders, with appends in between', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.appendMany(corpus(500));
    let later = 5_000_000;
    for (const order of ['asc', 'desc'] as const) {
      for (const filter of [{}, { agent: 'bob' }, { agent: 'bob', type: 'ask' }]) {
        const expected = store.history.query({ ...filter, order, limit: Infinity }).entries.map((e) => e.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = store.history.query({ ...filter, order, limit: 7, ...(cursor ? { cursor } : {}) });
          seen.push(...page.entries.map((e) => e.id));
          cursor = page.nextCursor;
          pages++;
          // Later messages arrive while a reader pages through older ones.
          if (order === 'desc') await store.history.append({ time: ++later, sender: 'bob', recipient: 'x', type: 'ask', payload: {} });
        } while (cursor);
        expect(seen, `${order} ${JSON.stringify(filter)}`).toEqual(expected);
        expect(new Set(seen).size).toBe(seen.length);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
      }
    }
  });

  it('omits nextCursor on the last page', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.appendMany(corpus(10));
    expect(store.history.query({ limit: 10 }).nextCursor).toBeUndefined();
    expect(store.history.query({ limit: 9 }).nextCursor).toBeTypeOf('string');
  });

  it('rejects a malformed cursor, limit or filter with InvalidOptionError naming it', () => {
    const { store } = openTempStore({ noSync: true });
    expect(() => store.history.query({ cursor: 'nope' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', context: { option: 'cursor' } }));
    expect(() => store.history.query({ limit: 0 })).toThrow(expect.objectContaining({ context: expect.objectContaining({ option: 'limit' }) }));
    expect(() => store.history.query({ agent: '' })).toThrow(expect.objectContaining({ context: { option: 'agent' } }));
  });

  it('rejects an invalid record and writes nothing of its batch', async () => {
    const { store } = openTempStore({ noSync: true });
    await expect(
      store.history.appendMany([
        { recipient: 'a', type: 't', payload: 1 },
        { recipient: 'a\u0000b', type: 't', payload: 2 },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_STORE_RECORD', context: { field: 'recipient' } });
    await expect(store.history.append({ recipient: 'a', type: 't', time: Number.NaN, payload: 1 })).rejects.toMatchObject({
      code: 'ERR_STORE_RECORD',
      context: { field: 'time' },
    });
    expect(store.history.count()).toBe(0);
  });

  it('persists across close and reopen, indexes included', async () => {
    const { store, path } = openTempStore();
    await store.history.appendMany(corpus(60));
    await store.close();
    const again = reopen(path);
    expect(again.history.count()).toBe(60);
    expect(again.history.count({ agent: 'alice' })).toBe(30);
    expect(again.history.query({ threadId: 't0', limit: Infinity }).entries.map(indexOf)).toEqual([0, 7, 14, 21, 28, 35, 42, 49, 56]);
    // New ids still sort after the ones written before the reopen.
    const before = again.history.query({ order: 'desc', limit: 1 }).entries[0]!.id;
    const after = (await again.history.append({ recipient: 'z', type: 't', payload: null }))!;
    expect(after > before).toBe(true);
  });

  it('retention deletes the oldest entries together with their index rows', async () => {
    const { store } = openTempStore({ noSync: true });
    const drafts = corpus(100);
    await store.history.appendMany(drafts);

    const deleted = await store.history.applyRetention({ maxCount: 40 });
    expect(deleted).toBe(60);
    expect(store.history.query({ limit: Infinity }).entries.map(indexOf)).toEqual(Array.from({ length: 40 }, (_, i) => i + 60));
    // Index-only counts read index rows without touching records: they shrink only if the rows went.
    const survivors = drafts.slice(60);
    expect(store.history.count({ agent: 'alice' })).toBe(survivors.filter((d) => d.sender === 'alice' || d.recipient === 'alice').length);
    expect(store.history.count({ type: 'ask' })).toBe(survivors.filter((d) => d.type === 'ask').length);
    expect(store.history.count({ sessionId: 's0' })).toBe(survivors.filter((d) => d.sessionId === 's0').length);
    expect(store.history.count({ threadId: 't0' })).toBe(survivors.filter((d) => d.threadId === 't0').length);
    expect(store.history.count({ tenantId: 'even' })).toBe(20);

    // Age: now = last time + 1, keep the newest 100 ms worth (10 entries at 10 ms spacing).
    const now = drafts[99]!.time! + 1;
    expect(await store.history.applyRetention({ maxAgeMs: 100 }, now)).toBe(30);
    expect(store.history.query({ limit: Infinity }).entries.map(indexOf)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(store.history.count({ tenantId: 'even' })).toBe(5);
    expect(await store.history.applyRetention({ maxAgeMs: 100, maxCount: 100 }, now)).toBe(0);
  });

  it('retention works through more entries than one transaction holds', async () => {
    const { store } = openTempStore({ noSync: true });
    const drafts = Array.from({ length: 25_000 }, (_, i) => ({ time: i, recipient: `r${i % 3}`, type: 't', payload: i }));
    for (let i = 0; i < drafts.length; i += 5000) await store.history.appendMany(drafts.slice(i, i + 5000));
    expect(await store.history.applyRetention({ maxCount: 1000 })).toBe(24_000);
    expect(store.history.count()).toBe(1000);
    expect(store.history.count({ agent: 'r0' }) + store.history.count({ agent: 'r1' }) + store.history.count({ agent: 'r2' })).toBe(1000);
  });

  it('clear removes records and index rows', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.appendMany(corpus(30));
    await store.history.clear();
    expect(store.history.count()).toBe(0);
    expect(store.history.count({ agent: 'bob' })).toBe(0);
    expect(store.history.query({ type: 'ask' }).entries).toEqual([]);
  });

  it('records only what the policy admits', async () => {
    const { store } = openTempStore({ noSync: true, historyPolicy: HistoryPolicy.not(HistoryPolicy.types('tick')) });
    const ids = await store.history.appendMany([
      { recipient: 'a', type: 'tick', payload: 0 },
      { recipient: 'a', type: 'work', payload: 1 },
    ]);
    expect(ids[0]).toBeUndefined();
    expect(ids[1]).toBeTypeOf('string');
    expect(await store.history.append({ recipient: 'a', type: 'tick', payload: 2 })).toBeUndefined();
    store.history.policy = HistoryPolicy.none();
    await store.history.append({ recipient: 'a', type: 'work', payload: 3 });
    expect(store.history.query().entries.map((e) => e.payload)).toEqual([1]);
  });
});
