import { describe, expect, it } from 'vitest';
import {
  ActorFailedError, ActorSystem, BehaviourLoadError, DuplicateNameError, InvalidOptionError, MessageValidationError,
  UnserializableMessageError, defineActor, type ActorRef,
} from '../../index.js';
import { Cart, Counter, Forwarder, Recorder } from '../fixtures/behaviours.js';
import { AsyncCounter, BadSender, InitFails } from '../fixtures/runtime/actors.js';
import { Misnamed } from '../fixtures/runtime/misnamed.js';
import { collectDeadLetters, eventually, rejection, sleep, startSystem, thrown, withSystem } from './helpers.js';

class Point {
  constructor(readonly x: number, readonly y: number) {}
  norm(): number { return Math.hypot(this.x, this.y); }
}

describe('messages that fail the behaviour schema', () => {
  it('tell throws MessageValidationError naming the failing field; nothing is enqueued', async () => {
    await withSystem(async (system) => {
      const cart = await system.spawn(Cart, { id: 'cart', placement: { worker: 1 } });
      cart.tell({ type: 'add', item: 'apple', qty: 2 });

      const e1 = thrown(() => cart.tell({ type: 'add', item: '', qty: 100 }));
      expect(e1).toBeInstanceOf(MessageValidationError);
      expect((e1 as MessageValidationError).code).toBe('ERR_MESSAGE_INVALID');
      expect((e1 as MessageValidationError).context).toMatchObject({ actor: 'cart', field: 'item', messageType: 'add' });
      expect((e1 as Error).message).toContain("'item'");
      expect((e1 as Error).message).toContain('cart');

      const e2 = thrown(() => cart.tell({ type: 'add', item: 'pear', qty: -1000 }));
      expect(e2).toBeInstanceOf(MessageValidationError);
      expect((e2 as MessageValidationError).context.field).toBe('qty');

      const e3 = thrown(() => system.tell('cart', { type: 'add', item: 'plum', qty: 1.5 } as never));
      expect(e3).toBeInstanceOf(MessageValidationError);
      expect((e3 as MessageValidationError).context.field).toBe('qty');

      const e4 = thrown(() => cart.tell({ type: 'remove', item: 'x' } as never));
      expect(e4).toBeInstanceOf(MessageValidationError);

      for (let i = 0; i < 10; i++) cart.tell({ type: 'add', item: `i${i}`, qty: 3 });
      expect(await cart.ask({ type: 'total' })).toBe(2 + 30);
    });
  });

  it('ask with an invalid message rejects with MessageValidationError and enqueues nothing', async () => {
    await withSystem(async (system) => {
      const cart = await system.spawn(Cart, { id: 'cart', placement: { worker: 2 } });
      const err = await rejection(cart.ask({ type: 'add', item: 'x', qty: 0 }));
      expect(err).toBeInstanceOf(MessageValidationError);
      expect((err as MessageValidationError).context.field).toBe('qty');
      expect(await cart.ask({ type: 'total' })).toBe(0);
    });
  });

  it('an invalid message sent by an actor on another worker is refused, never counted, and dead-lettered', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const cart = await system.spawn(Cart, { id: 'cart', placement: { worker: 1 } });
      const fwd = await system.spawn(Forwarder, { id: 'fwd', placement: { worker: 2 }, args: cart as ActorRef });
      fwd.tell({ type: 'add', item: 'ok', qty: 1 });
      fwd.tell({ type: 'add', item: '', qty: 50 });
      fwd.tell({ type: 'add', item: 'ok2', qty: 2 });
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'cart'), (l) => l.length >= 1, 3000);
      expect(await eventually(() => cart.ask({ type: 'total' }), (t) => t === 3, 3000)).toBe(3);
      expect(letters.length).toBe(1);
      expect(letters[0]).toMatchObject({ target: 'cart', type: 'add', message: { type: 'add', item: '', qty: 50 } });
    });
  });
});

