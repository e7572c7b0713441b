import { describe, expect, it } from 'vitest';
import { boom, child, startedPlan, statuses, steps } from './helpers.js';

const children = ['a', 'b', 'c', 'd'].map((id) => child(id));
const startError = new Error('cannot start');

describe('childStartFailed', () => {
  it('during the initial start: stops what started, in reverse, and escalates like a failing init', () => {
    const { plan } = startedPlan({ children });
    const decision = plan.childStartFailed('c', startError);
    expect(decision.actions).toEqual([
      { kind: 'stop', id: 'b' },
      { kind: 'stop', id: 'a' },
      { kind: 'escalate', reason: { shutdown: { failedToStartChild: 'c', reason: startError } } },
    ]);
    expect(decision.events).toMatchObject([{ type: 'escalate', child: 'c', cause: { error: startError } }]);
    expect(plan.phase).toBe('terminated');
    expect(statuses(plan)).toEqual({ a: 'stopped', b: 'stopped', c: 'stopped', d: 'stopped' });
  });

  it('during a one-for-one restart: counts as another restart and tries again', () => {
    const { plan } = startedPlan({ children });
    plan.childExited('b', boom);
    const retry = plan.childStartFailed('b', startError);
    expect(steps(retry)).toEqual(['start b']);
    expect(retry.events).toMatchObject([{ type: 'restart', child: 'b', cause: { error: startError } }]);
    expect(plan.restartsInWindow()).toBe(2);
  });

  it('escalates when the retries exhaust the intensity', () => {
    const { plan } = startedPlan({ intensity: { maxRestarts: 1, withinMs: 5000 }, children });
    plan.childExited('b', boom);
    expect(steps(plan.childStartFailed('b', startError))).toEqual(['stop d', 'stop c', 'stop a', 'escalate']);
  });

  it('during a one-for-all restart: children after the failed start were never attempted; retry restarts all', () => {
    const { plan } = startedPlan({ strategy: 'one-for-all', children });
    plan.childExited('b', boom); // stop d c a, start a b c d
    expect(steps(plan.childStartFailed('b', startError))).toEqual([
      'stop a', // only a came up before b failed
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
  });

  it('during a rest-for-one restart: retries from the child that failed to start', () => {
    const { plan } = startedPlan({ strategy: 'rest-for-one', children });
    plan.childExited('b', boom); // stop d c, start b c d
    expect(steps(plan.childStartFailed('c', startError))).toEqual(['start c', 'start d']);
    expect(statuses(plan)).toEqual({ a: 'running', b: 'running', c: 'running', d: 'running' });
  });

  it('during addChild: the child is dropped, as OTP start_child keeps no spec that failed', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    plan.addChild(child('late'));
    expect(steps(plan.childStartFailed('late', startError))).toEqual(['remove late']);
    expect(plan.child('late')).toBeUndefined();
  });

  it('during restartChild: the spec stays, stopped, and nothing else happens', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    plan.terminateChild('a');
    plan.restartChild('a');
    expect(plan.childStartFailed('a', startError)).toEqual({ actions: [], events: [] });
    expect(plan.child('a')?.status).toBe('stopped');
    expect(plan.restartsInWindow()).toBe(0);
  });

  it('ignores a failure for a child the last decision did not start', () => {
    const { plan } = startedPlan({ children });
    plan.childExited('b', boom);
    expect(plan.childStartFailed('a', startError)).toEqual({ actions: [], events: [] });
    plan.childExited('c', boom); // a newer decision supersedes the one that started b
    expect(plan.childStartFailed('b', startError)).toEqual({ actions: [], events: [] });
  });
});
