import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorSystem, InvalidOptionError, StorageError } from '../../index.js';
import { Ledger, type LedgerState } from '../fixtures/persistence/ledger.js';
import { Account, type AccountState } from '../fixtures/persistence/account.js';
import { Sequencer, type SequencerReport } from '../fixtures/runtime/actors.js';

const dirs: string[] = [];
function tempStore(): string {
  const d = mkdtempSync(join(tmpdir(), 'troupe-persist-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('persistent actors', () => {
  it('come back after a stop with their state and replay nothing twice', async () => {
    const path = tempStore();
    let system = await ActorSystem.start({ workers: 2, persistence: { path }, logLevel: 'silent' });
    const ledger = await system.spawn(Ledger, { id: 'ledger', persistent: { snapshotEvery: 7 } });
    for (let i = 1; i <= 40; i++) await ledger.offer(i);
    const session = await system.saveSession();
    await system.stop();

    system = await ActorSystem.start({ workers: 2, persistence: { path }, logLevel: 'silent' });
    try {
      await system.restoreSession(session);
      const state = await system.ask<LedgerState>('ledger', 'state');
      expect(state.ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(state.sum).toBe(820);
    } finally {
      await system.stop();
    }
  });

  it('event-sourced actors rebuild their state from the journal', async () => {
    const path = tempStore();
    let system = await ActorSystem.start({ workers: 1, persistence: { path }, logLevel: 'silent' });
    const acct = await system.spawn(Account, { id: 'acct', persistent: { snapshotEvery: 0, snapshotIntervalMs: 0 } });
    for (const amount of [5, 10, 20]) await acct.ask({ type: 'deposit', amount });
    expect((await acct.ask<AccountState>({ type: 'balance' })).balance).toBe(35);
    await system.stop();

    system = await ActorSystem.start({ workers: 1, persistence: { path }, logLevel: 'silent' });
    try {
      const again = await system.spawn(Account, { id: 'acct', persistent: { snapshotEvery: 0, snapshotIntervalMs: 0 } });
      const s = await again.ask<AccountState>({ type: 'balance' });
      expect(s).toEqual({ balance: 35, applied: 3 });
      expect(system.store!.journal.read('acct').map((e) => (e.event as { amount: number }).amount)).toEqual([5, 10, 20]);
    } finally {
      await system.stop();
    }
  });

  it('records the history by policy and serves filtered queries (agent, type, thread)', async () => {
    const path = tempStore();
    const system = await ActorSystem.start({ workers: 2, persistence: { path, history: { record: 'all' } }, logLevel: 'silent' });
    try {
      const acct = await system.spawn(Account, { id: 'acct-h', persistent: true });
      for (let i = 0; i < 5; i++) await acct.ask({ type: 'deposit', amount: i, threadId: i % 2 === 0 ? 'even' : 'odd' });
      await system.flushHistory();
      const byAgent = system.store!.history.query({ agent: 'acct-h', type: 'deposit' });
      expect(byAgent.entries.map((e) => (e.payload as { amount: number }).amount)).toEqual([0, 1, 2, 3, 4]);
      const even = system.store!.history.query({ threadId: 'even', order: 'desc' });
      expect(even.entries.map((e) => (e.payload as { amount: number }).amount)).toEqual([4, 2, 0]);
    } finally {
      await system.stop();
    }
  });

  it('flushHistory: once it resolves, every message handled so far is in the history, from every worker', async () => {
    const path = tempStore();
    const system = await ActorSystem.start({ workers: 2, persistence: { path, history: { record: 'all' } }, logLevel: 'silent' });
    try {
      const a = await system.spawn(Sequencer, { id: 'flush-a', placement: { worker: 1 } });
      const b = await system.spawn(Sequencer, { id: 'flush-b', placement: { worker: 2 } });
      for (let i = 0; i < 20_000; i++) { a.tell(i); b.tell(i); }
      // Both have handled everything once these answer; their history entries may still be in flight.
      expect((await a.ask<SequencerReport>({ type: 'report' })).count).toBe(20_000);
      expect((await b.ask<SequencerReport>({ type: 'report' })).count).toBe(20_000);
      await system.flushHistory();
      for (const id of ['flush-a', 'flush-b']) {
        const numbers = system.store!.history.query({ agent: id, limit: Infinity }).entries.filter((e) => typeof e.payload === 'number');
        expect(numbers.map((e) => e.payload)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
      }
    } finally {
      await system.stop();
    }
    await expect(system.flushHistory()).rejects.toThrow(/stopped|not running/);
  });

  it('a persistent actor without persistence configured is refused, naming the option', async () => {
    const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' });
    try {
      await expect(system.spawn(Ledger, { id: 'x', persistent: true })).rejects.toThrow(InvalidOptionError);
      await expect(system.spawn(Ledger, { id: 'x', persistent: true })).rejects.toThrow(/persistence/);
    } finally {
      await system.stop();
    }
  });

  it('a store path that cannot be written fails start, naming the path', async () => {
    const dir = tempStore();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const path = join(file, 'store');
    const start = ActorSystem.start({ workers: 1, persistence: { path }, logLevel: 'silent' });
    await expect(start).rejects.toThrow(StorageError);
    await expect(ActorSystem.start({ workers: 1, persistence: { path }, logLevel: 'silent' })).rejects.toThrow(path);
  });
});
