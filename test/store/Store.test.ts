import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, StorageError } from '../../runtime/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { Store } from '../../store/index.js';
import { fixturePath, lastJsonLine, openTempStore, reopen, runChild, tempDir } from './helpers.js';

describe('Store', () => {
  it('rejects bad options with InvalidOptionError naming the option', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mapSize: -1 }, 'mapSize'],
      [{ maxSize: 'big' }, 'maxSize'],
      [{ path: '' }, 'path'],
      [{ noSync: 'yes' }, 'noSync'],
      [{ historyPolicy: 'all' }, 'historyPolicy'],
      [{ mapsize: 1 << 20 }, 'mapsize'],
    ];
    for (const [options, option] of cases) {
      let caught: unknown;
      try {
        Store.open(options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, option).toBeInstanceOf(InvalidOptionError);
      expect((caught as InvalidOptionError).context.option).toBe(option);
      expect((caught as Error).message).toContain(option);
    }
  });

  it('fails with ERR_STORE_PATH naming the path when the directory cannot be created', () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'not a directory');
    const path = join(file, 'store');
    let caught: unknown;
    try {
      Store.open({ path });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect(caught).toMatchObject({ code: 'ERR_STORE_PATH', context: { path } });
    expect((caught as Error).message).toContain(path);
    // A regular file where the directory should be is refused the same way.
    expect(() => Store.open({ path: file })).toThrow(expect.objectContaining({ code: 'ERR_STORE_PATH', context: { path: file } }));
  });

  it('refuses every operation after close with ERR_STORE_CLOSED, and close is idempotent', async () => {
    const { store } = openTempStore({ noSync: true });
    const pending = store.history.append({ recipient: 'a', type: 't', payload: 1 });
    const first = store.close();
    expect(store.close()).toBe(first);
    await first;
    await expect(pending).resolves.toBeTypeOf('string');
    expect(store.isClosed).toBe(true);
    await expect(store.history.append({ recipient: 'a', type: 't', payload: 1 })).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    await expect(store.mailboxes.append('a', 1)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    await expect(store.mailboxes.ack('a', 1)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    await expect(store.kv.set('k', 1)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    expect(() => store.history.query()).toThrow(expect.objectContaining({ code: 'ERR_STORE_CLOSED' }));
    expect(() => store.snapshots.list()).toThrow(expect.objectContaining({ code: 'ERR_STORE_CLOSED' }));
    await store.close();
  });

  it('commits writes of different record kinds issued in one turn together', async () => {
    const { store, path } = openTempStore();
    const writes = [
      store.history.append({ sender: 'a', recipient: 'b', type: 'job', payload: 1 }),
      store.mailboxes.append('b', { job: 1 }),
      store.snapshots.save('a', { state: 'sent', seq: 1 }),
    ];
    await Promise.all(writes);
    await store.flushed;
    await store.close();
    const again = reopen(path);
    expect(again.history.count({ agent: 'b' })).toBe(1);
    expect(again.mailboxes.pendingActors()).toEqual(['b']);
    expect(again.snapshots.load('a')?.state).toBe('sent');
  });

  it('refuses new records with ERR_STORE_FULL at maxSize while earlier data stays readable and deletes still work', async () => {
    const { store } = openTempStore({ noSync: true, maxSize: 512 * 1024, logger: createLogger({ level: 'silent' }) });
    const payload = 'p'.repeat(4000);
    let accepted = 0;
    let failure: unknown;
    for (let round = 0; round < 1000 && !failure; round++) {
      try {
        await store.history.appendMany(Array.from({ length: 10 }, (_, i) => ({ recipient: 'r', type: 't', payload: { round, i, payload } })));
        accepted += 10;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ code: 'ERR_STORE_FULL', context: { maxSize: 512 * 1024 } });
    expect(accepted).toBeGreaterThan(0);
    expect(store.history.count()).toBe(accepted);
    expect(store.history.query({ limit: 1 }).entries[0]!.payload).toMatchObject({ round: 0, i: 0 });
    await expect(store.mailboxes.append('a', payload)).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    await expect(store.kv.set('k', 1)).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });

    // Deleting still works, and the freed pages take new records again.
    expect(await store.history.applyRetention({ maxCount: 0 })).toBe(accepted);
    await expect(store.history.append({ recipient: 'r', type: 't', payload: 'after' })).resolves.toBeTypeOf('string');
    expect(store.usage()).toMatchObject({ maxSize: 512 * 1024 });
  });

  it.skipIf(process.platform === 'win32')(
    'reports ERR_STORE_FULL when the file cannot grow, and the process keeps running',
    async () => {
      // lmdb-js always grows its map, so "full" in practice means the file cannot grow: a file-size
      // limit (ulimit -f, in 512- or 1024-byte blocks depending on the shell) stands in for a full disk.
      const path = tempDir();
      const script = `ulimit -f 2048 && exec "${process.execPath}" "${fixturePath('fillUntilFull.js')}" "${path}"`;
      const child = await runChild('/bin/sh', ['-c', script], 20_000);
      expect(child.timedOut, child.stderr).toBe(false);
      expect(child.code, child.stderr).toBe(0);
      const report = lastJsonLine<{
        accepted: number;
        errorCode?: string;
        firstStillReadable: boolean;
        countAfterFailure: number;
        deleteAfterFailure: boolean;
      }>(child.stdout);
      expect(report.errorCode).toBe('ERR_STORE_FULL');
      expect(report.accepted).toBeGreaterThan(0);
      expect(report.firstStillReadable).toBe(true);
      expect(report.countAfterFailure).toBe(report.accepted);
      expect(report.deleteAfterFailure).toBe(true);
    },
  );

  it('leaves nothing keeping the process alive after close', async () => {
    const path = tempDir();
    const child = await runChild(process.execPath, [fixturePath('openWriteClose.js'), path], 15_000);
    expect(child.timedOut, child.stderr).toBe(false);
    expect(child.code, child.stderr).toBe(0);
    expect(lastJsonLine(child.stdout)).toEqual({ closed: true });
  });

  it('backs up a compacted copy that opens as a store', async () => {
    const { store } = openTempStore({ noSync: true });
    await store.history.appendMany(Array.from({ length: 2000 }, (_, i) => ({ recipient: 'r', type: 't', payload: 'x'.repeat(200) + i })));
    await store.history.applyRetention({ maxCount: 10 });
    const target = tempDir();
    await store.backup(target);
    const copy = reopen(target);
    expect(copy.history.count()).toBe(10);
    expect(copy.history.count({ agent: 'r' })).toBe(10);
    expect(copy.usage().fileBytes).toBeLessThan(store.usage().fileBytes);
  });
});
