import { describe, expect, it } from 'vitest';
import { boom, child, startedPlan, steps } from './helpers.js';

const children = ['a', 'b', 'c', 'd'].map((id) => child(id));

describe('restart intensity in the plan', () => {
  it('defaults to 3 restarts within 5000 ms: the 4th restart in the window escalates', () => {
    const { plan, clock } = startedPlan({ children });
    for (let i = 0; i < 3; i++) {
      expect(steps(plan.childExited('b', boom))).toEqual(['start b']);
      clock.advance(1000);
    }
    expect(steps(plan.childExited('b', boom))).toEqual(['stop d', 'stop c', 'stop a', 'escalate']);
  });

  it('when exceeded, stops every running child in reverse start order first, then escalates with shutdown', () => {
    const { plan, clock } = startedPlan({ strategy: 'one-for-all', intensity: { maxRestarts: 1, withinMs: 1000 }, children });
    plan.childExited('c', boom);
    clock.advance(10);
    const decision = plan.childExited('c', boom);
    expect(decision.actions).toEqual([
      { kind: 'stop', id: 'd' },
      { kind: 'stop', id: 'b' },
      { kind: 'stop', id: 'a' },
      { kind: 'escalate', reason: 'shutdown' },
    ]);
    expect(decision.events).toEqual([
      {
        type: 'escalate',
        supervisor: 'sup',
        child: 'c',
        cause: boom,
        strategy: 'one-for-all',
        at: clock.now(),
        reason: 'shutdown',
      },
    ]);
    expect(plan.phase).toBe('terminated');
  });

  it('with maxRestarts 0 the first restart escalates', () => {
    const { plan } = startedPlan({ intensity: { maxRestarts: 0, withinMs: 1000 }, children });
    expect(steps(plan.childExited('a', boom))).toEqual(['stop d', 'stop c', 'stop b', 'escalate']);
  });

  it('forgets restarts that slid out of the window', () => {
    const { plan, clock } = startedPlan({ intensity: { maxRestarts: 2, withinMs: 1000 }, children });
    plan.childExited('a', boom); // t0
    clock.advance(600);
    plan.childExited('a', boom); // t0+600
    clock.advance(600);
    expect(steps(plan.childExited('a', boom))).toEqual(['start a']); // t0 slid out: 2 in window
    clock.advance(100);
    expect(steps(plan.childExited('a', boom)).at(-1)).toBe('escalate'); // 3 within 1000 ms
  });

  it('counts restarts of different children together, as OTP does', () => {
    const { plan } = startedPlan({ intensity: { maxRestarts: 2, withinMs: 1000 }, children });
    plan.childExited('a', boom);
    plan.childExited('b', boom);
    expect(steps(plan.childExited('c', boom)).at(-1)).toBe('escalate');
  });

  it('ignores every input after escalating', () => {
    const { plan } = startedPlan({ intensity: { maxRestarts: 0, withinMs: 1000 }, children });
    plan.childExited('a', boom);
    expect(plan.childExited('b', boom).actions).toEqual([]);
    expect(plan.stopAll().actions).toEqual([]);
  });
});

describe('backoff in the plan', () => {
  const backoff = { minMs: 100, maxMs: 1000 };
  const intensity = { maxRestarts: 100, withinMs: 60_000 };

  it('waits between stopping and starting, growing per consecutive restart of the same child', () => {
    const { plan, clock } = startedPlan({ strategy: 'one-for-all', intensity, backoff, children: [child('a'), child('b')] });
    expect(steps(plan.childExited('a', boom))).toEqual(['stop b', 'delay 100', 'start a', 'start b']);
    clock.advance(150); // up 50 ms after its delayed start: not quiet
    expect(steps(plan.childExited('a', boom))).toEqual(['stop b', 'delay 200', 'start a', 'start b']);
    expect(plan.childExited('b', boom).events[0]).toMatchObject({ type: 'restart', child: 'b', delayMs: 100 });
  });

  it('resets after the child stayed up for the quiet period (default maxMs)', () => {
    const { plan, clock } = startedPlan({ intensity, backoff, children: [child('a')] });
    plan.childExited('a', boom); // delay 100
    clock.advance(100);
    plan.childExited('a', boom); // delay 200, started at +200
    clock.advance(200 + 1000);
    expect(steps(plan.childExited('a', boom))).toEqual(['delay 100', 'start a']);
  });

  it('applies jitter from the injected random source', () => {
    const { plan } = startedPlan({ intensity, backoff: { ...backoff, jitter: 0.5 }, children: [child('a')] }, { random: () => 0.5 });
    expect(steps(plan.childExited('a', boom))).toEqual(['delay 75', 'start a']);
  });
});
