import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Packr, Unpackr } from 'msgpackr';
import { checksumOf, makeMessage, type PipeWorkerData } from './pipe-protocol.js';
import { RingReader, RingWriter } from './ring.js';

const data = workerData as PipeWorkerData;
const parent = parentPort!;

function portOf(d: PipeWorkerData): MessagePort {
  if (!d.port) throw new Error(`encoding ${d.encoding} needs a port`);
  return d.port;
}

async function produce(): Promise<number> {
  const { encoding, payload, count, batch } = data;
  let checksum = 0;
  switch (encoding) {
    case 'clone': {
      const port = portOf(data);
      for (let i = 0; i < count; i++) {
        const m = makeMessage(payload, i);
        checksum += checksumOf(m);
        port.postMessage(m);
      }
      return checksum;
    }
    case 'clone-batch': {
      const port = portOf(data);
      for (let i = 0; i < count; ) {
        const end = Math.min(count, i + batch);
        const arr: unknown[] = [];
        for (; i < end; i++) {
          const m = makeMessage(payload, i);
          checksum += checksumOf(m);
          arr.push(m);
        }
        port.postMessage(arr);
      }
      return checksum;
    }
    case 'msgpack-batch': {
      const port = portOf(data);
      const packr = new Packr({ useRecords: false });
      for (let i = 0; i < count; ) {
        const end = Math.min(count, i + batch);
        const arr: unknown[] = [];
        for (; i < end; i++) {
          const m = makeMessage(payload, i);
          checksum += checksumOf(m);
          arr.push(m);
        }
        // pack() returns a view of the Packr's reusable buffer; transferring that would detach it,
        // so the batch is copied into a buffer of its own first. The copy is part of the cost.
        const owned = new Uint8Array(packr.pack(arr));
        port.postMessage(owned, [owned.buffer]);
      }
      return checksum;
    }
    case 'sab-ring-batch': {
      const writer = new RingWriter(data.ring!);
      for (let i = 0; i < count; ) {
        const end = Math.min(count, i + batch);
        const arr: unknown[] = [];
        let sum = 0;
        for (let j = i; j < end; j++) {
          const m = makeMessage(payload, j);
          sum += checksumOf(m);
          arr.push(m);
        }
        while (!writer.writeBatch(arr)) {
          writer.publish();
          await writer.waitForSpace();
        }
        checksum += sum;
        i = end;
        writer.publish();
      }
      while (!writer.flushPending()) {
        writer.publish();
        await writer.waitForSpace();
      }
      writer.publish();
      return checksum;
    }
    case 'sab-ring':
    case 'sab-ring-records': {
      const writer = new RingWriter(data.ring!, { records: encoding === 'sab-ring-records' });
      let unpublished = 0;
      for (let i = 0; i < count; ) {
        const m = makeMessage(payload, i);
        if (!writer.write(m)) {
          writer.publish();
          unpublished = 0;
          await writer.waitForSpace();
          continue;
        }
        checksum += checksumOf(m);
        i++;
        if (++unpublished >= batch) {
          writer.publish();
          unpublished = 0;
        }
      }
      while (!writer.flushPending()) {
        writer.publish();
        await writer.waitForSpace();
      }
      writer.publish();
      return checksum;
    }
  }
}

function consume(): void {
  const { encoding, count } = data;
  let received = 0;
  let checksum = 0;
  const finish = (): void => {
    parent.postMessage({ type: 'done', received, checksum });
  };
  const one = (m: unknown): void => {
    checksum += checksumOf(m);
    received++;
  };
  switch (encoding) {
    case 'clone': {
      portOf(data).on('message', (m: unknown) => {
        one(m);
        if (received === count) finish();
      });
      return;
    }
    case 'clone-batch': {
      portOf(data).on('message', (arr: unknown[]) => {
        for (const m of arr) one(m);
        if (received === count) finish();
      });
      return;
    }
    case 'msgpack-batch': {
      const unpackr = new Unpackr({ useRecords: false });
      portOf(data).on('message', (bytes: Uint8Array) => {
        const arr = unpackr.unpack(bytes) as unknown[];
        for (const m of arr) one(m);
        if (received === count) finish();
      });
      return;
    }
    case 'sab-ring':
    case 'sab-ring-records':
    case 'sab-ring-batch': {
      const reader = new RingReader(data.ring!, { records: encoding === 'sab-ring-records' });
      // A pending Atomics.waitAsync does not keep a thread's event loop alive; a port listener
      // does, as the runtime's workers always have one for control messages.
      parent.on('message', () => {});
      void (async () => {
        while (received < count) {
          if (reader.drain(one) === 0) await reader.waitForData();
        }
        finish();
      })().catch((e: unknown) => {
        // An unhandled rejection in a worker only logs; rethrowing from a timer makes it an
        // 'error' event the main thread sees.
        setImmediate(() => {
          throw e;
        });
      });
      return;
    }
  }
}

if (data.role === 'producer') {
  parent.on('message', (m: { type?: string }) => {
    if (m.type !== 'go') return;
    produce().then(
      (checksum) => parent.postMessage({ type: 'sent', checksum }),
      (e: unknown) =>
        setImmediate(() => {
          throw e;
        }),
    );
  });
} else {
  consume();
}
parent.postMessage({ type: 'ready' });
