import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { SupervisionPlan, parseChildSpec, parseSupervisorSpec } from '../../supervisor/index.js';
import { behaviour, child } from './helpers.js';

/** Runs `fn`, expects an InvalidOptionError, and returns the option path it names. */
function failingOption(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    const option = (error as InvalidOptionError).context.option as string;
    expect((error as Error).message).toContain(`"${option}"`);
    return option;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('ChildSpec', () => {
  it('fills OTP defaults: permanent, 5000 ms shutdown, not significant', () => {
    expect(parseChildSpec({ id: 'a', start: { behaviour } })).toEqual({
      id: 'a',
      start: { behaviour },
      restart: 'permanent',
      shutdownMs: 5000,
      significant: false,
    });
  });

  it('keeps the behaviour, args and options opaque', () => {
    const odd = { anything: () => 1 };
    const spec = parseChildSpec({ id: 'a', start: { behaviour: odd, args: [1, { x: 2 }], options: { y: 3 } } });
    expect(spec.start.behaviour).toBe(odd);
    expect(spec.start.args).toEqual([1, { x: 2 }]);
  });

  it('accepts 0 (brutal kill) and Infinity as shutdownMs', () => {
    expect(parseChildSpec(child('a', { shutdownMs: 0 })).shutdownMs).toBe(0);
    expect(parseChildSpec(child('a', { shutdownMs: Infinity })).shutdownMs).toBe(Infinity);
  });

  it.each([
    ['id', { start: { behaviour } }],
    ['id', { id: '', start: { behaviour } }],
    ['start', { id: 'a' }],
    ['start.behaviour', { id: 'a', start: {} }],
    ['start.module', { id: 'a', start: { behaviour, module: 'x' } }],
    ['restart', { id: 'a', start: { behaviour }, restart: 'sometimes' }],
    ['shutdownMs', { id: 'a', start: { behaviour }, shutdownMs: -1 }],
    ['shutdownMs', { id: 'a', start: { behaviour }, shutdownMs: 1.5 }],
    ['significant', { id: 'a', start: { behaviour }, significant: true }],
    ['restartType', { id: 'a', start: { behaviour }, restartType: 'permanent' }],
  ])('rejects a bad %s', (option, input) => {
    expect(failingOption(() => parseChildSpec(input))).toBe(option);
  });

  it('explains why a permanent child cannot be significant', () => {
    expect(() => parseChildSpec(child('a', { significant: true }))).toThrow(/permanent child cannot be significant/);
  });
});

describe('SupervisorSpec', () => {
  it('defaults to one-for-one, 3 restarts in 5000 ms, no backoff, no auto-shutdown, no children', () => {
    expect(parseSupervisorSpec({})).toEqual({
      strategy: 'one-for-one',
      intensity: { maxRestarts: 3, withinMs: 5000 },
      autoShutdown: 'never',
      children: [],
    });
  });

  it('fills partial intensity and backoff defaults', () => {
    const spec = parseSupervisorSpec({ intensity: { maxRestarts: 10 }, backoff: { minMs: 50, maxMs: 800 } });
    expect(spec.intensity).toEqual({ maxRestarts: 10, withinMs: 5000 });
    expect(spec.backoff).toEqual({ minMs: 50, maxMs: 800, jitter: 0, factor: 2, resetAfterMs: 800 });
  });

  it('accepts a simple-one-for-one spec with exactly one template', () => {
    expect(parseSupervisorSpec({ strategy: 'simple-one-for-one', children: [child('t')] }).children).toHaveLength(1);
  });

  it.each([
    ['strategy', { strategy: 'one-for-none' }],
    ['intensity.maxRestarts', { intensity: { maxRestarts: -1 } }],
    ['intensity.maxRestarts', { intensity: { maxRestarts: 1.5 } }],
    ['intensity.withinMs', { intensity: { withinMs: 0 } }],
    ['intensty', { intensty: { maxRestarts: 1 } }],
    ['backoff.minMs', { backoff: { maxMs: 10 } }],
    ['backoff.maxMs', { backoff: { minMs: 100, maxMs: 10 } }],
    ['backoff.jitter', { backoff: { minMs: 1, maxMs: 10, jitter: 1.5 } }],
    ['backoff.factor', { backoff: { minMs: 1, maxMs: 10, factor: 0.5 } }],
    ['autoShutdown', { autoShutdown: 'sometimes' }],
    ['children', { children: 'a' }],
    ['children[1].restart', { children: [child('a'), child('b', { restart: 'always' as never })] }],
    ['children[0].start.behaviour', { children: [{ id: 'a', start: { behaviour: null } }] }],
    ['children[1].id', { children: [child('a'), child('a')] }],
    ['children', { strategy: 'simple-one-for-one', children: [child('a'), child('b')] }],
    ['children', { strategy: 'simple-one-for-one', children: [] }],
    ['autoShutdown', { strategy: 'simple-one-for-one', autoShutdown: 'any-significant', children: [child('a')] }],
    ['children[0].significant', { children: [child('a', { restart: 'transient', significant: true })] }],
    ['children[0].significant', { autoShutdown: 'any-significant', children: [child('a', { significant: true })] }],
  ])('rejects a bad %s with InvalidOptionError naming it', (option, input) => {
    expect(failingOption(() => parseSupervisorSpec(input))).toBe(option);
  });

  it('validates the plan options at construction, prefixing the spec path', () => {
    expect(failingOption(() => new SupervisionPlan({ supervisor: 'x', spec: { strategy: 'nope' as never } }))).toBe(
      'spec.strategy',
    );
    expect(failingOption(() => new SupervisionPlan({ supervisor: '', spec: {} }))).toBe('supervisor');
    expect(failingOption(() => new SupervisionPlan({ supervisor: 'x', spec: {}, now: 5 as never }))).toBe('now');
  });

  it('lists every issue in the error context', () => {
    try {
      parseSupervisorSpec({ strategy: 'x', intensity: { maxRestarts: -1 } });
      expect.unreachable();
    } catch (error) {
      const issues = (error as InvalidOptionError).context.issues as { option: string }[];
      expect(issues.map((i) => i.option)).toEqual(['strategy', 'intensity.maxRestarts']);
    }
  });
});
