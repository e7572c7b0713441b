import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import {
  HealthMonitor,
  InvalidSampleError,
  type AgentSample,
  type Alert,
  type WorkerSample,
} from '../../supervisor/index.js';

const GiB = 1024 ** 3;

function worker(workerId: string, eventLoopUtilization: number, at: number, heapShare = 0.1): WorkerSample {
  return { workerId, eventLoopUtilization, heapUsed: heapShare * GiB, heapLimit: GiB, at };
}

function agent(actorId: string, handled: number, failed: number, at: number, latency = 5): AgentSample {
  return { actorId, workerId: 'w1', handled, failed, mailboxWaitP99Ms: latency, askRoundTripP99Ms: latency, at };
}

describe('HealthMonitor: system load and resources', () => {
  it('raises a worker load alert when its event-loop utilisation crosses the threshold', () => {
    const monitor = new HealthMonitor();
    monitor.recordWorker(worker('w2', 0.1, 1));
    const [raised, ...rest] = monitor.recordWorker(worker('w1', 0.85, 10));
    expect(rest).toEqual([]); // pool mean 0.475 stays under
    expect(raised).toEqual({
      id: expect.stringContaining('systemLoad'),
      kind: 'systemLoad',
      subject: { workerId: 'w1' },
      value: 0.85,
      threshold: 0.8,
      raisedAt: 10,
      state: 'raised',
    });
    expect(monitor.current()).toEqual([raised]);
  });

  it('does not raise at exactly the threshold (ceilings alert when above)', () => {
    const monitor = new HealthMonitor();
    expect(monitor.recordWorker(worker('w1', 0.8, 1))).toEqual([]);
  });

  it('clears only once the value is back below threshold × (1 − hysteresis)', () => {
    const monitor = new HealthMonitor({ thresholds: { hysteresis: 0.05 } });
    monitor.recordWorker(worker('w1', 0.9, 1)); // raises worker and pool alerts
    expect(monitor.recordWorker(worker('w1', 0.77, 2))).toEqual([]); // under 0.8 but above 0.76
    expect(monitor.current().map((a) => a.value)).toEqual([0.77, 0.77]); // value tracks while raised
    const cleared = monitor.recordWorker(worker('w1', 0.76, 3));
    expect(cleared.map((a) => [a.subject.workerId, a.state, a.clearedAt, a.raisedAt])).toEqual([
      [undefined, 'cleared', 3, 1],
      ['w1', 'cleared', 3, 1],
    ]);
    expect(monitor.current()).toEqual([]);
  });

  it('does not flap when the value oscillates around the threshold', () => {
    const monitor = new HealthMonitor({ thresholds: { hysteresis: 0.05 } });
    monitor.recordWorker(worker('w2', 0.5, 0));
    const heard: Alert[] = [];
    monitor.on('alert', (alert) => heard.push(alert));
    for (let i = 0; i < 40; i++) monitor.recordWorker(worker('w1', i % 2 === 0 ? 0.81 : 0.79, i + 1));
    expect(heard.map((a) => [a.kind, a.subject.workerId, a.state])).toEqual([['systemLoad', 'w1', 'raised']]);
    expect(monitor.recent(10)).toHaveLength(1);
  });

  it('would flap without hysteresis, which is what the margin is for', () => {
    const monitor = new HealthMonitor({ thresholds: { hysteresis: 0 } });
    monitor.recordWorker(worker('w2', 0.5, 0));
    const heard: Alert[] = [];
    monitor.on('alert', (alert) => heard.push(alert));
    for (let i = 0; i < 6; i++) monitor.recordWorker(worker('w1', i % 2 === 0 ? 0.81 : 0.79, i + 1));
    expect(heard.map((a) => a.state)).toEqual(['raised', 'cleared', 'raised', 'cleared', 'raised', 'cleared']);
  });

  it('raises a pool-wide load alert on the mean over workers', () => {
    const monitor = new HealthMonitor();
    monitor.recordWorker(worker('w1', 0.85, 1));
    const raised = monitor.recordWorker(worker('w2', 0.9, 2));
    expect(raised.map((a) => a.subject)).toEqual([{ workerId: 'w2' }]);
    expect(monitor.current().map((a) => [a.subject.workerId, a.value])).toEqual([
      [undefined, 0.875],
      ['w1', 0.85],
      ['w2', 0.9],
    ]);
  });

  it('raises a resource alert on heapUsed / heapLimit', () => {
    const monitor = new HealthMonitor();
    const [alert] = monitor.recordWorker(worker('w1', 0.1, 1, 0.75));
    expect(alert).toMatchObject({ kind: 'resourceUsage', subject: { workerId: 'w1' }, value: 0.75, threshold: 0.7 });
  });

  it('forgetWorker clears its alerts and recomputes the pool load without it', () => {
    let t = 100;
    const monitor = new HealthMonitor({ now: () => t });
    monitor.recordWorker(worker('w1', 0.5, 1));
    monitor.recordWorker(worker('w2', 0.99, 2, 0.9));
    monitor.recordWorker(worker('w3', 0.99, 3));
    expect(monitor.current()).toHaveLength(4); // pool, w2 load, w2 heap, w3 load
    t = 200;
    const cleared = monitor.forgetWorker('w2');
    expect(cleared.map((a) => [a.kind, a.subject.workerId, a.clearedAt])).toEqual([
      ['systemLoad', 'w2', 200],
      ['resourceUsage', 'w2', 200],
      ['systemLoad', undefined, 200], // mean of 0.5 and 0.99 is under 0.76
    ]);
    expect(monitor.forgetWorker('w2')).toEqual([]);
  });
});

