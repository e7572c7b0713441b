import { describe, expect, it } from 'vitest';
import { ActorNotFoundError, type DeadLetter } from '../../index.js';
import { Counter } from '../fixtures/behaviours.js';
import { Sink, type SinkPostStop } from '../fixtures/runtime/actors.js';
import { collectDeadLetters, collectTopic, eventually, range, rejection, sleep, thrown, withSystem } from './helpers.js';

describe('dead letters', () => {
  it('a tell to a stopped actor (by ref) becomes a dead letter with target, type, message and reason', async () => {
    await withSystem(async (system) => {
      const c = await system.spawn(Counter, { id: 'late', placement: { worker: 2 } });
      await system.stopActor(c);
      expect(system.exists('late')).toBe(false);
      const dead = collectDeadLetters(system);
      c.tell('inc');
      const letter = await system.deadLetters.waitFor((l) => l.target === 'late', 2000);
      expect(letter).toMatchObject({ target: 'late', type: 'inc', message: 'inc', worker: 2 });
      expect(typeof letter.reason).toBe('string');
      expect(letter.reason.length).toBeGreaterThan(0);
      expect(typeof letter.at).toBe('number');
      await sleep(20);
      expect(dead.letters.length).toBe(1);
      expect(system.deadLetters.count).toBeGreaterThanOrEqual(1);
      expect(system.deadLetters.recent(1)[0]).toEqual(letter);
    });
  });

  it('a tell by id to a stopped actor throws ActorNotFoundError at once', async () => {
    await withSystem(async (system) => {
      await system.spawn(Counter, { id: 'late', placement: { worker: 1 } });
      await system.stopActor('late');
      const err = thrown(() => system.tell('late', 'inc'));
      expect(err).toBeInstanceOf(ActorNotFoundError);
      expect((err as ActorNotFoundError).context.actor).toBe('late');
    });
  });

  it('messages left in the mailbox of an actor that stops become dead letters; sent = processed + dead', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const reports = collectTopic(system, 'sink');
      const sink = await system.spawn(Sink, { id: 'sink', placement: { worker: 1 }, args: { topic: 'sink', ms: 20, publishEach: true } });
      const N = 30;
      for (let i = 0; i < N; i++) sink.tell(i);
      // Stop it once it is under way (it publishes each message it has processed).
      await eventually(() => reports.items.length, (n) => n >= 2, 3000);
      await system.stopActor(sink);
      const report = (await eventually(() => reports.items.filter((i) => typeof i.message === 'object'), (r) => r.length >= 1, 2000))[0]!.message as SinkPostStop;
      const processed = report.processed as number[];
      const letters = dead.letters.filter((l) => l.target === 'sink');
      // Something was processed and something was left over (the stop came mid-way).
      expect(processed.length).toBeGreaterThan(0);
      expect(processed.length).toBeLessThan(N);
      expect(processed).toEqual(range(0, processed.length));
      expect(letters.map((l) => l.message)).toEqual(range(processed.length, N));
      expect(letters.every((l) => l.reason === 'stopped' && l.worker === 1)).toBe(true);
      expect(processed.length + letters.length).toBe(N);
    });
  });

  it('an ask left in the mailbox of an actor that stops rejects instead of hanging', async () => {
    await withSystem(async (system) => {
      const sink = await system.spawn(Sink, { id: 'sink', placement: { worker: 2 }, args: { topic: 't', ms: 0 } });
      await sink.ask({ type: 'hold', ms: 200 });
      const pending = sink.ask({ type: 'dump' }, { timeoutMs: 4000 });
      await system.stopActor(sink);
      const err = await rejection(pending, 3000);
      expect(err).toBeInstanceOf(ActorNotFoundError);
      expect((err as ActorNotFoundError).context.actor).toBe('sink');
    });
  });

  it('nothing is silently lost across many stops: every message is processed or dead-lettered', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const reports = collectTopic(system, 'acct');
      const ACTORS = 6;
      const PER = 200;
      const refs = [];
      for (let a = 0; a < ACTORS; a++) {
        refs.push(await system.spawn(Sink, { id: `s${a}`, placement: { worker: (a % 2) + 1 }, args: { topic: 'acct', ms: a % 3 } }));
      }
      for (let i = 0; i < PER; i++) for (const r of refs) r.tell(i);
      await sleep(30);
      await Promise.all(refs.map((r) => system.stopActor(r)));
      // Late sends to the stopped actors: dead letters too.
      for (const r of refs) r.tell(-1);
      const all = await eventually(
        () => ({ reports: reports.items.length, dead: dead.letters.length }),
        (s) => s.reports === ACTORS && s.dead >= 0,
        3000,
      );
      expect(all.reports).toBe(ACTORS);
      await eventually(() => dead.letters.filter((l) => l.message === -1).length, (n) => n === ACTORS, 3000);
      for (let a = 0; a < ACTORS; a++) {
        const id = `s${a}`;
        const report = reports.items.map((i) => i.message as SinkPostStop).find((m) => m.id === id)!;
        const letters = dead.letters.filter((l: DeadLetter) => l.target === id).map((l) => l.message as number);
        expect(report.processed.length + letters.length).toBe(PER + 1);
        expect([...(report.processed as number[]), ...letters.filter((m) => m !== -1)]).toEqual(range(0, PER));
        expect(letters.filter((m) => m === -1).length).toBe(1);
      }
    });
  });
});
