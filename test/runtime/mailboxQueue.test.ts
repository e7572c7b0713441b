import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../runtime/Mailbox.js';

/** A tiny deterministic PRNG, so a failure replays. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('Mailbox (the queue itself)', () => {
  it('keeps FIFO order and every triple through growth, wrap-around, deep floods and drains', () => {
    const mb = new Mailbox();
    const ref: number[] = [];
    let next = 0;
    const take = (): number => {
      mb.shift();
      expect(mb.sender).toBe(`s${mb.message as number}`);
      expect(mb.reply).toBe((mb.message as number) % 7);
      return mb.message as number;
    };
    const rnd = prng(42);
    const taken: number[] = [];
    for (const [pushes, shifts] of [[10, 3], [5000, 100], [3000, 7900], [1, 1], [2048, 0], [0, 2049], [4097, 4096]] as const) {
      let p = pushes;
      let s = shifts;
      while (p > 0 || s > 0) {
        if (p > 0 && (s === 0 || rnd() < 0.6)) {
          mb.push(next, `s${next}`, next % 7);
          ref.push(next++);
          p--;
        } else if (s > 0) {
          if (mb.size === 0) break;
          taken.push(take());
          s--;
        }
        expect(mb.size).toBe(ref.length - taken.length);
      }
    }
    expect(taken).toEqual(ref.slice(0, taken.length));
    const rest = mb.drain();
    expect(rest.filter((_, i) => i % 3 === 0)).toEqual(ref.slice(taken.length));
    expect(mb.size).toBe(0);
    mb.push('a', 'sa', 1);
    mb.shift();
    expect(mb.message).toBe('a');
  });

  it('unshiftAll puts stashed triples back in front of a deep queue, in order', () => {
    const mb = new Mailbox();
    for (let i = 0; i < 2500; i++) mb.push(i, undefined, undefined);
    for (let i = 0; i < 700; i++) mb.shift(); // the ring's head is now mid-array
    mb.unshiftAll(['x', undefined, undefined, 'y', undefined, undefined]);
    const got: unknown[] = [];
    while (mb.size > 0) { mb.shift(); got.push(mb.message); }
    expect(got).toEqual(['x', 'y', ...Array.from({ length: 1800 }, (_, i) => i + 700)]);
  });
});
