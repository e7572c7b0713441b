import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorSystem } from '../../index.js';
import { InvalidOptionError } from '../../index.js';
import { collectMetrics, SystemMetrics } from '../../metrics/index.js';
import { Tally } from '../fixtures/frontdoor/actors.js';
import { parseMetrics, startSystem, sumOf } from './helpers.js';

describe('SystemMetrics', () => {
  let system: ActorSystem;
  let metrics: SystemMetrics;

  beforeAll(async () => {
    system = await startSystem();
    metrics = collectMetrics(system);
    await system.spawn(Tally, { id: 'm/one', placement: { worker: 1 } });
    await system.spawn(Tally, { id: 'm/two', placement: { worker: 2 } });
  });

  afterAll(async () => {
    metrics.close();
    await system.stop({ deadlineMs: 2000 });
  });

  it('counts the known traffic per worker, actors per behaviour, and ask latency', async () => {
    for (let i = 0; i < 10; i++) system.tell('m/one', 'inc');
    for (let i = 0; i < 5; i++) system.tell('m/two', 'inc');
    expect(await metrics.timeAsk('m/one', 'get')).toBe(10);
    expect(await metrics.timeAsk('m/two', 'get')).toBe(5);

    const text = await metrics.metrics();
    const m = parseMetrics(text);
    expect(metrics.contentType).toContain('text/plain');
    expect(text).toContain('# TYPE troupe_messages_handled_total counter');
    expect(m.get('troupe_messages_handled_total{worker="1"}')).toBe(11);
    expect(m.get('troupe_messages_handled_total{worker="2"}')).toBe(6);
    expect(m.get('troupe_worker_actors{worker="1"}')).toBe(1);
    expect(m.get('troupe_worker_actors{worker="2"}')).toBe(1);
    expect(m.get('troupe_worker_mailbox_depth{worker="1"}')).toBe(0);
    expect(m.get('troupe_workers')).toBe(2);
    expect(m.get('troupe_actors{behaviour="Tally"}')).toBe(2);
    expect(m.get('troupe_ask_duration_seconds_count{behaviour="Tally",outcome="ok"}')).toBe(2);
    expect(sumOf(m, 'troupe_stats_round_trip_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.get('troupe_alerts_active')).toBeGreaterThanOrEqual(0);
  });

  it('counts restarts, failures by error type and dead letters by reason; counters never go down', async () => {
    const before = parseMetrics(await metrics.metrics());
    const restarted = system.events.waitFor((e) => e.type === 'restart' && e.actor === 'm/one', 5000);
    system.tell('m/one', 'boom');
    await restarted;

    const two = system.lookup('m/two')!;
    await system.stopActor('m/two');
    const dead = system.deadLetters.waitFor((d) => d.target === 'm/two' && d.type === 'inc', 5000);
    system.tell(two, 'inc');
    const letter = await dead;

    const m = parseMetrics(await metrics.metrics());
    expect(m.get('troupe_restarts_total{worker="1",behaviour="Tally"}')).toBe(1);
    expect(m.get('troupe_events_total{type="restart"}')).toBe(1);
    expect(m.get('troupe_failures_total{error="Error"}')).toBe(1);
    expect(m.get('troupe_dead_letters_total{reason="handler-failed"}')).toBe(1);
    expect(m.get(`troupe_dead_letters_total{reason="${letter.reason.split(/[:\s]/)[0]}"}`)).toBe(1);
    expect(m.get('troupe_actors{behaviour="Tally"}')).toBe(1);
    // m/two's 6 handled messages left the worker's total when it stopped; the counter keeps them.
    expect(m.get('troupe_messages_handled_total{worker="2"}')).toBe(before.get('troupe_messages_handled_total{worker="2"}'));
    expect(m.get('troupe_messages_handled_total{worker="1"}')).toBeGreaterThanOrEqual(11);
  });

  it('validates its options, naming the option', () => {
    expect(() => collectMetrics(system, { prefix: 'bad prefix' })).toThrow(InvalidOptionError);
    expect(() => collectMetrics(system, { prefix: 'bad prefix' })).toThrow(/prefix/);
    expect(() => collectMetrics(system, { nope: 1 } as never)).toThrow(/nope/);
  });

  it('exports process metrics on request', async () => {
    const own = collectMetrics(system, { prefix: 'app_', processMetrics: true, labels: { service: 'test' } });
    try {
      const text = await own.metrics();
      expect(text).toContain('app_process_cpu_user_seconds_total');
      expect(text).toMatch(/app_worker_actors\{worker="1",service="test"\} 1/);
    } finally {
      own.close();
    }
  });
});
