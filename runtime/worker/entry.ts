import { parentPort, workerData, threadId } from 'node:worker_threads';
import { pino } from 'pino';
import { LocalNode, type NodeSettings, type NodeTopology } from '../LocalNode.js';

/**
 * A worker thread of the pool: one LocalNode hosting its share of the actors. Everything arrives
 * through the shared rings; the port to the main thread only says "ready", "stop", and carries
 * fatal errors out.
 */
interface WorkerBoot {
  topology: NodeTopology;
  settings: NodeSettings;
  logLevel: string;
}

const boot = workerData as WorkerBoot;
const log = pino(
  { name: 'troupe', level: boot.logLevel, base: { worker: boot.topology.id, thread: threadId } },
  pino.destination({ fd: 2, sync: true }),
);
const node = new LocalNode(boot.topology, boot.settings, log);

parentPort!.on('message', (msg: { t: string }) => {
  if (msg.t === 'close') {
    node.close();
    parentPort!.close();
  }
});

node.start();
parentPort!.postMessage({ t: 'ready' });
