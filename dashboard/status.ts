import type { ActorInfo, WorkerStats } from '../runtime/ActorSystem.js';
import { behaviourName } from '../metrics/labels.js';

/** One worker in a sample: its figures plus messages handled per second since the previous one. */
export interface WorkerView {
  worker: number;
  actors: number;
  runQueue: number;
  mailboxes: number;
  handled: number;
  failures: number;
  rate: number;
  /** Event-loop utilization since the previous sample (0..1), when the runtime reports it. */
  load: number | null;
  heapUsed: number | null;
  heapLimit: number | null;
}

/** The page's view of a worker's stats: the figures it shows, without the per-agent detail. */
export function workerView(w: WorkerStats, rate: number): WorkerView {
  const extra = w as Partial<Record<'eventLoopUtilization' | 'heapUsed' | 'heapLimit', unknown>>;
  const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    worker: w.worker, actors: w.actors, runQueue: w.runQueue, mailboxes: w.mailboxes, handled: w.handled, failures: w.failures,
    rate, load: n(extra.eventLoopUtilization), heapUsed: n(extra.heapUsed), heapLimit: n(extra.heapLimit),
  };
}

export interface ActorView {
  id: string;
  behaviour: string;
  worker: number;
  parent?: string;
  restarts: number;
  /** `restarted` for a few seconds after a restart, `running` otherwise. */
  state: 'running' | 'restarted';
}

export interface TreeNode extends ActorView {
  children: TreeNode[];
}

/** A mailbox (or a worker's mailboxes, when the runtime reports no per-actor depths) and its depth. */
export interface MailboxDepth {
  actor?: string;
  worker: number;
  depth: number;
}

/** Per-actor restart bookkeeping kept by the live state. */
export interface RestartRecord {
  count: number;
  lastAt: number;
}

const RECENTLY_MS = 10_000;

export function actorViews(actors: readonly ActorInfo[], restarts: ReadonlyMap<string, RestartRecord>, now: number): ActorView[] {
  return actors.map((a) => {
    const r = restarts.get(a.id);
    const view: ActorView = {
      id: a.id,
      behaviour: behaviourName(a.behaviour),
      worker: a.worker,
      restarts: r?.count ?? 0,
      state: r !== undefined && now - r.lastAt < RECENTLY_MS ? 'restarted' : 'running',
    };
    if (a.parent !== undefined) view.parent = a.parent;
    return view;
  });
}

/** The supervision tree by `parent`: actors whose parent is not listed are roots. Sorted by id. */
export function buildTree(actors: readonly ActorView[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const a of actors) nodes.set(a.id, { ...a, children: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent === undefined ? undefined : nodes.get(node.parent);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const sort = (list: TreeNode[]): void => {
    list.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/**
 * The deepest mailboxes. Workers that report per-actor depths (`deepest: [{ actor, depth }]`) give
 * actors; otherwise each worker's total is listed.
 */
export function deepestMailboxes(workers: readonly WorkerStats[], limit = 10): MailboxDepth[] {
  const out: MailboxDepth[] = [];
  for (const w of workers) {
    const deepest = (w as WorkerStats & { deepest?: unknown }).deepest;
    if (Array.isArray(deepest)) {
      for (const d of deepest as { actor?: unknown; id?: unknown; depth?: unknown }[]) {
        const actor = typeof d.actor === 'string' ? d.actor : typeof d.id === 'string' ? d.id : undefined;
        if (actor !== undefined && typeof d.depth === 'number') out.push({ actor, worker: w.worker, depth: d.depth });
      }
    } else {
      out.push({ worker: w.worker, depth: w.mailboxes });
    }
  }
  return out.sort((a, b) => b.depth - a.depth).slice(0, limit);
}
