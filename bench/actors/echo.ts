import { defineActor } from '../../index.js';

/** Answers every message with itself. */
export const Echo = defineActor({
  name: 'Echo', module: import.meta.url,
  init: () => null,
  receive: (_s: null, msg: number, ctx) => { ctx.reply(msg); },
});
