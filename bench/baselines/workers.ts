import { Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';

interface Tagged {
  type: string;
}

/**
 * A worker under a benchmark's control. Control messages (ready, done, ...) are tagged objects and
 * are queued until awaited, so a message that arrives before anyone waits for it is not lost. Any
 * error or early exit fails every pending and later wait, so a broken worker script fails the
 * benchmark instead of hanging it.
 */
export class BenchWorker {
  readonly worker: Worker;
  private readonly inbox: Tagged[] = [];
  private readonly waiters: { type: string; resolve: (m: Tagged) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  private terminated = false;

  constructor(script: URL, options: WorkerOptions = {}) {
    this.worker = new Worker(script, options);
    this.worker.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || typeof (m as Tagged).type !== 'string') return;
      const msg = m as Tagged;
      const i = this.waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else this.inbox.push(msg);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.terminated) this.fail(new Error(`${script.pathname} exited with code ${code}`));
    });
  }

  post(msg: unknown, transfer?: readonly TransferListItem[]): void {
    this.worker.postMessage(msg, transfer);
  }

  waitFor<T extends Tagged>(type: T['type'], timeoutMs = 120_000): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const j = this.waiters.indexOf(waiter);
        if (j >= 0) this.waiters.splice(j, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}'`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: Tagged) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
}

/** Terminate all, even if one of them throws, so no benchmark leaves a thread behind. */
export async function terminateAll(workers: readonly (BenchWorker | undefined)[]): Promise<void> {
  await Promise.allSettled(workers.map((w) => w?.terminate()));
}
