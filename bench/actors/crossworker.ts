import { defineActor, type ActorRef } from '../../index.js';

/** Counts arrivals; answers `get` (a string) with the count so far. */
export const Sink = defineActor({
  name: 'Sink', module: import.meta.url,
  init: () => ({ n: 0 }),
  receive: (s: { n: number }, msg: number | 'get', ctx) => {
    if (msg === 'get') ctx.reply(s.n);
    else s.n++;
  },
});

/**
 * Sends `n` small messages to a sink on another worker, in chunks between which it yields (a message
 * to itself), then asks the sink for its count and answers the original asker with the elapsed ms.
 */
export const Source = defineActor({
  name: 'Source', module: import.meta.url,
  init: () => ({ left: 0, sink: undefined as ActorRef<number | 'get'> | undefined, total: 0, t0: 0, reply: undefined as ((v: unknown) => void) | undefined }),
  receive: async (s: { left: number; sink: ActorRef<number | 'get'> | undefined; total: number; t0: number }, msg: { n: number; sink: ActorRef<number | 'get'> } | 'go', ctx) => {
    if (msg !== 'go') {
      s.left = s.total = msg.n;
      s.sink = msg.sink;
      s.t0 = performance.now();
      // Send everything from inside this one handler, a chunk per event-loop turn, so the ring is
      // drained by the other worker while we keep writing.
      while (s.left > 0) {
        const chunk = Math.min(s.left, 8192);
        for (let i = 0; i < chunk; i++) ctx.tell(s.sink, i);
        s.left -= chunk;
        await new Promise((r) => setImmediate(r));
      }
      let got = 0;
      while ((got = await ctx.ask<number>(s.sink, 'get', { timeoutMs: 120_000 })) < s.total) await new Promise((r) => setTimeout(r, 1));
      ctx.reply({ ms: performance.now() - s.t0, count: got });
    }
  },
});