describe('payloads that cannot cross threads', () => {
  it('a function inside a message: tell throws UnserializableMessageError; nothing is enqueued', async () => {
    await withSystem(async (system) => {
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 1 } });
      rec.tell('first');
      const err = thrown(() => rec.tell({ type: 'with-callback', cb: () => 1 }));
      expect(err).toBeInstanceOf(UnserializableMessageError);
      expect((err as UnserializableMessageError).code).toBe('ERR_MESSAGE_UNSERIALIZABLE');
      expect((err as UnserializableMessageError).context).toMatchObject({ actor: 'rec', messageType: 'with-callback' });
      expect((err as Error).message).toContain('cb');
      rec.tell('last');
      expect(await rec.ask('dump')).toEqual(['first', 'last']);
    });
  });

  it('a class instance (top level or nested): tell throws UnserializableMessageError naming the class', async () => {
    await withSystem(async (system) => {
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 2 } });
      const top = thrown(() => rec.tell(new Point(1, 2)));
      expect(top).toBeInstanceOf(UnserializableMessageError);
      expect((top as Error).message).toContain('Point');
      const nested = thrown(() => rec.tell({ type: 'shape', points: [{ x: 0 }, new Point(3, 4)] }));
      expect(nested).toBeInstanceOf(UnserializableMessageError);
      expect((nested as Error).message).toContain('Point');
      expect((nested as UnserializableMessageError).context.messageType).toBe('shape');
      // By id, and via ask (rejects), too.
      expect(thrown(() => system.tell('rec', { p: new Point(0, 0) }))).toBeInstanceOf(UnserializableMessageError);
      expect(await rejection(rec.ask({ p: new Point(0, 0) }))).toBeInstanceOf(UnserializableMessageError);
      // Plain data, Dates, Maps and typed arrays are fine.
      rec.tell({ type: 'fine', when: new Date(5), bytes: new Uint8Array([1, 2]) });
      const seen = await rec.ask<unknown[]>('dump');
      expect(seen.length).toBe(1);
      expect(seen[0]).toMatchObject({ type: 'fine' });
    });
  });

  it('a bare function as the whole message: tell throws UnserializableMessageError; nothing is enqueued', async () => {
    await withSystem(async (system) => {
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 1 } });
      const fn = thrown(() => rec.tell(() => 'callback'));
      rec.tell('after');
      expect(await rec.ask('dump')).toEqual(['after']);
      expect(fn).toBeInstanceOf(UnserializableMessageError);
    });
  });

  it('a symbol as the whole message: tell throws UnserializableMessageError; nothing is enqueued', async () => {
    await withSystem(async (system) => {
      const rec = await system.spawn(Recorder, { id: 'rec', placement: { worker: 2 } });
      const sym = thrown(() => rec.tell(Symbol('token')));
      expect(sym).toBeInstanceOf(UnserializableMessageError);
      rec.tell('after');
      expect(await rec.ask('dump')).toEqual(['after']);
    });
  });

  it('a symbol sent while the ring is backlogged is refused at once and does not wedge the link', async () => {
    const system = await startSystem();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => { uncaught.push(err); };
    process.on('uncaughtException', onUncaught);
    try {
      const c = await system.spawn(Counter, { id: 'c', placement: { worker: 1 } });
      // More than the 1 MiB ring holds: the rest waits in the link's spill queue.
      for (let i = 0; i < 60_000; i++) c.tell('inc');
      const sym = thrown(() => (c as ActorRef).tell(Symbol('token')));
      for (let i = 0; i < 10; i++) c.tell('inc');
      const count = await c.ask('get', { timeoutMs: 2500 }).catch((e: Error) => e.name);
      expect({ thrown: (sym as Error | undefined)?.name, count, uncaught: uncaught.map((e) => (e as Error).message) })
        .toEqual({ thrown: 'UnserializableMessageError', count: 60_010, uncaught: [] });
    } finally {
      await system.stop({ deadlineMs: 1000 }).catch(() => {
        // A wedged link can make stop() throw before the threads end: end them so this file can finish.
        for (const w of (system as unknown as { workers: { terminate(): Promise<number> }[] }).workers) void w.terminate();
      });
      process.off('uncaughtException', onUncaught);
    }
  });

  it('a function sent from inside an actor (same worker and other worker) is refused with UnserializableMessageError', async () => {
    await withSystem(async (system) => {
      const near = await system.spawn(Recorder, { id: 'near', placement: { worker: 1 } });
      const far = await system.spawn(Recorder, { id: 'far', placement: { worker: 2 } });
      const toNear = await system.spawn(BadSender, { id: 'to-near', placement: { worker: 1 }, args: near as ActorRef });
      const toFar = await system.spawn(BadSender, { id: 'to-far', placement: { worker: 1 }, args: far as ActorRef });
      expect(await toNear.ask('send')).toBe('UnserializableMessageError');
      expect(await toFar.ask('send')).toBe('UnserializableMessageError');
      await sleep(20);
      expect(await near.ask('dump')).toEqual([]);
      expect(await far.ask('dump')).toEqual([]);
    });
  });
});

