import { describe, expect, it } from 'vitest';
import { boom, child, startedPlan, steps } from './helpers.js';

describe('auto-shutdown on significant children (OTP auto_shutdown)', () => {
  it('any-significant: a significant transient child exiting normally shuts the supervisor down', () => {
    const { plan } = startedPlan({
      autoShutdown: 'any-significant',
      children: [child('a'), child('s', { restart: 'transient', significant: true }), child('c')],
    });
    const decision = plan.childExited('s', 'normal');
    expect(decision.actions).toEqual([
      { kind: 'remove', id: 's' },
      { kind: 'stop', id: 'c' },
      { kind: 'stop', id: 'a' },
      { kind: 'auto-shutdown', reason: 'shutdown' },
    ]);
    expect(decision.events.map((e) => e.type)).toEqual(['child-removed', 'auto-shutdown']);
    expect(plan.phase).toBe('terminated');
  });

  it('a significant transient child that fails is restarted, not a reason to shut down', () => {
    const { plan } = startedPlan({
      autoShutdown: 'any-significant',
      children: [child('a'), child('s', { restart: 'transient', significant: true })],
    });
    expect(steps(plan.childExited('s', boom))).toEqual(['start s']);
  });

  it('a significant temporary child shuts down on any exit', () => {
    const { plan } = startedPlan({
      autoShutdown: 'any-significant',
      children: [child('a'), child('s', { restart: 'temporary', significant: true })],
    });
    expect(steps(plan.childExited('s', boom))).toEqual(['remove s', 'stop a', 'auto-shutdown']);
  });

  it('all-significant: only the last significant child to go shuts the supervisor down', () => {
    const { plan } = startedPlan({
      autoShutdown: 'all-significant',
      children: [
        child('a'),
        child('s1', { restart: 'transient', significant: true }),
        child('s2', { restart: 'temporary', significant: true }),
      ],
    });
    expect(steps(plan.childExited('s1', 'normal'))).toEqual(['remove s1']);
    expect(steps(plan.childExited('s2', 'normal'))).toEqual(['remove s2', 'stop a', 'auto-shutdown']);
  });

  it('terminations ordered by the supervisor do not count', () => {
    const { plan } = startedPlan({
      autoShutdown: 'any-significant',
      children: [child('a'), child('s', { restart: 'transient', significant: true })],
    });
    expect(steps(plan.terminateChild('s'))).toEqual(['stop s']);
    expect(plan.phase).toBe('running');
  });

  it('non-significant children never trigger it', () => {
    const { plan } = startedPlan({
      autoShutdown: 'any-significant',
      children: [child('a', { restart: 'transient' }), child('s', { restart: 'transient', significant: true })],
    });
    expect(steps(plan.childExited('a', 'normal'))).toEqual(['remove a']);
    expect(plan.phase).toBe('running');
  });
});
