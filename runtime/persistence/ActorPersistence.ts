import type { Store } from '../../store/Store.js';
import type { ActorRef } from '../ActorRef.js';

/** A mailbox entry of a durable actor: the message and its sequence number in the durable log. */
export class Durable {
  constructor(readonly seq: number, readonly message: unknown) {}
}

export interface PersistenceSpec {
  /** Journal every message before delivery; replayed after a crash (default true). */
  mailbox?: boolean;
  /** Snapshot the state every N processed messages (default 100; 0 = never by count). */
  snapshotEvery?: number;
  /** ...and at least every T ms while messages flow (default 1000). */
  snapshotIntervalMs?: number;
}

interface StoredEnvelope {
  m: unknown;
  s?: [string, number, string];
}

/**
 * Durability of one actor: its durable mailbox log and its state snapshots, in the system's LMDB
 * store. A message leaves the log only once a snapshot covers it, so a restore (snapshot, then the
 * logged messages after its seq) handles every accepted message exactly once relative to the
 * restored state. With snapshots off, a message leaves the log once handled (at-least-once).
 */
export class ActorPersistence {
  readonly mailbox: boolean;
  private readonly every: number;
  private readonly intervalMs: number;
  private lastProcessed = 0;
  private lastAcked = 0;
  private sinceSnapshot = 0;
  private lastSnapshotAt = Date.now();
  /** State from the snapshot found at spawn, applied instead of `init`. */
  restored: { state: unknown } | undefined;
  /** Event sourcing: the last journal seq the state includes. */
  private eventSeq = 0;
  /** Event-sourced actors (behaviour has applyEvent): commands leave the log once handled. */
  eventSourced = false;
  /** The journal has been applied to this incarnation's state. */
  replayed = false;

  constructor(readonly store: Store, readonly actorId: string, readonly behaviour: string, spec: PersistenceSpec) {
    this.mailbox = spec.mailbox ?? true;
    this.every = spec.snapshotEvery ?? 100;
    this.intervalMs = spec.snapshotIntervalMs ?? 1000;
  }

  get snapshots(): boolean {
    return this.every > 0 || this.intervalMs > 0;
  }

  /**
   * Read what a previous incarnation left: the snapshot (kept for `init`) and the logged messages
   * after it, in order. Synchronous (LMDB reads are), so nothing can arrive in between.
   */
  recover(resolve: (id: string, node: number, behaviour: string) => ActorRef): { message: Durable; sender: ActorRef | undefined }[] {
    // The previous incarnation may have run on another thread and committed its last snapshot and
    // acks a moment ago: both reads must see its latest commit (this thread's cached read
    // transaction may predate it) and the same one (see Store.readLatest).
    const { snap, pending } = this.store.readLatest((txn) => ({
      snap: this.store.snapshots.load(this.actorId, txn),
      pending: this.mailbox ? this.store.mailboxes.recover<StoredEnvelope>(this.actorId, txn) : [],
    }));
    if (snap !== undefined && snap.behaviour === this.behaviour) {
      this.restored = { state: snap.state };
      this.lastProcessed = this.lastAcked = snap.seq;
      this.eventSeq = eventSeqOf(snap);
    }
    if (!this.mailbox) return [];
    const out: { message: Durable; sender: ActorRef | undefined }[] = [];
    for (const p of pending) {
      if (p.seq <= this.lastProcessed) {
        void this.store.mailboxes.ack(this.actorId, p.seq).catch(() => undefined); // covered by the snapshot
        continue;
      }
      const s = p.envelope.s;
      out.push({ message: new Durable(p.seq, p.envelope.m), sender: s ? resolve(s[0], s[1], s[2]) : undefined });
    }
    return out;
  }

  /** Log an incoming message; `committed` resolves once it is durable. */
  journal(message: unknown, sender: ActorRef | undefined): { entry: Durable; committed: Promise<void> } {
    const envelope: StoredEnvelope = sender ? { m: message, s: [sender.id, sender.node, sender.behaviour] } : { m: message };
    let seq = 0;
    const committed = this.store.mailboxes.append(this.actorId, envelope).then((r) => { seq = r.seq; });
    // The allocator hands out the seq synchronously inside append; read it back from the log's
    // counter so the mailbox entry carries it now.
    seq = this.store.mailboxes.lastSeq(this.actorId);
    return { entry: new Durable(seq, message), committed };
  }