describe('bad options and definitions', () => {
  it('spawn with an unknown option rejects with InvalidOptionError naming the option', async () => {
    await withSystem(async (system) => {
      const err = await rejection(system.spawn(Counter, { id: 'c', colour: 'red' } as never));
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
      expect((err as InvalidOptionError).context.option).toBe('colour');
      expect((err as Error).message).toContain('colour');
      const bad = await rejection(system.spawn(Counter, { mailbox: { capacity: 0 } }));
      expect(bad).toBeInstanceOf(InvalidOptionError);
      expect((bad as InvalidOptionError).context.option).toBe('mailbox.capacity');
      const overflow = await rejection(system.spawn(Counter, { mailbox: { capacity: 2, overflow: 'explode' as never } }));
      expect((overflow as InvalidOptionError).context.option).toBe('mailbox.overflow');
      expect(system.exists('c')).toBe(false);
    });
  });

  it('a duplicate id rejects with DuplicateNameError (sequential and concurrent)', async () => {
    await withSystem(async (system) => {
      await system.spawn(Counter, { id: 'dup', placement: { worker: 1 } });
      const err = await rejection(system.spawn(Recorder, { id: 'dup', placement: { worker: 2 } }));
      expect(err).toBeInstanceOf(DuplicateNameError);
      expect((err as DuplicateNameError).code).toBe('ERR_DUPLICATE_NAME');
      expect((err as DuplicateNameError).context.actor).toBe('dup');
      expect((err as Error).message).toContain('dup');
      // The original is untouched.
      expect(system.list().filter((a) => a.id === 'dup').map((a) => a.worker)).toEqual([1]);
      expect(await system.ask('dup', 'get')).toBe(0);

      const results = await Promise.allSettled([
        system.spawn(Counter, { id: 'race', placement: { worker: 1 } }),
        system.spawn(Counter, { id: 'race', placement: { worker: 2 } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DuplicateNameError);
      expect(system.list().filter((a) => a.id === 'race').length).toBe(1);
    });
  });

  it('ActorSystem.start rejects bad options with InvalidOptionError naming the option', async () => {
    const zero = await rejection(ActorSystem.start({ workers: 0 }));
    expect(zero).toBeInstanceOf(InvalidOptionError);
    expect((zero as InvalidOptionError).context.option).toBe('workers');
    expect((zero as Error).message).toContain('workers');

    const bogus = await rejection(ActorSystem.start({ bogus: 1 } as never));
    expect(bogus).toBeInstanceOf(InvalidOptionError);
    expect((bogus as InvalidOptionError).context.option).toBe('bogus');
    expect((bogus as Error).message).toContain('bogus');

    const ring = await rejection(ActorSystem.start({ workers: 1, ringBytes: 100_000 }));
    expect((ring as InvalidOptionError).context.option).toBe('ringBytes');
  });

  it('a behaviour whose module lacks the declared export: spawn rejects with BehaviourLoadError naming module and export', async () => {
    await withSystem(async (system) => {
      const err = await rejection(system.spawn(Misnamed, { id: 'm' }));
      expect(err).toBeInstanceOf(BehaviourLoadError);
      const e = err as BehaviourLoadError;
      expect(e.code).toBe('ERR_BEHAVIOUR_LOAD');
      expect(e.context.export).toBe('NoSuchExport');
      expect(String(e.context.module)).toMatch(/\/test\/fixtures\/runtime\/misnamed\.js$/);
      expect(e.message).toContain('NoSuchExport');
      expect(e.message).toContain('misnamed.js');
      expect(system.exists('m')).toBe(false);
    });
  });

  it('a behaviour whose module does not exist: BehaviourLoadError naming the module', async () => {
    await withSystem(async (system) => {
      const Ghost = defineActor({ name: 'Ghost', module: 'file:///nonexistent/dir/ghost.js', init: () => 0, receive: () => undefined });
      const err = await rejection(system.spawn(Ghost));
      expect(err).toBeInstanceOf(BehaviourLoadError);
      expect((err as BehaviourLoadError).context).toMatchObject({ module: 'file:///nonexistent/dir/ghost.js', export: 'Ghost' });
      expect((err as Error).message).toContain('ghost.js');
    });
  });

  it('defineActor refuses a spec without import.meta.url as module', () => {
    const err = thrown(() => defineActor({ name: 'X', module: 'relative/x.js', init: () => 0, receive: () => undefined }));
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).context.option).toBe('module');
  });

  it('an actor whose init throws: spawn rejects and the id is not registered', async () => {
    await withSystem(async (system) => {
      const err = await rejection(system.spawn(InitFails, { id: 'nope', placement: { worker: 1 } }));
      expect((err as Error).message).toContain('init refuses to start');
      expect(system.exists('nope')).toBe(false);
      // The id can be used again.
      await system.spawn(Counter, { id: 'nope', placement: { worker: 1 } });
      expect(await system.ask('nope', 'get')).toBe(0);
    });
  });
});

describe('a handler that throws', () => {
  it('restarts the actor with its init state; messages queued behind the failure are all processed', async () => {
    await withSystem(async (system) => {
      const c = await system.spawn(Counter, { id: 'phoenix', placement: { worker: 1 }, args: 10 });
      // All queued together: the 3 incs after 'boom' wait in the mailbox while it fails.
      for (let i = 0; i < 5; i++) c.tell('inc');
      c.tell('boom');
      for (let i = 0; i < 3; i++) c.tell('inc');
      expect(await c.ask('get')).toBe(13);

      const restart = await system.events.waitFor((e) => e.type === 'restart' && e.actor === 'phoenix', 2000);
      expect(restart).toMatchObject({ type: 'restart', actor: 'phoenix', worker: 1, messageType: 'boom' });
      expect(typeof restart.at).toBe('number');
      expect(system.events.recent().filter((e) => e.type === 'restart' && e.actor === 'phoenix').length).toBe(1);
      expect(system.exists('phoenix')).toBe(true);
    });
  });

  it('past the restart intensity (more than 10 restarts in 10 s) the actor is stopped with a gave-up event', async () => {
    await withSystem(async (system) => {
      const dead = collectDeadLetters(system);
      const c = await system.spawn(Counter, { id: 'doomed', placement: { worker: 2 } });
      for (let i = 0; i < 11; i++) c.tell('boom');
      c.tell('boom');
      c.tell('inc');
      const gaveUp = await system.events.waitFor((e) => e.type === 'gave-up' && e.actor === 'doomed', 3000);
      expect(gaveUp).toMatchObject({ worker: 2, messageType: 'boom' });
      expect(system.events.recent().filter((e) => e.type === 'restart' && e.actor === 'doomed').length).toBe(10);
      expect(await eventually(() => system.exists('doomed'), (x) => !x, 2000)).toBe(false);
      // The message queued behind the last failure is a dead letter, not lost.
      const letters = await eventually(() => dead.letters.filter((l) => l.target === 'doomed'), (l) => l.some((x) => x.message === 'inc'), 2000);
      expect(letters.filter((l) => l.message === 'inc').map((l) => l.reason)).toEqual(['stopped']);
      expect(letters.filter((l) => l.reason === 'handler-failed').length).toBe(11);
    });
  });

  it('an async handler that rejects restarts the actor the same way', async () => {
    await withSystem(async (system) => {
      const c = await system.spawn(AsyncCounter, { id: 'async-phoenix', placement: { worker: 2 }, args: 100 });
      for (let i = 0; i < 4; i++) c.tell('inc');
      const err = await rejection(c.ask('boom'));
      expect(err).toBeInstanceOf(ActorFailedError);
      expect((err as ActorFailedError).context).toMatchObject({ actor: 'async-phoenix', messageType: 'boom', worker: 2 });
      for (let i = 0; i < 2; i++) c.tell('inc');
      expect(await c.ask('get')).toBe(102);
      const restart = await system.events.waitFor((e) => e.type === 'restart' && e.actor === 'async-phoenix', 2000);
      expect(restart).toMatchObject({ worker: 2, messageType: 'boom' });
    });
  });
});
