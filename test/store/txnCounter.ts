import { open, type RootDatabase } from 'lmdb';

/**
 * Reads LMDB's last committed transaction id through a second handle on the same path (lmdb-js
 * shares the environment within a process), to count how many transactions a burst of writes took.
 */
export function txnCounter(path: string, noSync: boolean): { read(): number; close(): Promise<void> } {
  const raw: RootDatabase = open({ path, noSync, maxDbs: 32 });
  return {
    read: () => (raw.getStats() as { lastTxnId: number }).lastTxnId,
    close: () => raw.close(),
  };
}
