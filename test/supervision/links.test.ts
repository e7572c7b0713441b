import { describe, expect, it } from 'vitest';
import { ActorSystem, type ActorRef } from '../../index.js';
import { Linker, TrappingLinker } from '../fixtures/supervision/tree.js';

describe('links (OTP)', () => {
  it('a crash crosses a link to an actor on another worker, which stops; a trapping actor gets a signal instead', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', monitoring: false });
    try {
      const a = await system.spawn(Linker, { id: 'a', placement: { worker: 1 } });
      const b = await system.spawn(Linker, { id: 'b', placement: { worker: 2 } });
      const t = await system.spawn(TrappingLinker, { id: 't', placement: { worker: 2 } });
      await a.ask({ type: 'link', ref: b as ActorRef });
      await a.ask({ type: 'link', ref: t as ActorRef });
      const stopped = system.events.waitFor((e) => e.type === 'stopped' && e.actor === 'b', 5000);
      a.tell({ type: 'boom' });
      const ev = await stopped;
      expect(String(ev.reason)).toMatch(/^linked:a:crashed: linked boom/);
      await expect(b.ask({ type: 'exits' }, { timeoutMs: 1000 })).rejects.toThrow(/b/);
      // The trapping actor lives on and saw the exit.
      const exits = await t.ask<string[]>({ type: 'exits' });
      expect(exits).toEqual(['a:crashed: linked boom']);
      // a itself was restarted in place (default supervision) and still answers.
      expect(await a.ask({ type: 'exits' })).toEqual([]);
    } finally {
      await system.stop();
    }
  });

  it('a normal stop does not cross a link', async () => {
    const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', monitoring: false });
    try {
      const a = await system.spawn(Linker, { id: 'a', placement: { worker: 1 } });
      const b = await system.spawn(Linker, { id: 'b', placement: { worker: 2 } });
      await a.ask({ type: 'link', ref: b as ActorRef });
      await system.stopActor(a);
      await new Promise((r) => setTimeout(r, 100));
      expect(await b.ask({ type: 'exits' })).toEqual([]);
    } finally {
      await system.stop();
    }
  });
});
