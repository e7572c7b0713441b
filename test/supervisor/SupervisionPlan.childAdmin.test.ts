import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import {
  ChildAlreadyPresentError,
  ChildNotFoundError,
  ChildRunningError,
  SupervisionPlan,
  SupervisorNotRunningError,
} from '../../supervisor/index.js';
import { boom, child, startedPlan, steps } from './helpers.js';

describe('child administration on static supervisors', () => {
  it('addChild validates the spec, appends it and starts it', () => {
    const { plan } = startedPlan({ strategy: 'one-for-all', children: [child('a'), child('b')] });
    expect(steps(plan.addChild(child('c', { restart: 'transient' })))).toEqual(['start c']);
    expect(plan.children().map((c) => [c.id, c.status, c.spec.restart])).toEqual([
      ['a', 'running', 'permanent'],
      ['b', 'running', 'permanent'],
      ['c', 'running', 'transient'],
    ]);
    expect(steps(plan.childExited('a', boom))).toEqual(['stop c', 'stop b', 'start a', 'start b', 'start c']);
  });

  it('addChild rejects a bad spec with InvalidOptionError naming the field', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    expect(() => plan.addChild(child('x', { restart: 'sometimes' as never }))).toThrow(/"restart"/);
    try {
      plan.addChild(child('x', { restart: 'transient', significant: true }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).context.option).toBe('significant');
    }
  });

  it('addChild refuses an id already present, running or not', () => {
    const { plan } = startedPlan({ children: [child('a'), child('b', { restart: 'transient' })] });
    expect(() => plan.addChild(child('a'))).toThrow(ChildAlreadyPresentError);
    plan.childExited('b', 'normal');
    expect(() => plan.addChild(child('b'))).toThrow(/already present/);
  });

  it('terminateChild stops a child without restarting it and keeps a permanent spec', () => {
    const { plan } = startedPlan({ intensity: { maxRestarts: 0, withinMs: 1000 }, children: [child('a'), child('b')] });
    expect(plan.terminateChild('b')).toEqual({ actions: [{ kind: 'stop', id: 'b' }], events: [] });
    expect(plan.child('b')?.status).toBe('stopped');
    expect(plan.phase).toBe('running'); // not a restart: intensity 0 is not tripped
    expect(steps(plan.restartChild('b'))).toEqual(['start b']);
    expect(plan.child('b')?.status).toBe('running');
  });

  it('terminateChild forgets a temporary child', () => {
    const { plan } = startedPlan({ children: [child('a'), child('t', { restart: 'temporary' })] });
    const decision = plan.terminateChild('t');
    expect(steps(decision)).toEqual(['stop t', 'remove t']);
    expect(decision.events).toMatchObject([{ type: 'child-removed', child: 't', cause: 'shutdown' }]);
    expect(plan.child('t')).toBeUndefined();
  });

  it('restartChild refuses a running child', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    expect(() => plan.restartChild('a')).toThrow(ChildRunningError);
  });

  it('removeChild stops a running child, forgets it, and publishes child-removed', () => {
    const { plan } = startedPlan({ strategy: 'rest-for-one', children: [child('a'), child('b'), child('c')] });
    const decision = plan.removeChild('b');
    expect(steps(decision)).toEqual(['stop b', 'remove b']);
    expect(decision.events).toMatchObject([{ type: 'child-removed', supervisor: 'sup', child: 'b', cause: 'shutdown', strategy: 'rest-for-one' }]);
    expect(plan.children().map((c) => c.id)).toEqual(['a', 'c']);
    expect(steps(plan.removeChild('a'))).toEqual(['stop a', 'remove a']);
  });

  it('unknown ids throw ChildNotFoundError', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    expect(() => plan.removeChild('zz')).toThrow(ChildNotFoundError);
    expect(() => plan.terminateChild('zz')).toThrow(ChildNotFoundError);
    expect(() => plan.restartChild('zz')).toThrow(ChildNotFoundError);
  });

  it('refuses administration before startAll and after termination, and a second startAll', () => {
    const { plan } = startedPlan({ children: [child('a')] }, { started: false });
    expect(plan.phase).toBe('idle');
    expect(() => plan.addChild(child('b'))).toThrow(SupervisorNotRunningError);
    expect(plan.childExited('a', boom).actions).toEqual([]);
    plan.startAll();
    expect(() => plan.startAll()).toThrow(SupervisorNotRunningError);
    plan.stopAll();
    expect(() => plan.removeChild('a')).toThrow(SupervisorNotRunningError);
  });

  it('is deterministic: the same inputs give the same decisions', () => {
    const run = () => {
      const { plan, clock } = startedPlan({
        strategy: 'rest-for-one',
        backoff: { minMs: 10, maxMs: 100, jitter: 0.5 },
        children: ['a', 'b', 'c'].map((id) => child(id)),
      }, { random: () => 0.25 });
      const log: unknown[] = [];
      for (const id of ['b', 'a', 'c']) {
        clock.advance(7);
        log.push(plan.childExited(id, boom));
      }
      return log;
    };
    expect(run()).toEqual(run());
  });

  it('uses the injected clock for event times', () => {
    let t = 5;
    const plan = new SupervisionPlan({ supervisor: 's', spec: { children: [child('a')] }, now: () => t });
    plan.startAll();
    t = 99;
    expect(plan.childExited('a', boom).events[0]?.at).toBe(99);
  });
});
