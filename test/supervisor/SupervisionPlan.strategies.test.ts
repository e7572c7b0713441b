import { describe, expect, it } from 'vitest';
import { boom, child, startedPlan, statuses, steps } from './helpers.js';

const fourChildren = ['a', 'b', 'c', 'd'].map((id) => child(id));

describe('SupervisionPlan startAll / stopAll', () => {
  it('starts static children in spec order and stops them in reverse', () => {
    const { plan, initial } = startedPlan({ strategy: 'one-for-one', children: fourChildren });
    expect(steps(initial)).toEqual(['start a', 'start b', 'start c', 'start d']);
    expect(plan.phase).toBe('running');
    expect(steps(plan.stopAll())).toEqual(['stop d', 'stop c', 'stop b', 'stop a']);
    expect(plan.phase).toBe('terminated');
  });

  it('stopAll skips children that are not running', () => {
    const { plan } = startedPlan({ children: fourChildren });
    plan.terminateChild('b');
    expect(steps(plan.stopAll())).toEqual(['stop d', 'stop c', 'stop a']);
  });

  it('ignores exits once terminated', () => {
    const { plan } = startedPlan({ children: fourChildren });
    plan.stopAll();
    expect(plan.childExited('a', boom).actions).toEqual([]);
  });
});

describe('one-for-one', () => {
  it('restarts only the failed child', () => {
    const { plan } = startedPlan({ strategy: 'one-for-one', children: fourChildren });
    const decision = plan.childExited('b', boom);
    expect(decision.actions).toEqual([{ kind: 'start', id: 'b' }]);
    expect(statuses(plan)).toEqual({ a: 'running', b: 'running', c: 'running', d: 'running' });
  });

  it('describes the decision in a restart event', () => {
    const { plan, clock } = startedPlan({ strategy: 'one-for-one', children: fourChildren });
    clock.set(42_000);
    expect(plan.childExited('c', boom).events).toEqual([
      {
        type: 'restart',
        supervisor: 'sup',
        child: 'c',
        cause: boom,
        strategy: 'one-for-one',
        at: 42_000,
        restarted: ['c'],
        delayMs: 0,
      },
    ]);
  });
});

describe('one-for-all', () => {
  it('stops all the others in reverse start order, then restarts all in start order', () => {
    const { plan } = startedPlan({ strategy: 'one-for-all', children: fourChildren });
    expect(steps(plan.childExited('b', boom))).toEqual([
      'stop d',
      'stop c',
      'stop a',
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
    expect(statuses(plan)).toEqual({ a: 'running', b: 'running', c: 'running', d: 'running' });
  });

  it('drops temporary siblings instead of restarting them (OTP terminate_children)', () => {
    const { plan } = startedPlan({
      strategy: 'one-for-all',
      children: [child('a'), child('b'), child('c', { restart: 'temporary' }), child('d')],
    });
    const decision = plan.childExited('b', boom);
    expect(steps(decision)).toEqual(['stop d', 'stop c', 'remove c', 'stop a', 'start a', 'start b', 'start d']);
    expect(plan.child('c')).toBeUndefined();
    expect(decision.events.map((e) => [e.type, e.child, e.cause])).toEqual([
      ['restart', 'b', boom],
      ['child-removed', 'c', 'shutdown'],
    ]);
  });

  it('also starts a kept-but-stopped sibling, as OTP start_children does', () => {
    const { plan } = startedPlan({
      strategy: 'one-for-all',
      children: [child('a'), child('b'), child('c', { restart: 'transient' }), child('d')],
    });
    expect(steps(plan.childExited('c', 'normal'))).toEqual(['remove c']);
    expect(plan.child('c')?.status).toBe('stopped');
    expect(steps(plan.childExited('b', boom))).toEqual(['stop d', 'stop a', 'start a', 'start b', 'start c', 'start d']);
  });

  it('restarts the first child by stopping everything after it', () => {
    const { plan } = startedPlan({ strategy: 'one-for-all', children: fourChildren });
    expect(steps(plan.childExited('a', boom))).toEqual([
      'stop d',
      'stop c',
      'stop b',
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
  });
});

describe('rest-for-one', () => {
  it('stops the children started after the failed one in reverse, then restarts it and them in order', () => {
    const { plan } = startedPlan({ strategy: 'rest-for-one', children: fourChildren });
    expect(steps(plan.childExited('b', boom))).toEqual(['stop d', 'stop c', 'start b', 'start c', 'start d']);
  });

  it('leaves children started before the failed one alone', () => {
    const { plan } = startedPlan({ strategy: 'rest-for-one', children: fourChildren });
    expect(steps(plan.childExited('d', boom))).toEqual(['start d']);
    expect(steps(plan.childExited('a', boom))).toEqual([
      'stop d',
      'stop c',
      'stop b',
      'start a',
      'start b',
      'start c',
      'start d',
    ]);
  });

  it('treats children added at run time as started last', () => {
    const { plan } = startedPlan({ strategy: 'rest-for-one', children: [child('a'), child('b')] });
    expect(steps(plan.addChild(child('late')))).toEqual(['start late']);
    expect(steps(plan.childExited('a', boom))).toEqual(['stop late', 'stop b', 'start a', 'start b', 'start late']);
  });
});