  /**
   * Event sourcing: rebuild the state from the snapshot's state (or `init`'s) and the journaled
   * events after it, in order.
   */
  replayEvents(state: unknown, apply: (state: unknown, event: unknown) => unknown): unknown {
    for (const e of this.store.journal.read(this.actorId, this.eventSeq + 1)) {
      const next = apply(state, e.event);
      if (next !== undefined) state = next;
      this.eventSeq = e.seq;
    }
    return state;
  }

  /**
   * Event sourcing, after a restart of the same actor (its handler failed): its journal is still
   * the truth, so the state is rebuilt from the latest snapshot (or `init`'s state) and the events
   * after it, as a recovery does. Without this, a restart would start from `init` alone and the next
   * snapshot would make the loss of every journaled event permanent.
   */
  rebuild(initState: unknown, apply: (state: unknown, event: unknown) => unknown): unknown {
    const snap = this.store.readLatest((txn) => this.store.snapshots.load(this.actorId, txn));
    const own = snap !== undefined && snap.behaviour === this.behaviour;
    this.eventSeq = own ? eventSeqOf(snap) : 0;
    return this.replayEvents(own ? snap.state : initState, apply);
  }

  /**
   * Journal an event; resolves once committed. The state has the event applied already (see
   * CellContext.persist), so the event's seq counts from now: a snapshot taken before the commit
   * resolves must record it, or a replay would apply the event a second time. (The snapshot is
   * written after the event in the same environment, so it cannot be durable without it.)
   */
  persistEvent(event: unknown): Promise<number> {
    const committed = this.store.journal.append(this.actorId, event);
    const seq = this.store.journal.lastSeq(this.actorId);
    if (seq > this.eventSeq) this.eventSeq = seq;
    return committed;
  }

  /** A logged message was handled (or failed for good). */
  processed(seq: number, state: unknown): void {
    this.lastProcessed = seq;
    if (this.eventSourced) {
      // The events it produced are the truth; replaying the command would produce them twice.
      this.ackUpTo(seq);
      this.sinceSnapshot++;
      if (this.every > 0 && this.sinceSnapshot >= this.every) void this.snapshot(state);
      return;
    }
    if (!this.snapshots) {
      this.ackUpTo(seq);
      return;
    }
    this.sinceSnapshot++;
    if ((this.every > 0 && this.sinceSnapshot >= this.every) || (this.intervalMs > 0 && Date.now() - this.lastSnapshotAt >= this.intervalMs)) {
      void this.snapshot(state);
    }
  }

  /**
   * A message that is not in a durable log was handled (the actor keeps snapshots without a durable
   * mailbox): the snapshot cadence counts it, as processed() counts logged ones.
   */
  handledUnlogged(state: unknown): void {
    if (this.mailbox || (!this.snapshots && !this.eventSourced)) return;
    this.sinceSnapshot++;
    if ((this.every > 0 && this.sinceSnapshot >= this.every) || (!this.eventSourced && this.intervalMs > 0 && Date.now() - this.lastSnapshotAt >= this.intervalMs)) {
      void this.snapshot(state);
    }
  }

  /** Save the state as of the last handled message, then drop the log entries it covers. */
  snapshot(state: unknown): Promise<void> {
    const seq = this.lastProcessed;
    this.sinceSnapshot = 0;
    this.lastSnapshotAt = Date.now();
    const saved = this.store.snapshots.save(this.actorId, { state, seq, behaviour: this.behaviour, meta: { eventSeq: this.eventSeq } });
    return saved.then(() => this.ackUpTo(seq));
  }

  private ackUpTo(seq: number): void {
    if (!this.mailbox) return;
    for (let s = this.lastAcked + 1; s <= seq; s++) void this.store.mailboxes.ack(this.actorId, s).catch(() => undefined);
    if (seq > this.lastAcked) this.lastAcked = seq;
  }
}

/** The last journaled event a snapshot's state includes (0: none, or no event sourcing). */
function eventSeqOf(snap: { meta?: Record<string, unknown> | undefined }): number {
  return typeof snap.meta?.eventSeq === 'number' ? snap.meta.eventSeq : 0;
}
