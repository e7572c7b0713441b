import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../index.js';
import { collectMetrics } from '../../metrics/index.js';
import { Slowpoke } from '../fixtures/supervision/faults.js';

describe('communication latency', () => {
  it('messages that wait long in a mailbox raise a communicationLatency alert for their behaviour, and the wait shows in the metrics', async () => {
    const system = await ActorSystem.start({
      workers: 2, logLevel: 'silent',
      watchdog: { intervalMs: 100, unresponsiveMs: 10_000 },
      monitoring: { updateIntervalMs: 100, communicationLatencyMs: 50 },
    });
    try {
      const slow = await system.spawn(Slowpoke, { id: 'slow', placement: { worker: 1 } });
      // 400 queued messages of 2 ms each: the later ones wait hundreds of ms before their turn.
      for (let i = 0; i < 400; i++) slow.tell({ t: 'work', ms: 2 });
      const ev = await system.events.waitFor((e) => e.type === 'alert' && (e.alert as { kind: string }).kind === 'communicationLatency', 15_000);
      const alert = ev.alert as { subject: { actorId?: string }; value: number; threshold: number };
      expect(alert.subject.actorId).toBe('behaviour:Slowpoke@1');
      expect(alert.value).toBeGreaterThan(50);
      expect(alert.threshold).toBe(50);
      expect(await slow.ask({ t: 'done' }, { timeoutMs: 10_000 })).toBe(400);

      const metrics = collectMetrics(system);
      try {
        for (let i = 0; i < 200; i++) slow.tell({ t: 'work', ms: 1 });
        await slow.ask({ t: 'done' }, { timeoutMs: 10_000 });
        // Timings are reported over whole seconds, with the next heartbeat: on a loaded machine that
        // can take a few, so wait for the report (the assertions below are what matters).
        let text = '';
        for (let i = 0; i < 50 && !/behaviour_mailbox_wait_ms\{[^}]*behaviour="Slowpoke"/.test(text); i++) {
          await new Promise((r) => setTimeout(r, 200));
          text = await metrics.metrics();
        }
        expect(text).toMatch(/behaviour_handling_ms\{[^}]*behaviour="Slowpoke"[^}]*quantile="0.99"[^}]*\} [0-9.]+/);
        expect(text).toMatch(/behaviour_mailbox_wait_ms\{[^}]*behaviour="Slowpoke"/);
      } finally {
        metrics.close();
      }
    } finally {
      await system.stop();
    }
  }, 40_000);
});
