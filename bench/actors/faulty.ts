import { defineActor, defineSupervisor } from '../../index.js';

/** Answers `get`; throws on `throw`; takes its worker down on `exit`. */
export const Faulty = defineActor({
  name: 'Faulty', module: import.meta.url,
  init: () => 0,
  receive: (n: number, msg: string, ctx) => {
    if (msg === 'throw') throw new Error('injected failure');
    if (msg === 'exit') process.exit(7);
    ctx.reply(n);
  },
});

/** Supervises one Faulty child with an intensity high enough for a restart benchmark. */
export const RestartProbe = defineSupervisor({
  name: 'RestartProbe', module: import.meta.url, strategy: 'one-for-one',
  intensity: { maxRestarts: 1_000_000, withinMs: 1000 },
  children: [{ id: 'probe', start: { behaviour: Faulty } }],
});
