import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { parseAlertThresholds } from '../../supervisor/index.js';

describe('AlertThresholds', () => {
  it('has the documented defaults', () => {
    expect(parseAlertThresholds()).toEqual({
      systemLoad: 0.8,
      agentHealth: 0.9,
      resourceUsage: 0.7,
      communicationLatencyMs: 1000,
      updateIntervalMs: 60_000,
      monitoringIntervalMs: 300_000,
      hysteresis: 0.05,
      window: { ms: 300_000 },
      minMessages: 10,
      policies: {
        restartUnhealthyAgents: true,
        drainOverloadedWorkers: true,
        backpressureOnLoad: true,
        recycleWorkersOverResourceLimit: true,
      },
    });
  });

  it('keeps the other policy defaults when one switch is turned off', () => {
    const thresholds = parseAlertThresholds({ policies: { drainOverloadedWorkers: false } });
    expect(thresholds.policies).toEqual({
      restartUnhealthyAgents: true,
      drainOverloadedWorkers: false,
      backpressureOnLoad: true,
      recycleWorkersOverResourceLimit: true,
    });
  });

  it('accepts a message-count window', () => {
    expect(parseAlertThresholds({ window: { messages: 500 } }).window).toEqual({ messages: 500 });
  });

  it.each([
    ['systemLoad', { systemLoad: 1.5 }],
    ['agentHealth', { agentHealth: -0.1 }],
    ['resourceUsage', { resourceUsage: '0.7' }],
    ['communicationLatencyMs', { communicationLatencyMs: 0 }],
    ['updateIntervalMs', { updateIntervalMs: 1.5 }],
    ['monitoringIntervalMs', { monitoringIntervalMs: -1 }],
    ['hysteresis', { hysteresis: 1 }],
    ['window.messages', { window: { messages: 0 } }],
    ['window.ms', { window: { ms: -1 } }],
    ['minMessages', { minMessages: 0 }],
    ['policies.restartUnhealthyAgents', { policies: { restartUnhealthyAgents: 'yes' } }],
    ['policies.killEverything', { policies: { killEverything: true } }],
    ['systemload', { systemload: 0.5 }],
  ])('rejects a bad %s with InvalidOptionError naming it', (option, input) => {
    try {
      parseAlertThresholds(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).context.option).toBe(option);
      expect((error as Error).message).toContain(`"${option}"`);
    }
  });
});
