import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { ChildAlreadyPresentError, StrategyMismatchError } from '../../supervisor/index.js';
import { behaviour, boom, child, startedPlan, steps } from './helpers.js';

function simple(restart: 'permanent' | 'transient' | 'temporary' = 'permanent', maxRestarts = 3) {
  return startedPlan({
    strategy: 'simple-one-for-one',
    intensity: { maxRestarts, withinMs: 5000 },
    children: [{ id: 'worker', start: { behaviour, args: ['pool'] }, restart }],
  });
}

describe('simple-one-for-one', () => {
  it('starts no child until one is added', () => {
    const { plan, initial } = simple();
    expect(initial.actions).toEqual([]);
    expect(plan.children()).toEqual([]);
  });

  it('stamps dynamic children from the template, appending args as OTP appends extra args', () => {
    const { plan } = simple();
    expect(plan.addChild('w1', [7])).toEqual({ actions: [{ kind: 'start', id: 'w1' }], events: [] });
    expect(plan.child('w1')).toMatchObject({
      id: 'w1',
      status: 'running',
      dynamic: true,
      spec: { id: 'w1', restart: 'permanent', start: { behaviour, args: ['pool', 7] } },
    });
    plan.addChild('w2');
    expect(plan.child('w2')?.spec.start.args).toEqual(['pool']);
  });

  it('restarts a failed child on its own', () => {
    const { plan } = simple();
    plan.addChild('w1');
    plan.addChild('w2');
    plan.addChild('w3');
    expect(steps(plan.childExited('w2', boom))).toEqual(['start w2']);
  });

  it('forgets a transient child that exited normally, and a temporary one whatever the reason', () => {
    const transient = simple('transient').plan;
    transient.addChild('w1');
    expect(steps(transient.childExited('w1', 'normal'))).toEqual(['remove w1']);
    expect(transient.child('w1')).toBeUndefined();

    const temporary = simple('temporary').plan;
    temporary.addChild('w1');
    expect(steps(temporary.childExited('w1', boom))).toEqual(['remove w1']);
    expect(temporary.children()).toEqual([]);
  });

  it('removeChild stops and forgets; terminateChild does the same for dynamic children', () => {
    const { plan } = simple();
    plan.addChild('w1');
    plan.addChild('w2');
    expect(steps(plan.removeChild('w1'))).toEqual(['stop w1', 'remove w1']);
    expect(steps(plan.terminateChild('w2'))).toEqual(['stop w2', 'remove w2']);
    expect(plan.children()).toEqual([]);
  });

  it('stops all dynamic children last-added first', () => {
    const { plan } = simple();
    ['w1', 'w2', 'w3'].forEach((id) => plan.addChild(id));
    expect(steps(plan.stopAll())).toEqual(['stop w3', 'stop w2', 'stop w1']);
  });

  it('escalates past the intensity after stopping every other child in reverse', () => {
    const { plan } = simple('permanent', 1);
    ['w1', 'w2', 'w3'].forEach((id) => plan.addChild(id));
    plan.childExited('w2', boom);
    expect(steps(plan.childExited('w2', boom))).toEqual(['stop w3', 'stop w1', 'escalate']);
  });

  it('rejects a duplicate id, a spec object, restartChild, and an empty id', () => {
    const { plan } = simple();
    plan.addChild('w1');
    expect(() => plan.addChild('w1')).toThrow(ChildAlreadyPresentError);
    expect(() => plan.addChild(child('x'))).toThrow(StrategyMismatchError);
    expect(() => plan.restartChild('w1')).toThrow(StrategyMismatchError);
    expect(() => plan.addChild('')).toThrow(InvalidOptionError);
  });

  it('a static supervisor refuses addChild(id, args)', () => {
    const { plan } = startedPlan({ children: [child('a')] });
    expect(() => plan.addChild('w1', [])).toThrow(StrategyMismatchError);
  });
});
