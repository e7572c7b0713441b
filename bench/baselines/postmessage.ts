import { runPipe, type PipePayload } from './pipe.js';
import { latency, now, type Latency, type Throughput } from './stats.js';
import { BenchWorker } from './workers.js';

export interface PostMessageOptions {
  /** `{ type: 'inc', n }` by default. */
  readonly payload?: PipePayload;
}

/** Producer worker -> consumer worker, one small structured-cloned message per postMessage. */
export function rawPostMessagePerMessage(count: number, options: PostMessageOptions = {}): Promise<Throughput> {
  return runPipe({ encoding: 'clone', count, ...options });
}

/** Producer worker -> consumer worker, arrays of `batch` messages per postMessage; msgs/s. */
export function rawPostMessageBatched(
  count: number,
  batch: number,
  options: PostMessageOptions = {},
): Promise<Throughput> {
  return runPipe({ encoding: 'clone-batch', count, batch, ...options });
}

export interface RoundTripOptions {
  /** Untimed round trips first, so the figures are of a warmed-up JIT and port. */
  readonly warmup?: number;
}

/**
 * Main thread <-> worker ping/pong over postMessage, one in flight at a time: the latency floor of
 * an ask() that crosses threads. The next ping is sent from the pong's handler, not after an await,
 * so the figure is the port's and not the promise machinery's.
 */
export async function rawPostMessageRoundTrip(samples: number, options: RoundTripOptions = {}): Promise<Latency> {
  const warmup = options.warmup ?? Math.min(2_000, samples);
  const echo = new BenchWorker(new URL('./echo.worker.js', import.meta.url));
  try {
    await echo.waitFor('ready');
    const times = new Float64Array(samples);
    await new Promise<void>((resolve, reject) => {
      let i = -warmup;
      let t0 = 0;
      // The ping is a bare sequence number: BenchWorker queues tagged objects for waitFor, and
      // a queue growing by one entry per sample would be measured along with the port.
      const ping = (): void => {
        t0 = now();
        echo.worker.postMessage(i);
      };
      const onPong = (m: unknown): void => {
        if (typeof m !== 'number') return;
        const t = now() - t0;
        if (m !== i) {
          echo.worker.off('message', onPong);
          reject(new Error(`pong ${m} for ping ${i}`));
          return;
        }
        if (i >= 0) times[i] = t * 1000;
        if (++i === samples) {
          echo.worker.off('message', onPong);
          resolve();
        } else ping();
      };
      echo.worker.on('message', onPong);
      echo.worker.once('error', reject);
      ping();
    });
    return latency(times);
  } finally {
    await echo.terminate();
  }
}
