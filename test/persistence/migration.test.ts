import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActorSystem, InvalidOptionError } from '../../index.js';
import { Ledger, type LedgerState } from '../fixtures/persistence/ledger.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('migrating a durable actor', () => {
  // A persistent actor's durable log and snapshot cadence live with its cell on one thread: a
  // move would accept offers without logging them (lost at the next restart; the drain policy moves
  // busy actors on its own). Migration refuses persistent actors, and nothing acknowledged is lost.
  it('refuses to move a persistent actor and keeps every acknowledged message across a restart', async () => {
    const path = mkdtempSync(join(tmpdir(), 'troupe-migrate-'));
    try {
      let system = await ActorSystem.start({ workers: 2, persistence: { path }, logLevel: 'silent', monitoring: false });
      const spec = { id: 'ledger', persistent: { snapshotEvery: 1000, snapshotIntervalMs: 0 } };
      const ledger = await system.spawn(Ledger, spec);
      for (const i of range(1, 10)) await ledger.offer(i);
      const err = await system.migrate('ledger', ledger.node === 1 ? 2 : 1).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as Error).message).toContain("actor 'ledger' is persistent");
      for (const i of range(11, 20)) await ledger.offer(i);
      await system.stop();

      system = await ActorSystem.start({ workers: 2, persistence: { path }, logLevel: 'silent', monitoring: false });
      try {
        const again = await system.spawn(Ledger, spec);
        expect((await again.ask<LedgerState>('state')).ids).toEqual(range(1, 20));
      } finally {
        await system.stop();
      }
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});
