import { describe, expect, it } from 'vitest';
import type { ExitReason } from '../../supervisor/index.js';
import { boom, child, startedPlan, steps } from './helpers.js';

const reasons: [string, ExitReason][] = [
  ['normal', 'normal'],
  ['shutdown', 'shutdown'],
  ['{shutdown, term}', { shutdown: 'done' }],
  ['error', boom],
];

describe('restart types', () => {
  it.each(reasons)('a permanent child is restarted after a %s exit', (_, reason) => {
    const { plan } = startedPlan({ children: [child('p', { restart: 'permanent' })] });
    expect(steps(plan.childExited('p', reason))).toEqual(['start p']);
  });

  it.each(reasons.slice(0, 3))('a transient child is not restarted after a %s exit, and keeps its spec', (_, reason) => {
    const { plan } = startedPlan({ children: [child('t', { restart: 'transient' })] });
    const decision = plan.childExited('t', reason);
    expect(steps(decision)).toEqual(['remove t']);
    expect(decision.events).toMatchObject([{ type: 'child-removed', child: 't', cause: reason }]);
    expect(plan.child('t')?.status).toBe('stopped');
    expect(steps(plan.restartChild('t'))).toEqual(['start t']);
  });

  it('a transient child is restarted after an abnormal exit', () => {
    const { plan } = startedPlan({ children: [child('t', { restart: 'transient' })] });
    expect(steps(plan.childExited('t', boom))).toEqual(['start t']);
  });

  it.each(reasons)('a temporary child is never restarted (%s) and is forgotten', (_, reason) => {
    const { plan } = startedPlan({ children: [child('x', { restart: 'temporary' }), child('y')] });
    expect(steps(plan.childExited('x', reason))).toEqual(['remove x']);
    expect(plan.children().map((c) => c.id)).toEqual(['y']);
  });

  it('a removal does not count against restart intensity', () => {
    const { plan } = startedPlan({
      intensity: { maxRestarts: 0, withinMs: 1000 },
      children: [child('x', { restart: 'temporary' }), child('t', { restart: 'transient' })],
    });
    plan.childExited('x', boom);
    plan.childExited('t', 'normal');
    expect(plan.restartsInWindow()).toBe(0);
    expect(plan.phase).toBe('running');
  });

  it('ignores an exit for a child that is not running (stale or already handled)', () => {
    const { plan } = startedPlan({ children: [child('a'), child('b')] });
    plan.terminateChild('a');
    expect(plan.childExited('a', boom)).toEqual({ actions: [], events: [] });
    expect(plan.childExited('nobody', boom)).toEqual({ actions: [], events: [] });
  });
});
