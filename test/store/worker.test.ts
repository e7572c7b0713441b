import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { fixturePath, openTempStore } from './helpers.js';

interface WorkerReport {
  ids: string[];
  seenFromMain: number;
}

function runWorker(path: string, count: number): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixturePath('storeWorker.js'), { workerData: { path, count } });
    let report: WorkerReport | undefined;
    worker.once('message', (m: WorkerReport) => (report = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && report ? resolve(report) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('Store across worker threads', () => {
  it('opens the same path from a worker while the main thread writes, and both see all data', async () => {
    const { store, path } = openTempStore();
    const workerDone = runWorker(path, 100);
    const mainIds: string[] = [];
    for (let i = 0; i < 100; i++) {
      mainIds.push((await store.history.append({ sender: 'main', recipient: 'worker', type: 'from-main', payload: i }))!);
    }
    const report = await workerDone;

    expect(report.ids).toHaveLength(100);
    expect(store.history.count({ type: 'from-worker' })).toBe(100);
    expect(store.history.count({ type: 'from-main' })).toBe(100);
    expect(store.history.count({ agent: 'main' })).toBe(200);
    // Ids come from one counter shared by both threads: unique, and each thread's in order.
    const all = [...mainIds, ...report.ids];
    expect(new Set(all).size).toBe(200);
    expect([...report.ids].sort()).toEqual(report.ids);
    expect(store.mailboxes.pending('from-worker').map((p) => p.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // The worker closing its handle did not close ours.
    await expect(store.kv.set('still', 'open')).resolves.toBeUndefined();
  });
});