describe('HealthMonitor: agent health (cumulative counters, windowed)', () => {
  it('is the share of messages handled without failure over the last N messages', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { messages: 100 }, minMessages: 10 } });
    expect(monitor.recordAgent(agent('a1', 50, 0, 1))).toEqual([]);
    expect(monitor.agentHealth('a1')).toBe(1);
    const [raised] = monitor.recordAgent(agent('a1', 100, 20, 2));
    expect(raised).toMatchObject({
      kind: 'agentHealth',
      subject: { actorId: 'a1', workerId: 'w1' },
      value: 0.8,
      threshold: 0.9,
      state: 'raised',
    });
    // The window now starts at the sample 100 messages back: 100 clean messages.
    const [cleared] = monitor.recordAgent(agent('a1', 200, 20, 3));
    expect(monitor.agentHealth('a1')).toBe(1);
    expect(cleared).toMatchObject({ id: raised!.id, state: 'cleared', clearedAt: 3 });
  });

  it('is a floor with hysteresis: clears only at or above threshold × (1 + hysteresis)', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { messages: 100 }, hysteresis: 0.05 } });
    monitor.recordAgent(agent('a1', 100, 20, 1)); // 0.8: raised
    expect(monitor.recordAgent(agent('a1', 200, 28, 2))).toEqual([]); // 0.92: above 0.9, below 0.945
    expect(monitor.current()[0]?.value).toBeCloseTo(0.92);
    expect(monitor.recordAgent(agent('a1', 300, 33, 3)).map((a) => a.state)).toEqual(['cleared']); // 0.95
  });

  it('caps the floor clear point at 1 so a high floor can still clear', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { messages: 10 }, agentHealth: 0.98, hysteresis: 0.05 } });
    monitor.recordAgent(agent('a1', 10, 5, 1));
    expect(monitor.recordAgent(agent('a1', 20, 5, 2)).map((a) => a.state)).toEqual(['cleared']);
  });

  it('judges nothing on fewer than minMessages messages', () => {
    const monitor = new HealthMonitor({ thresholds: { minMessages: 10 } });
    expect(monitor.recordAgent(agent('a1', 5, 5, 1))).toEqual([]);
    expect(monitor.agentHealth('a1')).toBeUndefined();
  });

  it('clears an alert once a whole time window passes without a failure, however few messages it saw', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { ms: 1000 }, minMessages: 10 } });
    monitor.recordAgent(agent('a1', 0, 0, 0));
    expect(monitor.recordAgent(agent('a1', 100, 50, 500)).map((a) => a.state)).toEqual(['raised']);
    // Quiet, and a failure within the window: still too little to judge, the alert stays.
    expect(monitor.recordAgent(agent('a1', 101, 51, 1200))).toEqual([]);
    expect(monitor.current().map((a) => a.kind)).toEqual(['agentHealth']);
    // A whole window since the last failure, with 2 messages: the alert clears.
    expect(monitor.recordAgent(agent('a1', 103, 51, 2300)).map((a) => a.state)).toEqual(['cleared']);
    expect(monitor.agentHealth('a1')).toBe(1);
  });

  it('uses a time window: the baseline is the newest sample at or before the window start', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { ms: 1000 } } });
    monitor.recordAgent(agent('a1', 0, 0, 0));
    expect(monitor.recordAgent(agent('a1', 100, 50, 500)).map((a) => a.state)).toEqual(['raised']);
    expect(monitor.recordAgent(agent('a1', 300, 50, 1500)).map((a) => a.state)).toEqual(['cleared']);
    expect(monitor.agentHealth('a1')).toBe(1);
  });

  it('starts over when counters go down (the actor restarted)', () => {
    const monitor = new HealthMonitor({ thresholds: { window: { messages: 100 } } });
    monitor.recordAgent(agent('a1', 1000, 0, 1));
    monitor.recordAgent(agent('a1', 20, 10, 2));
    expect(monitor.agentHealth('a1')).toBe(0.5);
  });

  it('raises a latency alert on the worse of mailbox wait and ask round trip p99', () => {
    const monitor = new HealthMonitor();
    const sample = { ...agent('a1', 0, 0, 1), mailboxWaitP99Ms: 1500, askRoundTripP99Ms: 20 };
    expect(monitor.recordAgent(sample)).toMatchObject([
      { kind: 'communicationLatency', subject: { actorId: 'a1', workerId: 'w1' }, value: 1500, threshold: 1000 },
    ]);
    expect(monitor.recordAgent({ ...sample, mailboxWaitP99Ms: 960, at: 2 })).toEqual([]);
    expect(monitor.recordAgent({ ...sample, mailboxWaitP99Ms: 950, at: 3 }).map((a) => a.state)).toEqual(['cleared']);
  });

  it('forgetActor clears the actor alerts', () => {
    const monitor = new HealthMonitor({ now: () => 77 });
    monitor.recordAgent({ ...agent('a1', 100, 50, 1), askRoundTripP99Ms: 5000 });
    expect(monitor.current()).toHaveLength(2);
    expect(monitor.forgetActor('a1').map((a) => [a.kind, a.state, a.clearedAt])).toEqual([
      ['agentHealth', 'cleared', 77],
      ['communicationLatency', 'cleared', 77],
    ]);
    expect(monitor.agentHealth('a1')).toBeUndefined();
  });
});

