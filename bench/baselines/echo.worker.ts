import { parentPort } from 'node:worker_threads';

const parent = parentPort!;
parent.on('message', (m: unknown) => parent.postMessage(m));
parent.postMessage({ type: 'ready' });
