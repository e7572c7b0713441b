import v8 from 'node:v8';
import type { ActorCell } from '../ActorCell.js';
import type { LocalNode } from '../LocalNode.js';
import { LatencyHistogram } from '../../supervisor/LatencyHistogram.js';

/*
 * A thread's figures for the main thread's monitor (the 'stats' control request, once a heartbeat):
 * counters, mailbox depths, load, heap and sampled timings. Apart from the node because all of it is
 * read off the message path; the only piece on it is recordTiming, for the sampled messages (one in
 * 64 to one in 4,096, see LocalNode.sampleCountdown).
 */

export interface AgentCounters { id: string; handled: number; failed: number; restarts: number }

/** Sampled latencies of one behaviour on one worker over the last stats window. */
export interface BehaviourTimings {
  behaviour: string;
  samples: number;
  waitP50Ms: number;
  waitP99Ms: number;
  handleP50Ms: number;
  handleP99Ms: number;
}

export interface NodeStats {
  worker: number;
  actors: number;
  runQueue: number;
  mailboxes: number;
  handled: number;
  failures: number;
  eventLoopUtilization: number;
  heapUsed: number;
  heapLimit: number;
  deepest: { id: string; depth: number }[];
  agents: AgentCounters[];
  /** Mailbox wait and handling time per behaviour (sampled messages), since the last heartbeat. */
  timings: BehaviourTimings[];
  at: number;
}

export class NodeStatsCollector {
  /** Sampled timings per behaviour: mailbox wait and handling time per message, in ms. */
  private readonly timings = new Map<string, { wait: LatencyHistogram; handle: LatencyHistogram }>();
  private timingsCache: BehaviourTimings[] = [];
  private timingsAt = 0;
  private eluMark = performance.eventLoopUtilization();
  private eluAt = performance.now();
  private eluLast = 0;

  recordTiming(behaviour: string, waitMs: number, handleMs: number): void {
    let t = this.timings.get(behaviour);
    if (t === undefined) this.timings.set(behaviour, (t = { wait: new LatencyHistogram(), handle: new LatencyHistogram() }));
    t.wait.record(waitMs);
    t.handle.record(handleMs);
  }

  /** The node's loop starts: event-loop utilisation is measured from here. */
  loopStarted(): void {
    this.eluMark = performance.eventLoopUtilization();
  }

  /** Windowed timing percentiles per behaviour since the last call (then reset). */
  private takeTimings(): BehaviourTimings[] {
    const out: BehaviourTimings[] = [];
    for (const [behaviour, t] of this.timings) {
      if (t.wait.count === 0) continue;
      out.push({
        behaviour, samples: t.wait.count,
        waitP50Ms: t.wait.p50() ?? 0, waitP99Ms: t.wait.p99() ?? 0,
        handleP50Ms: t.handle.p50() ?? 0, handleP99Ms: t.handle.p99() ?? 0,
      });
      t.wait.reset();
      t.handle.reset();
    }
    return out;
  }

  /** Timings over whole seconds, whoever asks and however often (as for the load figure). */
  private lastTimings(): BehaviourTimings[] {
    const now = performance.now();
    if (now - this.timingsAt >= 1000) {
      this.timingsCache = this.takeTimings();
      this.timingsAt = now;
    }
    return this.timingsCache;
  }

  /**
   * This thread's figures: actor counts and mailbox depths, event-loop utilisation since the last
   * call, heap against its limit, the deepest mailboxes, and per-agent counters of actors that have
   * failed at least once (the only ones whose health is not 1).
   *
   * Counters and the deepest mailboxes. Cost is bounded by the busy actors, not by all of them: a
   * backlog can only sit in a cell that is scheduled, running, suspended or paused (an idle ready
   * cell has an empty mailbox), so those are the only cells looked at.
   */
  collect(node: LocalNode): NodeStats {
    let mailboxes = 0;
    const agents: AgentCounters[] = [];
    // The ten deepest, kept as cells: ids are written out for those ten only (a numbered child
    // has none until asked), and a mailbox no deeper than the tenth is not even kept.
    const deepest: { cell: ActorCell; depth: number }[] = [];
    let floor = 0;
    const look = (c: ActorCell): void => {
      const depth = c.queued;
      if (depth === 0) return;
      mailboxes += depth;
      if (depth <= floor) return;
      deepest.push({ cell: c, depth });
      if (deepest.length > 20) {
        deepest.sort((a, b) => b.depth - a.depth);
        deepest.length = 10;
        floor = deepest[9]!.depth;
      }
    };
    node.forEachScheduled(look);
    if (node.current !== undefined && !node.current.scheduled) look(node.current);
    for (const c of node.suspendedCells) if (!c.scheduled) look(c);
    for (const c of node.pausedCells) if (!c.scheduled && !c.suspended) look(c);
    for (const c of node.failedCells) {
      agents.push({ id: c.id, handled: c.handled + c.failures, failed: c.failures, restarts: c.restarts });
      if (agents.length === 1000) break;
    }
    const handled = node.handledTotal;
    const failures = node.failuresTotal;
    deepest.sort((a, b) => b.depth - a.depth);
    // Utilisation over the last full second, whoever asks and however often.
    const now = performance.now();
    if (now - this.eluAt >= 1000) {
      this.eluLast = performance.eventLoopUtilization(this.eluMark).utilization;
      this.eluMark = performance.eventLoopUtilization();
      this.eluAt = now;
    }
    const elu = { utilization: this.eluLast };
    const heap = v8.getHeapStatistics();
    return {
      worker: node.id, actors: node.cells.size, runQueue: node.runQueueLength, mailboxes, handled, failures,
      eventLoopUtilization: elu.utilization, heapUsed: heap.used_heap_size, heapLimit: heap.heap_size_limit,
      deepest: deepest.slice(0, 10).map((d) => ({ id: d.cell.id, depth: d.depth })), agents, timings: this.lastTimings(), at: Date.now(),
    };
  }
}