describe('HealthMonitor: listeners, current, recent, report', () => {
  it('notifies listeners of transitions only, and stops after unsubscribe', () => {
    const monitor = new HealthMonitor();
    const listener = vi.fn();
    const unsubscribe = monitor.on('alert', listener);
    monitor.recordWorker(worker('w1', 0.9, 1)); // pool + worker raised
    monitor.recordWorker(worker('w1', 0.95, 2)); // still raised: no transition
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
    monitor.recordWorker(worker('w1', 0.1, 3));
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('keeps notifying other listeners when one throws, and logs it', () => {
    const error = vi.fn();
    const monitor = new HealthMonitor({ logger: { error } as unknown as Logger });
    const good = vi.fn();
    monitor.on('alert', () => {
      throw new Error('listener bug');
    });
    monitor.on('alert', good);
    monitor.recordWorker(worker('w1', 0.1, 1, 0.9));
    expect(good).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('recent(limit) lists episodes newest first in their latest state, bounded by historySize', () => {
    const monitor = new HealthMonitor({ historySize: 3, thresholds: { hysteresis: 0 } });
    monitor.recordWorker(worker('w2', 0, 0));
    for (let i = 0; i < 4; i++) {
      monitor.recordWorker(worker('w1', 0.9, i * 2 + 1));
      monitor.recordWorker(worker('w1', 0.1, i * 2 + 2));
    }
    const recent = monitor.recent(10);
    expect(recent.map((a) => [a.raisedAt, a.state])).toEqual([
      [7, 'cleared'],
      [5, 'cleared'],
      [3, 'cleared'],
    ]);
    expect(monitor.recent(1)).toEqual([recent[0]]);
  });

  it('returns frozen alerts so listeners cannot corrupt the monitor', () => {
    const monitor = new HealthMonitor();
    const [alert] = monitor.recordWorker(worker('w1', 0.1, 1, 0.9));
    expect(Object.isFrozen(alert)).toBe(true);
  });

  it('reports current alerts, workers and agent health', () => {
    const monitor = new HealthMonitor({ now: () => 500 });
    monitor.recordWorker(worker('w1', 0.1, 1));
    monitor.recordAgent(agent('a1', 100, 0, 2));
    expect(monitor.report()).toEqual({
      at: 500,
      alerts: [],
      workers: [worker('w1', 0.1, 1)],
      agents: [{ actorId: 'a1', workerId: 'w1', health: 1, at: 2 }],
    });
  });
});

describe('HealthMonitor: validation', () => {
  it('rejects bad options with InvalidOptionError naming the path', () => {
    expect(() => new HealthMonitor({ thresholds: { systemLoad: 2 } })).toThrow(InvalidOptionError);
    expect(() => new HealthMonitor({ thresholds: { systemLoad: 2 } })).toThrow(/"thresholds.systemLoad"/);
    expect(() => new HealthMonitor({ historySize: 0 })).toThrow(/"historySize"/);
  });

  it('rejects samples no metric can be computed from', () => {
    const monitor = new HealthMonitor();
    expect(() => monitor.recordWorker({ ...worker('w1', 0.1, 1), heapLimit: 0 })).toThrow(InvalidSampleError);
    expect(() => monitor.recordWorker({ ...worker('w1', 0.1, 1), eventLoopUtilization: Number.NaN })).toThrow(
      InvalidSampleError,
    );
    expect(() => monitor.recordAgent(agent('a1', 5, 6, 1))).toThrow(/exceeds "handled"/);
    expect(() => monitor.recordAgent(agent('', 5, 0, 1))).toThrow(InvalidSampleError);
    expect(() => monitor.on('alarm' as 'alert', () => {})).toThrow(InvalidOptionError);
  });
});
