import { defineActor } from '../../index.js';

/** Answers every ask with the message it got: what the gateway load test asks. */
export const Echo = defineActor({
  name: 'Echo',
  module: import.meta.url,
  init: () => null,
  receive: (_s: null, msg: unknown, ctx) => {
    ctx.reply(msg);
  },
});
