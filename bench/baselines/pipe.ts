import { MessageChannel, type TransferListItem } from 'node:worker_threads';
import { createRing } from './ring.js';
import { now, throughput, type Throughput } from './stats.js';
import { BenchWorker, terminateAll } from './workers.js';
import type { DoneMsg, PipeEncoding, PipePayload, PipeWorkerData, ReadyMsg, SentMsg } from './pipe-protocol.js';

export type { PipeEncoding, PipePayload } from './pipe-protocol.js';

export interface PipeOptions {
  readonly encoding: PipeEncoding;
  readonly payload?: PipePayload;
  /** Messages to send. */
  readonly count: number;
  /** Messages per postMessage (batched encodings) or per ring publish. */
  readonly batch?: number;
  /** Ring data area in bytes (power of two). */
  readonly ringBytes?: number;
  readonly timeoutMs?: number;
}

const script = new URL('./pipe.worker.js', import.meta.url);

/**
 * Producer worker -> consumer worker, `count` messages, timed from the producer's go signal to the
 * consumer's report of the last message. Worker start-up and module loading are outside the timed
 * window; each run gets fresh workers, so no JIT state carries over between encodings.
 */
export async function runPipe(options: PipeOptions): Promise<Throughput> {
  const { encoding, count } = options;
  const payload = options.payload ?? 'object';
  const batch = Math.max(1, options.batch ?? 256);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const base = { encoding, payload, count, batch };

  let producerData: PipeWorkerData;
  let consumerData: PipeWorkerData;
  const producerTransfer: TransferListItem[] = [];
  const consumerTransfer: TransferListItem[] = [];
  if (encoding.startsWith('sab-ring')) {
    const ring = createRing(options.ringBytes);
    producerData = { ...base, role: 'producer', ring };
    consumerData = { ...base, role: 'consumer', ring };
  } else {
    const { port1, port2 } = new MessageChannel();
    producerData = { ...base, role: 'producer', port: port1 };
    consumerData = { ...base, role: 'consumer', port: port2 };
    producerTransfer.push(port1);
    consumerTransfer.push(port2);
  }

  let producer: BenchWorker | undefined;
  let consumer: BenchWorker | undefined;
  try {
    consumer = new BenchWorker(script, { workerData: consumerData, transferList: consumerTransfer });
    producer = new BenchWorker(script, { workerData: producerData, transferList: producerTransfer });
    await Promise.all([consumer.waitFor<ReadyMsg>('ready', timeoutMs), producer.waitFor<ReadyMsg>('ready', timeoutMs)]);
    const sent = producer.waitFor<SentMsg>('sent', timeoutMs);
    const done = consumer.waitFor<DoneMsg>('done', timeoutMs);
    // Whichever fails first is awaited; the other must not become an unhandled rejection.
    sent.catch(() => {});
    done.catch(() => {});
    const t0 = now();
    producer.post({ type: 'go' });
    const report = await done;
    const elapsed = now() - t0;
    const { checksum } = await sent;
    if (report.received !== count || report.checksum !== checksum) {
      throw new Error(
        `${encoding}/${payload}: consumer got ${report.received}/${count} messages, checksum ${report.checksum} != ${checksum}`,
      );
    }
    return throughput(count, elapsed);
  } finally {
    await terminateAll([producer, consumer]);
  }
}
