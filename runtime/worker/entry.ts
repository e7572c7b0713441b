import { parentPort, workerData, threadId } from 'node:worker_threads';
import { pino } from 'pino';
import type { MessagePort } from 'node:worker_threads';
import { exposeInspection } from '../WorkerInspector.js';
import { LocalNode, type NodeSettings, type NodeTopology, type SpawnSpec } from '../LocalNode.js';

/**
 * A worker thread of the pool: one LocalNode hosting its share of the actors. Everything arrives
 * through the shared rings; the port to the main thread only says "ready", "stop", and carries
 * fatal errors out.
 */
interface WorkerBoot {
  topology: NodeTopology;
  rehost?: SpawnSpec[];
  inspection: MessagePort;
  settings: NodeSettings;
  logLevel: string;
}

const boot = workerData as WorkerBoot;
const log = pino(
  { name: 'troupe', level: boot.logLevel, base: { worker: boot.topology.id, thread: threadId } },
  pino.destination({ fd: 2, sync: true }),
);
const node = new LocalNode(boot.topology, boot.settings, log);

type PortMessage =
  | { t: 'close' }
  | { t: 'node-down'; node: number }
  | { t: 'node-died'; node: number }
  | { t: 'relink'; node: number; out: SharedArrayBuffer; in: SharedArrayBuffer };

parentPort!.on('message', (msg: PortMessage) => {
  switch (msg.t) {
    case 'close':
      void node.close().finally(() => {
        boot.inspection.close();
        parentPort!.close();
      });
      return;
    case 'node-down':
      node.nodeDown(msg.node);
      return;
    case 'node-died':
      node.nodeDied(msg.node);
      return;
    case 'relink':
      node.relink(msg.node, msg.out, msg.in);
      return;
  }
});

// Actors that lived on the worker this one replaces: started before any frame is read, so that
// messages held for them by the other threads find them.
for (const spec of boot.rehost ?? []) node.spawnLocal(spec);

exposeInspection(node, boot.inspection);
node.start();
parentPort!.postMessage({ t: 'ready' });
