import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import type { LocalNode } from './LocalNode.js';
import { WorkerDiedError } from './errors.js';

/** What a worker answers about itself, off the hot path (dashboard, CLI, debugging). */
export interface InspectionApi {
  actors(): { id: string; behaviour: string; mailbox: number; handled: number; failures: number; restarts: number; status: number; parent?: string }[];
  /** An actor's current state, as plain data (structured clone). */
  state(id: string): unknown;
}

/** Worker side: serve the inspection API on a dedicated port with comlink. */
export function exposeInspection(node: LocalNode, port: MessagePort): void {
  const api: InspectionApi = {
    actors: () => [...node.cells.values()].map((c) => ({
      id: c.id, behaviour: c.def.name, mailbox: c.queued, handled: c.handled, failures: c.failures,
      restarts: c.restarts, status: c.status, parent: c.parent?.id,
    })),
    state: (id) => {
      const s = node.cells.get(id)?.state;
      return s === undefined ? undefined : JSON.parse(JSON.stringify(s));
    },
  };
  Comlink.expose(api, nodeEndpoint(port));
  // The port must not keep the worker alive after `close`: the worker exits by itself then.
  port.unref();
}

/**
 * Main side: a comlink proxy whose calls reject when the worker exits. comlink alone leaves them
 * pending forever (upstream issue #601), which would hang a dashboard request on a dead worker.
 */
export function connectInspection(worker: Worker, port: MessagePort, id: number): InspectionApi {
  const remote = Comlink.wrap<InspectionApi>(nodeEndpoint(port));
  let exited = false;
  const onExit = new Promise<never>((_, reject) => {
    worker.once('exit', () => {
      exited = true;
      reject(new WorkerDiedError(`worker ${id} exited during an inspection call`, { worker: id }));
    });
  });
  onExit.catch(() => undefined);
  const call = <T>(p: Promise<T>): Promise<T> => (exited ? Promise.reject(new WorkerDiedError(`worker ${id} is not running`, { worker: id })) : Promise.race([p, onExit]));
  return {
    actors: () => call(remote.actors()) as never,
    state: (actorId: string) => call(remote.state(actorId)) as never,
  };
}
