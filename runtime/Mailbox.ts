import type { CellContext } from './CellContext.js';

/**
 * An actor's queue: a growable ring of (message, sender, reply) triples in one flat array.
 *
 * One flat array and no envelope object per message keeps the hot path allocation-free; `shift`
 * leaves the triple in public fields instead of returning a tuple for the same reason. The array is
 * allocated on the first message, so an idle actor costs no queue memory at all.
 */
export class Mailbox {
  private buf: unknown[] | undefined = undefined;
  private head = 0;
  private mask = 0;
  size = 0;
  // The triple taken by the last shift().
  message: unknown = undefined;
  sender: unknown = undefined;
  reply: unknown = undefined;
  // The actor's counters that only matter once it has been sent something, kept here so an actor
  // that never was pays no field for them (see ActorCell).
  /** Messages handled. */
  handled = 0;
  /** The scheduler pass the actor last ran in. */
  lastPass = 0;
  /** A sampled message: how many shifts until it is taken (0: none). */
  sampleLeft = 0;
  /** When the sampled message was enqueued. */
  sampleAt = 0;
  /**
   * The actor's context, made on first use: kept here rather than on the cell because an actor
   * that takes a context is one that gets messages, and an idle actor then pays no field for it.
   */
  ctx: CellContext | undefined = undefined;

  push(message: unknown, sender: unknown, reply: unknown): void {
    let buf = this.buf;
    if (buf === undefined) {
      // Most actors that get a message get few: the first queue holds exactly one triple (mask 0).
      this.buf = [message, sender, reply];
      this.size = 1;
      return;
    }
    if (this.size * 3 === buf.length) buf = this.grow();
    const i = ((this.head + this.size) & this.mask) * 3;
    buf[i] = message;
    buf[i + 1] = sender;
    buf[i + 2] = reply;
    this.size++;
  }

  shift(): void {
    const buf = this.buf!;
    const i = this.head * 3;
    this.message = buf[i];
    this.sender = buf[i + 1];
    this.reply = buf[i + 2];
    buf[i] = buf[i + 1] = buf[i + 2] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  /** Put triples back in front, first one first (unstash). */
  unshiftAll(triples: unknown[]): void {
    const n = triples.length / 3;
    if (n === 0) return;
    const rest: unknown[] = [];
    while (this.size > 0) {
      this.shift();
      rest.push(this.message, this.sender, this.reply);
    }
    this.head = 0;
    for (let i = 0; i < triples.length; i += 3) this.push(triples[i], triples[i + 1], triples[i + 2]);
    for (let i = 0; i < rest.length; i += 3) this.push(rest[i], rest[i + 1], rest[i + 2]);
  }

  /** Drain everything (stop, migration). */
  drain(): unknown[] {
    const out: unknown[] = [];
    while (this.size > 0) {
      this.shift();
      out.push(this.message, this.sender, this.reply);
    }
    this.message = this.sender = this.reply = undefined;
    this.buf = undefined;
    this.head = 0;
    this.mask = 0;
    return out;
  }

  private grow(): unknown[] {
    const old = this.buf!;
    const cap = (old.length / 3) * 2;
    // Built with push, never `new Array(n)`: V8 makes a large preallocated array a slow
    // dictionary, and a deep mailbox would then cost a hash lookup per message.
    const buf: unknown[] = [];
    for (let k = 0; k < this.size; k++) {
      const from = ((this.head + k) & this.mask) * 3;
      buf.push(old[from], old[from + 1], old[from + 2]);
    }
    for (let k = buf.length; k < cap * 3; k++) buf.push(undefined);
    this.buf = buf;
    this.head = 0;
    this.mask = cap - 1;
    return buf;
  }
}
