import { describe, expect, it } from 'vitest';
import {
  ActorFailedError, ActorNotFoundError, AskTimeoutError, TroupeError, type ActorRef,
} from '../../index.js';
import { UnserializableMessageError } from '../../index.js';
import { Counter, Echo, Recorder } from '../fixtures/behaviours.js';
import { Asker, BigReply, type AskerResult } from '../fixtures/runtime/actors.js';
import { rejection, withSystem } from './helpers.js';

describe('ask', () => {
  it('resolves with the reply value (primitives and structured values, by ref and by id)', async () => {
    await withSystem(async (system) => {
      const echo = await system.spawn(Echo, { id: 'echo', placement: { worker: 1 } });
      expect(await echo.ask(42)).toBe(42);
      expect(await echo.ask(1.5)).toBe(1.5);
      expect(await echo.ask('hé ✓')).toBe('hé ✓');
      expect(await echo.ask(null)).toBe(null);
      expect(await echo.ask(true)).toBe(true);
      const structured = { type: 'x', list: [1, 2, { deep: 'yes' }], when: new Date(0), set: new Set([1, 2]), bytes: new Uint8Array([7, 8]) };
      expect(await echo.ask(structured)).toEqual(structured);
      expect(await system.ask('echo', { type: 'by-id', n: 7 })).toEqual({ type: 'by-id', n: 7 });

      const counter = await system.spawn(Counter, { id: 'counter', placement: { worker: 2 }, args: 5 });
      counter.tell('inc');
      counter.tell('inc');
      expect(await counter.ask('get')).toBe(7);
    });
  });

  it('a Map inside a message is refused with a typed error (msgpack would turn it into an object); a Set crosses as a Set', async () => {
    await withSystem(async (system) => {
      const echo = await system.spawn(Echo, { id: 'echo', placement: { worker: 1 } });
      const withMap = { type: 'with-map', byName: new Map([['k', 1]]) };
      expect(() => echo.tell(withMap)).toThrow(UnserializableMessageError);
      expect(() => echo.tell(withMap)).toThrow(/byName is a Map/);
      const withSet = { type: 'with-set', tags: new Set(['a', 'b']), at: new Date(0) };
      const back = await echo.ask<typeof withSet>(withSet);
      expect(back.tags).toBeInstanceOf(Set);
      expect(back).toEqual(withSet);
    });
  });

  it('many concurrent asks each get their own answer', async () => {
    await withSystem(async (system) => {
      const e1 = await system.spawn(Echo, { id: 'e1', placement: { worker: 1 } });
      const e2 = await system.spawn(Echo, { id: 'e2', placement: { worker: 2 } });
      const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? e1 : e2).ask({ type: 'n', i })));
      expect(answers).toEqual(Array.from({ length: 2000 }, (_, i) => ({ type: 'n', i })));
    });
  });

  it('times out with AskTimeoutError naming actor id, message type and elapsed ms (message and context)', async () => {
    await withSystem(async (system) => {
      // Recorder never replies to anything but 'dump'.
      const rec = await system.spawn(Recorder, { id: 'silent-recorder', placement: { worker: 1 } });
      const started = performance.now();
      const err = await rejection(rec.ask({ type: 'status-request', n: 1 }, { timeoutMs: 150 }));
      const waited = performance.now() - started;
      expect(err).toBeInstanceOf(AskTimeoutError);
      const e = err as AskTimeoutError;
      expect(e).toBeInstanceOf(TroupeError);
      expect(e.code).toBe('ERR_ASK_TIMEOUT');
      expect(e.context.actor).toBe('silent-recorder');
      expect(e.context.messageType).toBe('status-request');
      expect(typeof e.context.elapsedMs).toBe('number');
      expect(e.context.elapsedMs as number).toBeGreaterThanOrEqual(145);
      expect(e.context.elapsedMs as number).toBeLessThanOrEqual(Math.ceil(waited) + 1);
      expect(e.message).toContain('silent-recorder');
      expect(e.message).toContain('status-request');
      expect(e.message).toContain(`${e.context.elapsedMs as number} ms`);
      // It did not wait for the default (5 s) timeout.
      expect(waited).toBeLessThan(2000);

      // The string message type is named too, via system.ask by id.
      const err2 = await rejection(system.ask('silent-recorder', 'ping', { timeoutMs: 50 }));
      expect(err2).toBeInstanceOf(AskTimeoutError);
      expect((err2 as AskTimeoutError).context).toMatchObject({ actor: 'silent-recorder', messageType: 'ping' });
    });
  });

  it('to an unknown id rejects at once with ActorNotFoundError naming the id', async () => {
    await withSystem(async (system) => {
      const started = performance.now();
      const err = await rejection(system.ask('nobody-home', 'get', { timeoutMs: 3000 }));
      expect(performance.now() - started).toBeLessThan(500);
      expect(err).toBeInstanceOf(ActorNotFoundError);
      expect((err as ActorNotFoundError).code).toBe('ERR_ACTOR_NOT_FOUND');
      expect((err as ActorNotFoundError).context.actor).toBe('nobody-home');
      expect((err as Error).message).toContain('nobody-home');
    });
  });

  it('to a stopped actor by ref rejects quickly with ActorNotFoundError (not a timeout)', async () => {
    await withSystem(async (system) => {
      const c = await system.spawn(Counter, { id: 'gone', placement: { worker: 2 } });
      await system.stopActor(c);
      const started = performance.now();
      const err = await rejection(c.ask('get', { timeoutMs: 3000 }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(err).toBeInstanceOf(ActorNotFoundError);
      expect((err as ActorNotFoundError).context.actor).toBe('gone');
    });
  });

  it('whose handler throws rejects with ActorFailedError naming actor, message type and worker', async () => {
    await withSystem(async (system) => {
      const c = await system.spawn(Counter, { id: 'fragile', placement: { worker: 2 } });
      const err = await rejection(c.ask('boom'));
      expect(err).toBeInstanceOf(ActorFailedError);
      const e = err as ActorFailedError;
      expect(e.code).toBe('ERR_ACTOR_FAILED');
      expect(e.context).toMatchObject({ actor: 'fragile', messageType: 'boom', worker: 2 });
      expect(e.message).toContain("'fragile'");
      expect(e.message).toContain("'boom'");
      expect(e.message).toContain('worker 2');
      expect(e.message).toContain('boom requested');
      // The actor is still there (restarted) and answers.
      expect(await c.ask('get')).toBe(0);
    });
  });

  it('a reply that cannot be sent (larger than a ring carries) rejects the ask at once instead of timing out', async () => {
    await withSystem(async (system) => {
      const big = await system.spawn(BigReply, { id: 'big', placement: { worker: 1 } });
      const started = performance.now();
      const err = await rejection(big.ask({ type: 'big', n: 800_000 }, { timeoutMs: 3000 }), 5000);
      const waited = performance.now() - started;
      // Any error that says why (the handler's ActorFailedError, or the transport's size error) is
      // fine; waiting for the ask timeout is not.
      expect((err as Error).name).not.toBe('AskTimeoutError');
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/ring|ringBytes|too large|does not fit/);
      expect(waited).toBeLessThan(2500);
      // The actor is still serving.
      expect(await big.ask('ping')).toBe('pong');
    });
  });

  it('from inside an actor to an actor on another worker works like from the main thread', async () => {
    await withSystem(async (system) => {
      const asker = await system.spawn(Asker, { id: 'asker', placement: { worker: 1 } });
      const remote = await system.spawn(Echo, { id: 'remote-echo', placement: { worker: 2 } });
      const local = await system.spawn(Echo, { id: 'local-echo', placement: { worker: 1 } });
      const payload = { type: 'q', data: [1, 'two', { three: 3 }] };
      for (const target of [remote, local] as ActorRef[]) {
        const viaCtx = await asker.ask<AskerResult>({ type: 'ctx-ask', target, message: payload });
        expect(viaCtx).toEqual({ ok: true, value: payload, worker: 1 });
        const viaRef = await asker.ask<AskerResult>({ type: 'ref-ask', target, message: payload });
        expect(viaRef).toEqual({ ok: true, value: payload, worker: 1 });
      }
      // And the main thread asking the same actor gets the same answer.
      expect(await remote.ask(payload)).toEqual(payload);
    });
  });

  it('from inside an actor: timeout and handler failure surface as typed errors across workers', async () => {
    await withSystem(async (system) => {
      const asker = await system.spawn(Asker, { id: 'asker', placement: { worker: 2 } });
      const rec = await system.spawn(Recorder, { id: 'mute', placement: { worker: 1 } });
      const fragile = await system.spawn(Counter, { id: 'fragile', placement: { worker: 1 } });
      const timedOut = await asker.ask<AskerResult>({ type: 'ctx-ask', target: rec as ActorRef, message: 'hello?', timeoutMs: 100 });
      expect(timedOut.ok).toBe(false);
      if (!timedOut.ok) {
        expect(timedOut.name).toBe('AskTimeoutError');
        expect(timedOut.context).toMatchObject({ actor: 'mute', messageType: 'hello?' });
      }
      const failed = await asker.ask<AskerResult>({ type: 'ctx-ask', target: fragile as ActorRef, message: 'boom' });
      expect(failed.ok).toBe(false);
      if (!failed.ok) {
        expect(failed.name).toBe('ActorFailedError');
        expect(failed.context).toMatchObject({ actor: 'fragile', messageType: 'boom', worker: 1 });
      }
    });
  });
});
