import { describe, expect, it } from 'vitest';
import { HealthMonitor, policyActionsFor, type Alert, type AlertPolicies } from '../../supervisor/index.js';

const allOn: AlertPolicies = {
  restartUnhealthyAgents: true,
  drainOverloadedWorkers: true,
  backpressureOnLoad: true,
  recycleWorkersOverResourceLimit: true,
};
const allOff: AlertPolicies = {
  restartUnhealthyAgents: false,
  drainOverloadedWorkers: false,
  backpressureOnLoad: false,
  recycleWorkersOverResourceLimit: false,
};

function alert(kind: Alert['kind'], subject: Alert['subject'], state: Alert['state'] = 'raised'): Alert {
  return { id: 'x', kind, subject, value: 1, threshold: 0.5, raisedAt: 0, state };
}

describe('policyActionsFor', () => {
  it.each<[string, Alert, unknown[]]>([
    ['unhealthy agent → restart-actor', alert('agentHealth', { actorId: 'a1', workerId: 'w1' }), [{ kind: 'restart-actor', actorId: 'a1' }]],
    ['overloaded worker → drain-worker', alert('systemLoad', { workerId: 'w1' }), [{ kind: 'drain-worker', workerId: 'w1' }]],
    ['overloaded pool → apply-backpressure', alert('systemLoad', {}), [{ kind: 'apply-backpressure' }]],
    ['pool recovered → release-backpressure', alert('systemLoad', {}, 'cleared'), [{ kind: 'release-backpressure' }]],
    ['heap over limit → recycle-worker', alert('resourceUsage', { workerId: 'w1' }), [{ kind: 'recycle-worker', workerId: 'w1' }]],
    ['slow messages → nothing automatic', alert('communicationLatency', { actorId: 'a1', workerId: 'w1' }), []],
    ['cleared worker alert → nothing', alert('systemLoad', { workerId: 'w1' }, 'cleared'), []],
    ['cleared agent alert → nothing', alert('agentHealth', { actorId: 'a1' }, 'cleared'), []],
  ])('%s', (_, input, expected) => {
    expect(policyActionsFor(input, allOn, false)).toEqual(expected);
  });

  it.each<Alert>([
    alert('agentHealth', { actorId: 'a1' }),
    alert('systemLoad', { workerId: 'w1' }),
    alert('systemLoad', {}),
    alert('systemLoad', {}, 'cleared'),
    alert('resourceUsage', { workerId: 'w1' }),
  ])('does nothing when the switch for %o is off', (input) => {
    expect(policyActionsFor(input, allOff, false)).toEqual([]);
  });

  it('does not drain a worker while the whole pool is overloaded', () => {
    expect(policyActionsFor(alert('systemLoad', { workerId: 'w1' }), allOn, true)).toEqual([]);
  });
});

describe('HealthMonitor.policyActions', () => {
  it('applies the configured switches to live alerts, with the pool state', () => {
    const monitor = new HealthMonitor({ thresholds: { policies: { recycleWorkersOverResourceLimit: false } } });
    const actions: unknown[] = [];
    monitor.on('alert', (a) => actions.push(...monitor.policyActions(a)));
    const sample = { workerId: 'w1', eventLoopUtilization: 0.1, heapUsed: 0.2, heapLimit: 1, at: 1 };
    monitor.recordWorker({ ...sample, workerId: 'w2' });
    monitor.recordWorker({ ...sample, eventLoopUtilization: 0.95, heapUsed: 0.9 });
    expect(actions).toEqual([{ kind: 'drain-worker', workerId: 'w1' }]); // heap alert raised, recycling off
    monitor.recordWorker({ ...sample, workerId: 'w2', eventLoopUtilization: 0.95, at: 2 });
    // Pool now overloaded: backpressure, and w2 is not drained since there is nowhere to move work.
    expect(actions.slice(1)).toEqual([{ kind: 'apply-backpressure' }]);
    monitor.recordWorker({ ...sample, workerId: 'w2', eventLoopUtilization: 0.1, at: 3 });
    expect(actions.slice(2)).toEqual([{ kind: 'release-backpressure' }]);
  });
});
