import type { HistoryPolicyConfig } from '../../store/HistoryPolicy.js';

/*
 * What a node is given when it boots: its place among the threads and the system's settings. Plain
 * data (it travels to each worker in its workerData), kept apart from LocalNode so that the code
 * which builds it need not read the node's machinery.
 */

export interface NodeTopology {
  id: number;
  workers: number;
  /** rings[from][to]: the SharedArrayBuffer of the ring from node `from` to node `to`. */
  rings: (SharedArrayBuffer | null)[][];
  doorbells: SharedArrayBuffer[];
}

export interface PersistenceSettings {
  path: string;
  history: HistoryPolicyConfig;
  noSync: boolean;
}

export interface NodeSettings {
  persistence?: PersistenceSettings;
  throughput: number;
  askTimeoutMs: number;
  sliceMs: number;
  idleSpinMicros: number;
  /** How long a thread that just sent an ask polls for the reply before it sleeps. */
  askSpinMicros?: number;
}
